"""The fault and bad-input catalogue, run over every registered family and the
public functions, with a tally of what happened (used by ``test_faults.py``
and by ``benchmarks/faults.py``, which writes ``benchmarks/results/faults.md``).

Every attempt is one call that must not succeed silently: bad data to each
method, bad hyperparameters, divergence, Ctrl-C, bad save targets, damaged
model files, bad arguments to the gradient checker.  Its outcome is one of

- ``clear``: a ValueError/TypeError (or OSError for files, or
  TrainingDivergedError / NotFittedError / KeyboardInterrupt where that is the
  documented answer) with a message of our own, not a raw numpy one;
- ``unclear``: any other exception, or a raw numpy/Python message;
- ``silent``: the call returned although its input was bad (or returned
  inf/NaN);
- ``ok``: the call returned and that was right (a huge-but-finite row whose
  output is finite, a damaged file whose flipped byte carried nothing).

Calls on a fitted model are also checked for ``damaged``: anything the
model held (parameters, fitted state, history) changed, or it can no longer
transform (for divergence and Ctrl-C the documented state is checked instead).
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass

import numpy as np

import npae
from npae import TrainingDivergedError
from npae._validation import NotFittedError
from npae.estimator.registry import families

#: messages that come from numpy or Python internals, not from npae's checks
RAW = re.compile(r"could not broadcast|not aligned|matmul|out of bounds|unsupported operand|"
                 r"has no attribute|object of type|invalid index|unhashable|cannot reshape|"
                 r"only length-1|truth value of an array|float\(\) argument|int\(\) argument|"
                 r"not subscriptable|not iterable|missing \d+ required")


@dataclass
class Attempt:
    family: str
    target: str
    case: str
    outcome: str
    damaged: bool = False
    detail: str = ""


def classify(exc, allowed=()):
    msg = " ".join(str(exc).split())
    ok_types = (ValueError, TypeError, TrainingDivergedError, NotFittedError) + tuple(allowed)
    if isinstance(exc, ok_types) and len(msg) >= 20 and not RAW.search(msg):
        return "clear"
    return "unclear"


def snapshot(model):
    out = {}
    for k, v in model.__dict__.items():
        if isinstance(v, np.ndarray):
            out[k] = (v.dtype.str, v.shape, v.tobytes())
        elif isinstance(v, dict):
            out[k] = repr({kk: (vv.tobytes() if isinstance(vv, np.ndarray) else vv)
                           for kk, vv in v.items()})
        else:
            out[k] = id(v)
    return out


def _finite(value):
    arrays = value if isinstance(value, tuple) else (value,)
    return all(np.all(np.isfinite(np.asarray(a, dtype=float))) for a in arrays
               if isinstance(a, (np.ndarray, float, int)))


# ------------------------------------------------------------------ bad data
def bad_data(d, rng):
    """name -> (bad X of d columns, whether a finite result would be acceptable)."""
    X = rng.random((6, d))
    nan, inf = X.copy(), X.copy()
    nan[2, 0], inf[3, d - 1] = np.nan, -np.inf
    sparse = None
    try:
        import scipy.sparse
        sparse = scipy.sparse.csr_matrix(X)
    except ImportError:
        pass
    cases = {
        "NaN": nan, "inf": inf, "1-D": X[0], "3-D": X[:, :, None], "scalar": 0.5,
        "0 rows": X[:0], "0 columns": X[:, :0], "wrong width": rng.random((6, d + 1)),
        "strings": X.astype(str), "object with None": np.array(X, dtype=object),
        "object with text": np.array(X, dtype=object), "object with dict": np.array(X, dtype=object),
        "masked": np.ma.array(X, mask=X > 0.5), "timedelta": (X * 100).astype("m8[s]"),
        "datetime": (X * 100).astype("M8[s]"), "complex": X + 1j,
        "ragged list": [list(r) for r in X[:-1]] + [list(X[-1, :-1])],
        "None": None, "dict": {"a": 1}, "string": "X.csv",
    }
    cases["object with None"][0, 0] = None
    cases["object with text"][1, 1] = "3.5"
    cases["object with dict"][0, 0] = {"foo": "bar"}
    if sparse is not None:
        cases["sparse"] = sparse
    out = {k: (v, False) for k, v in cases.items()}
    out["huge finite"] = (np.full((4, d), 1e300), True)  # a finite answer is fine too
    return out


def subjects():
    """name -> estimator class: every registered family, the RBM and the rate-distortion
    autoencoder of :mod:`npae.imaging` (an :class:`npae.Autoencoder` not in the registry)."""
    from npae.imaging import RateDistortionAutoencoder

    return {**families(), "rbm": npae.RBM, "rate_distortion": RateDistortionAutoencoder}


#: the RBM's small model (it has no ``_examples``)
RBM_EXAMPLE = {"n_components": 4}

#: the methods given bad data: a family's, and the RBM's (its own names for the same roles)
TARGETS = ["fit", "transform", "reconstruct", "reconstruction_error", "score_samples",
           "score", "loss_and_grads", "loss_terms", "inverse_transform"]
RBM_TARGETS = ["fit", "partial_fit", "transform", "reconstruct", "reconstruction_error",
               "free_energy", "pseudo_log_likelihood", "score_samples", "inverse_transform"]


def _call(model, target, Xbad, y):
    if target == "fit":
        return model.fit(Xbad, y)
    if target in ("loss_and_grads", "loss_terms"):
        return getattr(model, target)(Xbad, y)
    if target == "score_samples" and isinstance(model, npae.RBM):
        return model.score_samples(Xbad, model.log_partition())
    return getattr(model, target)(Xbad)


def _labels(cls, n=12):
    return np.arange(n) % 3 if getattr(cls, "_uses_labels", False) else None


def _settings(cls):
    return RBM_EXAMPLE if cls is npae.RBM else cls._examples[0]


def _fitted(key, X, y, **extra):
    cls = subjects()[key]
    return cls(**{**_settings(cls), "epochs": 2, **extra}).fit(X, y)


def _code_size(model):
    return model.n_components if isinstance(model, npae.RBM) else model.code_size_


def run_data(key, rng):
    cls = subjects()[key]
    X, y = rng.random((12, 7)), _labels(cls)
    model = _fitted(key, X, y)
    attempts = []
    targets = RBM_TARGETS if cls is npae.RBM else TARGETS
    for name, (Xbad, finite_ok) in bad_data(7, rng).items():
        for target in targets:
            if target == "inverse_transform" and name == "wrong width":
                Xbad = rng.random((6, _code_size(model) + 1))
            if target == "fit" and name == "wrong width":
                continue  # a refit on data of a new width is legitimate
            yb = None
            if getattr(cls, "_uses_labels", False) and target in ("fit", "loss_and_grads", "loss_terms"):
                try:
                    n = Xbad.shape[0] if hasattr(Xbad, "shape") else len(Xbad)
                except TypeError:
                    n = 6
                yb = np.arange(max(n, 1)) % 3
            before = snapshot(model)
            with np.errstate(all="ignore"):
                try:
                    result = _call(model, target, Xbad, yb)
                except Exception as exc:  # noqa: BLE001 - classifying is the point
                    outcome, detail = classify(exc), f"{type(exc).__name__}: {exc}"
                else:
                    good = finite_ok and _finite(tuple(model.params_.values()) if target == "fit"
                                                 else result)
                    outcome, detail = ("ok" if good else "silent"), "returned"
            damaged = target != "fit" or outcome != "ok"
            damaged = damaged and snapshot(model) != before
            attempts.append(Attempt(key, target, name, outcome, damaged, detail[:200]))
            if damaged or outcome == "ok":
                model = _fitted(key, X, y)  # a fresh model for the next attempt
    return attempts


# ------------------------------------------------------------ bad settings
def bad_values(default):
    if isinstance(default, bool):
        return ["False", 1, 0, None, 1.0]
    if isinstance(default, int):
        return ["3", 2.5, True, float("nan"), -1, [3]]
    if isinstance(default, float):
        return ["0.1", True, float("nan"), float("inf"), [0.1]]
    if isinstance(default, str):
        return ["nonsense", 1, True, ""]
    if isinstance(default, tuple):
        return ["64", (3.7,), (0,), (-1,), True]
    if default is None:
        return ["nonsense", True]
    return []


#: (family or "*", parameter, repr of value) -> why the value is valid after all
VALID = {
    ("*", "random_state", "None"): "None draws fresh entropy (numpy's convention)",
    ("*", "verbose", "True"): "verbose takes bools (True = 1) as well as 0, 1, 2",
    ("*", "checkpoint_path", "'nonsense'"): "any file name is a valid checkpoint path",
    ("rbm", "learning_rate", "1"): "a number is a learning rate ('auto' is the default)",
}


def run_settings(key, rng):
    cls = subjects()[key]
    X, y = rng.random((12, 7)), _labels(cls)
    model = _fitted(key, X, y)
    attempts = []
    for name, p in cls._hyperparameters.items():
        for bad in bad_values(p.default):
            if ("*", name, repr(bad)) in VALID or (key, name, repr(bad)) in VALID:
                continue
            kept = model.get_params()[name]
            before = snapshot(model)
            with np.errstate(all="ignore"):
                try:
                    model.set_params(**{name: bad}).fit(X, y)
                except Exception as exc:  # noqa: BLE001
                    outcome, detail = classify(exc), f"{type(exc).__name__}: {exc}"
                else:
                    outcome, detail = "silent", "fit returned"
            model.set_params(**{name: kept})
            damaged = outcome != "silent" and snapshot(model) != before
            attempts.append(Attempt(key, f"fit({name}=...)", repr(bad), outcome, damaged,
                                    detail[:200]))
            if outcome == "silent" or damaged:
                model = _fitted(key, X, y)
    return attempts


# ------------------------------------------------------------------ faults
def run_faults(key, rng, tmp):
    """Divergence, Adam at 1e3, repeated partial_fit, Ctrl-C, bad save targets, damaged
    files.  The RBM has no optimizer choice and no interruption hook: it gets the rest."""
    cls = subjects()[key]
    X, y = rng.random((12, 7)), _labels(cls)
    rbm = cls is npae.RBM
    attempts = []

    # Divergence: a huge step on badly scaled data.  Raised (clear) or not,
    # the model must end usable: at its last good epoch, or as it was.
    model = _fitted(key, X, y)
    before = snapshot(model)
    with np.errstate(all="ignore"):
        try:
            unit = rbm or model._needs_unit_interval()  # Bernoulli visible units
            Xd = X if unit else X * 1e3  # as badly scaled as allowed
            model.set_params(learning_rate=1e64, epochs=5).fit(Xd, y)
        except Exception as exc:  # noqa: BLE001
            outcome = classify(exc)
            detail = f"{type(exc).__name__}: {exc}"
        else:
            detail = "returned"
            outcome = "ok" if all(np.all(np.isfinite(v)) for v in model.params_.values()) \
                else "silent"
        try:
            usable = np.all(np.isfinite(model.transform(X)))
        except Exception:  # noqa: BLE001
            usable = False
    same = snapshot(model) == before
    attempts.append(Attempt(key, "fit", "divergence (lr=1e64)", outcome,
                            not (usable or same), detail[:200]))
    if not rbm:
        attempts += _adam_at_1e3(key, cls, X, y)
    else:
        attempts.append(_rbm_overflow(key, X))

    # A second and third partial_fit continue (no AttributeError).
    model = cls(**{**_settings(cls), "epochs": 2})
    try:
        for part in np.array_split(np.arange(len(X)), 3):
            model.partial_fit(X[part], None if y is None else y[part])
        outcome = "ok" if len(model.history_["reconstruction_error" if rbm else "loss"]) == 3 \
            else "silent"
        detail = "three calls"
    except Exception as exc:  # noqa: BLE001
        outcome, detail = classify(exc), f"{type(exc).__name__}: {exc}"
    attempts.append(Attempt(key, "partial_fit", "second and third call", outcome,
                            False, detail[:200]))
    if not rbm:
        attempts.append(_ctrl_c(key, cls, X, y))
    return attempts + _files(key, X, y, rng, tmp)


def _rbm_overflow(key, X):
    """The RBM's weights overflowing to NaN (12 rows at lr=1e64 stay finite and bounded:
    repeated 20 times, the updates overflow within the first pass): a clear
    TrainingDivergedError, and the RBM at its last good pass or as before the call."""
    model = _fitted(key, X, None)
    before = {k: v.copy() for k, v in model.params_.items()}
    try:
        with np.errstate(all="ignore"):
            model.set_params(learning_rate=1e64).fit(np.tile(X, (20, 1)))
    except Exception as exc:  # noqa: BLE001
        outcome, detail = classify(exc), f"{type(exc).__name__}: {exc}"
    else:
        outcome, detail = "silent", "returned"
    # as the fit's rule says: the last good pass of this fit, or the model as it was
    same = all(np.array_equal(before[k], model.params_[k]) for k in before)
    usable = all(np.all(np.isfinite(v)) for v in model.params_.values()) and \
        bool(np.all(np.isfinite(model.transform(X))))
    return Attempt(key, "fit", "weights overflowing (lr=1e64, 240 rows)", outcome,
                   not (usable or same), detail[:200])


def _adam_at_1e3(key, cls, X, y):
    """Adam at 1e3 (a refit, a warm start, a partial_fit): an error, or a model no worse
    than DIVERGENCE_FACTOR x its starting loss; never a good model replaced by a diverged one."""
    from npae.estimator.divergence import DIVERGENCE_FACTOR, Probe

    attempts = []
    for how in ("fit", "warm_start", "partial_fit"):
        model = _fitted(key, X, y)
        start = Probe(model, X, y, None, model.batch_size).initial
        model.set_params(optimizer="adam", learning_rate=1e3, warm_start=how == "warm_start")
        before = snapshot(model)
        with np.errstate(all="ignore"):
            try:
                model.partial_fit(X, y) if how == "partial_fit" else model.fit(X, y)
                outcome, detail = "returned", "returned"
            except Exception as exc:  # noqa: BLE001
                outcome, detail = classify(exc), f"{type(exc).__name__}: {exc}"
            end = Probe(model, X, y, None, model.batch_size).initial
        within = abs(end) <= DIVERGENCE_FACTOR * max(1.0, abs(start)) if how != "fit" else \
            np.isfinite(end)  # a refit from fresh parameters: its own initial loss
        if outcome == "returned":
            outcome = "ok" if within else "silent"
        attempts.append(Attempt(key, how, "Adam at learning_rate=1e3", outcome,
                                not (snapshot(model) == before or within), detail[:200]))
    return attempts


def _ctrl_c(key, cls, X, y):
    """Ctrl-C in the second epoch: the partly trained model says so."""
    model = _fitted(key, X, y)
    original = cls._epoch_start

    def interrupt(self, epoch):
        if epoch == 1:
            raise KeyboardInterrupt
        original(self, epoch)

    cls._epoch_start = interrupt
    try:
        model.set_params(epochs=5).fit(X, y)
        outcome = "silent"
    except KeyboardInterrupt:
        outcome = "clear"
    finally:
        cls._epoch_start = original
    damaged = model.history_.get("interrupted") is not True or \
        not np.all(np.isfinite(model.transform(X)))
    return Attempt(key, "fit", "Ctrl-C", outcome, damaged)


def _files(key, X, y, rng, tmp):
    """Save to bad targets (the existing file stays); load damaged files.  A model that
    ``npae.load`` could not find again (not registered) must refuse to be saved."""
    attempts = []
    model = _fitted(key, X, y)
    path = tmp / f"{key}.npz"
    if key not in families() and not isinstance(model, npae.RBM):
        try:
            model.save(path)
            outcome = "silent"
        except Exception as exc:  # noqa: BLE001
            outcome = classify(exc)
        return [Attempt(key, "save", "unregistered family", outcome, path.exists())]
    model.save(path)
    raw = path.read_bytes()
    for case, target in (("missing folder", tmp / "missing" / "m.npz"), ("a directory", tmp)):
        try:
            model.save(target)
            outcome = "silent"
        except Exception as exc:  # noqa: BLE001
            outcome = classify(exc, allowed=(OSError,))
        attempts.append(Attempt(key, "save", case, outcome, path.read_bytes() != raw))

    # Damaged files: truncations, flipped bytes, a foreign member.
    cuts = [0, 30, len(raw) // 2, len(raw) - 1]
    flips = rng.choice(len(raw), size=8, replace=False)
    variants = [(f"truncated at {c}", raw[:c]) for c in cuts]
    for pos in flips:
        b = bytearray(raw)
        b[pos] ^= 0xFF
        variants.append((f"byte {pos} flipped", bytes(b)))
    buf = io.BytesIO(raw)
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr("fit.npy", raw[:200])
    variants.append(("foreign member", buf.getvalue()))
    for case, content in variants:
        bad = tmp / f"{key}-bad.npz"
        bad.write_bytes(content)
        try:
            back = npae.load(bad)
        except Exception as exc:  # noqa: BLE001
            outcome = classify(exc)
        else:
            same = all(np.array_equal(back.params_[k], model.params_[k]) for k in model.params_)
            outcome = "ok" if same else "silent"
        attempts.append(Attempt(key, "load", case, outcome))
    return attempts


# ---------------------------------------------------- public functions
def run_functions(rng):
    from npae.gradcheck import check_gradient, check_gradients

    X = rng.random((6, 4))
    ae = npae.Autoencoder(hidden=(), latent_dim=2).initialize(X)

    def square(w):
        return float(np.sum(w ** 2)), 2 * w

    cases = {
        "check_gradient(max_entries=0)": lambda: check_gradient(square, np.ones(3), max_entries=0),
        "check_gradient(eps=0)": lambda: check_gradient(square, np.ones(3), eps=0),
        "check_gradient(eps=-1e-5)": lambda: check_gradient(square, np.ones(3), eps=-1e-5),
        "check_gradient(non-scalar)": lambda: check_gradient(lambda w: (w, w), np.ones(3)),
        "check_gradient({})": lambda: check_gradient(lambda p: (0.0, {}), {}),
        "check_gradient(float32)": lambda: check_gradient(square, np.ones(3, np.float32)),
        "check_gradients(params=['nope'])": lambda: check_gradients(ae, X, params=["nope"]),
        "check_gradients(params=[])": lambda: check_gradients(ae, X, params=[]),
        "check_gradients(rng=None)": lambda: check_gradients(ae, X, rng=None),
        "check_gradients(unfitted)": lambda: check_gradients(npae.Autoencoder(), X),
        "load(missing file)": lambda: npae.load("/no/such/model.npz"),
        "load(directory)": lambda: npae.load("/"),
        "PCA.fit(NaN)": lambda: npae.PCA(n_components=2).fit(np.full((5, 3), np.nan)),
        "PCA.fit(1-D)": lambda: npae.PCA(n_components=2).fit(np.ones(5)),
        "PCA(n_components=-1)": lambda: npae.PCA(n_components=-1).fit(X),
        "PCA.fit(X * 1e300)": lambda: npae.PCA(n_components=2).fit(rng.random((6, 3)) * 1e300),
    }
    attempts = []
    for case, call in cases.items():
        try:
            result = call()
            outcome = "silent" if not (hasattr(result, "passed") and not result.passed) else "clear"
        except Exception as exc:  # noqa: BLE001
            outcome, result = classify(exc, allowed=(OSError,)), exc
        attempts.append(Attempt("functions", case.split("(")[0], case, outcome,
                                detail=f"{type(result).__name__}: {result}"[:200]))
    attempts.append(_pca_concurrent_reads(rng))
    return attempts + run_array_functions(rng)


def array_functions(rng):
    """name -> (columns d, call(A)): public functions of :mod:`npae.metrics`,
    :mod:`npae.retrieval` and :mod:`npae.imaging`, each with one array argument ``A``
    (n, d) to be replaced by bad data, the others good."""
    from npae import metrics, retrieval
    from npae.imaging import MLPUpsampler

    X, X64 = rng.random((6, 7)), rng.random((6, 64))
    bits, labels = rng.random((6, 8)) > 0.5, np.arange(6) % 2
    table = retrieval.HammingHashTable(bits)
    up = MLPUpsampler(hidden=(3,), epochs=1).fit(rng.random((6, 4)), X)
    return {
        "psnr(reference)": (7, lambda A: metrics.psnr(A, X)),
        "psnr(estimate)": (7, lambda A: metrics.psnr(X, A)),
        "ssim(reference)": (64, lambda A: metrics.ssim(A, X64, image_shape=(8, 8), sigma=0.5)),
        "ssim(estimate)": (64, lambda A: metrics.ssim(X64, A, image_shape=(8, 8), sigma=0.5)),
        "precision_at_k(codes_query)": (8, lambda A: metrics.precision_at_k(
            A, labels, bits, labels, k=3)),
        "precision_at_k(codes_db)": (8, lambda A: metrics.precision_at_k(
            bits, labels, A, labels, k=3)),
        "mean_average_precision(codes_query)": (8, lambda A: metrics.mean_average_precision(
            A, labels, bits, labels)),
        "hamming_distances(bits_a)": (8, lambda A: metrics.hamming_distances(A, bits)),
        "binarize_codes(codes)": (8, lambda A: metrics.binarize_codes(A)),
        "pack_codes(bits)": (8, lambda A: retrieval.pack_codes(A)),
        "HammingHashTable(codes)": (8, lambda A: retrieval.HammingHashTable(A).keys_),
        "HammingHashTable.lookup(code)": (8, lambda A: table.lookup(A, radius=1)),
        "precision_recall_at_radius(codes_query)": (8, lambda A: retrieval.precision_recall_at_radius(
            table, A, labels, labels, [0, 1])),
        "MLPUpsampler.fit(X_low)": (4, lambda A: MLPUpsampler(hidden=(3,), epochs=1).fit(
            A, X).predict(rng.random((2, 4)))),
        "MLPUpsampler.predict(X_low)": (4, lambda A: up.predict(A)),
    }


#: arguments whose width nothing fixes: a new width is legitimate there
FREE_WIDTH = {"binarize_codes(codes)", "pack_codes(bits)", "HammingHashTable(codes)",
              "MLPUpsampler.fit(X_low)"}


def run_array_functions(rng):
    """Every bad-data case of :func:`bad_data` in each array argument of
    :func:`array_functions` (the huge finite rows as many as the good arguments' rows);
    a finite answer counts as right only for the huge finite rows."""
    attempts = []
    for case, (d, call) in array_functions(rng).items():
        cases = bad_data(d, rng)
        cases["huge finite"] = (np.full((6, d), 1e300), True)
        if case in FREE_WIDTH:
            del cases["wrong width"]
        for name, (A, finite_ok) in cases.items():
            with np.errstate(all="ignore"):
                try:
                    result = call(A)
                except Exception as exc:  # noqa: BLE001
                    outcome, detail = classify(exc), f"{type(exc).__name__}: {exc}"
                else:
                    outcome = "ok" if finite_ok and _finite(result) else "silent"
                    detail = "returned"
            attempts.append(Attempt("functions", case, name, outcome, detail=detail[:200]))
    return attempts


def _pca_concurrent_reads(rng, reads=2000):
    """Readers on two threads while a third refits a PCA back and forth: every code must
    be one fit's (its mean with its components), never a mix."""
    import threading

    A, B = rng.normal(size=(40, 5)), 3.0 + 2.0 * rng.normal(size=(40, 5))
    Xq = rng.normal(size=(3000, 5))  # a read long enough for a refit to land inside it
    fits = [npae.PCA(n_components=2).fit(D) for D in (A, B)]
    allowed = [f.transform(Xq) for f in fits]
    pca, stop, bad = npae.PCA(n_components=2).fit(A), threading.Event(), []

    def refit():
        i = 0
        while not stop.is_set():
            pca.fit((A, B)[i % 2])
            i += 1

    def read():
        for _ in range(reads // 2):
            try:
                Z = pca.transform(Xq)
            except Exception as exc:  # noqa: BLE001
                bad.append(repr(exc))
                continue
            if not any(np.array_equal(Z, ok) for ok in allowed):
                bad.append("a code from one fit's mean and another's components")

    writer, readers = threading.Thread(target=refit), [threading.Thread(target=read)
                                                        for _ in range(2)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often: a mid-read refit is likely
    try:
        writer.start()
        for t in readers:
            t.start()
        for t in readers:
            t.join()
    finally:
        stop.set()
        writer.join()
        sys.setswitchinterval(interval)
    return Attempt("functions", "PCA", f"{reads} reads during refits", "ok", bool(bad),
                   f"{len(bad)} mixed or failed reads" + (f": {bad[0]}" if bad else ""))


def run_labels_and_counts(key, rng):
    """Bad labels (where labels are used) and bad counts to ``sample``."""
    cls = subjects()[key]
    X = rng.random((12, 7))
    model = _fitted(key, X, _labels(cls))
    cases = []
    if getattr(cls, "_uses_labels", False):
        y = np.arange(12) % 3
        bad = {"2-D y": y[:, None], "short y": y[:-1], "NaN label": np.where(y == 1, np.nan, y),
               "None label": np.array([None] + list(y[1:]), dtype=object),
               "dict labels": {"a": 1}, "missing y": None, "unseen label": y + 10}
        for name, yb in bad.items():
            if name != "unseen label":  # new classes are a legitimate refit
                cases.append(("fit", name, lambda m, yb=yb: m.fit(X, yb)))
            if name != "missing y":
                cases.append(("loss_and_grads", name, lambda m, yb=yb: m.loss_and_grads(X, yb)))
    if hasattr(model, "sample"):
        for n in (-1, 0, "3", 2.5, True, None):
            cases.append(("sample", f"n={n!r}", lambda m, n=n: m.sample(n, rng=0)))
        cases.append(("sample", "rng='x'", lambda m: m.sample(2, rng="x")))
    attempts = []
    for target, name, call in cases:
        before = snapshot(model)
        try:
            call(model)
            outcome, detail = "silent", "returned"
        except Exception as exc:  # noqa: BLE001
            outcome, detail = classify(exc), f"{type(exc).__name__}: {exc}"
        damaged = snapshot(model) != before
        attempts.append(Attempt(key, target, name, outcome, damaged, detail[:200]))
        if damaged or outcome == "silent":
            model = _fitted(key, X, _labels(cls))
    return attempts


def run_family(key, tmp, seed=0):
    rng = np.random.default_rng(seed)
    return (run_data(key, rng) + run_settings(key, rng) + run_labels_and_counts(key, rng)
            + run_faults(key, rng, tmp))


def tally(attempts):
    c = Counter(a.outcome for a in attempts)
    return {"attempts": len(attempts), "clear errors": c["clear"], "right answers": c["ok"],
            "unclear errors": c["unclear"], "silent acceptances": c["silent"],
            "damaged models": sum(a.damaged for a in attempts)}


def table(rows):
    """Markdown table of tallies: rows is {name: tally}."""
    cols = list(next(iter(rows.values())))
    lines = ["| | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, t in rows.items():
        lines.append(f"| {name} | " + " | ".join(str(t[c]) for c in cols) + " |")
    return "\n".join(lines)
