"""npae: a pure-NumPy reference implementation of autoencoders.

Every forward and backward pass is written by hand (no autograd) and checked
numerically; see :mod:`npae.gradcheck`.
"""

__version__ = "0.1.0"

import importlib as _importlib

from . import gradcheck, nn, optim, penalties  # noqa: E402
from ._validation import NotFittedError, TrainingDivergedError  # noqa: E402
from .gradcheck import check_gradient, check_gradients  # noqa: E402
from .models import Autoencoder, BaseAutoencoder, load  # noqa: E402

# Families and applications, imported on first use (npae.SparseAutoencoder, npae.linear, ...).
_LAZY = {
    "SparseAutoencoder": "npae.models.sparse",
    "KSparseAutoencoder": "npae.models.ksparse",
    "DenoisingAutoencoder": "npae.models.denoising",
    "ContractiveAutoencoder": "npae.models.contractive",
    "VariationalAutoencoder": "npae.models.variational",
    "ConditionalLatentVAE": "npae.models.clvae",
    "AdversarialAutoencoder": "npae.models.adversarial",
    "ConcreteAutoencoder": "npae.models.concrete",
    "PCA": "npae.linear",
    "load_mnist": "npae.datasets",
}
_SUBMODULES = {"linear", "datasets", "metrics", "noise", "plot", "cli"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(_importlib.import_module(_LAZY[name]), name)
    if name in _SUBMODULES:
        return _importlib.import_module(f"npae.{name}")
    raise AttributeError(f"module 'npae' has no attribute {name!r}")


__all__ = [
    "Autoencoder", "BaseAutoencoder", "load", "check_gradient", "check_gradients",
    "NotFittedError", "TrainingDivergedError", "gradcheck", "nn", "optim", "penalties",
    *_LAZY,
]
