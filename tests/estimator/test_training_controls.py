"""Training controls: validation_fraction, early stopping, schedules, callbacks,
checkpoints, warm_start, partial_fit, out-of-core data and the progress output."""

import math
import os
import re
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import npae
from npae import Autoencoder, DenoisingAutoencoder, VariationalAutoencoder
from npae.estimator import progress
from npae.estimator import sources
from npae import StopTraining
from npae.estimator.streams import random_streams
from npae.estimator.training import Trainer
from npae.estimator.schedules import CosineDecay, ReduceOnPlateau, StepDecay


def _data(n=40, d=6, seed=0):
    return np.random.default_rng(seed).random((n, d))


def _trace(store):
    """A callback that keeps a copy of the parameters after every epoch."""
    def keep(model, epoch, logs):
        store.append((epoch, dict(logs), {k: v.copy() for k, v in model.params_.items()}))
    return keep


def _same(p, q):
    return all(np.array_equal(p[k], q[k]) for k in p) and p.keys() == q.keys()


# ------------------------------------------------------------- early stopping
def test_early_stopping_restores_the_best_epoch():
    # Outputs start near 0 and are pulled towards the training rows (0.5): the
    # loss on held-out rows at 0.3 first falls, then rises once outputs pass 0.3.
    X = np.full((32, 4), 0.5) + np.random.default_rng(0).normal(0, 0.01, (32, 4))
    Xv = np.full((8, 4), 0.3)
    seen = []
    ae = Autoencoder(hidden=(), latent_dim=2, activation="identity", optimizer="sgd", learning_rate=0.05,
                     batch_size=32, epochs=200, validation_data=Xv, early_stopping=True,
                     n_iter_no_change=3, tol=0.0, callbacks=[_trace(seen)]).fit(X)
    val = ae.history_["val_loss"]
    best = int(np.argmin(val))
    assert 0 < best < len(val) - 1 and val[-1] > val[best]  # it fell, then rose
    assert len(val) == best + 1 + 3 == ae.n_iter_ < 200  # stopped 3 epochs after the best
    assert ae.best_epoch_ == best
    assert _same(ae.params_, seen[best][2])  # the best epoch's parameters, bit for bit
    assert not _same(ae.params_, seen[-1][2])


def test_early_stopping_monitors_training_loss_without_validation_set():
    X = _data()
    ae = Autoencoder(hidden=(), latent_dim=3, epochs=30, early_stopping=True, n_iter_no_change=2,
                     tol=10.0).fit(X)  # no epoch improves by 10: stop after 1 + 2
    # (scikit-learn's rule: tol counts the epochs, the best epoch is the lowest loss)
    assert len(ae.history_["loss"]) == 3
    assert ae.best_epoch_ == int(np.argmin(ae.history_["loss"])) > 0
    assert ae.history_["val_loss"] == []


def test_early_stopping_keeps_the_best_epoch_when_training_diverges():
    class Explode:  # the rate jumps after 4 epochs: SGD diverges
        def factor(self, epoch, epochs, history):
            return 1.0 if epoch < 4 else 1e12

    seen = []
    ae = Autoencoder(hidden=(), latent_dim=3, optimizer="sgd", learning_rate=0.5, epochs=10,
                     validation_data=_data(8, seed=1), early_stopping=True,
                     lr_schedule=Explode(), callbacks=[_trace(seen)])
    with pytest.raises(npae.TrainingDivergedError):
        ae.fit(_data())
    best = int(np.argmin(ae.history_["val_loss"]))
    # Epoch 5 (index 4) is the first at the huge rate: its end parameters fail the probe.
    assert ae.best_epoch_ == best < 4 <= len(seen)
    assert _same(ae.params_, seen[best][2])


def test_validation_fraction_holds_out_rows_and_excludes_validation_data():
    X = _data(n=41)
    ae = Autoencoder(hidden=(), latent_dim=3, epochs=2, validation_fraction=0.25).fit(X)
    assert len(ae.history_["val_loss"]) == 2
    again = Autoencoder(hidden=(), latent_dim=3, epochs=2, validation_fraction=0.25).fit(X)
    assert _same(ae.params_, again.params_)  # the split comes from random_state
    with pytest.raises(ValueError, match="validation_fraction.*exclusive"):
        Autoencoder(validation_fraction=0.2, validation_data=X).fit(X)
    with pytest.raises(ValueError, match="no row to train on"):
        Autoencoder(validation_fraction=0.99).fit(X[:3])
    with pytest.raises(ValueError, match="validation_fraction must be"):
        Autoencoder(validation_fraction=1.5).fit(X)


def test_lbfgs_refuses_early_stopping_and_schedules():
    for setting in ({"early_stopping": True}, {"lr_schedule": "step"}):
        with pytest.raises(ValueError, match="not optimizer='lbfgs'"):
            Autoencoder(optimizer="lbfgs", **setting).fit(_data())


# ------------------------------------------------------------------ schedules
def test_schedules_give_the_documented_factors():
    assert [StepDecay(3, 0.5).factor(e, 10, []) for e in range(7)] == \
        [1, 1, 1, 0.5, 0.5, 0.5, 0.25]
    cos = CosineDecay(min_factor=0.1)
    assert cos.factor(0, 10, []) == 1.0
    assert cos.factor(5, 10, []) == pytest.approx(0.1 + 0.9 * 0.5)
    assert cos.factor(10, 10, []) == pytest.approx(0.1) == cos.factor(12, 10, [])
    plateau = ReduceOnPlateau(gamma=0.5, patience=2, tol=0.0)
    # improves, improves, flat, flat (-> 0.5), flat, flat (-> 0.25), improves
    hist = [3.0, 2.0, 2.0, 2.5, 2.0, 2.0, 1.0]
    assert [plateau.factor(len(h), 10, h) for h in (hist[:k] for k in range(8))] == \
        [1, 1, 1, 1, 0.5, 0.5, 0.25, 0.25]
    with pytest.raises(ValueError, match="gamma"):
        StepDecay(gamma=0)


def test_fit_applies_the_schedule_to_every_group_proportionally():
    ae = Autoencoder(hidden=(), latent_dim=3, epochs=5, learning_rate=0.01,
                     lr_schedule=StepDecay(step_size=2, gamma=0.1)).fit(_data())
    assert ae.history_["learning_rate"] == pytest.approx([0.01, 0.01, 1e-3, 1e-3, 1e-4])
    cos = Autoencoder(hidden=(), latent_dim=3, epochs=4, lr_schedule="cosine").fit(_data())
    assert cos.history_["learning_rate"] == pytest.approx(
        [1e-3 * 0.5 * (1 + math.cos(math.pi * e / 4)) for e in range(4)])
    # the concrete autoencoder: selector and decoder keep the ratio of their rates
    ca = npae.ConcreteAutoencoder(n_selected=2, decoder_hidden=(), selector_learning_rate=0.1,
                                  learning_rate=0.01).initialize(_data())
    trainer = Trainer(ca)
    trainer.scale_learning_rates(0.5)
    rates = sorted(opt.learning_rate for opt in trainer.optimizers())
    assert rates == pytest.approx([0.005, 0.05])


def test_a_schedule_is_what_the_optimizer_uses():
    # SGD whose rate is scaled by 1e-300 after epoch 0 no longer moves the parameters.
    class FirstEpochOnly:
        def factor(self, epoch, epochs, history):
            return 1.0 if epoch == 0 else 1e-300

    for schedule, moving in ((FirstEpochOnly(), False), (None, True)):
        seen = []
        Autoencoder(hidden=(), latent_dim=3, optimizer="sgd", epochs=3, lr_schedule=schedule,
                    callbacks=[_trace(seen)]).fit(_data())
        assert _same(seen[1][2], seen[2][2]) is not moving
    with pytest.raises(ValueError, match="factor must be a finite number > 0"):
        Autoencoder(lr_schedule=type("Bad", (), {"factor": lambda *a: 0.0})()).fit(_data())


# ------------------------------------------------------------------ callbacks
def test_a_callback_can_stop_training():
    logs_seen = []

    def stop_at_2(model, epoch, logs):
        logs_seen.append(logs)
        return epoch == 2

    ae = Autoencoder(hidden=(), latent_dim=3, epochs=50, validation_data=_data(8, seed=1),
                     callbacks=[stop_at_2]).fit(_data())
    assert len(ae.history_["loss"]) == 3 == ae.n_iter_
    assert set(logs_seen[0]) >= {"epoch", "loss", "val_loss", "reconstruction", "time"}
    assert logs_seen[-1]["loss"] == ae.history_["loss"][-1]

    def raise_stop(model, epoch, logs):
        if epoch == 1:
            raise StopTraining("enough")

    assert len(Autoencoder(hidden=(), latent_dim=3, epochs=50, callbacks=[raise_stop])
               .fit(_data()).history_["loss"]) == 2
    # L-BFGS too
    lb = Autoencoder(hidden=(), latent_dim=3, optimizer="lbfgs", epochs=50,
                     callbacks=[lambda m, e, logs: e == 1]).fit(_data())
    assert len(lb.history_["loss"]) == 2 and np.isfinite(lb.transform(_data())).all()


def test_a_failing_callback_leaves_the_old_model():
    X = _data()
    ae = Autoencoder(hidden=(), latent_dim=3, epochs=2).fit(X)
    before = {k: v.copy() for k, v in ae.params_.items()}

    def broken(model, epoch, logs):
        raise RuntimeError("boom")

    ae.set_params(callbacks=[broken])
    with pytest.raises(RuntimeError, match="boom"):
        ae.fit(X * 0.5)
    assert _same(ae.params_, before) and len(ae.history_["loss"]) == 2
    with pytest.raises(ValueError, match="callbacks must be"):
        Autoencoder(callbacks=[1]).fit(X)


# ---------------------------------------------------------------- checkpoints
def test_checkpoints_are_saved_every_k_epochs(tmp_path):
    path = tmp_path / "ck.npz"
    lengths = []
    Autoencoder(hidden=(), latent_dim=3, epochs=5, checkpoint_path=path, checkpoint_every=2,
                callbacks=[lambda m, e, logs: lengths.append(
                    len(npae.load(path).history_["loss"]) if path.exists() else 0)]).fit(_data())
    assert lengths == [0, 2, 2, 4, 4]
    assert len(npae.load(path).history_["loss"]) == 5  # and the final model when fit ends
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Autoencoder(checkpoint_path=tmp_path / "no" / "ck.npz").fit(_data())


def test_a_checkpoint_keeps_the_schedule(tmp_path, recwarn):
    path = tmp_path / "ck.npz"
    Autoencoder(hidden=(), latent_dim=3, epochs=2, checkpoint_path=path,
                lr_schedule=ReduceOnPlateau(gamma=0.5, patience=3)).fit(_data())
    schedule = npae.load(path).lr_schedule
    assert isinstance(schedule, ReduceOnPlateau) and (schedule.gamma, schedule.patience) == (0.5, 3)
    assert not [w for w in recwarn if "saved as None" in str(w.message)]


def test_a_checkpoint_survives_a_kill(tmp_path):
    path = tmp_path / "ck.npz"
    script = textwrap.dedent(f"""
        import numpy as np, npae
        X = np.random.default_rng(0).random((200, 20))
        npae.VariationalAutoencoder(latent_dim=2, hidden=(8,), epochs=100000, batch_size=20,
                                    checkpoint_path={str(path)!r}).fit(X)
    """)
    env = dict(os.environ, PYTHONPATH=os.getcwd(), OPENBLAS_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.time() + 60
        while not path.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert path.exists(), "no checkpoint written"
        time.sleep(0.3)  # let it train (and overwrite the checkpoint) a while longer
        assert proc.poll() is None, "training ended before the kill"
        proc.kill()
    finally:
        proc.kill()
        proc.wait()
    model = npae.load(path)
    assert len(model.history_["loss"]) >= 1
    Z = model.transform(np.random.default_rng(1).random((5, 20)))
    assert Z.shape == (5, 2) and np.isfinite(Z).all()


# ----------------------------------------------------------------- warm start
def test_warm_start_continues_from_the_fitted_parameters():
    X = _data()
    ae = Autoencoder(hidden=(), latent_dim=3, epochs=6, learning_rate=0.01).fit(X)
    first = list(ae.history_["loss"])
    ae.set_params(warm_start=True, epochs=3)
    seen = []
    ae.set_params(callbacks=[_trace(seen)])
    ae.fit(X)
    assert ae.history_["loss"][:6] == first and len(ae.history_["loss"]) == 9
    assert [e for e, _, _ in seen] == [6, 7, 8]  # epochs numbered on
    # the first warm epoch continues near where the first fit ended, far below a fresh start
    assert abs(ae.history_["loss"][6] - first[-1]) < abs(first[0] - first[-1]) / 3
    cold = Autoencoder(hidden=(), latent_dim=3, epochs=3, learning_rate=0.01).fit(X)
    assert not _same(cold.params_, ae.params_)
    # warm_start=False: a refit starts afresh (same bits as a new model)
    ae.set_params(warm_start=False, callbacks=None)
    assert _same(ae.fit(X).params_, cold.params_)
    ae.set_params(warm_start=True, hidden=(4,))
    with pytest.raises(ValueError, match="warm_start"):
        ae.fit(X)


# ---------------------------------------------------------------- partial_fit
def _fit_order(n, epochs, seed=0):
    order = random_streams(seed).order
    return [order.permutation(n) for _ in range(epochs)]


@pytest.mark.parametrize("cls, settings", [
    (Autoencoder, {"latent_dim": 3}),
    (DenoisingAutoencoder, {"latent_dim": 3, "noise": "gaussian", "corruption_level": 0.1}),
    (VariationalAutoencoder, {"latent_dim": 2, "latent_dim": 4}),
])
def test_partial_fit_over_chunks_equals_fit(cls, settings):
    X = _data(n=50)
    common = dict(settings, batch_size=8, random_state=3)
    fitted = cls(epochs=2, **common).fit(X)
    pf = cls(**common)
    for order in _fit_order(50, 2, seed=3):
        for a, b in ((0, 16), (16, 40), (40, 50)):  # chunk ends on minibatch boundaries
            assert pf.partial_fit(X[order[a:b]]) is pf
    assert _same(pf.params_, fitted.params_)
    assert len(pf.history_["loss"]) == 6


def test_partial_fit_failure_leaves_the_model_as_before():
    X = _data(n=32)
    a = Autoencoder(hidden=(), latent_dim=3, batch_size=8).partial_fit(X[:16])
    b = Autoencoder(hidden=(), latent_dim=3, batch_size=8).partial_fit(X[:16])
    bad = X[16:].copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        a.partial_fit(bad)
    with pytest.raises(npae.TrainingDivergedError):
        a.partial_fit(X[16:] * 1e200)
    assert len(a.history_["loss"]) == 1
    # the failures changed nothing: same bits as a model that never saw them
    assert _same(a.partial_fit(X[16:]).params_, b.partial_fit(X[16:]).params_)
    with pytest.raises(ValueError, match="features"):
        a.partial_fit(X[:, :3])
    with pytest.raises(ValueError, match="lbfgs"):
        Autoencoder(optimizer="lbfgs").partial_fit(X)


def test_partial_fit_after_fit_continues_and_fit_resets():
    X = _data()
    ae = Autoencoder(hidden=(), latent_dim=3, epochs=2).fit(X)
    ae.partial_fit(X)
    assert len(ae.history_["loss"]) == 3
    ae.fit(X)
    assert len(ae.history_["loss"]) == 2 and not hasattr(ae, "_partial_")


# ------------------------------------------------------------- out of core
def test_training_from_a_memmap_or_npy_path_equals_training_in_memory(tmp_path):
    X = _data(n=60, d=7).astype(np.float32)
    path = tmp_path / "X.npy"
    np.save(path, X)
    settings = dict(latent_dim=3, epochs=3, batch_size=16, validation_fraction=0.2)
    mem = Autoencoder(**settings).fit(X)
    for source in (path, str(path), np.load(path, mmap_mode="r")):
        assert _same(Autoencoder(**settings).fit(source).params_, mem.params_)
    # a view of a map (read through the map) and a map with an offset (read from the file)
    view = Autoencoder(**settings).fit(np.load(path, mmap_mode="r")[5:])
    assert _same(view.params_, Autoencoder(**settings).fit(X[5:]).params_)
    raw = tmp_path / "X.raw"
    with open(raw, "wb") as fh:
        fh.write(b"header!!" + X.tobytes())
    mapped = np.memmap(raw, dtype=np.float32, mode="r", offset=8, shape=X.shape)
    assert _same(Autoencoder(**settings).fit(mapped).params_, mem.params_)
    pf_mem = Autoencoder(hidden=(), latent_dim=3, batch_size=16).partial_fit(X)
    pf_map = Autoencoder(hidden=(), latent_dim=3, batch_size=16).partial_fit(path)
    assert _same(pf_mem.params_, pf_map.params_)


def test_memory_mapped_data_is_validated_block_by_block(tmp_path, monkeypatch):
    X = _data(n=100, d=5)
    X[97, 1] = np.inf
    path = tmp_path / "X.npy"
    np.save(path, X)
    monkeypatch.setattr(sources, "BLOCK_VALUES", 100)  # blocks of 20 rows
    sizes = []
    original = Autoencoder._validate_X

    def spy(self, X, **kw):
        sizes.append(X.shape[0])
        return original(self, X, **kw)

    monkeypatch.setattr(Autoencoder, "_validate_X", spy)
    with pytest.raises(ValueError, match=r"rows 80 to 99\) contains 1 NaN or infinite"):
        Autoencoder().fit(path)
    assert sizes == [20] * 5
    with pytest.raises(ValueError, match=r"\.npy"):
        Autoencoder().fit(str(tmp_path / "X.csv"))
    with pytest.raises(FileNotFoundError, match="no such file"):
        Autoencoder().fit(tmp_path / "missing.npy")


# ------------------------------------------------------------------- progress
def test_verbose_2_shows_progress_within_long_epochs(capsys, monkeypatch):
    monkeypatch.setattr(progress, "IN_EPOCH_AFTER", 0.0)
    monkeypatch.setattr(progress, "NON_TTY_EVERY", 0.0)
    X = _data(n=64)
    VariationalAutoencoder(latent_dim=2, hidden=(3,), batch_size=16, epochs=2, verbose=2).fit(X)
    lines = capsys.readouterr().out.splitlines()
    inner = [ln for ln in lines if "minibatches" in ln]
    assert len(inner) == 2 * 4
    assert re.match(r"epoch +1/2 +1/4 minibatches \( *25%\)  elapsed 0:00  eta 0:00$", inner[0])
    epochs = [ln for ln in lines if "loss" in ln]
    assert len(epochs) == 2 and all("nats/sample" in ln for ln in epochs)
    VariationalAutoencoder(latent_dim=2, hidden=(3,), batch_size=16, epochs=2, verbose=1).fit(X)
    assert not any("minibatches" in ln for ln in capsys.readouterr().out.splitlines())


def test_loss_units_follow_the_family_and_loss():
    unit = progress.loss_unit
    assert unit(Autoencoder()) == "½‖x−x̂‖²/sample"
    assert unit(Autoencoder(loss="bce")) == "−log p/sample"
    assert unit(VariationalAutoencoder()) == "nats/sample"


def test_readme_training_example_runs(tmp_path, monkeypatch, capsys):
    import re

    with open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md")) as fh:
        blocks = re.findall(r"```python\n(.*?)```", fh.read(), re.S)
    code = next(b for b in blocks if "partial_fit" in b)
    assert code.count("epochs=200") == 2
    monkeypatch.chdir(tmp_path)
    exec(compile(code.replace("epochs=200", "epochs=2").replace(
        "X, _ = npae.load_mnist()", "X = npae.load_mnist()[0][:300]"), "README.md", "exec"), {})
    assert npae.load(tmp_path / "ae.npz").history_["loss"]
    assert "best epoch" in capsys.readouterr().out


def test_in_epoch_progress_rewrites_one_line_on_a_terminal(monkeypatch):
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(progress, "IN_EPOCH_AFTER", 0.0)
    monkeypatch.setattr(progress, "TTY_EVERY", 0.0)
    out = Terminal()
    p = progress.Progress(Autoencoder(verbose=2), n_batches=3, epochs=1, stream=out)
    p.start_epoch()
    for b in (1, 2, 3):
        p.batch(b, 0)
    p.epoch(0, 1.5, None, None, 0.1)
    text = out.getvalue()
    assert text.count("\r") == 4 and "\n" not in text.rsplit("\r\033[K", 1)[0]
    assert text.endswith("\r\033[Kepoch    1/1  loss     1.500000  ½‖x−x̂‖²/sample  (0.10s)\n")
