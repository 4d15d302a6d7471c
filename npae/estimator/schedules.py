r"""Learning-rate schedules: a factor on every parameter group's step size, per epoch.

A schedule multiplies the base step size of *every* parameter group by the
same factor, so groups with their own rates (the concrete autoencoder's
selector, the adversarial autoencoder's discriminator) keep their ratios.
Before epoch ``e`` (0-based, counted within one ``fit``) the training loop
asks ``schedule.factor(e, epochs, history)``, where ``history`` holds the
monitored loss of the epochs done so far in this fit (``val_loss`` when there
is a validation set, else the training loss).  Schedules here are stateless
functions of those arguments, so the same call gives the same factor, and a
refit (or ``warm_start``) starts the schedule again.  The factors:

- step: :math:`f(e) = \gamma^{\lfloor e / s \rfloor}`;
- cosine: :math:`f(e) = f_{min} + (1 - f_{min}) \big(1 + \cos(\pi \min(e, T) / T)\big) / 2`,
  T = epochs by default;
- plateau: f is multiplied by γ each time the monitored loss has not improved
  by more than ``tol`` for ``patience`` epochs in a row (never below :math:`f_{min}`).

Pass ``lr_schedule="step"``, ``"cosine"`` or ``"plateau"`` for the defaults
below, or an instance (e.g. ``StepDecay(step_size=5, gamma=0.5)``), or any
object with a ``factor(epoch, epochs, history)`` method returning a float > 0.
"""

from __future__ import annotations

import math

from .._validation import check_int, check_real

__all__ = ["StepDecay", "CosineDecay", "ReduceOnPlateau", "make_schedule", "SCHEDULES"]


class StepDecay:
    """f(e) = gamma ** (e // step_size): the rate drops by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, step_size=10, gamma=0.1):
        self.step_size = check_int("step_size", step_size, minimum=1)
        self.gamma = check_real("gamma", gamma, low=0, high=1, low_open=True)

    def factor(self, epoch, epochs, history):
        return self.gamma ** (epoch // self.step_size)

    def __repr__(self):
        return f"StepDecay(step_size={self.step_size}, gamma={self.gamma})"


class CosineDecay:
    """Half a cosine from 1 down to ``min_factor`` over ``period`` epochs (default: all of them).

    Loshchilov & Hutter (2017), SGDR, without restarts.  After ``period``
    epochs the factor stays at ``min_factor``.
    """

    def __init__(self, min_factor=0.0, period=None):
        self.min_factor = check_real("min_factor", min_factor, low=0, high=1, high_open=True)
        self.period = None if period is None else check_int("period", period, minimum=1)

    def factor(self, epoch, epochs, history):
        T = self.period or max(int(epochs), 1)
        t = min(epoch, T) / T
        return self.min_factor + (1.0 - self.min_factor) * 0.5 * (1.0 + math.cos(math.pi * t))

    def __repr__(self):
        return f"CosineDecay(min_factor={self.min_factor}, period={self.period})"


class ReduceOnPlateau:
    """Multiply the rate by ``gamma`` after ``patience`` epochs without improvement.

    An epoch improves when its monitored loss is below the best so far minus
    ``tol`` (the rule of scikit-learn's ``n_iter_no_change`` / ``tol``); after a
    reduction the count starts again.  The factor never goes below ``min_factor``.
    """

    def __init__(self, gamma=0.1, patience=5, tol=1e-4, min_factor=0.0):
        self.gamma = check_real("gamma", gamma, low=0, high=1, low_open=True, high_open=True)
        self.patience = check_int("patience", patience, minimum=1)
        self.tol = check_real("tol", tol, low=0)
        self.min_factor = check_real("min_factor", min_factor, low=0, high=1)

    def factor(self, epoch, epochs, history):
        f, best, wait = 1.0, math.inf, 0
        for value in history:  # replay: the factor is a function of the history alone
            if value < best - self.tol:
                best, wait = value, 0
            else:
                wait += 1
                if wait >= self.patience:
                    f, wait = max(f * self.gamma, self.min_factor), 0
        return f

    def __repr__(self):
        return (f"ReduceOnPlateau(gamma={self.gamma}, patience={self.patience}, "
                f"tol={self.tol}, min_factor={self.min_factor})")


#: lr_schedule names -> the schedule with its default settings
SCHEDULES = {"step": StepDecay, "cosine": CosineDecay, "plateau": ReduceOnPlateau}


def make_schedule(spec):
    """None, a name in ``SCHEDULES`` or an object with ``factor`` -> a schedule (or None)."""
    if spec is None or hasattr(spec, "factor"):
        return spec
    if spec not in SCHEDULES:
        raise ValueError(f"unknown lr_schedule {spec!r}; expected None, one of "
                         f"{sorted(SCHEDULES)}, or an object with a factor(epoch, epochs, "
                         "history) method")
    return SCHEDULES[spec]()
