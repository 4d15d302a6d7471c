"""The vectorized *batch* path: a minibatch is one matrix, every sum over the
observations i is a matrix product or an axis reduction.

Same functions, same signatures as :mod:`npae.nn.reference`; family code is
written once against either (see :func:`npae.nn.get_ops`).
"""

from __future__ import annotations


VECTORIZED = True


def dense_forward(X, W, b):
    """A = X W + b, the review's h(Wx + b) with rows as samples (before h).

    (n, i) @ (i, o) + (o,) -> (n, o)
    """
    A = X @ W  # (n, i) @ (i, o) -> (n, o)
    A += b
    return A


def dense_backward(dA, X, W, need_dX=True):
    """Gradients of a dense layer given the upstream gradient dA = dL/dA.

    dW = Σ_i x^(i)ᵀ da^(i) = Xᵀ dA,  db = Σ_i da^(i),  dX = dA Wᵀ.

    ``need_dX=False`` skips the input gradient (the first layer of a network
    needs none: it is the data), which saves one of the three matrix products.
    """
    dW = X.T @ dA  # (i, n) @ (n, o) -> (i, o)
    db = dA.sum(axis=0)  # (o,)
    dX = dA @ W.T if need_dX else None  # (n, o) @ (o, i) -> (n, i)
    return dX, dW, db


def mean_over_samples(H):
    """(1/n) Σ_i h^(i): (n, h) -> (h,)"""
    return H.mean(axis=0)


def sum_over_samples(G):
    """Σ_i g^(i): (n, ...) -> (...)"""
    return G.sum(axis=0)
