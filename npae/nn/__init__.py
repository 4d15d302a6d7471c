"""The hand-written core: activations, dense layers, MLPs, losses, initialisation.

Nothing here imports the rest of npae.  Two interchangeable *ops* modules
implement the primitives that involve a sum over observations:
:mod:`npae.nn.batch` (vectorized) and :mod:`npae.nn.reference` (one
observation at a time).  :func:`get_ops` picks one.  A training loop runs
each step inside ``Workspace().step()`` (:mod:`npae.nn.workspace`) so that the
arrays of one step are reused by the next.
"""

from . import batch, reference
from .activations import ACTIVATIONS, Activation, get_activation
from .network import MLP, Layer, LayerCache
from .workspace import Workspace

__all__ = ["get_ops", "batch", "reference", "MLP", "Layer", "LayerCache", "Activation",
           "ACTIVATIONS", "get_activation", "Workspace"]


def get_ops(vectorized=True):
    """Return the batch ops module (``vectorized=True``) or the per-example reference."""
    if not isinstance(vectorized, (bool,)) and vectorized not in (0, 1):
        raise TypeError(f"vectorized must be True or False, got {vectorized!r}")
    return batch if vectorized else reference
