"""The estimator every family shares: validation, parameters, training loop,
the scikit-learn style API, saving and loading.

A family subclasses :class:`BaseAutoencoder` and writes four things:

- ``_build(n_features, y)``: create its networks (:class:`npae.nn.MLP`) and
  return ``{param name: shape}`` in a fixed order;
- ``_init_params(rng)``: initial values for those names;
- ``_loss(params, X, y, rng, ops, grads)``: forward, the loss terms, and
  backward; return ``{term name: value}`` and *add* every gradient into
  ``grads``.  ``ops`` is the batch or reference path (:func:`npae.nn.get_ops`);
  every random draw comes from ``rng``;
- ``_encode(params, X)`` and ``_decode(params, Z)`` for inference.

Weight decay is added here for every family.  The loss is the sum of the
terms; ``loss_terms`` reports them one by one, weights included.
"""

from __future__ import annotations

import inspect
import json
import time

import numpy as np

from .. import __version__
from .._validation import (NotFittedError, TrainingDivergedError, check_array,
                           check_choice, check_positive, check_rng)
from ..nn import get_ops
from ..nn.params import FlatParams
from ..optim import lbfgs, make_optimizer
from ..penalties import weight_decay

__all__ = ["BaseAutoencoder", "load", "FORMAT_VERSION"]

FORMAT_VERSION = 1
_REGISTRY = {}
_DTYPES = {"float64": np.float64, "float32": np.float32}


class BaseAutoencoder:
    """Shared machinery; not used directly (see :class:`npae.Autoencoder`)."""

    #: names of the loss terms that are *not* stochastic-free (for docs only)
    _uses_labels = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    # ------------------------------------------------------------------ params
    @classmethod
    def _get_param_names(cls):
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind != p.VAR_KEYWORD]

    def get_params(self, deep=True):
        """Hyperparameters as a dict (scikit-learn convention)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set hyperparameters; unknown names raise a ValueError. Returns self."""
        valid = self._get_param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(
                    f"invalid parameter {key!r} for {type(self).__name__}; valid: {valid}"
                )
            setattr(self, key, value)
        return self

    def __repr__(self):
        defaults = {p.name: p.default for p in
                    inspect.signature(type(self).__init__).parameters.values()}
        changed = []
        for k, v in self.get_params().items():
            d = defaults.get(k, inspect.Parameter.empty)
            try:
                same = (v is d) or (type(v) is type(d) and v == d)
            except Exception:  # arrays
                same = False
            if not same:
                changed.append(f"{k}={v!r}" if not isinstance(v, np.ndarray) else f"{k}=array{v.shape}")
        return f"{type(self).__name__}({', '.join(changed)})"

    # --------------------------------------------------------------- validation
    @property
    def _dtype(self):
        key = np.dtype(self.dtype).name if self.dtype in (np.float32, np.float64) else self.dtype
        if key not in _DTYPES:
            raise ValueError(f"dtype must be 'float64' or 'float32', got {self.dtype!r}")
        return _DTYPES[key]

    def _output_activation(self):
        """The reconstruction's activation for families with ``loss`` and
        ``output_activation``: None means "identity" for "mse" and "sigmoid"
        for "bce" — the only valid choice there, as the loss takes logits."""
        check_choice(self.loss, "loss", {"mse", "bce"})
        out = self.output_activation
        if self.loss == "bce":
            if out not in (None, "sigmoid"):
                raise ValueError(
                    f"loss='bce' computes the Bernoulli likelihood from logits, so the output "
                    f"activation is the sigmoid; got output_activation={out!r}. Leave it None "
                    "or use loss='mse'."
                )
            return "sigmoid"
        return "identity" if out is None else out

    #: the setting that selects the Bernoulli likelihood, and the remedy the
    #: [0, 1] error suggests (families with another hyperparameter override it)
    _bernoulli_setting = ("loss='bce'", "use loss='mse'")

    def _needs_unit_interval(self):
        """True when the targets must lie in [0, 1] (Bernoulli likelihood)."""
        return getattr(self, "loss", None) == "bce"

    def _validate_X(self, X, name="X", fitting=False):
        n_features = None if fitting else self.n_features_in_
        return check_array(X, name=name, dtype=self._dtype, n_features=n_features,
                           unit_interval=self._needs_unit_interval(),
                           bernoulli_setting=self._bernoulli_setting)

    def _validate_y(self, y, n_samples, fitting=False):
        """Labels: ignored by unsupervised families (overridden by labelled ones)."""
        return None

    def _validate_hyperparameters(self):
        check_positive(self.epochs, "epochs", integer=True, allow_zero=True)
        check_positive(self.batch_size, "batch_size", integer=True)
        check_positive(self.learning_rate, "learning_rate")
        check_positive(self.weight_decay, "weight_decay", allow_zero=True)
        if not hasattr(self.optimizer, "step"):
            check_choice(self.optimizer, "optimizer", {"sgd", "momentum", "adam", "lbfgs"})
        self._dtype  # noqa: B018  (validates dtype)

    def _check_fitted(self):
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(X) first "
                "(or initialize(X) to allocate parameters without training)"
            )

    # ------------------------------------------------------------ initialize
    def initialize(self, X, y=None):
        """Validate ``X`` (and ``y``), build the networks and draw initial parameters.

        Mirrors ``fit`` without training; useful for gradient checks.
        Returns self.
        """
        self._validate_hyperparameters()
        X = self._validate_X(X, fitting=True)
        y = self._validate_y(y, X.shape[0], fitting=True)
        self._initialize(X, y, check_rng(self.random_state))
        return self

    def _initialize(self, X, y, rng):
        self.n_features_in_ = X.shape[1]
        self._allocate(self._build(X.shape[1], y), self._init_params(rng))
        self.history_ = {"loss": [], "val_loss": [], "time": []}

    def _allocate(self, shapes, values):
        """Put ``values`` (dict name -> array, keys of ``shapes``) in one flat buffer;
        ``params_`` are named views into it (see :mod:`npae.nn.params`)."""
        self._flat = FlatParams(shapes, self._dtype)
        self._flat.assign(values)
        self.params_ = self._flat.views
        self._weight_names = [k for k in shapes if k.endswith(".W")]

    # ------------------------------------------------------------ objective
    def _objective(self, params, X, y, rng, ops, grads):
        """All terms of the loss (family terms + weight decay); grads added into ``grads``."""
        terms = self._loss(params, X, y, rng, ops, grads)
        if self.weight_decay:
            terms["weight_decay"] = weight_decay(params, self._weight_names, self.weight_decay, grads)
        return terms

    def loss_and_grads(self, X, y=None, rng=None, vectorized=True):
        """Loss and its gradient with respect to every parameter, at the current parameters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), optional
            Labels, for families that use them.
        rng : int, np.random.Generator or None
            Source of every random draw in the loss (noise, epsilon, ...).
            Pass the same int twice to hold the draw fixed (gradient checks).
        vectorized : bool
            True: the batch path; False: the per-example reference path.

        Returns
        -------
        loss : float
        grads : dict name -> ndarray, same keys and shapes as ``params_``
        """
        self._check_fitted()
        X = self._validate_X(X)
        y = self._validate_y(y, X.shape[0])
        grads = {k: np.zeros_like(v) for k, v in self.params_.items()}
        terms = self._objective(self.params_, X, y, check_rng(rng), get_ops(vectorized), grads)
        return float(sum(terms.values())), grads

    def loss_terms(self, X, y=None, rng=None, vectorized=True):
        """Each term of the loss as it enters it (weights included); they sum to the loss.

        Returns
        -------
        dict term name -> float
        """
        self._check_fitted()
        X = self._validate_X(X)
        y = self._validate_y(y, X.shape[0])
        grads = {}
        terms = self._objective(self.params_, X, y, check_rng(rng), get_ops(vectorized), grads)
        return {k: float(v) for k, v in terms.items()}

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Train on ``X`` (and labels ``y`` for families that use them). Returns self.

        Minibatches are drawn from a permutation made by the generator seeded
        with ``random_state``; that generator also feeds every stochastic
        term, so the same seed gives the same parameters.  With
        ``optimizer="lbfgs"`` the whole set is one batch, ``epochs`` is the
        iteration budget, and the random draws are held fixed (a seeded
        generator per evaluation) so that L-BFGS sees a deterministic function.
        """
        self._validate_hyperparameters()
        X = self._validate_X(X, fitting=True)
        y = self._validate_y(y, X.shape[0], fitting=True)
        rng = check_rng(self.random_state)
        self._initialize(X, y, rng)
        val = self._validation_set()
        if self.optimizer == "lbfgs":
            self._fit_lbfgs(X, y, rng, val)
        else:
            self._fit_minibatch(X, y, rng, val)
        return self

    def _validation_set(self):
        data = getattr(self, "validation_data", None)
        if data is None:
            return None
        if isinstance(data, tuple):
            Xv, yv = data
        else:
            Xv, yv = data, None
        Xv = self._validate_X(Xv, name="validation_data")
        return Xv, self._validate_y(yv, Xv.shape[0])

    def _epoch_start(self, epoch):
        """Hook for schedules (KL warm-up, temperature annealing)."""

    def _train_step(self, Xb, yb, rng, grads):
        """One optimizer step on a minibatch; returns the terms. (AAE overrides.)"""
        grads.flat.fill(0.0)
        terms = self._objective(self.params_, Xb, yb, rng, get_ops(True), grads.views)
        self._optimizer.step(self._flat.flat, grads.flat)
        return terms

    def _make_optimizers(self):
        self._optimizer = make_optimizer(self.optimizer, self.learning_rate)

    def _fit_minibatch(self, X, y, rng, val):
        n = X.shape[0]
        bs = min(self.batch_size, n)
        grads = self._flat.zeros_like()
        self._make_optimizers()
        for epoch in range(self.epochs):
            t0 = time.perf_counter()
            self._epoch_start(epoch)
            perm = rng.permutation(n)
            sums = {}
            for start in range(0, n, bs):
                idx = perm[start:start + bs]
                terms = self._train_step(X[idx], None if y is None else y[idx], rng, grads)
                loss = sum(terms.values())
                if not np.isfinite(loss):
                    self._diverged(epoch)
                for k, v in terms.items():
                    sums[k] = sums.get(k, 0.0) + float(v) * len(idx)
            # A batch's loss is computed before its update: the epoch's last
            # step can still overflow the parameters.  One pass over the flat
            # buffer per epoch catches it before fit() returns such a model.
            if not np.all(np.isfinite(self._flat.flat)):
                self._diverged(epoch)
            epoch_terms = {k: v / n for k, v in sums.items()}
            self._record(epoch, epoch_terms, val, time.perf_counter() - t0)

    def _fit_lbfgs(self, X, y, rng, val):
        seed = int(rng.integers(2**63 - 1))
        grads = self._flat.zeros_like()
        ops = get_ops(True)
        self._epoch_start(0)

        def fun(theta):
            self._flat.flat[:] = theta
            grads.flat.fill(0.0)
            terms = self._objective(self.params_, X, y, np.random.default_rng(seed), ops,
                                    grads.views)
            fun.terms = terms
            return float(sum(terms.values())), grads.flat.astype(np.float64)

        t0 = [time.perf_counter()]

        def callback(theta):
            it = len(self.history_["loss"])
            loss = sum(fun.terms.values())
            if not np.isfinite(loss):
                self._diverged(it)
            self._record(it, fun.terms, val, time.perf_counter() - t0[0])
            t0[0] = time.perf_counter()

        if self.epochs > 0:
            result = lbfgs(fun, self._flat.flat.copy(), maxiter=self.epochs, callback=callback)
            self._flat.flat[:] = result.x
            if not np.all(np.isfinite(result.x)):
                self._diverged(len(self.history_["loss"]))
            self.lbfgs_result_ = result

    def _record(self, epoch, terms, val, seconds):
        h = self.history_
        loss = float(sum(terms.values()))
        h["loss"].append(loss)
        h["time"].append(seconds)
        for k, v in terms.items():
            h.setdefault(k, []).append(float(v))
        msg = f"epoch {epoch + 1:4d}/{self.epochs}  loss {loss:.6g}"
        if val is not None:
            vl = float(sum(self._objective(self.params_, val[0], val[1],
                                           np.random.default_rng(epoch), get_ops(True), {}).values()))
            h["val_loss"].append(vl)
            msg += f"  val_loss {vl:.6g}"
        if self.verbose:
            print(f"{msg}  ({seconds:.2f}s)", flush=True)

    def _diverged(self, epoch):
        raise TrainingDivergedError(
            f"the training loss became NaN or infinite at epoch {epoch + 1} "
            f"(learning_rate={self.learning_rate}); try a smaller learning_rate, "
            "standardise or rescale the data, or add weight_decay"
        )

    # ------------------------------------------------------------ inference
    def transform(self, X):
        """Codes z = q_θ(x) for each row.  (n, d) -> (n, code_size)"""
        self._check_fitted()
        return self._encode(self.params_, self._validate_X(X))

    def fit_transform(self, X, y=None):
        return self.fit(X, y).transform(X)

    def inverse_transform(self, Z):
        """Decoder p_φ(z): codes -> reconstructions.  (n, code_size) -> (n, d)"""
        self._check_fitted()
        Z = check_array(Z, name="Z", dtype=self._dtype)
        if Z.shape[1] != self.code_size_:
            raise ValueError(
                f"Z has {Z.shape[1]} features (columns), but this model's codes have "
                f"{self.code_size_} "
                "(its code size); pass codes as returned by transform()"
            )
        return self._decode(self.params_, Z)

    def reconstruct(self, X):
        """x̂ = p_φ(q_θ(x)) (deterministic: no noise, means for stochastic codes)."""
        self._check_fitted()
        return self._decode(self.params_, self._encode(self.params_, self._validate_X(X)))

    def reconstruction_error(self, X, per_feature=False):
        """Squared reconstruction error of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        per_feature : bool
            If True return the (n_samples, n_features) squared errors.

        Returns
        -------
        ndarray of shape (n_samples,)
            Mean over features of (x − x̂)² — the per-row MSE of h2o's
            ``h2o.anomaly``.  Multiply by n_features for Hinton &
            Salakhutdinov's "squared error per image".
        """
        self._check_fitted()
        X = self._validate_X(X)
        sq = (self._decode(self.params_, self._encode(self.params_, X)) - X) ** 2
        return sq if per_feature else sq.mean(axis=1)

    def score_samples(self, X):
        """Normality score, scikit-learn sign: higher = more normal (−reconstruction error)."""
        return -self.reconstruction_error(X)

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` over the rows of ``X`` (higher is better).

        The default score of ``GridSearchCV`` and ``cross_val_score``: minus
        the mean per-row reconstruction MSE.  ``y`` is ignored.

        Returns
        -------
        float
        """
        return float(np.mean(self.score_samples(X)))

    def __sklearn_tags__(self):
        """Estimator tags for scikit-learn >= 1.6, which refuses estimators without them.

        scikit-learn is imported here only, when scikit-learn itself asks:
        npae does not depend on it.
        """
        from sklearn.utils import Tags, TargetTags, TransformerTags

        return Tags(estimator_type=None,
                    target_tags=TargetTags(required=bool(self._uses_labels)),
                    transformer_tags=TransformerTags(preserves_dtype=[]))

    @property
    def code_size_(self):
        self._check_fitted()
        return self._code_size()

    # ------------------------------------------------------------ save / load
    def _extra_state(self):
        """Fitted arrays beyond ``params_`` to save (dict name -> ndarray)."""
        return {}

    def _set_extra_state(self, state):
        for k, v in state.items():
            setattr(self, k, v)

    def save(self, path):
        """Save to ``.npz``: parameters, fitted state and JSON metadata (no pickle)."""
        self._check_fitted()
        hyper = {}
        for k, v in self.get_params().items():
            # The held-out set is a training input, not part of the model; as
            # JSON it would cost ~80 bytes per value in the file.
            hyper[k] = None if k == "validation_data" else _jsonable(k, v)
        meta = {
            "format": "npae-model",
            "format_version": FORMAT_VERSION,
            "npae_version": __version__,
            "class": type(self).__name__,
            "hyperparameters": hyper,
            "n_features_in": int(self.n_features_in_),
            "history": {k: list(map(float, v)) for k, v in self.history_.items()},
        }
        arrays = {f"param:{k}": np.asarray(v) for k, v in self.params_.items()}
        arrays.update({f"state:{k}": np.asarray(v) for k, v in self._extra_state().items()})
        arrays["__meta__"] = np.array(json.dumps(meta))
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)
        return path


def _jsonable(key, value):
    """Hyperparameters as JSON; values that cannot round-trip are dropped with a note."""
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.name}
    if isinstance(value, tuple):
        return {"__tuple__": [_jsonable(key, v) for v in value]}
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_jsonable(key, v) for v in value]
    # Generators, optimizer objects, validation arrays: not part of the model.
    return None


def _from_json(value):
    if isinstance(value, dict) and "__ndarray__" in value:
        return np.asarray(value["__ndarray__"], dtype=value["dtype"])
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_from_json(v) for v in value["__tuple__"])
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def _unreadable(path, exc):
    return ValueError(
        f"{path!s} is not a readable npae model file ({type(exc).__name__}: {exc}); "
        "it may be truncated or not saved by npae's save()"
    )


def load(path):
    """Load a model saved with ``save``.  Never unpickles anything.

    Raises
    ------
    ValueError
        The file is not an npae model, is damaged or truncated, or was written
        by a newer format version.
    """
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except Exception as exc:  # zipfile.BadZipFile, OSError, ValueError, EOFError
        raise _unreadable(path, exc) from exc
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"{path!s} is not a readable npae model file: it holds a single "
                         "array (.npy), not the .npz archive that model.save() writes")
    try:
        with data:
            arrays = {k: data[k] for k in data.files}
    except Exception as exc:  # a damaged member, or an object array (pickle refused)
        raise _unreadable(path, exc) from exc
    if "__meta__" not in arrays:
        raise ValueError(f"{path!s} is an .npz file but not an npae model (no metadata)")
    try:
        meta = json.loads(str(arrays.pop("__meta__")))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path!s}: damaged metadata ({exc})") from exc
    if meta.get("format") != "npae-model":
        raise ValueError(f"{path!s} is not an npae model file")
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(
            f"{path!s} was saved with format version {meta['format_version']}, newer than "
            f"this npae supports ({FORMAT_VERSION}); upgrade npae"
        )
    cls = _REGISTRY.get(meta["class"])
    if cls is None:
        raise ValueError(f"{path!s} holds an unknown model class {meta['class']!r}")
    try:
        model = cls(**{k: _from_json(v) for k, v in meta["hyperparameters"].items()})
        params = {k[len("param:"):]: v for k, v in arrays.items() if k.startswith("param:")}
        state = {k[len("state:"):]: v for k, v in arrays.items() if k.startswith("state:")}
        model._set_extra_state(state)
        model.n_features_in_ = int(meta["n_features_in"])
        model._allocate(model._build(model.n_features_in_, None), params)
        model.history_ = {k: list(v) for k, v in meta.get("history", {}).items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(
            f"{path!s}: the model file is damaged or inconsistent ({type(exc).__name__}: "
            f"{exc}); save the model again with this npae version"
        ) from exc
    return model
