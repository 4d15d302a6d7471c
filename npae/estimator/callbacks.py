"""What happens after every epoch: early stopping, checkpoints and the user's callbacks.

The training loop (:mod:`npae.estimator.training`) calls :meth:`EpochEnd.after`
once an epoch is recorded in ``history_``, with that epoch's figures (the
*logs*: ``epoch``, ``loss``, each loss term, ``val_loss`` when there is a
validation set, ``learning_rate`` when a schedule is set, ``time``).  In this
order:

1. **Early stopping** (``early_stopping=True``): the monitored loss is
   ``val_loss`` when there is a validation set (``validation_data`` or
   ``validation_fraction``), else the training loss.  An epoch improves when
   its monitored loss is below the best so far minus ``tol``; after
   ``n_iter_no_change`` epochs in a row without improvement training stops.
   The best epoch is the one with the lowest monitored loss.
   Whenever early stopping is on, the model ends with the parameters of its
   best epoch (``best_epoch_``, an index into ``history_``), whether it
   stopped early, ran out of epochs or diverged; ``history_`` keeps every epoch.
2. **Checkpoint** (``checkpoint_path``): every ``checkpoint_every`` epochs the
   model as it is at the end of that epoch is saved with
   :func:`npae.estimator.persistence.save` (atomic: a kill during a save leaves
   the previous checkpoint intact), and once more when training ends (the
   model fit returns, best epoch restored); the file loads with :func:`npae.load`
   (a named schedule with it).  A fit that fails leaves the model in memory as
   it was, but the checkpoints it wrote stay on disk.
3. **Callbacks**: each function in ``callbacks`` is called as
   ``f(model, epoch, logs)``.  ``model`` is the model being trained (fit
   builds it aside and installs it when training ends), ``epoch`` is 0-based
   and counts every epoch in ``history_``.  Returning ``True`` or raising
   :class:`StopTraining` ends training after this epoch, cleanly (the fit
   returns normally).  Any other exception aborts the fit and, fit being
   transactional, leaves the model as it was before ``fit``.
"""

from __future__ import annotations

import copy
import math

from .persistence import save

__all__ = ["StopTraining", "EarlyStopping", "EpochEnd", "save_checkpoint"]


class StopTraining(Exception):
    """Raise from a callback to end training after the current epoch (not an error)."""


class EarlyStopping:
    """Tracks the best monitored loss and the parameters of that epoch.

    Parameters
    ----------
    patience : int
        ``n_iter_no_change``: epochs without improvement before stopping.
    tol : float
        An epoch improves when its loss < best − tol.
    """

    def __init__(self, patience, tol):
        self.patience, self.tol = patience, tol
        self.best, self.best_epoch, self.best_params, self.wait = math.inf, None, None, 0

    def update(self, value, epoch, flat):
        """Record an epoch's monitored loss; True when training should stop.

        As scikit-learn's MLP: the count of epochs without improvement uses
        ``tol``, the best epoch is the lowest loss (even if lower by less).
        """
        self.wait = self.wait + 1 if value > self.best - self.tol else 0
        if value < self.best:
            self.best, self.best_epoch = value, epoch
            self.best_params = flat.copy()
        return self.wait >= self.patience


def save_checkpoint(model, path):
    """Save the model as it is mid-training (atomic).

    ``_after_fit`` derives fitted attributes that ``save`` reads (the concrete
    autoencoder's selection); it runs on a shallow copy, so the training state
    of ``model`` itself (e.g. the VAE's KL warm-up) is left alone.
    """
    snapshot = copy.copy(model)
    snapshot._after_fit()
    save(snapshot, path)


class EpochEnd:
    """Early stopping, checkpoints and callbacks of one fit (see the module docstring)."""

    def __init__(self, model, monitor):
        self.model = model
        self.monitor = monitor  # "val_loss" or "loss"
        self.early = (EarlyStopping(model.n_iter_no_change, model.tol)
                      if model.early_stopping else None)
        self.callbacks = list(model.callbacks or ())
        for f in self.callbacks:
            _check_arity(f)
        self.reason = None

    def after(self, epoch, logs):
        """Run the end-of-epoch steps; True when training should stop."""
        model, stop = self.model, False
        if self.early is not None and self.early.update(logs[self.monitor], epoch,
                                                        model._flat.flat):
            stop = True
            self.reason = (f"early stopping: {self.monitor} did not improve by more than "
                           f"tol={model.tol:g} for {model.n_iter_no_change} epochs")
        if model.checkpoint_path is not None and (epoch + 1) % model.checkpoint_every == 0:
            save_checkpoint(model, model.checkpoint_path)
        for f in self.callbacks:
            try:
                requested = f(model, epoch, dict(logs)) is True
            except StopTraining as exc:
                requested, msg = True, str(exc)
            else:
                msg = ""
            if requested and not stop:
                stop = True
                self.reason = f"stopped by callback {getattr(f, '__name__', f)!s}" + (
                    f": {msg}" if msg else "")
        return stop

    def finish(self):
        """End of training: the best epoch's parameters back (early stopping), the final
        checkpoint; returns a note for the progress output, or None."""
        model, note = self.model, self.reason
        if self.early is not None and self.early.best_params is not None:
            model._flat.flat[:] = self.early.best_params
            model.best_epoch_ = self.early.best_epoch
            restored = (f"restored the parameters of epoch {self.early.best_epoch + 1} "
                        f"({self.monitor} {self.early.best:.6g})")
            note = f"{note}; {restored}" if note else restored
        if model.checkpoint_path is not None and model.history_["loss"]:
            save_checkpoint(model, model.checkpoint_path)
        return note


def _check_arity(f):
    """A callback must take (model, epoch, logs): refuse one that cannot, before training."""
    import inspect
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):  # a builtin without a signature: trust it
        return
    try:
        sig.bind(None, 0, {})
    except TypeError as exc:
        raise TypeError(f"callback {getattr(f, '__qualname__', f)!s} has signature {sig}; a "
                        f"callback is called as f(model, epoch, logs) ({exc})") from None
