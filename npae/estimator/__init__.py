"""The estimator machinery every family inherits; a reader of the review may skip it.

:mod:`~npae.estimator.base`          the family contract, ``loss_and_grads`` and the one training ``step``
:mod:`~npae.estimator.hyperparams`   hyperparameters declared as data (defaults, constraints, renames)
:mod:`~npae.estimator.registry`      the one table of families
:mod:`~npae.estimator.training`      the loop: epochs, parameter groups, L-BFGS
:mod:`~npae.estimator.divergence`    when training has diverged, and what the model then holds
:mod:`~npae.estimator.fitting`       ``fit``'s transaction, ``partial_fit``, validation split
:mod:`~npae.estimator.sources`, :mod:`~npae.estimator.batches`   data in memory or on disk, minibatches
:mod:`~npae.estimator.streams`, :mod:`~npae.estimator.row_seeds` the random streams
:mod:`~npae.estimator.optim`, :mod:`~npae.estimator.schedules`   optimizers, step-size schedules
:mod:`~npae.estimator.callbacks`, :mod:`~npae.estimator.progress` early stopping, checkpoints, progress lines
:mod:`~npae.estimator.persistence`, :mod:`~npae.estimator.inference`  save/load; transform and scores
"""

from . import registry, schedules
from .base import BaseAutoencoder
from .callbacks import StopTraining
from .hyperparams import InvalidParameterError
from .persistence import load
from .registry import families, register
from .training import ConvergenceWarning

__all__ = ["BaseAutoencoder", "StopTraining", "InvalidParameterError", "load", "families",
           "register", "ConvergenceWarning", "registry", "schedules"]
