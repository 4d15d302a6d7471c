"""The vectorized *batch* path: a minibatch is one matrix, every sum over the
observations i is a matrix product or an axis reduction.

Same functions, same signatures as :mod:`npae.nn.reference`; family code is
written once against either (see :func:`npae.nn.get_ops`).  The per-example
reference path is the one to read; this one adds a single trick, the
**work buffers** below, so that a training step allocates nothing.

Work buffers.  A training step on a minibatch of a fixed shape computes the same
intermediate arrays, of the same shapes, in the same order, every time:
pre-activations, activations, their gradients, the loss gradient.  Allocating
them afresh each step costs page faults and memory traffic; a
:class:`Workspace` hands out the *same* buffers again instead::

    ws = Workspace()                     # one per fit, owned by the training loop
    for Xb in minibatches:
        with ws.step():                  # rewinds: the step reuses last step's buffers
            model.step(Xb)               # everything in npae.nn asks empty() for its outputs

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

__all__ = ["dense_forward", "dense_backward", "mean_over_samples", "sum_over_samples",
           "Workspace", "empty", "empty_like", "scratch", "VECTORIZED"]

VECTORIZED = True


def dense_forward(X, W, b):
    """:math:`A = X W + b`, the review's :math:`h(Wx + b)` with rows as samples (before h).

    (n, i) @ (i, o) + (o,) -> (n, o)
    """
    dtype = np.result_type(X, W, b)
    # plain NumPy: A = X @ W + b; here written into reused buffers
    A = np.matmul(X, W, out=empty((X.shape[0], W.shape[1]), dtype))  # (n, i) @ (i, o)
    # + b on every row.  ``A += b`` would broadcast, for which NumPy allocates an
    # iterator buffer on every call; adding a same-shape array of copies of b does not.
    B = scratch(A.shape, dtype)
    np.copyto(B, b)
    A += B
    return A


def dense_backward(dA, X, W, need_dX=True, dW=None, db=None):
    r"""Gradients of a dense layer given the upstream gradient
    :math:`dA = \partial L / \partial A`.

    .. math::

        dW = \sum_i x^{(i)\top} da^{(i)} = X^\top dA, \qquad
        db = \sum_i da^{(i)}, \qquad dX = dA\, W^\top

    ``need_dX=False`` skips the input gradient (the first layer of a network
    needs none: it is the data), which saves one of the three matrix products.
    ``dW``, ``db`` (optional arrays of the shapes of W and b, e.g. views into
    a gradient buffer): *add* the gradients into them, in place, and return
    them; else they are new arrays.
    """
    dtype = np.result_type(dA, X, W)
    # plain NumPy: dW = X.T @ dA; db = dA.sum(0); dX = dA @ W.T (here into reused buffers,
    # and added in place into the model's gradient arrays when they are given)
    if dW is None:
        dW = np.matmul(X.T, dA, out=empty(W.shape, dtype))  # (i, n) @ (n, o) -> (i, o)
    elif dW.T.flags.c_contiguous and not dW.flags.c_contiguous:
        # a transposed view (a tied layer): the product in its memory order, so
        # that the add is a plain loop (mixed orders need a NumPy buffer)
        dW += np.matmul(dA.T, X, out=scratch(W.shape[::-1], dtype)).T  # (o, n) @ (n, i)
    else:
        dW += np.matmul(X.T, dA, out=scratch(W.shape, dtype))  # (i, n) @ (n, o) -> (i, o)
    if db is None:
        db = np.sum(dA, axis=0, out=empty(W.shape[1:], dtype))  # (o,)
    else:
        db += np.sum(dA, axis=0, out=scratch(W.shape[1:], dtype))
    dX = None
    if need_dX:
        dX = np.matmul(dA, W.T, out=empty(X.shape, dtype))  # (n, o) @ (o, i) -> (n, i)
    return dX, dW, db


def mean_over_samples(H):
    r""":math:`\frac1n \sum_i h^{(i)}`: (n, h) -> (h,)"""
    return H.mean(axis=0)


def sum_over_samples(G):
    r""":math:`\sum_i g^{(i)}`: (n, ...) -> (...)"""
    return G.sum(axis=0)


# ---------------------------------------------------------------------------
# Work buffers
# ---------------------------------------------------------------------------
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
