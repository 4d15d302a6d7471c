"""How ``fit`` and ``partial_fit`` prepare a model: settings, warm start, hold-out, passes.

:meth:`BaseAutoencoder.fit` is transactional: a new model is built aside
(:func:`new_model`), trained, and installed in one step.  This module holds
the pieces of that preparation that concern the training settings, and
``partial_fit``.

``warm_start=True`` (scikit-learn's meaning): a refit of a fitted model starts
from its current parameters instead of drawing new ones, with fresh
optimizers (Adam's moments start at zero) and fresh random streams;
``history_`` continues.  The architecture and the number of features must be
the same.

``partial_fit(X)`` (scikit-learn's convention for out-of-core learning): one
pass over the rows of ``X`` *in the order given*, in minibatches of
``batch_size``, one optimizer step each; the first call initialises the model
(on that chunk), later calls continue, keeping the optimizer state and the
random stream of the steps.  A model fitted by ``fit`` (or loaded) continues
from its parameters with fresh optimizers.  Rows are not shuffled: a stream
should arrive shuffled (as ``fit``'s minibatches are).  Fed the rows of fit's
epochs in fit's order (see :func:`npae.estimator.streams.random_streams`), in
chunks whose lengths are multiples of ``batch_size``, ``partial_fit`` gives
fit's parameters bit for bit: same initial draw, same minibatches, same draws
from the step stream.  ``epochs``, ``validation_fraction``, ``early_stopping``,
``lr_schedule``, callbacks and checkpoints belong to ``fit`` and are not used;
``validation_data`` gives a ``val_loss`` per call.  Each call adds one entry
to ``history_``, and the family's epoch hooks (a VAE's KL warm-up, the
concrete temperature) count calls as epochs.

Failure: ``partial_fit`` is all or nothing.  If it raises (bad input,
divergence, Ctrl-C) the model is exactly as before the call: parameters,
optimizer state, random stream and history.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from .._validation import unbox_labels
from . import divergence, training
from . import persistence
from .persistence import _check_target
from .sources import check_source, gather, is_out_of_core
from .streams import random_streams

__all__ = ["Fitting", "check_training_settings", "validate_training_data", "new_model",
           "split_validation", "validation_set", "partial_fit"]


def check_training_settings(model):
    """Rules between training settings (each one alone is checked by its declaration)."""
    name = type(model).__name__
    if model.validation_fraction is not None and model.validation_data is not None:
        raise ValueError(f"{name}: validation_fraction={model.validation_fraction} and "
                         "validation_data are exclusive (both give the held-out set); set "
                         "one of them to None")
    if model.optimizer == "lbfgs":
        for setting, off in (("early_stopping", False), ("lr_schedule", None)):
            if getattr(model, setting) not in (off,):
                raise ValueError(f"{name}: {setting} works with minibatch optimizers, not "
                                 f"optimizer='lbfgs'; use optimizer='adam' or set "
                                 f"{setting}={off!r}")


def validate_training_data(model, X, fitting):
    """Arrays through ``_validate_X``; memory maps and ``.npy`` paths block by block."""
    if is_out_of_core(X):
        return check_source(model, X, fitting=fitting)
    return model._validate_X(X, fitting=fitting)


def new_model(model, X, y, prepare=None, warm=False):
    """A new, initialised model with the settings of ``model`` (fit builds on it).

    Returns ``(new, X, y, streams)``: the validated data and the random streams.
    ``warm``: start from the parameters of ``model`` and continue its history.
    """
    new = type(model)(**model.get_params(deep=False))
    if prepare is not None:
        prepare(new)
    new._validate_params()
    if new.checkpoint_path is not None:
        _check_target(new.checkpoint_path)
    X = validate_training_data(new, X, fitting=True)
    if y is None and new._uses_labels:
        raise ValueError(f"{type(model).__name__} needs the class labels y: it requires y to be "
                         "passed, but the target y is None; call fit(X, y)")
    y = new._validate_y(unbox_labels(y) if new._uses_labels else y, X.shape[0], fitting=True)
    streams = random_streams(model.random_state)
    new.n_features_in_ = X.shape[1]
    new._allocate(new._build(X.shape[1], y), None)
    if warm:
        _check_same_architecture(model, new)
        new._flat.assign(model.params_)
        new.history_ = {k: (list(v) if isinstance(v, list) else v)
                        for k, v in model.history_.items() if k != "interrupted"}
    else:
        new._flat.assign(new._init_params(streams.init))
        new.history_ = {"loss": [], "val_loss": [], "time": []}
    if warm:
        new._prepare_warm(X, y, model)  # no fresh pretraining over the fitted model (DEC, VaDE)
    else:
        new._prepare_fit(X, y)
    return new, X, y, streams


def _check_same_architecture(old, new):
    """Continuing (warm_start, or partial_fit after fit) needs the fitted shapes."""
    afresh = ("or set warm_start=False to start afresh" if old.warm_start
              else "or train a new model with partial_fit")
    if old.n_features_in_ != new.n_features_in_:
        raise ValueError(f"X has {new.n_features_in_} features but the fitted model, whose "
                         f"training this continues, has {old.n_features_in_}; pass data with "
                         f"the same columns, {afresh}")
    if old._flat.shapes != new._flat.shapes:
        raise ValueError("the settings now give other parameter shapes than the fitted "
                         "model's, whose training this continues (a changed architecture); "
                         f"keep the architecture {afresh}")


def split_validation(model, X, y, rng):
    """``(rows, val)``: the training rows (None: all) and the held-out set (or None).

    With ``validation_fraction`` = f, ⌈f n⌉ rows drawn by ``rng`` are held out
    (loaded into memory); the rest train.
    """
    frac = model.validation_fraction
    if frac is None:
        return None, validation_set(model)
    n = X.shape[0]
    n_val = math.ceil(frac * n)
    if n_val >= n:
        raise ValueError(f"validation_fraction={frac} of {n} rows leaves no row to train on; "
                         "use a smaller fraction or more data")
    perm = rng.permutation(n)
    held, rows = np.sort(perm[:n_val]), np.sort(perm[n_val:])
    return rows, (gather(X, held, model._dtype), None if y is None else y[held])


def validation_set(model):
    """``validation_data`` validated as ``(X_val, y_val)``, or None."""
    data = model.validation_data
    if data is None:
        return None
    Xv, yv = data if isinstance(data, tuple) and len(data) == 2 else (data, None)
    Xv = model._validate_X(Xv, name="validation_data")
    return Xv, model._validate_y(yv, Xv.shape[0])


@dataclass
class _PartialState:
    """What ``partial_fit`` keeps between calls (the optimizers and the step stream)."""

    trainer: training.Trainer
    rng: np.random.Generator
    calls: int = 0


def partial_fit(model, X, y=None):
    """One pass over ``X`` (see the module docstring); returns ``model``."""
    state = getattr(model, "_partial_", None)
    if state is None:
        # The first call (or the first after fit/load): build aside, then install.
        try:
            new, X, y, streams = new_model(model, X, y, warm=hasattr(model, "params_"))
        except training.TrainingDivergedError as exc:  # a family's pretraining (DEC, VaDE)
            raise divergence.outcome(exc, _UNCHANGED, during="pretraining") from None
        _check_minibatch_optimizer(new)
        state = _PartialState(training.Trainer(new), streams.step)
        try:
            _pass(new, state, X, y)
        except training.TrainingDivergedError as exc:  # built aside: nothing installed
            raise divergence.outcome(exc, _UNCHANGED) from None
        new._partial_ = state
        model._install(new)
        state.trainer.model = model  # the trainer steps the installed model from now on
        return model
    _check_minibatch_optimizer(model)
    X = validate_training_data(model, X, fitting=False)
    y = model._validate_y(y, X.shape[0])
    saved = (dict(model.__dict__), model._flat.flat.copy(), state.trainer.snapshot(),
             copy.deepcopy(state.rng), {k: copy.copy(v) for k, v in model.history_.items()},
             state.calls)
    try:
        model._continue_fit(X, y)  # the family's hooks see this chunk as the training data
        _pass(model, state, X, y)
    except BaseException as exc:
        attrs, flat, optimizers, rng, history, calls = saved
        model.__dict__ = attrs
        model._flat.flat[:] = flat
        state.trainer.restore(optimizers)
        state.rng, state.calls, model.history_ = rng, calls, history
        if isinstance(exc, training.TrainingDivergedError):
            raise divergence.outcome(exc, _UNCHANGED) from None
        raise
    return model


_UNCHANGED = "partial_fit changes nothing when it fails: the model is as before this call"


def _pass(model, state, X, y):
    model._validate_params()
    val = validation_set(model)
    training.partial_pass(model, state.trainer, X, y, state.rng, val, state.calls)
    state.calls += 1
    model._after_fit()


def _check_minibatch_optimizer(model):
    if model.optimizer == "lbfgs":
        raise ValueError(f"{type(model).__name__}: partial_fit takes minibatch steps; "
                         "optimizer='lbfgs' works on the whole data set only (use fit, or "
                         "optimizer='adam')")


class Fitting:
    """The scikit-learn side of every family: ``fit``, ``partial_fit``, ``initialize``,
    ``save`` and the estimator tags (mixed into :class:`~npae.estimator.base.BaseAutoencoder`).

    ``fit`` runs :meth:`BaseAutoencoder.step` over shuffled minibatches
    (:mod:`npae.estimator.training`); what it adds is the transaction: a new
    model is built and trained aside and installed in one assignment.
    """

    # -------------------------------------------------------- fit / initialize
    def fit(self, X, y=None):
        """Train on ``X`` (and labels ``y`` for families that use them). Returns self.

        Transactional: everything is validated and the new model is built
        aside; it replaces the fitted state of ``self`` in one step at the end.
        A fit that fails before training leaves ``self`` as it was.  A fit
        that diverges raises :class:`npae.TrainingDivergedError` and leaves
        the model at the parameters of its last good epoch, or, without one,
        exactly as it was; the message says which
        (:mod:`npae.estimator.divergence`); Ctrl-C keeps the partly
        trained model with ``history_["interrupted"] = True``.

        Minibatches come from a fresh permutation every epoch; permutations,
        initial parameters, hold-out and every stochastic term come from
        generators seeded by ``random_state`` (:mod:`npae.estimator.streams`):
        the same seed gives the same parameters.  With ``optimizer="lbfgs"``
        the whole set is one batch, ``epochs`` the iteration budget, and the
        random draws are held fixed.  ``X`` may also be an ``np.memmap`` or a
        ``.npy`` path, read a minibatch at a time (:mod:`npae.estimator.sources`).
        """
        return self._fit(X, y)

    def partial_fit(self, X, y=None):
        """One pass over the rows of ``X`` in minibatches (scikit-learn's out-of-core convention).

        The first call initialises the model, later ones keep the optimizer
        state; rows in the order given; a call that raises changes nothing.
        Details, and how it reproduces ``fit`` bit for bit: :mod:`npae.estimator.fitting`.

        ``X``: array-like, np.memmap or ``.npy`` path (n_samples, n_features);
        ``y``: labels (n_samples,) for families that use them.  Returns self.
        """
        return partial_fit(self, X, y)

    def initialize(self, X, y=None):
        """Validate ``X`` (and ``y``), build the networks, draw initial parameters.

        Mirrors ``fit`` without training (for gradient checks).  Returns self.
        """
        return self._fit(X, y, train=False)

    def _fit(self, X, y, train=True, prepare=None):
        warm = train and self.warm_start and hasattr(self, "params_")
        unchanged = ("the model is " + ("the one fitted before this call, unchanged"
                                        if hasattr(self, "params_") else "unchanged (still not fitted)"))
        try:
            new, X, y, streams = new_model(self, X, y, prepare, warm)
        except training.TrainingDivergedError as exc:  # a family's pretraining (DEC, VaDE)
            raise divergence.outcome(exc, unchanged, during="pretraining") from None
        if not train:
            self._install(new)
            return self
        rows, val = split_validation(new, X, y, streams.split)
        before = len(new.history_["loss"])  # a warm start continues the history
        try:
            fit = training.fit_lbfgs if new.optimizer == "lbfgs" else training.fit_minibatch
            fit(new, X, y, rows, streams, val)
        except training.TrainingDivergedError as exc:
            good = len(new.history_["loss"]) - before
            if not good:  # nothing to keep: self exactly as before the call
                kept = f"no epoch of this fit stayed within the bound, so {unchanged}"
                raise divergence.outcome(exc, kept) from None
            new._after_fit()
            self._install(new)
            best = getattr(new, "best_epoch_", None) if new.early_stopping else None
            kept = (f"the model keeps the parameters of epoch {best + 1}, early stopping's best"
                    if best is not None else
                    f"the model keeps the parameters of epoch {len(new.history_['loss'])}, "
                    "the last good one")
            raise divergence.outcome(exc, kept) from None
        except KeyboardInterrupt:
            new.history_["interrupted"] = True
            new._after_fit()
            self._install(new)
            raise
        new._after_fit()
        self._install(new)
        return self

    def _install(self, new):
        """Replace the fitted state of ``self`` by that of ``new`` in one assignment.

        Only what a fit sets is replaced; other attributes (hyperparameters,
        or what a framework such as scikit-learn attaches) stay.
        """
        names = set(self._hyperparameters)
        fitted = {k: v for k, v in new.__dict__.items() if k not in names}
        old = self.__dict__.get("_fitted_names", frozenset())
        state = {k: v for k, v in self.__dict__.items() if k not in old}
        state.update(fitted)
        state["_fitted_names"] = frozenset(fitted) | {"_fitted_names"}
        self.__dict__ = state

    def __sklearn_tags__(self):
        """Estimator tags for scikit-learn >= 1.6 (imported only when scikit-learn asks).

        The real restrictions: labels required (``_uses_labels``), and, for a
        Bernoulli likelihood, non-negative input (``positive_only``).  A
        Bernoulli likelihood needs its targets in [0, 1]; scikit-learn has no
        tag for an upper bound, so ``check_estimator`` cannot be run on such a
        setting (see ``tests/estimator/test_sklearn_conformance.py``).
        """
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(estimator_type=None,
                    target_tags=TargetTags(required=bool(self._uses_labels)),
                    transformer_tags=TransformerTags(preserves_dtype=[]),
                    input_tags=InputTags(positive_only=bool(self._needs_unit_interval())))

    # ------------------------------------------------------------ save / load
    def save(self, path):
        """Save to ``.npz``: parameters, fitted state and JSON metadata (no pickle).

        The file is written to a temporary file beside ``path`` and moved into
        place only when complete, so an interrupted save never destroys an
        existing file.  See :mod:`npae.estimator.persistence`.
        """
        return persistence.save(self, path)
