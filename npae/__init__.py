"""npae: a pure-NumPy reference implementation of autoencoders.

Every forward and backward pass is written by hand (no autograd) and checked
numerically (:mod:`npae.gradcheck`).  The package is laid out by role; a
reader of the review needs the first two rows, the rest is machinery and
applications:

=====================  ===================================================================
``npae.families``      one file per paper: the objective, its terms, its backward pass
``npae.nn``            the hand-written core: activations, dense layers, MLP, losses, Jacobians
``npae.terms``         terms the families share: penalties, noise, priors, MMD, densities
``npae.classical``     baselines: PCA and the linear-AE theory, robust PCA, k-means, mixtures,
                       linear hashes
``npae.estimator``     the machinery: base class, hyperparameters, registry, training loop,
                       data sources, optimizers, schedules, callbacks, persistence
applications           ``detection``, ``metrics``, ``retrieval``, ``imaging``, ``datasets``,
                       ``plot``, ``export``, ``exercises``, ``gradcheck``, the ``npae`` command
=====================  ===================================================================

Lower layers never import higher ones: ``nn`` imports nothing of npae,
``terms`` only ``nn``, ``estimator`` only those two, ``families`` those and
``classical``, applications anything.
"""

from ._version import __version__
from . import classical, datasets, estimator, families, gradcheck, metrics, nn, terms  # noqa: E402
from ._validation import NotFittedError, TrainingDivergedError  # noqa: E402
from .classical import PCA  # noqa: E402
from .datasets import load_mnist  # noqa: E402
from .detection import OutlierDetector  # noqa: E402
from .estimator import (BaseAutoencoder, ConvergenceWarning, InvalidParameterError,  # noqa: E402
                        StopTraining, load, register, registry, schedules)
from .export import to_torch  # noqa: E402
from .families.rbm import RBM  # noqa: E402
from .families.stacked import pretrain_stack  # noqa: E402
from .gradcheck import check_gradient, check_gradients  # noqa: E402

# Every registered family by its class name (``npae.Autoencoder``, ...); the list of
# families is ``npae.estimator.registry.families()`` ({key: class}, in the review's order).
globals().update({cls.__name__: cls for cls in registry.families().values()})

__all__ = [cls.__name__ for cls in registry.families().values()] + [
    "__version__", "BaseAutoencoder", "OutlierDetector", "PCA", "load", "load_mnist",
    "check_gradient", "check_gradients", "NotFittedError", "TrainingDivergedError",
    "InvalidParameterError", "ConvergenceWarning", "StopTraining", "schedules", "to_torch", "RBM",
    "pretrain_stack", "register", "registry", "families", "classical", "datasets", "estimator", "gradcheck",
    "metrics", "nn", "terms",
]
