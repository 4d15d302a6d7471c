"""The per-example *reference* path: every primitive processes one
observation :math:`x^{(i)}` at a time, exactly as the review writes the equations, and
gradients are accumulated with an explicit sum over i.

It is slow on purpose and exists to be read and to check the batch path
(:mod:`npae.nn.batch`), which must agree with it to round-off.  Elementwise
functions (activations, losses before their reduction) are per-observation
by construction and are shared by both paths.
"""

from __future__ import annotations

import numpy as np

VECTORIZED = False


def dense_forward(X, W, b):
    r""":math:`a^{(i)} = x^{(i)} W + b` for each observation i.  (i,) @ (i, o) -> (o,)"""
    A = np.empty((X.shape[0], W.shape[1]), dtype=np.result_type(X, W))
    for i in range(X.shape[0]):
        A[i] = X[i] @ W + b
    return A


def dense_backward(dA, X, W, need_dX=True, dW=None, db=None):
    r""":math:`dW = \sum_i x^{(i)\top} da^{(i)}` (outer products), :math:`db = \sum_i da^{(i)}`,
    :math:`dx^{(i)} = W\, da^{(i)}`.  Given ``dW``, ``db``: added into them, in place."""
    dW = np.zeros(W.shape, dtype=dA.dtype) if dW is None else dW
    db = np.zeros(W.shape[1], dtype=dA.dtype) if db is None else db
    dX = np.empty(X.shape, dtype=dA.dtype) if need_dX else None
    for i in range(X.shape[0]):
        dW += np.outer(X[i], dA[i])  # (i,) x (o,) -> (i, o)
        db += dA[i]
        if need_dX:
            dX[i] = W @ dA[i]  # (i, o) @ (o,) -> (i,)
    return dX, dW, db


def mean_over_samples(H):
    r""":math:`\frac1n \sum_i h^{(i)}`, written as the explicit sum."""
    return sum_over_samples(H) / H.shape[0]


def sum_over_samples(G):
    r""":math:`\sum_i g^{(i)}`, written as the explicit sum."""
    total = np.zeros(G.shape[1:], dtype=G.dtype)
    for i in range(G.shape[0]):
        total += G[i]
    return total
