"""One suite for every registered family (``npae.registry.families()``), so that a new
family is covered the moment it is registered.

For each family and each of its ``_examples`` (small configurations): the
gradient check on both paths, batch path == reference path, the loss value
against an independent formula (``family_oracles.py``), save/load
bit-identical, clone/get_params/set_params, not-fitted errors, float32 stays
float32, same seed -> same bits, the common bad inputs, and a failed refit
that leaves the fitted model as it was.
"""

import inspect

import numpy as np
import pytest

import npae
from npae import NotFittedError, check_gradients
from npae.estimator.hyperparams import InvalidParameterError

from family_oracles import ORACLES
from helpers import assert_paths_agree, rel_diff

FAMILIES = npae.registry.families()
CASES = [pytest.param(key, i, id=f"{key}-{i}")
         for key, cls in FAMILIES.items() for i in range(len(cls._examples))]
KEYS = list(FAMILIES)
TRAIN = {"epochs": 2, "batch_size": 6}


def data(cls, n=12, d=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    y = np.arange(n) % 3 if cls._uses_labels else None
    return X, y


def make(key, i=0, **kw):
    cls = FAMILIES[key]
    return cls(**{**cls._examples[i], **TRAIN, **kw})


def fitted(key, i=0, **kw):
    model = make(key, i, **kw)
    X, y = data(type(model))
    return model.fit(X, y), X, y


# -------------------------------------------------------------- the maths
@pytest.mark.parametrize("key,i", CASES)
@pytest.mark.parametrize("vectorized", [True, False], ids=["batch", "reference"])
def test_gradient_check(key, i, vectorized):
    model, X, y = fitted(key, i)  # trained a little: away from the initial symmetry
    report = check_gradients(model, X, y, rng=5, vectorized=vectorized)
    assert report.passed, str(report)


@pytest.mark.parametrize("key,i", CASES)
def test_batch_path_equals_reference_path(key, i):
    model, X, y = fitted(key, i)
    lb, gb = model.loss_and_grads(X, y, rng=3, vectorized=True)
    lr, gr = model.loss_and_grads(X, y, rng=3, vectorized=False)
    assert rel_diff(lb, lr) < 1e-12
    assert_paths_agree(gb, gr)


@pytest.mark.parametrize("key,i", CASES)
def test_loss_value_matches_an_independent_formula(key, i):
    assert key in ORACLES, f"family {key!r} has no independent loss formula in family_oracles.py"
    model, X, y = fitted(key, i)
    loss, _ = model.loss_and_grads(X, y, rng=7)
    assert loss == pytest.approx(ORACLES[key](model, X, y, 7), rel=1e-10)
    terms = model.loss_terms(X, y, rng=7)
    assert sum(v for k, v in terms.items() if k not in type(model)._diagnostics) == pytest.approx(loss)


# ------------------------------------------------------------ persistence
@pytest.mark.parametrize("key,i", CASES)
def test_save_load_is_bit_identical(key, i, tmp_path):
    model, X, y = fitted(key, i)
    model.save(tmp_path / "m.npz")
    back = npae.load(tmp_path / "m.npz")
    assert type(back) is type(model)
    assert back.get_params().keys() == model.get_params().keys()
    for name, value in model.params_.items():
        assert back.params_[name].dtype == value.dtype
        np.testing.assert_array_equal(back.params_[name], value)
    np.testing.assert_array_equal(back.transform(X), model.transform(X))
    np.testing.assert_array_equal(back.reconstruct(X), model.reconstruct(X))
    assert back.loss_and_grads(X, y, rng=1)[0] == model.loss_and_grads(X, y, rng=1)[0]


# --------------------------------------------------- scikit-learn plumbing
@pytest.mark.parametrize("key", KEYS)
def test_init_stores_get_params_set_params_clone(key):
    cls = FAMILIES[key]
    params = cls._examples[0]
    model = cls(**params)
    for name, value in params.items():
        assert getattr(model, name) is value  # stored verbatim
    sig = inspect.signature(cls)
    assert list(sig.parameters) == list(model.get_params())
    assert all(p.kind is p.KEYWORD_ONLY for p in sig.parameters.values())
    copy = cls(**model.get_params())
    assert copy.get_params() == model.get_params()
    assert model.set_params(epochs=3) is model and model.epochs == 3
    with pytest.raises(ValueError, match="invalid parameter 'no_such'"):
        model.set_params(no_such=1)
    with pytest.raises(TypeError, match="unexpected keyword"):
        cls(no_such=1)
    assert repr(model).startswith(f"{cls.__name__}(")
    sk = pytest.importorskip("sklearn.base")
    assert sk.clone(model).get_params() == model.get_params()


@pytest.mark.parametrize("key", KEYS)
def test_not_fitted_errors(key):
    model = make(key)
    X, y = data(type(model))
    for call in (lambda: model.transform(X), lambda: model.reconstruct(X),
                 lambda: model.loss_and_grads(X, y), lambda: model.save("never.npz"),
                 lambda: model.score_samples(X)):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            call()


# ------------------------------------------------------ dtypes and seeds
@pytest.mark.parametrize("key", KEYS)
def test_float32_stays_float32(key):
    model, X, y = fitted(key, dtype="float32")
    assert all(v.dtype == np.float32 for v in model.params_.values())
    assert model.transform(X).dtype == np.float32
    assert model.reconstruct(X).dtype == np.float32


@pytest.mark.parametrize("key", KEYS)
def test_same_seed_same_bits_other_seed_other_bits(key):
    a, X, y = fitted(key, random_state=4)
    b, _, _ = fitted(key, random_state=4)
    c, _, _ = fitted(key, random_state=5)
    np.testing.assert_array_equal(a._flat.flat, b._flat.flat)
    assert not np.array_equal(a._flat.flat, c._flat.flat)


# ---------------------------------------------------------- bad input
@pytest.mark.parametrize("key", KEYS)
def test_common_bad_inputs(key):
    model = make(key)
    X, y = data(type(model))
    bad = X.copy()
    bad[2, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        model.fit(bad, y)
    with pytest.raises(ValueError, match="must be 2-D"):
        model.fit(X[0], y)
    with pytest.raises(TypeError, match="must hold numbers"):
        model.fit(np.full(X.shape, "a"), y)
    with pytest.raises(InvalidParameterError, match="epochs must be an integer >= 0, got '2'"):
        make(key, epochs="2").fit(X, y)
    model.fit(X, y)
    with pytest.raises(ValueError, match=r"X has 5 features, but \w+ is expecting 7 features"):
        model.transform(X[:, :5])


@pytest.mark.parametrize("key", KEYS)
def test_failed_refit_leaves_the_fitted_model_as_it_was(key):
    model, X, y = fitted(key)
    before = {k: v.copy() for k, v in model.params_.items()}
    codes = model.transform(X)
    wider = np.random.default_rng(1).random((12, 9))
    model.set_params(epochs="1")  # invalid: the refit fails before training
    with pytest.raises(InvalidParameterError):
        model.fit(wider, y)
    model.set_params(epochs=2)
    with pytest.raises(ValueError):
        model.fit(np.full((12, 9), np.inf), y)
    assert model.n_features_in_ == 7
    for k, v in before.items():
        np.testing.assert_array_equal(model.params_[k], v)
    np.testing.assert_array_equal(model.transform(X), codes)


# ------------------------------------------------------------- registry
@pytest.mark.parametrize("key", KEYS)
def test_registered_family_is_exported_and_listed(key):
    from npae import cli

    cls = FAMILIES[key]
    assert getattr(npae, cls.__name__) is cls and cls.__name__ in npae.__all__
    assert key in cli.FAMILIES
    assert npae.estimator.registry.family_key(cls) == key
    assert cls._examples and all(isinstance(e, dict) for e in cls._examples)


def test_a_user_subclass_named_like_a_stock_class_does_not_change_load(tmp_path):
    stock, X, _ = fitted("autoencoder")
    stock.save(tmp_path / "stock.npz")

    class Autoencoder(npae.Autoencoder):  # a user's own class, same bare name
        pass

    assert type(npae.load(tmp_path / "stock.npz")) is npae.Autoencoder
    mine = Autoencoder(**npae.Autoencoder._examples[0], **TRAIN).fit(X)
    with pytest.raises(TypeError, match="not a registered family"):
        mine.save(tmp_path / "mine.npz")
    with pytest.raises(ValueError, match="already registered"):
        npae.register("autoencoder")(Autoencoder)
    assert type(npae.load(tmp_path / "stock.npz")) is npae.Autoencoder


def test_an_incomplete_family_cannot_be_instantiated():
    class Half(npae.BaseAutoencoder):
        def _loss(self, params, X, y, rng, ops, grads):
            return {}

    with pytest.raises(TypeError, match="abstract"):
        Half()
