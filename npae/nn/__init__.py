"""The hand-written core: activations, dense layers, MLPs, losses, initialisation.

Nothing here imports the rest of npae.  Two interchangeable *ops* modules
implement the primitives that involve a sum over observations:
:mod:`npae.nn.batch` (vectorized) and :mod:`npae.nn.reference` (one
observation at a time).  :func:`get_ops` picks one.  A training loop runs
each step inside ``Workspace().step()`` (:mod:`npae.nn.batch`) so that the
arrays of one step are reused by the next.
"""

from . import batch, reference
from .activations import ACTIVATIONS, Activation, get_activation
from .network import MLP, Layer, LayerCache, get_ops
from .batch import Workspace

__all__ = ["get_ops", "batch", "reference", "MLP", "Layer", "LayerCache", "Activation",
           "ACTIVATIONS", "get_activation", "Workspace"]

