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

Divergence.  A non-finite minibatch loss, non-finite parameters at the end
of an epoch, or an epoch loss whose magnitude exceeds
``DIVERGENCE_FACTOR × max(1, ``|first epoch loss|``)`` stops training with
:class:`npae.TrainingDivergedError`; the model keeps the parameters of the
last good epoch (see :meth:`BaseAutoencoder.fit`).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .._validation import TrainingDivergedError
from ..nn import get_ops
from ..optim import lbfgs, make_optimizer
from ..penalties import weight_decay

__all__ = ["ParamGroup", "Trainer", "fit_minibatch", "fit_lbfgs", "ConvergenceWarning",
           "DIVERGENCE_FACTOR"]

#: An epoch loss this many times larger in magnitude than max(1, ``|first epoch loss|``)
#: counts as divergence (a finite 1e239 is as lost as an inf).
DIVERGENCE_FACTOR = 1e6


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
    """

    names: tuple
    learning_rate: float
    phase: str = "loss"
    weight_decay: bool = True
    options: dict = field(default_factory=dict)


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
        for g in model._param_groups():
            opt = make_optimizer(model.optimizer, g.learning_rate, **g.options)
            if hasattr(model.optimizer, "step") and hasattr(opt, "learning_rate") \
                    and g.learning_rate != model.learning_rate:
                opt.learning_rate = g.learning_rate  # a group's own rate on the template's copy
            wd = [n for n in g.names if n.endswith(".W")] if g.weight_decay else []
            self.phases.setdefault(g.phase, []).append((model._flat.slice_of(g.names), opt, wd))

    def step(self, Xb, yb, rng):
        """One optimizer step of every group on a minibatch; returns the terms (and diagnostics)."""
        model, ops = self.model, get_ops(True)
        params, theta, grads = model.params_, model._flat.flat, self.grads
        terms = {}
        for phase, groups in self.phases.items():
            grads.flat.fill(0.0)
            terms.update(model._phase_loss(phase, params, Xb, yb, rng, ops, grads.views))
            if model.weight_decay:
                for _, _, wd in groups:
                    if wd:
                        terms["weight_decay"] = terms.get("weight_decay", 0.0) + weight_decay(
                            params, wd, model.weight_decay, grads.views)
            for s, opt, _ in groups:
                opt.step(theta[s], grads.flat[s])
        return terms


def _total(model, terms):
    """The loss: the sum of the terms that are not diagnostics."""
    return float(sum(v for k, v in terms.items() if k not in model._diagnostics))


def fit_minibatch(model, X, y, rng, val):
    """Epochs of shuffled minibatches (a fresh permutation from ``rng`` every epoch)."""
    n = X.shape[0]
    bs = min(model.batch_size, n)
    trainer = Trainer(model)
    good = model._flat.flat.copy()  # parameters at the end of the last good epoch
    first = None
    for epoch in range(model.epochs):
        t0 = time.perf_counter()
        model._epoch_start(epoch)
        perm = rng.permutation(n)
        sums = {}
        for start in range(0, n, bs):
            idx = perm[start:start + bs]
            terms = trainer.step(X[idx], None if y is None else y[idx], rng)
            if not np.isfinite(_total(model, terms)):
                _diverged(model, epoch, good, "became NaN or infinite")
            for k, v in terms.items():
                sums[k] = sums.get(k, 0.0) + float(v) * len(idx)
        # A batch's loss is computed before its update: the epoch's last
        # step can still overflow the parameters.
        if not np.all(np.isfinite(model._flat.flat)):
            _diverged(model, epoch, good, "left non-finite parameters")
        epoch_terms = {k: v / n for k, v in sums.items()}
        loss = _total(model, epoch_terms)
        first = loss if first is None else first
        if abs(loss) > DIVERGENCE_FACTOR * max(1.0, abs(first)):
            _diverged(model, epoch, good, f"grew to {loss:.3g} (first epoch: {first:.3g})")
        record(model, epoch, epoch_terms, val, time.perf_counter() - t0)
        good[:] = model._flat.flat


def fit_lbfgs(model, X, y, rng, val):
    """Full-batch L-BFGS; ``epochs`` is the iteration budget; random draws held fixed."""
    seed = int(rng.integers(2**63 - 1))
    grads = model._flat.zeros_like()
    ops = get_ops(True)
    model._epoch_start(0)
    good = model._flat.flat.copy()

    def fun(theta):
        model._flat.flat[:] = theta
        grads.flat.fill(0.0)
        terms = model._objective(model.params_, X, y, np.random.default_rng(seed), ops, grads.views)
        fun.terms = terms
        return _total(model, terms), grads.flat.astype(np.float64)

    t0 = [time.perf_counter()]

    def callback(theta):
        it = len(model.history_["loss"])
        if not np.isfinite(_total(model, fun.terms)):
            _diverged(model, it, good, "became NaN or infinite")
        record(model, it, fun.terms, val, time.perf_counter() - t0[0])
        good[:] = theta
        t0[0] = time.perf_counter()

    if model.epochs == 0:
        return
    result = lbfgs(fun, model._flat.flat.copy(), maxiter=model.epochs, callback=callback)
    if not np.all(np.isfinite(result.x)):
        _diverged(model, len(model.history_["loss"]), good, "left non-finite parameters")
    model._flat.flat[:] = result.x
    model.lbfgs_result_ = result
    if result.nit == 0 or (not result.success and result.nit < model.epochs):
        warnings.warn(
            f"L-BFGS stopped after {result.nit} of {model.epochs} iterations: {result.message}. "
            "Rescale or standardise the data, or train with optimizer='adam'",
            ConvergenceWarning, stacklevel=3)


def record(model, epoch, terms, val, seconds):
    """Append one epoch's terms, validation loss and time to ``history_``; print if verbose."""
    h = model.history_
    loss = _total(model, terms)
    h["loss"].append(loss)
    h["time"].append(seconds)
    for k, v in {**terms, **model._epoch_diagnostics()}.items():
        h.setdefault(k, []).append(float(v))
    msg = f"epoch {epoch + 1:4d}/{model.epochs}  loss {loss:.6g}"
    if val is not None:
        vl = _total(model, model._objective(model.params_, val[0], val[1],
                                            np.random.default_rng(epoch), get_ops(True), {}))
        h["val_loss"].append(vl)
        msg += f"  val_loss {vl:.6g}"
    if model.verbose:
        print(f"{msg}  ({seconds:.2f}s)", flush=True)


def _diverged(model, epoch, good, what):
    model._flat.flat[:] = good
    raise TrainingDivergedError(
        f"the training loss {what} at epoch {epoch + 1} "
        f"(learning_rate={model.learning_rate}); the model keeps the parameters of the last "
        "good epoch. Try a smaller learning_rate, standardise or rescale the data, or add "
        "weight_decay", epoch=epoch)
