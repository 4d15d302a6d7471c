"""The vectorized *batch* path: a minibatch is one matrix, every sum over the
observations i is a matrix product or an axis reduction.

Same functions, same signatures as :mod:`npae.nn.reference`; family code is
written once against either (see :func:`npae.nn.get_ops`).  Results are
written into :func:`npae.nn.workspace.empty` buffers: reused across training
steps inside ``Workspace.step()``, fresh arrays everywhere else.
"""

from __future__ import annotations

import numpy as np

from .workspace import empty, scratch


VECTORIZED = True


def dense_forward(X, W, b):
    """A = X W + b, the review's h(Wx + b) with rows as samples (before h).

    (n, i) @ (i, o) + (o,) -> (n, o)
    """
    dtype = np.result_type(X, W, b)
    A = np.matmul(X, W, out=empty((X.shape[0], W.shape[1]), dtype))  # (n, i) @ (i, o)
    # + b on every row.  ``A += b`` would broadcast, for which NumPy allocates an
    # iterator buffer on every call; adding a same-shape array of copies of b does not.
    B = scratch(A.shape, dtype)
    np.copyto(B, b)
    A += B
    return A


def dense_backward(dA, X, W, need_dX=True, dW=None, db=None):
    """Gradients of a dense layer given the upstream gradient dA = dL/dA.

    dW = Σ_i x^(i)ᵀ da^(i) = Xᵀ dA,  db = Σ_i da^(i),  dX = dA Wᵀ.

    ``need_dX=False`` skips the input gradient (the first layer of a network
    needs none: it is the data), which saves one of the three matrix products.
    ``dW``, ``db`` (optional arrays of the shapes of W and b, e.g. views into
    a gradient buffer): *add* the gradients into them, in place, and return
    them; else they are new arrays.
    """
    dtype = np.result_type(dA, X, W)
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
    """(1/n) Σ_i h^(i): (n, h) -> (h,)"""
    return H.mean(axis=0)


def sum_over_samples(G):
    """Σ_i g^(i): (n, ...) -> (...)"""
    return G.sum(axis=0)
