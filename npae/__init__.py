"""npae: a pure-NumPy reference implementation of autoencoders.

Every forward and backward pass is written by hand (no autograd) and checked
numerically; see :mod:`npae.gradcheck`.
"""

__version__ = "0.1.0"

from . import gradcheck, nn, optim, penalties  # noqa: E402
from ._validation import NotFittedError, TrainingDivergedError  # noqa: E402
from .gradcheck import check_gradient, check_gradients  # noqa: E402
from .models import Autoencoder, BaseAutoencoder, load  # noqa: E402

__all__ = [
    "Autoencoder", "BaseAutoencoder", "load", "check_gradient", "check_gradients",
    "NotFittedError", "TrainingDivergedError", "gradcheck", "nn", "optim", "penalties",
]
