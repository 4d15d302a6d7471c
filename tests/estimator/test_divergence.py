"""Divergence judged against the loss of the initial parameters, for every optimizer
and every family: after the error the model holds the last good epoch or exactly
what it held before the call, and the message says which (npae.estimator.divergence).
Also: a second ``partial_fit`` for the families that keep training data for their
epoch hooks (OC-NN, DAGMM, DEC, VaDE)."""

import re

import numpy as np
import pytest

import npae
from npae import TrainingDivergedError
from npae.estimator.divergence import DIVERGENCE_FACTOR, Probe
from npae.estimator.registry import families

from test_transactions import assert_unchanged, snapshot

FAMILIES = sorted(families())
HUGE = {"optimizer": "adam", "learning_rate": 1e3}
KEPT = re.compile(r"the model keeps the parameters of epoch (\d+), the last good one\. Try")


def _data(n=24, d=7, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, d)), np.arange(n) % 3


def _settings(cls, **extra):
    return {**cls._examples[0], "epochs": 4, "batch_size": 8, **extra}


def _probe_loss(model, X, y):
    """The probe's loss (the first batch_size rows) of the model's current parameters."""
    return Probe(model, X, y, None, model.batch_size).initial


def _bound(initial):
    return DIVERGENCE_FACTOR * max(1.0, abs(initial))


@pytest.mark.parametrize("key", FAMILIES)
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_a_huge_rate_from_scratch_raises_and_keeps_nothing_diverged(key, optimizer):
    cls = families()[key]
    X, y = _data()
    y = y if cls._uses_labels else None
    huge = {**HUGE, "optimizer": optimizer}
    model = cls(**_settings(cls, **huge))
    with np.errstate(all="ignore"), pytest.raises(TrainingDivergedError) as info:
        model.fit(X, y)
    message = str(info.value)
    assert re.search(r"initial loss|NaN or infinite|non-finite", message) and "learning_rate=1000.0" in message
    kept = KEPT.search(message)
    if kept is None:  # "unchanged (still not fitted)", and truly so
        assert "the model is unchanged (still not fitted)" in message
        assert not hasattr(model, "params_")
        with pytest.raises(npae.NotFittedError):
            model.transform(X)
    else:  # the parameters of that epoch: those of a fit that stops there, bit for bit
        epochs = int(kept.group(1))
        ref = cls(**_settings(cls, **{**huge, "epochs": epochs})).fit(X, y)
        for k in ref.params_:
            np.testing.assert_array_equal(model.params_[k], ref.params_[k])
        initial = _probe_loss(cls(**_settings(cls)).initialize(X, y), X, y)
        assert abs(_probe_loss(model, X, y)) <= _bound(initial)


@pytest.mark.parametrize("key", FAMILIES)
@pytest.mark.parametrize("how", ["fit", "warm_start", "partial_fit"])
def test_a_refit_at_1e3_never_replaces_a_good_model_by_a_diverged_one(key, how):
    cls = families()[key]
    X, y = _data()
    y = y if cls._uses_labels else None
    model = cls(**_settings(cls, epochs=2)).fit(X, y)
    loss_before = _probe_loss(model, X, y)
    model.set_params(**HUGE, warm_start=how == "warm_start")
    before = snapshot(model)
    with np.errstate(all="ignore"):
        try:
            model.partial_fit(X, y) if how == "partial_fit" else model.fit(X, y)
        except TrainingDivergedError as exc:
            message = str(exc)
        else:
            message = None
    if message is not None and KEPT.search(message) is None:
        assert ("as before this call" in message if how == "partial_fit"
                else "the one fitted before this call, unchanged" in message), message
        assert_unchanged(model, before, X)
    else:  # returned, or kept a good epoch of this call: within the bound of its initial loss
        start = loss_before if how != "fit" else _probe_loss(cls(**_settings(cls)).initialize(X, y), X, y)
        assert abs(_probe_loss(model, X, y)) <= _bound(start)


def test_every_optimizer_is_judged_against_the_initial_loss():
    X, _ = _data()
    for optimizer in ("sgd", "momentum", "adam", npae.estimator.optim.Adam(1e3)):
        model = npae.Autoencoder(hidden=(4,), latent_dim=2, epochs=5, batch_size=8,
                                 optimizer=optimizer, learning_rate=1e3)
        with np.errstate(all="ignore"), pytest.raises(TrainingDivergedError,
                                                      match="initial loss|NaN or infinite"):
            model.fit(X)


def test_lbfgs_growth_past_the_bound_is_divergence():
    class Growing(npae.Autoencoder):  # a loss that grows 1e4-fold with every evaluation
        def _loss(self, params, X, y, rng, ops, grads):
            self._calls = getattr(self, "_calls", -1) + 1
            terms = super()._loss(params, X, y, rng, ops, grads)
            return {k: v * 1e4 ** self._calls for k, v in terms.items()}

    X, _ = _data()
    with np.errstate(all="ignore"), pytest.raises(TrainingDivergedError,
                                                  match=r"grew to \S+ \(initial loss: \S+\)"):
        Growing(hidden=(), latent_dim=2, optimizer="lbfgs", epochs=5).fit(X)


def test_the_cli_exits_3_on_a_huge_rate_and_saves_nothing(tmp_path, capsys):
    from npae import cli

    out = tmp_path / "m.npz"
    code = cli.main(["fit", "autoencoder", "--n", "100", "--set", "latent_dim=4",
                     "--set", "epochs=3", "--set", "verbose=False",
                     "--set", "learning_rate=1e9", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "initial loss" in err and "nothing was saved" in err and not out.exists()


# ----------------------------------------------------------- second partial_fit
@pytest.mark.parametrize("key", ["ocnn", "dagmm", "dec", "vade"])
def test_a_second_and_third_partial_fit_train_on_their_chunks(key):
    cls = families()[key]
    X, _ = _data(n=40)
    model = cls(**_settings(cls))
    model.partial_fit(X[:16]).partial_fit(X[16:28])
    theta = model._flat.flat.copy()
    model.partial_fit(X[28:])
    assert len(model.history_["loss"]) == 3 and not np.array_equal(theta, model._flat.flat)
    assert np.all(np.isfinite(model.transform(X)))
    if key in ("dec", "vade"):  # labels_ of the last chunk, as fit's are of its data
        np.testing.assert_array_equal(model.labels_, model.predict(X[28:]))
    if key == "dagmm":  # the mixture re-estimated on the last chunk
        ref = cls(**_settings(cls)).partial_fit(X[:16]).partial_fit(X[16:28]).partial_fit(X[28:])
        np.testing.assert_array_equal(ref.phi_, model.phi_)
    assert not hasattr(model, "_X_fit") and not hasattr(model, "_X_train")


class _JumpAfterTwo:
    """An lr_schedule whose factor jumps a millionfold after two epochs."""

    def factor(self, epoch, epochs, history):
        return 1.0 if epoch < 2 else 1e6


@pytest.mark.parametrize("key", FAMILIES)
def test_divergence_after_good_epochs_keeps_them_and_says_so_truly(key):
    cls = families()[key]
    X, y = _data()
    y = y if cls._uses_labels else None
    model = cls(**_settings(cls, epochs=6, lr_schedule=_JumpAfterTwo()))
    with np.errstate(all="ignore"):
        try:
            model.fit(X, y)
        except TrainingDivergedError as exc:
            message = str(exc)
        else:
            message = None
    initial = _probe_loss(cls(**_settings(cls)).initialize(X, y), X, y)
    if message is None:  # the family's loss stayed within the bound: nothing diverged
        assert abs(_probe_loss(model, X, y)) <= _bound(initial)
        return
    kept = KEPT.search(message)
    assert kept is not None and int(kept.group(1)) >= 2, message  # epochs 1-2 at the usual rate
    rate = model.learning_rate * 1e6
    assert f"(learning_rate={model.learning_rate}, scaled by lr_schedule to {rate:.3g})" in message
    assert len(model.history_["loss"]) == int(kept.group(1))  # fitted, with those epochs
    assert np.all(np.isfinite(model.transform(X)))
    assert abs(_probe_loss(model, X, y)) <= _bound(initial)
    # each family's own fitted state was derived (_after_fit), not left out
    own = {"dec": "labels_", "vade": "labels_", "dagmm": "phi_", "ocnn": "r_"}.get(key)
    if own is not None:
        assert np.all(np.isfinite(getattr(model, own)))


@pytest.mark.parametrize("key", ["dec", "vade"])
@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_continuing_a_fitted_model_does_not_pretrain_afresh_over_it(key, how):
    # A warm start or partial_fit after fit continues the fitted parameters: at a rate of
    # 1e-12 they barely move (pretraining afresh replaced the encoder: moved by ~1e-2).
    cls = families()[key]
    X, _ = _data(n=40)
    model = cls(**_settings(cls, epochs=3)).fit(X)
    W, init_labels = model.params_["encoder.0.W"].copy(), model.init_labels_.copy()
    model.set_params(learning_rate=1e-12, warm_start=how == "warm_start")
    model.partial_fit(X) if how == "partial_fit" else model.fit(X)
    assert np.max(np.abs(model.params_["encoder.0.W"] - W)) < 1e-9
    np.testing.assert_array_equal(model.init_labels_, init_labels)  # carried over
    assert model.labels_.shape == (40,)
