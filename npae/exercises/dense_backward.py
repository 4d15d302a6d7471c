"""Exercise ``dense_backward``: the three gradients of a dense layer A = X W + b.

Reference: :func:`npae.nn.batch.dense_backward` (same signature, without ``need_dX``).
"""

from __future__ import annotations

import numpy as np

from ..nn import batch
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "dense_backward"
TITLE = "dense_backward(dA, X, W) -> (dX, dW, db), as in npae.nn.batch"

STUB = '''"""Exercise 3 — the backward pass of a dense layer.

Review §1.1: a layer computes a = W x + b for one observation x.  npae stores
rows as samples, so for a batch X of n rows the layer computes

    A = X @ W + b          X (n, i),  W (i, o),  b (o,),  A (n, o)

Given the upstream gradient dA = dL/dA (n, o) — it already carries the 1/n of
the loss's mean — write the gradients of L with respect to the layer's input
and parameters (chain rule; every observation uses the same W and b):

    dense_backward(dA, X, W) -> (dX, dW, db)
        dX = dL/dX   shape (n, i)
        dW = dL/dW   shape (i, o)   (a sum over the n observations)
        db = dL/db   shape (o,)

Check:  python -m npae exercise check dense_backward dense_backward.py
"""

import numpy as np


def dense_backward(dA, X, W):
    raise NotImplementedError("return (dX, dW, db)")
'''

#: (n, i, o) patterns (npae.exercises._shapes: the sizes are drawn from the seed).
#: All square first: W, where a transposed answer keeps its shape and is
#: recognised (elsewhere it fails with a shape error, which says less), and dA,
#: where db summed over the units has db's shape.
SHAPES = [(5, 5, 5), (4, 3, 7), (1, 7, 2)]


def _cases(rng):
    return [Case((rng.normal(size=(n, o)), rng.normal(size=(n, i)), rng.normal(size=(i, o))),
                 f"n, i, o = {n}, {i}, {o}", {"n": n}) for n, i, o in draw_shapes(rng, SHAPES)]


def _reference(dA, X, W):
    return batch.dense_backward(dA, X, W)


def _objective(dA, X, W):
    # L = Σ dA ⊙ (X W + b) has gradients exactly (dX, dW, db) at any b.
    params = {"X": X, "W": W, "b": np.zeros(W.shape[1])}
    return params, lambda p: float(np.sum(dA * batch.dense_forward(p["X"], p["W"], p["b"])))


def _hints(case):
    dA, X, W = case.args
    n = case.sizes["n"]
    return [
        Hint("db", f"a mean over the samples where the sum belongs (off by 1/n = 1/{n}): dA "
                   "already carries the loss's 1/n", factor=1.0 / n),
        Hint("dW", f"a mean over the samples where the sum belongs (off by 1/n = 1/{n}): dA "
                   "already carries the loss's 1/n", factor=1.0 / n),
        Hint("dX", "you multiplied dA by W: a missing transpose",
             alt=dA @ W if W.shape[0] == W.shape[1] else None),
        Hint("dW", "dAᵀ X is the transpose of dW (the product of the wrong transposes)",
             alt=(dA.T @ X) if W.shape[0] == W.shape[1] else None),
        Hint("db", "db sums over the samples (axis 0), not over the units",
             alt=dA.sum(axis=1) if dA.shape[0] == dA.shape[1] else None),
        Hint("db", "db is dA summed over the samples: every sample uses the same b "
                   "(you returned dA itself)", alt=dA),
    ]


PARTS = [Part("dense_backward", ("dX", "dW", "db"), _reference, _cases, objective=_objective,
              grad_of={"dX": "X", "dW": "W", "db": "b"}, hints=_hints, points=3)]
