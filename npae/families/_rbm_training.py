"""The RBM's training loop behind ``fit`` and ``partial_fit``, and its divergence rule.

Split from :mod:`npae.families.rbm`, which holds the model and its
contrastive-divergence update (:meth:`~npae.RBM.cd_gradient`, ``_apply``); here the
passes over the data call them, and a pass that diverges is undone.  The rule is
:mod:`npae.estimator.divergence`'s with the reconstruction error as the monitor (CD
follows no loss's gradient, and the error is what the practical guide watches):
training has diverged when a minibatch's error or the parameters are not finite, or
when a pass's mean error, or the error of its end parameters on the first minibatch,
exceeds ``DIVERGENCE_FACTOR`` × max(1, the initial parameters' error there).
"""

from __future__ import annotations

import copy
import time

import numpy as np

from .._validation import TrainingDivergedError
from ..estimator import divergence

__all__ = ["fit", "partial_fit"]


def fit(rbm, X):
    """:meth:`npae.RBM.fit` (``X`` validated here, once)."""
    rbm._check_settings()
    X = rbm._check_X(X, fitted=False)
    before = _state(rbm)
    rbm._initialize(X)
    probe = _Probe(rbm, X)
    good = None
    try:
        for _ in range(rbm.epochs):
            _pass(rbm, X, rbm._rng.permutation(X.shape[0]), probe)
            good = _state(rbm)
    except TrainingDivergedError as exc:
        if good is None:
            rbm.__dict__ = before
            kept = ("no pass of this fit stayed within the bound, so the model is "
                    + ("the one fitted before this call, unchanged" if "params_" in before
                       else "unchanged (still not fitted)"))
        else:
            rbm.__dict__ = good
            kept = f"the model keeps the parameters of pass {rbm.n_iter_}, the last good one"
        raise divergence.outcome(exc, kept) from None
    return rbm


def partial_fit(rbm, X):
    """:meth:`npae.RBM.partial_fit`: one pass in the rows' order; a diverged one is undone."""
    rbm._check_settings()
    fitted = hasattr(rbm, "params_")
    X = rbm._check_X(X, fitted=fitted)
    before = _state(rbm)
    if not fitted:
        rbm._initialize(X)
    try:
        _pass(rbm, X, np.arange(X.shape[0]), _Probe(rbm, X))
    except TrainingDivergedError as exc:
        rbm.__dict__ = before
        raise divergence.outcome(exc, "partial_fit changes nothing when it fails: the "
                                      "model is as before this call") from None
    return rbm


def _state(rbm):
    """A copy of everything training changes (parameters, momentum, chains, history,
    the random stream), to put back after a diverged pass."""
    return copy.deepcopy(rbm.__dict__)


def _pass(rbm, X, order, probe):
    """One pass of CD updates over the rows ``order``, judged by ``probe``."""
    t0, err = time.perf_counter(), 0.0
    with np.errstate(all="ignore"):  # a diverging pass is judged below, not warned about
        for start in range(0, len(order), rbm.batch_size):
            V = X[order[start:start + rbm.batch_size]]
            grads, rec = rbm.cd_gradient(V, rbm._rng)
            if not np.isfinite(rec):
                probe.diverged(f"was {rec} on a minibatch")
            err += rec * V.shape[0]
            rbm._apply(grads)
    probe.judge(err / len(order))
    rbm.n_iter_ += 1
    rbm.history_["reconstruction_error"].append(err / len(order))
    rbm.history_["time"].append(time.perf_counter() - t0)
    if rbm.verbose:
        print(f"RBM pass {rbm.n_iter_}: reconstruction error {err / len(order):.4f} "
              f"(squared, summed over features), {rbm.history_['time'][-1]:.1f} s")


class _Probe:
    """The reconstruction error on the first minibatch of the training rows (draws of seed
    0), measured before the first step and after each pass: the RBM's divergence rule
    (:mod:`npae.estimator.divergence`, whose factor it uses)."""

    def __init__(self, rbm, X):
        self.rbm, self.V = rbm, X[:rbm.batch_size]
        self.initial = self.error()
        self.bound = divergence.DIVERGENCE_FACTOR * max(1.0, abs(self.initial)) \
            if np.isfinite(self.initial) else np.inf

    def error(self):
        with np.errstate(all="ignore"):
            return self.rbm._reconstruct(self.V, np.random.default_rng(0))[3]

    def judge(self, pass_error):
        """Raise if the pass's mean error, the parameters or the error they give diverged."""
        if not abs(pass_error) <= self.bound:  # NaN fails too
            self.diverged(f"grew to {pass_error:.3g} over the pass")
        if not all(np.all(np.isfinite(v)) for v in self.rbm.params_.values()):
            self.diverged("was finite but the parameters are not")
        end = self.error()
        if not abs(end) <= self.bound:
            self.diverged(f"of the parameters at the end of the pass reached {end:.3g} on "
                          "the first training minibatch")

    def diverged(self, what):
        rbm = self.rbm
        raise TrainingDivergedError(
            f"the reconstruction error {what} (initial: {self.initial:.3g}) at pass "
            f"{rbm.n_iter_ + 1} (learning_rate={rbm.learning_rate})", epoch=rbm.n_iter_)

