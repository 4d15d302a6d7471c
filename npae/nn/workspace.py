"""Work buffers reused from one training step to the next.

A training step on a minibatch of a fixed shape computes the same
intermediate arrays, of the same shapes, in the same order, every time:
pre-activations, activations, their gradients, the loss gradient.  Allocating
them afresh each step costs page faults and memory traffic; a
:class:`Workspace` hands out the *same* buffers again instead.

Use::

    ws = Workspace()                     # one per fit, owned by the training loop
    for Xb in minibatches:
        with ws.step():                  # rewinds: the step reuses last step's buffers
            model._train_step(Xb, ...)   # everything in npae.nn asks empty() for its outputs

Inside ``with ws.step()``, :func:`empty` returns the k-th buffer of a given
(shape, dtype) requested in this step — a *different* buffer for each request,
so that two caches of one network held at once (the adversarial autoencoder's
discriminator run on prior samples and on codes) never share memory.  The next
step gets the same buffers back in the same order.  Outside a step (``transform``,
``loss_and_grads``, gradient checks, the reference path's callers), :func:`empty`
is ``np.empty``: what is returned to a user never aliases a buffer.

The one rule: an array computed inside a step is valid until that step ends
(the loss *value* a family returns is a float, so nothing needs to outlive it).

:func:`scratch` is for a temporary that dies at once (a product added into a
gradient, then dropped): every call returns the *same* memory, which stays in
the CPU cache, as a just-freed block does under malloc.  A scratch array is
valid until the next call to :func:`scratch`.
"""

from __future__ import annotations

import contextlib
import contextvars
import math

import numpy as np

__all__ = ["Workspace", "empty", "empty_like", "scratch"]

_ACTIVE = contextvars.ContextVar("npae_workspace", default=None)


class Workspace:
    """Buffers keyed by (shape, dtype, k-th request in the step).

    Minibatches of two sizes (the short last batch of an epoch) simply get two
    sets of buffers.  ``nbytes`` reports what the workspace holds.
    """

    def __init__(self):
        self._buffers = {}  # (shape, dtype) -> [buffer, ...]
        self._taken = {}  # (shape, dtype) -> how many handed out in this step
        self._scratch = {}  # dtype -> one flat buffer, grown to the largest request

    @contextlib.contextmanager
    def step(self):
        """Make this workspace the active one and rewind it (one training step).

        Steps of one workspace do not nest (the inner rewind would hand the
        outer step's live buffers out again), and a workspace serves one thread.
        """
        if _ACTIVE.get() is self:
            raise RuntimeError("Workspace.step() is already active: steps of one workspace "
                               "do not nest; use a second Workspace for an inner step")
        self._taken.clear()
        token = _ACTIVE.set(self)
        try:
            yield self
        finally:
            _ACTIVE.reset(token)

    def empty(self, shape, dtype):
        """The next unused buffer of this shape and dtype in the current step."""
        key = (shape, dtype)
        k = self._taken.get(key, 0)
        self._taken[key] = k + 1
        buffers = self._buffers.setdefault(key, [])
        if k == len(buffers):
            buffers.append(np.empty(shape, dtype))
        return buffers[k]

    def scratch(self, shape, dtype):
        """The scratch buffer of this dtype, viewed with this shape."""
        size = math.prod(shape)
        flat = self._scratch.get(dtype)
        if flat is None or flat.size < size:
            flat = self._scratch[dtype] = np.empty(size, dtype)
        return flat[:size].reshape(shape)

    @property
    def nbytes(self):
        held = [b for bufs in self._buffers.values() for b in bufs]
        return sum(b.nbytes for b in held + list(self._scratch.values()))


def empty(shape, dtype):
    """An uninitialised array: a reused buffer inside ``Workspace.step()``, else new."""
    ws = _ACTIVE.get()
    if ws is None:
        return np.empty(shape, dtype)
    return ws.empty(tuple(shape), np.dtype(dtype))


def scratch(shape, dtype):
    """A temporary valid until the next scratch() call (one shared buffer in a step)."""
    ws = _ACTIVE.get()
    if ws is None:
        return np.empty(shape, dtype)
    return ws.scratch(tuple(shape), np.dtype(dtype))


def empty_like(a):
    """:func:`empty` with the shape and dtype of ``a``."""
    return empty(a.shape, a.dtype)
