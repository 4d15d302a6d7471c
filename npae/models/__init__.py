"""One module per autoencoder family; ``base`` holds the shared estimator."""

from .adversarial import AdversarialAutoencoder
from .autoencoder import Autoencoder
from .base import BaseAutoencoder, load
from .clvae import ConditionalLatentVAE
from .concrete import ConcreteAutoencoder
from .contractive import ContractiveAutoencoder
from .denoising import DenoisingAutoencoder
from .ksparse import KSparseAutoencoder
from .sparse import SparseAutoencoder
from .variational import VariationalAutoencoder

__all__ = ["Autoencoder", "SparseAutoencoder", "KSparseAutoencoder", "DenoisingAutoencoder",
           "ContractiveAutoencoder", "VariationalAutoencoder", "ConditionalLatentVAE",
           "AdversarialAutoencoder", "ConcreteAutoencoder", "BaseAutoencoder", "load"]
