"""Nothing lost: a failed or interrupted fit leaves the model as it was (or, for
Ctrl-C and divergence, at a documented usable state), and a save that is killed
or runs out of disk never destroys the file that was there."""

import os
import random
import signal
import sys
import time

import numpy as np
import pytest

import npae
from npae import Autoencoder, TrainingDivergedError
from npae.estimator.registry import families

FAMILIES = sorted(families())


def _data(n=12, d=7, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, d)), np.arange(n) % 3


def _fitted(key, epochs=2, **extra):
    cls = families()[key]
    X, y = _data()
    model = cls(**{**cls._examples[0], "epochs": epochs, **extra})
    return model.fit(X, y if cls._uses_labels else None), X, y


def snapshot(model):
    """Everything a model holds, arrays copied (for bit-identical comparisons)."""
    out = {}
    for k, v in model.__dict__.items():
        if isinstance(v, np.ndarray):
            out[k] = ("array", v.dtype.str, v.shape, v.tobytes())
        elif isinstance(v, dict):
            out[k] = ("dict", repr({kk: (vv.tobytes() if isinstance(vv, np.ndarray) else repr(vv))
                                    for kk, vv in v.items()}))
        else:
            out[k] = ("obj", id(v))
    return out


def assert_unchanged(model, before, X):
    after = snapshot(model)
    assert after.keys() == before.keys()
    for k in before:
        assert after[k] == before[k], f"{k} changed"
    model.transform(X)  # and still usable


# ------------------------------------------------------------- failed refits
@pytest.mark.parametrize("key", FAMILIES)
def test_bad_validation_data_leaves_the_fitted_model_bit_identical(key):
    model, X, y = _fitted(key)
    before = snapshot(model)
    model.set_params(validation_data=np.ones((3, 5)))  # wrong width
    with pytest.raises(ValueError, match="validation_data has 5 features"):
        model.fit(X, y if model._uses_labels else None)
    model.set_params(validation_data=None)
    assert_unchanged(model, before, X)


@pytest.mark.parametrize("key", FAMILIES)
def test_failed_refit_on_a_new_width_leaves_the_model_bit_identical(key):
    model, X, y = _fitted(key)
    before = snapshot(model)
    X9 = np.random.default_rng(1).random((12, 9))
    model.set_params(validation_data=np.ones((3, 7)))  # fits the old width, not the new one
    with pytest.raises(ValueError):
        model.fit(X9, y if model._uses_labels else None)
    model.set_params(validation_data=None)
    assert_unchanged(model, before, X)
    assert model.n_features_in_ == 7


def test_refit_failing_while_building_the_network_leaves_the_model_bit_identical():
    model, X, _ = _fitted("concrete")
    before = snapshot(model)
    with pytest.raises(ValueError, match="n_selected"):
        model.fit(X[:, :2])  # fewer columns than features to select: _build refuses
    assert_unchanged(model, before, X)


def test_failed_clvae_refit_keeps_classes_and_sample():
    model, X, y = _fitted("clvae")
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"labels \[2\] are not among"):
        model.set_params(classes=[0, 1]).fit(X, y)
    model.set_params(classes=None)
    assert_unchanged(model, before, X)
    assert model.sample(4, rng=0).shape == (4, 7)


@pytest.mark.parametrize("bad", [dict(learning_rate=-1.0), dict(epochs="3"), dict(tied="False")])
def test_bad_hyperparameter_on_refit_leaves_the_model_bit_identical(bad):
    model, X, _ = _fitted("autoencoder")
    before, kept = snapshot(model), model.get_params()
    with pytest.raises((ValueError, TypeError)):
        model.set_params(**bad).fit(X)
    model.set_params(**kept)
    assert_unchanged(model, before, X)


# ---------------------------------------------------------------- Ctrl-C
@pytest.mark.parametrize("key", ["autoencoder", "vae", "aae"])
def test_ctrl_c_keeps_the_partly_trained_model_and_says_so(key, monkeypatch):
    cls = families()[key]
    original = cls._epoch_start

    def interrupt_at_third(self, epoch):
        if epoch == 2:
            raise KeyboardInterrupt
        original(self, epoch)

    monkeypatch.setattr(cls, "_epoch_start", interrupt_at_third)
    X, y = _data()
    model = cls(**{**cls._examples[0], "epochs": 10})
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y if cls._uses_labels else None)
    assert model.history_["interrupted"] is True
    assert len(model.history_["loss"]) == 2
    assert np.all(np.isfinite(model.transform(X)))


# ------------------------------------------------------------ divergence
def test_divergence_keeps_the_parameters_of_the_last_good_epoch():
    X = np.random.default_rng(0).random((40, 5)) * 100
    settings = dict(hidden=(), latent_dim=3, activation="identity", optimizer="sgd", learning_rate=3e-4,
                    epochs=60, batch_size=40, random_state=0)
    model = Autoencoder(**settings)
    with np.errstate(all="ignore"), pytest.raises(TrainingDivergedError) as info:
        model.fit(X)
    good = info.value.epoch  # epochs 0 .. good-1 completed
    assert good >= 1 and len(model.history_["loss"]) == good
    # The same seed trained for exactly the good epochs: bit-identical parameters.
    ref = Autoencoder(**{**settings, "epochs": good}).fit(X)
    for k in ref.params_:
        np.testing.assert_array_equal(model.params_[k], ref.params_[k])
    assert np.all(np.isfinite(model.transform(X)))


class _Exploding(Autoencoder):
    """An unregistered test family whose loss grows 1e4-fold per epoch but stays finite."""

    def _epoch_start(self, epoch):
        self._scale = 10.0 ** (4 * epoch)

    def _loss(self, params, X, y, rng, ops, grads):
        terms = super()._loss(params, X, y, rng, ops, grads)
        return {k: v * getattr(self, "_scale", 1.0) for k, v in terms.items()}


def test_a_finite_loss_past_the_bound_is_divergence():
    from npae.estimator.training import DIVERGENCE_FACTOR

    X, _ = _data()
    model = _Exploding(hidden=(), latent_dim=3, epochs=10, batch_size=12)
    # Epoch 2's loss is 1e4 times the initial one (> DIVERGENCE_FACTOR = 1e3): epoch 1 is kept.
    with pytest.raises(TrainingDivergedError, match=r"grew to \S+ \(initial loss: \S+\) at epoch 2 "
                       r".*; the model keeps the parameters of epoch 1, the last good one\. Try"):
        model.fit(X)
    assert DIVERGENCE_FACTOR == 1e3
    assert len(model.history_["loss"]) == 1


def test_divergence_in_the_first_epoch_leaves_a_fitted_model_bit_identical():
    model, X, _ = _fitted("autoencoder")
    before = snapshot(model)
    with np.errstate(all="ignore"), pytest.raises(TrainingDivergedError, match="at epoch 1"):
        model.fit(X * 1e160)  # finite data whose squared error overflows at once
    assert_unchanged(model, before, X)


def test_adam_with_a_huge_rate_raises_instead_of_finishing():
    X, _ = _data()
    with np.errstate(all="ignore"), pytest.raises(TrainingDivergedError):
        Autoencoder(hidden=(), latent_dim=4, learning_rate=1e64, epochs=20).fit(X * 50)


class _WrongGradient(Autoencoder):
    """An unregistered test family whose gradient has the wrong sign: L-BFGS cannot progress."""

    def _loss(self, params, X, y, rng, ops, grads):
        own = {k: np.zeros_like(v) for k, v in grads.items()}
        terms = super()._loss(params, X, y, rng, ops, own)
        for k in grads:
            grads[k] -= own[k]
        return terms


def test_lbfgs_that_stops_without_progress_warns_with_scipys_message():
    X, _ = _data()
    model = _WrongGradient(hidden=(), latent_dim=3, optimizer="lbfgs", epochs=50)
    with pytest.warns(npae.ConvergenceWarning,
                      match=r"L-BFGS stopped after 0 of 50 iterations: ABNORMAL.*optimizer='adam'"):
        model.fit(X)
    assert model.lbfgs_result_.nit == 0 and not model.lbfgs_result_.success


# ------------------------------------------------------------------- save
def _child(fn):
    """Run ``fn`` in a forked child; return its pid (the child never returns)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            fn()
        except BaseException as exc:
            code = 3 if isinstance(exc, OSError) else 4
        finally:
            os._exit(code)
    return pid


pytestmark_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


@pytestmark_fork
def test_killing_a_save_fifty_times_never_destroys_the_old_file(tmp_path):
    X = np.random.default_rng(0).random((20, 300))
    old = Autoencoder(hidden=(), latent_dim=200, epochs=0).fit(X)
    new = Autoencoder(hidden=(), latent_dim=200, epochs=0, random_state=1).fit(X)
    path = tmp_path / "model.npz"
    old.save(path)
    versions = {name: m.params_["encoder.0.W"].copy() for name, m in (("old", old), ("new", new))}
    t0 = time.perf_counter()
    new.save(tmp_path / "probe.npz")
    one_save = time.perf_counter() - t0
    rng = random.Random(0)
    seen, mid_write = {"old": 0, "new": 0}, 0

    def save_forever():
        while True:
            new.save(path)
            old.save(path)

    for _ in range(50):
        pid = _child(save_forever)
        time.sleep(rng.uniform(0.0, 3 * one_save))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        W = npae.load(path).params_["encoder.0.W"]  # loads every time
        which = [name for name, v in versions.items() if np.array_equal(W, v)]
        assert len(which) == 1
        seen[which[0]] += 1
        leftovers = list(tmp_path.glob(".npae-*.tmp"))
        mid_write += bool(leftovers)  # killed while writing the temporary file
        for f in leftovers:
            f.unlink()
    print(f"\n50 kills: {mid_write} during a write, file loaded 50/50 ({seen}); "
          f"one save {one_save * 1e3:.1f} ms")
    assert mid_write >= 10  # the kills did land inside saves


@pytestmark_fork
@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE semantics")
@pytest.mark.parametrize("sigxfsz", ["ignored", "kills"])
def test_a_file_size_limit_mid_save_keeps_the_old_file(tmp_path, sigxfsz):
    import resource

    X = np.random.default_rng(0).random((20, 300))
    old = Autoencoder(hidden=(), latent_dim=5, epochs=0).fit(X)
    big = Autoencoder(hidden=(), latent_dim=200, epochs=0).fit(X)  # ~1 MB: beyond the limit
    path = tmp_path / "model.npz"
    old.save(path)
    size = path.stat().st_size

    def limited_save():
        # Python ignores SIGXFSZ (write() then fails with EFBIG); the C default kills.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN if sigxfsz == "ignored" else signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4 * size, 4 * size))
        big.save(path)

    pid = _child(limited_save)
    _, status = os.waitpid(pid, 0)
    if sigxfsz == "ignored":
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3  # an OSError reached the caller
        assert not list(tmp_path.glob(".npae-*.tmp"))  # and the temporary file was removed
    else:
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXFSZ
    back = npae.load(path)
    np.testing.assert_array_equal(back.params_["encoder.0.W"], old.params_["encoder.0.W"])


def test_save_checks_the_target_before_any_work(tmp_path):
    model, X, _ = _fitted("autoencoder")
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        model.save(tmp_path / "missing" / "m.npz")
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        model.save(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_save_warns_about_each_hyperparameter_saved_as_none(tmp_path):
    model, X, _ = _fitted("autoencoder")
    model.set_params(random_state=np.random.default_rng(0), validation_data=X)
    with pytest.warns(UserWarning, match=r"saved as None .*validation_data \(ndarray\), "
                                         r"random_state \(Generator\)"):
        model.save(tmp_path / "m.npz")
    back = npae.load(tmp_path / "m.npz")
    assert back.random_state is None and back.validation_data is None


def test_a_concurrent_reader_sees_the_old_or_the_new_model_never_a_mix():
    import threading

    rng = np.random.default_rng(0)
    X7, X9 = rng.random((12, 7)), rng.random((12, 9))
    model = Autoencoder(hidden=(), latent_dim=3, epochs=1).fit(X7)
    stop, problems, reads = threading.Event(), [], [0]

    def reader():
        while not stop.is_set():
            for X in (X7, X9):
                try:
                    Z = model.transform(X)
                    if Z.shape != (12, 3) or not np.all(np.isfinite(Z)):
                        problems.append(Z.shape)
                    reads[0] += 1
                except ValueError as exc:  # the other width is installed: a clear error
                    if "features, but Autoencoder is expecting" not in str(exc):
                        problems.append(exc)
                except Exception as exc:  # noqa: BLE001 - a raw error would be a mix
                    problems.append(exc)

    thread = threading.Thread(target=reader)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often: a mix would show
    thread.start()
    try:
        for i in range(40):
            model.fit(X9 if i % 2 == 0 else X7)
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(interval)
    assert problems == [] and reads[0] > 0
