"""One module per autoencoder family; ``base`` holds the contract, ``training``
the loop, ``persistence`` save/load.

Every module of this package is imported here, so that each family registers
itself (:mod:`npae.registry`): adding a family means adding one module.
"""

import importlib
import pkgutil

from .base import BaseAutoencoder
from .persistence import load
from ..registry import families

for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")

globals().update({cls.__name__: cls for cls in families().values()})

__all__ = [cls.__name__ for cls in families().values()] + ["BaseAutoencoder", "load"]
