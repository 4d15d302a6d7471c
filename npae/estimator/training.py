"""The training loop every family shares: minibatch steps over parameter groups,
full-batch L-BFGS, the per-epoch record, and divergence.

A family does not write a loop.  It may declare **parameter groups**
(:meth:`BaseAutoencoder._param_groups`): contiguous slices of the flat
parameter buffer, each with its own optimizer and step size, and each
following the gradient of one *phase* loss (:meth:`_phase_loss`).  One
minibatch step runs the phases in order; in each, the gradient buffer is
zeroed, the phase loss adds its gradient into it, weight decay is added for
the groups that take it, and every group of the phase steps its own slice.

- Most families: one group (every parameter), one phase ("loss").
- The concrete autoencoder: two groups in one phase (selector logits and
  decoder, with their own step sizes).
- The adversarial autoencoder: three phases (reconstruction, discriminator,
  generator), one group each.

Divergence (:mod:`npae.estimator.divergence`).  A non-finite minibatch loss,
non-finite parameters, or an epoch loss or end-of-epoch probe loss whose
magnitude exceeds ``DIVERGENCE_FACTOR × max(1, ``|initial loss|``)`` (the loss
of the initial parameters, measured before the first step) stops training
with :class:`npae.TrainingDivergedError`, after putting back the parameters
of the last good epoch; the caller completes the message with what the model
holds (:meth:`BaseAutoencoder.fit`, ``partial_fit``).

Randomness: four streams from ``random_state`` (:mod:`npae.estimator.streams`):
initial parameters, hold-out, row order, and the draws inside the steps.

One function, :func:`minibatches`, reads the data (in memory or memory
mapped).  A schedule (:mod:`npae.estimator.schedules`) scales every group's step size
before each epoch; :class:`npae.estimator.callbacks.EpochEnd` runs early
stopping, checkpoints and callbacks after it.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .._validation import TrainingDivergedError
from ..nn import get_ops
from .optim import lbfgs, make_optimizer
from .schedules import make_schedule
from .callbacks import EpochEnd
from .divergence import DIVERGENCE_FACTOR, Probe, diverged as _diverged
from .progress import Progress
from ..nn.batch import Workspace
from .sources import gather, minibatches  # noqa: F401  (minibatches: part of this module's API)
from .streams import Streams, random_streams  # noqa: F401  (part of this module's API)

__all__ = ["ParamGroup", "Trainer", "fit_minibatch", "fit_lbfgs", "partial_pass",
           "minibatches", "random_streams", "Streams", "ConvergenceWarning", "DIVERGENCE_FACTOR"]

class ConvergenceWarning(UserWarning):
    """Training stopped without the progress it was asked for (e.g. L-BFGS made no step)."""


@dataclass(frozen=True)
class ParamGroup:
    """A contiguous run of parameters trained by one optimizer.

    Attributes
    ----------
    names : tuple of str
        Parameter names, adjacent in the flat buffer.
    learning_rate : float
    phase : str
        The phase loss whose gradient this group follows.
    weight_decay : bool
        Whether the model's ``weight_decay`` applies to this group's weight matrices.
    options : dict
        Extra optimizer settings for a named optimizer (e.g. ``{"beta1": 0.5}``).
    repeats : int
        Steps of this group's phase per minibatch (the adversarial
        autoencoder's ``discriminator_steps``); a phase runs as many times as
        its groups ask for at most.  The terms reported are the first run's.
    """

    names: tuple
    learning_rate: float
    phase: str = "loss"
    weight_decay: bool = True
    options: dict = field(default_factory=dict)
    repeats: int = 1


class Trainer:
    """The optimizers of a model's parameter groups and one minibatch step.

    Parameters
    ----------
    model : BaseAutoencoder
        Initialised (``params_`` allocated).
    """

    def __init__(self, model):
        self.model = model
        self.grads = model._flat.zeros_like()
        self.phases = {}  # phase -> [(slice, optimizer, weight names)]
        self.repeats = {}  # phase -> steps per minibatch
        for g in model._param_groups():
            opt = make_optimizer(model.optimizer, g.learning_rate, **g.options)
            if hasattr(model.optimizer, "step") and hasattr(opt, "learning_rate") \
                    and g.learning_rate != model.learning_rate:
                opt.learning_rate = g.learning_rate  # a group's own rate on the template's copy
            wd = [n for n in g.names if n.endswith(".W")] if g.weight_decay else []
            self.phases.setdefault(g.phase, []).append((model._flat.slice_of(g.names), opt, wd))
            self.repeats[g.phase] = max(self.repeats.get(g.phase, 1), int(g.repeats))
        self.base_rates = [getattr(opt, "learning_rate", None) for opt in self.optimizers()]
        # The same work buffers every step (npae.nn.batch): no allocation in the steady state.
        self.workspace = Workspace()

    def optimizers(self):
        """The optimizers, one per group, in a fixed order."""
        return [opt for groups in self.phases.values() for _, opt, _ in groups]

    def scale_learning_rates(self, factor):
        """Set every group's step size to its base rate times ``factor`` (a schedule)."""
        if any(r is None for r in self.base_rates):
            raise TypeError(f"lr_schedule needs optimizers with a learning_rate attribute; "
                            f"{type(self.model.optimizer).__name__} has none; give it one or "
                            "set lr_schedule=None")
        for opt, rate in zip(self.optimizers(), self.base_rates):
            opt.learning_rate = rate * factor

    def snapshot(self):
        """A copy of the optimizers' state (moments, step counts)."""
        return copy.deepcopy(self.optimizers())

    def restore(self, optimizers):
        """Put back the state returned by :meth:`snapshot`."""
        it = iter(optimizers)
        self.phases = {p: [(s, next(it), wd) for s, _, wd in groups]
                       for p, groups in self.phases.items()}

    def step(self, Xb, yb, rng):
        """One optimizer step of every group on a validated minibatch: the model's own
        :meth:`~npae.estimator.base.BaseAutoencoder.step` (read it there)."""
        return self.model._step(self, Xb, yb, rng)


def fit_minibatch(model, X, y, rows, streams, val):
    """Epochs of shuffled minibatches; schedules, early stopping, checkpoints, callbacks.

    ``rows``: the training rows of ``X`` (None: all).  ``streams``: see
    :func:`random_streams`.  ``val``: ``(X_val, y_val)`` or None.  Epochs are
    numbered on from ``history_`` (a warm start continues it); the family's
    ``_epoch_start`` and the schedule see the epoch within this fit.
    """
    n = X.shape[0] if rows is None else len(rows)
    bs = min(model.batch_size, n)
    trainer = Trainer(model)
    schedule = make_schedule(model.lr_schedule)
    monitor = "loss" if val is None else "val_loss"
    end = EpochEnd(model, monitor)
    done = len(model.history_["loss"])  # epochs recorded before this fit (warm start)
    progress = Progress(model, -(-n // bs), model.epochs, first=done)
    good = model._flat.flat.copy()  # parameters at the end of the last good epoch
    probe, monitored, e = None, [], -1
    try:
        for e in range(model.epochs):
            epoch = done + e
            lr = None
            if schedule is not None:
                factor = _schedule_factor(schedule, e, model.epochs, monitored)
                trainer.scale_learning_rates(factor)
                lr = model.learning_rate * factor
            model._epoch_start(e)
            if probe is None:  # the loss of the initial parameters, before the first step
                probe = Probe(model, X, y, rows, bs)
            if model._should_stop():
                break
            progress.start_epoch()
            t0 = time.perf_counter()
            batches = minibatches(X, rows, bs, streams.order, model._dtype)
            probe.rate = lr
            epoch_terms = _run_pass(model, trainer, batches, y, streams.step, good, epoch, lr,
                                    lambda b: progress.batch(b, e))
            loss = model._total(epoch_terms)
            probe.judge(model, epoch, good, loss)  # raises, or records this epoch as good
            seconds = time.perf_counter() - t0
            vl = record(model, epoch, epoch_terms, val, seconds)
            if lr is not None:
                model.history_.setdefault("learning_rate", []).append(lr)
            progress.epoch(e, loss, vl, lr, seconds)
            logs = _logs(epoch, loss, epoch_terms, seconds, vl, lr)
            monitored.append(logs[monitor])
            if end.after(epoch, logs):
                break
    except TrainingDivergedError:
        end.finish()  # with early stopping: the best epoch's parameters, not the last good ones
        raise
    model.n_iter_ = e + 1
    note = end.finish()
    if note:
        progress.say(note)


def partial_pass(model, trainer, X, y, rng, val, calls):
    """One pass over the rows of ``X`` in the given order, in minibatches (``partial_fit``).

    ``calls``: the number of earlier passes; the family's ``_epoch_start``
    sees it as the epoch (capped at ``epochs - 1``).  Records one entry in
    ``history_`` (the mean loss over the rows).
    """
    n = X.shape[0]
    bs = min(model.batch_size, n)
    epoch = len(model.history_["loss"])
    model._epoch_start(min(calls, max(model.epochs - 1, 0)))
    probe = Probe(model, X, y, None, bs)  # this call's parameters, before its first step
    t0 = time.perf_counter()
    batches = ((idx, gather(X, idx, model._dtype))
               for idx in (np.arange(s, min(s + bs, n)) for s in range(0, n, bs)))
    good = model._flat.flat.copy()
    terms = _run_pass(model, trainer, batches, y, rng, good, epoch, None)
    probe.judge(model, epoch, good, model._total(terms))
    seconds = time.perf_counter() - t0
    vl = record(model, epoch, terms, val, seconds)
    Progress(model, -(-n // bs), 1, first=epoch, label="partial_fit").epoch(
        0, model._total(terms), vl, None, seconds)


def _run_pass(model, trainer, batches, y, rng, good, epoch, rate, on_batch=None):
    """Step on every minibatch; the terms averaged over the rows (divergence checked)."""
    sums, n = {}, 0
    for b, (idx, Xb) in enumerate(batches, start=1):
        terms = trainer.step(Xb, None if y is None else y[idx], rng)
        if not np.isfinite(model._total(terms)):
            _diverged(model, epoch, good, "became NaN or infinite", rate)
        for k, v in terms.items():
            sums[k] = sums.get(k, 0.0) + float(v) * len(idx)
        n += len(idx)
        if on_batch is not None:
            on_batch(b)
    # A batch's loss is computed before its update: the pass's last step can
    # still overflow the parameters.
    if not np.all(np.isfinite(model._flat.flat)):
        _diverged(model, epoch, good, "left non-finite parameters", rate)
    return {k: v / n for k, v in sums.items()}


def _logs(epoch, loss, terms, seconds, val_loss, learning_rate):
    """An epoch's figures as the callbacks receive them."""
    logs = {"epoch": epoch, "loss": loss, **{k: float(v) for k, v in terms.items()},
            "time": seconds}
    if val_loss is not None:
        logs["val_loss"] = val_loss
    if learning_rate is not None:
        logs["learning_rate"] = learning_rate
    return logs


def _schedule_factor(schedule, epoch, epochs, history):
    f = schedule.factor(epoch, epochs, list(history))
    if isinstance(f, bool) or not isinstance(f, (int, float, np.floating, np.integer)) \
            or not math.isfinite(f) or f <= 0:
        raise ValueError(f"lr_schedule {schedule!r} returned {f!r} for epoch {epoch}; a "
                         "schedule's factor must be a finite number > 0")
    return float(f)


class _Stop(Exception):
    """Ends the L-BFGS iterations from its callback (early stop requested)."""


def fit_lbfgs(model, X, y, rows, streams, val):
    """Full-batch L-BFGS; ``epochs`` is the iteration budget; random draws held fixed.

    The whole training set is one batch, so memory-mapped data is read into
    memory here.  Checkpoints and callbacks run after every iteration;
    early stopping and schedules are refused by the settings check.
    """
    X = gather(X, np.arange(X.shape[0]) if rows is None else rows, model._dtype)
    y = y if y is None or rows is None else y[rows]
    seed = int(streams.step.integers(2**63 - 1))
    grads = model._flat.zeros_like()
    ops = get_ops(True)
    model._epoch_start(0)
    good = model._flat.flat.copy()
    end = EpochEnd(model, "loss" if val is None else "val_loss")
    done = len(model.history_["loss"])
    progress = Progress(model, 1, model.epochs, first=done)

    def fun(theta):
        model._flat.flat[:] = theta
        grads.flat.fill(0.0)
        terms = model._objective(model.params_, X, y, np.random.default_rng(seed), ops, grads.views)
        fun.terms = terms
        return model._total(terms), grads.flat.astype(np.float64)

    t0 = [time.perf_counter()]

    def callback(theta):
        it = len(model.history_["loss"])
        loss = model._total(fun.terms)
        if not np.isfinite(loss):
            _diverged(model, it, good, "became NaN or infinite")
        if abs(loss) > bound:
            _diverged(model, it, good, f"grew to {loss:.3g} (initial loss: {initial:.3g})")
        seconds = time.perf_counter() - t0[0]
        vl = record(model, it, fun.terms, val, seconds)
        progress.epoch(it - done, loss, vl, None, seconds)
        good[:] = theta
        if end.after(it, _logs(it, loss, fun.terms, seconds, vl, None)):
            raise _Stop
        t0[0] = time.perf_counter()

    model.n_iter_ = 0
    if model.epochs == 0:
        return
    initial = fun(model._flat.flat.copy())[0]  # the loss of the initial parameters
    bound = DIVERGENCE_FACTOR * max(1.0, abs(initial)) if np.isfinite(initial) else np.inf
    try:
        result = lbfgs(fun, model._flat.flat.copy(), maxiter=model.epochs, callback=callback)
    except _Stop:
        model._flat.flat[:] = good
        model.n_iter_ = len(model.history_["loss"]) - done
        note = end.finish()
        if note:
            progress.say(note)
        return
    model.n_iter_ = int(result.nit)
    if not np.all(np.isfinite(result.x)):
        _diverged(model, len(model.history_["loss"]), good, "left non-finite parameters")
    model._flat.flat[:] = result.x
    model.lbfgs_result_ = result
    end.finish()
    if result.nit == 0 or (not result.success and result.nit < model.epochs):
        warnings.warn(
            f"L-BFGS stopped after {result.nit} of {model.epochs} iterations: {result.message}. "
            "Rescale or standardise the data, or train with optimizer='adam'",
            ConvergenceWarning, stacklevel=3)


def record(model, epoch, terms, val, seconds):
    """Append one epoch's terms, validation loss and time to ``history_``.

    Returns the validation loss (None without a validation set).
    """
    h = model.history_
    h["loss"].append(model._total(terms))
    h["time"].append(seconds)
    for k, v in {**terms, **model._epoch_diagnostics()}.items():
        h.setdefault(k, []).append(float(v))
    if val is None:
        return None
    vl = model._total(model._objective(model.params_, val[0], val[1],
                                        np.random.default_rng(epoch), get_ops(True), {}))
    h["val_loss"].append(vl)
    return vl
