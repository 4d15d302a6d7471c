"""npae: a pure-NumPy reference implementation of autoencoders.

Every forward and backward pass is written by hand (no autograd) and checked
numerically; see :mod:`npae.gradcheck`.  One estimator per family of Caron's
literature review, all with the same API (:class:`npae.models.BaseAutoencoder`);
the families exported here are those of the registry (:mod:`npae.registry`).
"""

__version__ = "0.2.0"

from . import (datasets, gradcheck, linear, metrics, nn, noise, optim, penalties,  # noqa: E402
               registry, schedules)
from ._validation import NotFittedError, TrainingDivergedError  # noqa: E402
from .datasets import load_mnist  # noqa: E402
from .detection import OutlierDetector  # noqa: E402
from .export import to_torch  # noqa: E402
from .gradcheck import check_gradient, check_gradients  # noqa: E402
from .hyperparams import InvalidParameterError  # noqa: E402
from .linear import PCA  # noqa: E402
from .models import BaseAutoencoder, load  # noqa: E402
from .models.callbacks import StopTraining  # noqa: E402
from .models.rbm import RBM  # noqa: E402
from .models.training import ConvergenceWarning  # noqa: E402
from .pretraining import pretrain_stack  # noqa: E402
from .registry import families, register  # noqa: E402

globals().update({cls.__name__: cls for cls in families().values()})

__all__ = [cls.__name__ for cls in families().values()] + [
    "BaseAutoencoder", "OutlierDetector", "PCA", "RBM", "load", "load_mnist", "check_gradient", "check_gradients",
    "NotFittedError", "TrainingDivergedError", "InvalidParameterError", "ConvergenceWarning",
    "StopTraining", "schedules", "to_torch", "pretrain_stack", "register", "families",
    "datasets", "gradcheck", "linear", "metrics", "nn", "noise", "optim", "penalties", "registry",
]
