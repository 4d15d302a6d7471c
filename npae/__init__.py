"""npae: a pure-NumPy reference implementation of autoencoders.

Every forward and backward pass is written by hand (no autograd) and checked
numerically; see :mod:`npae.gradcheck`.  One estimator per family of Caron's
literature review, all with the same API (:class:`npae.models.BaseAutoencoder`).
"""

__version__ = "0.1.0"

from . import datasets, gradcheck, linear, metrics, nn, noise, optim, penalties  # noqa: E402
from ._validation import NotFittedError, TrainingDivergedError  # noqa: E402
from .datasets import load_mnist  # noqa: E402
from .export import to_torch  # noqa: E402
from .gradcheck import check_gradient, check_gradients  # noqa: E402
from .linear import PCA  # noqa: E402
from .models import (AdversarialAutoencoder, Autoencoder, BaseAutoencoder,  # noqa: E402
                     ConcreteAutoencoder, ConditionalLatentVAE, ContractiveAutoencoder,
                     DenoisingAutoencoder, KSparseAutoencoder, SparseAutoencoder,
                     VariationalAutoencoder, load)

__all__ = [
    "Autoencoder", "SparseAutoencoder", "KSparseAutoencoder", "DenoisingAutoencoder",
    "ContractiveAutoencoder", "VariationalAutoencoder", "ConditionalLatentVAE",
    "AdversarialAutoencoder", "ConcreteAutoencoder", "BaseAutoencoder", "PCA", "load",
    "load_mnist", "check_gradient", "check_gradients", "NotFittedError",
    "TrainingDivergedError", "to_torch", "datasets", "gradcheck", "linear", "metrics", "nn",
    "noise", "optim", "penalties",
]
