"""When training has diverged, and what the model holds afterwards.

The rule, for every optimizer (SGD, momentum, Adam, an optimizer object, L-BFGS):

- the loss of the **initial** parameters is measured before the first step,
  on a fixed *probe* batch (the first ``batch_size`` training rows, with the
  draws of a fixed seed, so that the training streams are not touched);
- training has diverged when a minibatch loss is NaN or infinite, when the
  parameters are, when an epoch's loss, or the probe loss of the parameters
  at the end of an epoch, exceeds ``DIVERGENCE_FACTOR × max(1, |initial loss|)``
  in magnitude.

An epoch counts as good only when its end-of-epoch parameters pass the probe,
so the parameters kept after an error are never ones that already fit a
thousand times worse than the initial ones.  Comparing with the *initial* loss
(not the first epoch's) matters under Adam, whose first epoch at a huge rate
has already blown up.

What the model holds after :class:`npae.TrainingDivergedError` (the message
says which, :func:`outcome`):

- ``fit`` after at least one good epoch: the parameters of the last good epoch
  (bit-equal to a fit with that many epochs), or with early stopping the best
  epoch's;
- ``fit`` with no good epoch, and any ``partial_fit``: exactly what it held
  before the call (a fitted model stays fitted, an unfitted one unfitted).
"""

from __future__ import annotations

import numpy as np

from .._validation import TrainingDivergedError
from ..nn import get_ops
from .sources import gather

__all__ = ["DIVERGENCE_FACTOR", "Probe", "diverged", "outcome"]

#: A loss this many times larger in magnitude than max(1, ``|initial loss|``)
#: counts as divergence (a finite 1e239 is as lost as an inf).
DIVERGENCE_FACTOR = 1e3

ADVICE = ("Try a smaller learning_rate, standardise or rescale the data, or add "
          "weight_decay")


class Probe:
    """The loss on a fixed batch of training rows, and the bound derived from its first value.

    Parameters
    ----------
    model : BaseAutoencoder
        Initialised, with its epoch hooks run for the first epoch.
    X, y : training data (``y`` None for families without labels)
    rows : ndarray of int or None
        The training rows (None: all).
    size : int
        Rows in the probe batch (the batch size).
    """

    def __init__(self, model, X, y, rows, size):
        idx = np.arange(min(size, X.shape[0] if rows is None else len(rows)))
        idx = idx if rows is None else np.asarray(rows)[idx]
        self.model = model
        self.rate = None  # the step size a schedule set for this epoch (None: the model's)
        self.X = gather(X, idx, model._dtype)
        self.y = None if y is None else y[idx]
        self.initial = self.loss()
        self.bound = DIVERGENCE_FACTOR * max(1.0, abs(self.initial)) \
            if np.isfinite(self.initial) else np.inf

    def loss(self):
        """The loss of the current parameters on the probe batch (draws of seed 0)."""
        m = self.model
        with np.errstate(all="ignore"):
            terms = m._objective(m.params_, self.X, self.y, np.random.default_rng(0),
                                 get_ops(True), {})
        return m._total(terms)

    def judge(self, model, epoch, good, epoch_loss):
        """Raise if the epoch's loss or its end parameters diverged; else record them as good."""
        if abs(epoch_loss) > self.bound:
            diverged(model, epoch, good, f"grew to {epoch_loss:.3g} (initial loss: "
                                         f"{self.initial:.3g})", self.rate)
        end = self.loss()
        if not np.isfinite(end) or abs(end) > self.bound:
            diverged(model, epoch, good, f"of the parameters at the end of the epoch reached "
                                         f"{end:.3g} on the first training batch (initial loss: "
                                         f"{self.initial:.3g})", self.rate)
        good[:] = model._flat.flat


def diverged(model, epoch, good, what, rate=None):
    """Put back the last good parameters and raise :class:`npae.TrainingDivergedError`.

    ``rate``: the step size a learning-rate schedule set for that epoch, if any."""
    model._flat.flat[:] = good
    scaled = "" if rate is None or rate == model.learning_rate else \
        f", scaled by lr_schedule to {rate:.3g}"
    raise TrainingDivergedError(
        f"the training loss {what} at epoch {epoch + 1} "
        f"(learning_rate={model.learning_rate}{scaled})", epoch=epoch)


def outcome(exc, kept, during=None):
    """The error of ``exc`` completed with what the model now holds, truly.

    ``kept``: a sentence saying it (e.g. "the model keeps the parameters of
    epoch 3").  ``during``: where it happened, when not in the model's own
    epochs (e.g. "pretraining", a DEC's inner autoencoder).  The returned
    error's ``core`` is the part without ``kept`` and the advice, so that an
    outer fit can complete an inner one's error with its own outcome.
    """
    core = getattr(exc, "core", str(exc))
    core = core if during is None else f"{during} diverged: {core}"
    err = TrainingDivergedError(f"{core}; {kept}. {ADVICE}", epoch=exc.epoch)
    err.core = core
    return err
