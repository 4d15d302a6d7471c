"""One module per autoencoder family; ``base`` holds the shared estimator."""

from .autoencoder import Autoencoder
from .base import BaseAutoencoder, load

__all__ = ["Autoencoder", "BaseAutoencoder", "load"]
