"""Exercise ``ksparse``: the k-sparse function f_k (keep the k largest codes of
each sample) and its backward pass (Makhzani & Frey 2014, Algorithm 1).

Reference: :func:`npae.families.ksparse.k_sparse_mask` and the two lines of
:class:`npae.KSparseAutoencoder`'s loss that use it (``Zk = Z * mask`` forward,
``dZ = dZk * mask`` backward).
"""

from __future__ import annotations

import numpy as np

from ..families.ksparse import k_sparse_mask
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "ksparse"
TITLE = "k-sparse selection f_k and its backward pass"

STUB = '''"""Exercise 13 — the k-sparse autoencoder's selection.

Makhzani & Frey (2014), Algorithm 1: for each sample (row) z of the codes Z,
keep its k LARGEST entries (by value, not by magnitude) and set the others to 0:

    f_k(z)_j = z_j b_j,   b_j = 1 if z_j is among the k largest entries of z, else 0

The support b is held fixed in the backward pass: f_k is linear on it, so the
gradient flows through the kept units only ("a generalized ReLU").

Write
    k_sparse(Z, k) -> (Zk, mask)
        Z (n, m), 1 <= k <= m; Zk = f_k applied to every row (n, m), and the
        support as a float array of 0s and 1s (n, m), exactly k ones per row
        (the grader's codes have no ties)
    k_sparse_backward(dZk, Z, k) -> dZ
        dZk = dL/dZk (n, m); dZ = dL/dZ (n, m)

Check:  python -m npae exercise check ksparse ksparse.py
"""

import numpy as np


def k_sparse(Z, k):
    raise NotImplementedError("return (Zk, mask)")


def k_sparse_backward(dZk, Z, k):
    raise NotImplementedError("return dZ")
'''

#: (n, m) patterns (sizes drawn from the seed) and k as a fraction of m: k < m
#: always, so that something is dropped; (4, 4) is square, where selecting per
#: column instead of per row keeps the shape.
SHAPES = [(4, 4), (5, 7), (1, 6)]
FRACTIONS = (0.5, 0.3, 0.6)


def _shows_the_mistakes(Z, k):
    """Whether ranking by |z| — and, for a square Z, selecting per column — changes the
    support here: a case where they do not cannot tell those mistakes from the answer."""
    mask = k_sparse_mask(Z, k)
    if np.array_equal(mask, k_sparse_mask(Z, k, "magnitude")):
        return False
    return Z.shape[0] != Z.shape[1] or not np.array_equal(mask, k_sparse_mask(Z.T, k).T)


def _draw(rng):
    out = []
    for (n, m), f in zip(draw_shapes(rng, SHAPES), FRACTIONS):
        k = int(min(m - 1, max(1, round(f * m))))
        Z = rng.normal(size=(n, m))  # continuous: no ties
        while not _shows_the_mistakes(Z, k):  # redrawn from the same generator: reproducible
            Z = rng.normal(size=(n, m))
        out.append((Z, k))
    return out


def _forward(Z, k):
    mask = k_sparse_mask(Z, k)
    return Z * mask, mask.astype(np.float64)


def _forward_cases(rng):
    return [Case((Z, k), f"Z {Z.shape}, k = {k}", {"k": k}) for Z, k in _draw(rng)]


def _forward_hints(case):
    Z, k = case.args
    m = Z.shape[1]
    by_magnitude = k_sparse_mask(Z, k, "magnitude")
    smallest = k_sparse_mask(-Z, k)
    hints = []
    for out, pick in (("Zk", lambda b: Z * b), ("mask", lambda b: b.astype(np.float64))):
        hints += [
            Hint(out, "ranked by |z|: Makhzani & Frey keep the k largest values, by value",
                 alt=pick(by_magnitude)),
            Hint(out, "the k SMALLEST entries were kept (an ascending sort's first k)",
                 alt=pick(smallest)),
            Hint(out, "selected per column (over the samples): f_k keeps the k largest units "
                      "of each sample (axis 1)",
                 alt=pick(k_sparse_mask(Z.T, k).T) if Z.shape[0] == m else None),
        ]
    hints.append(Hint("Zk", "the mask itself returned as the codes: f_k(z) = z ⊙ b",
                      alt=k_sparse_mask(Z, k).astype(np.float64)))
    return hints


def _backward(dZk, Z, k):
    return (dZk * k_sparse_mask(Z, k),)


def _backward_cases(rng):
    return [Case((rng.normal(size=Z.shape), Z, k), f"Z {Z.shape}, k = {k}", {"k": k})
            for Z, k in _draw(rng)]


def _backward_objective(dZk, Z, k):
    # L = Σ dZk ⊙ f_k(Z) with the support held fixed (the paper's gradient).
    mask = k_sparse_mask(Z, k)
    return {"Z": Z}, lambda p: float(np.sum(dZk * p["Z"] * mask))


def _backward_hints(case):
    dZk, Z, k = case.args
    return [
        Hint("dZ", "the gradient passed to every unit: only the k kept units carry it "
                   "(the support is held fixed)", alt=dZk),
        Hint("dZ", "the support chosen on dZk: it is the support of the forward pass, "
                   "the k largest entries of Z", alt=dZk * k_sparse_mask(dZk, k)),
        Hint("dZ", "the gradient went to the dropped units instead of the kept ones",
             alt=dZk * ~k_sparse_mask(Z, k)),
    ]


PARTS = [
    Part("k_sparse", ("Zk", "mask"), _forward, _forward_cases, hints=_forward_hints, points=2),
    Part("k_sparse_backward", ("dZ",), _backward, _backward_cases,
         objective=_backward_objective, grad_of={"dZ": "Z"}, hints=_backward_hints, points=2),
]
