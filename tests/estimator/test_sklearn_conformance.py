"""scikit-learn's own conformance suite (``check_estimator``) on every registered
family, with the real restrictions declared as estimator tags, none skipped.

Each family runs with its first ``_examples`` configuration and 2 epochs, with
two changes that scikit-learn's tags cannot express, stated here:

- A Bernoulli likelihood (``loss="bce"``, ``likelihood="bernoulli"``) needs its
  input in [0, 1].  Tags declare ``positive_only`` (scikit-learn then checks
  that negative input is refused with "Negative values in data", tested below)
  but there is no tag for an upper bound, and the checks feed values up to
  ~100; the suite therefore runs on the family's squared-error / Gaussian
  setting (``loss="mse"``, ``likelihood="gaussian"``), everything else equal.
- The concrete autoencoder selects ``n_selected`` of the input columns, so it
  cannot select 3 of the 1 or 2 columns some checks use: ``n_selected=1``.

Labels are declared with ``target_tags.required`` (the CL-VAE); the AAE
ignores the ``y`` scikit-learn passes unless ``supervised=True``.
"""

import warnings

import numpy as np
import pytest

from npae.estimator.registry import families

sklearn = pytest.importorskip("sklearn", minversion="1.6")

#: the non-Bernoulli value of each setting that selects a Bernoulli likelihood
NOT_BERNOULLI = {"loss": "mse", "likelihood": "gaussian"}


def conformance_settings(cls):
    kw = {**cls._examples[0], "epochs": 2}
    kw.update({k: v for k, v in NOT_BERNOULLI.items() if k in cls._hyperparameters})
    if "n_selected" in cls._hyperparameters:
        kw["n_selected"] = 1
    return kw


@pytest.mark.parametrize("key", sorted(families()))
def test_check_estimator_passes(key):
    from sklearn.utils.estimator_checks import check_estimator

    cls = families()[key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(cls(**conformance_settings(cls)), on_fail=None)
    failed = [f"{r['check_name']}: {r['exception']}" for r in results if r["status"] == "failed"]
    skipped = [r["check_name"] for r in results if r["status"] == "skipped"]
    assert not failed, "\n".join(failed)
    # The one check scikit-learn itself skips: array-API input, which npae
    # (NumPy only) does not claim (array_api_support=False).
    assert len(results) >= 40 and set(skipped) <= {"check_array_api_input"}, skipped


@pytest.mark.parametrize("key", sorted(families()))
def test_tags_declare_the_real_restrictions(key):
    from sklearn.utils import get_tags

    cls = families()[key]
    model = cls(**cls._examples[0])
    tags = get_tags(model)
    assert tags.target_tags.required == bool(cls._uses_labels)
    assert tags.input_tags.positive_only == bool(model._needs_unit_interval())
    if model._needs_unit_interval():
        X = np.random.default_rng(0).random((12, 7)) - 0.5
        y = np.arange(12) % 3 if cls._uses_labels else None
        with pytest.raises(ValueError, match="Negative values in data"):
            model.fit(X, y)


def test_aae_ignores_y_unless_supervised():
    from npae import AdversarialAutoencoder

    X = np.random.default_rng(0).random((12, 7))
    y = np.arange(12) % 3
    kw = dict(AdversarialAutoencoder._examples[1], epochs=1)
    plain = AdversarialAutoencoder(**kw).fit(X, y)
    assert not plain.supervised_ and plain.classes_.size == 0
    np.testing.assert_array_equal(plain.transform(X),
                                  AdversarialAutoencoder(**kw).fit(X).transform(X))
    sup = AdversarialAutoencoder(**kw, supervised=True).fit(X, y)
    assert sup.supervised_ and sup.classes_.tolist() == [0, 1, 2]
