r"""Exercise ``dec``: deep embedded clustering's soft assignments, target
distribution and the gradient of :math:`\mathrm{KL}(P \,\|\, Q)` with respect to the cluster
centres (Xie, Girshick & Farhadi 2016, eqs. 1–5).

Reference: :func:`npae.families.dec.soft_assignments`,
:func:`npae.families.dec.target_distribution`, and the loss of
:class:`npae.DeepEmbeddedClustering` itself (its ``_loss``), run with an
identity encoder so that the codes are the given Z and P is held fixed.
"""

from __future__ import annotations

import types

import numpy as np

from ..families.dec import DeepEmbeddedClustering, soft_assignments, target_distribution
from ..nn import MLP, batch
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "dec"
TITLE = "DEC: soft assignments, target distribution, KL gradient w.r.t. the centres"

STUB = '''"""Exercise 12 — deep embedded clustering (DEC).

Xie et al. (2016).  Codes z_i (n, k), cluster centres μ_j (K, k), and the
Student-t kernel with α degrees of freedom (eq. 1):

    q_ij = (1 + ‖z_i − μ_j‖²/α)^(−(α+1)/2) / Σ_j' (1 + ‖z_i − μ_j'‖²/α)^(−(α+1)/2)

The target sharpens Q and divides by the cluster frequencies (eq. 3):

    p_ij = (q_ij² / f_j) / Σ_j' (q_ij'² / f_j'),   f_j = Σ_i q_ij

and the loss is the KL divergence, as a mean over the n rows, with P held
fixed (the paper recomputes P only now and then):

    L = (1/n) Σ_i Σ_j p_ij log(p_ij / q_ij)

Write
    soft_assignments(Z, centers, alpha) -> Q                 (n, K), rows sum to 1
    target_distribution(Q) -> P                              (n, K), rows sum to 1
    kl_centers(Z, centers, alpha, P) -> (value, dcenters)    a float and (K, k)
The paper's eq. 5 gives ∂L/∂μ_j for one row; mind its sign and the 1/n of the mean.

Check:  python -m npae exercise check dec dec.py
"""

import numpy as np


def soft_assignments(Z, centers, alpha):
    raise NotImplementedError("return Q")


def target_distribution(Q):
    raise NotImplementedError("return P")


def kl_centers(Z, centers, alpha, P):
    raise NotImplementedError("return (value, dcenters)")
'''

#: (n, K, k) patterns (sizes drawn from the seed); α of each case.  No single-row
#: case: with one row f_j = q_1j, so P = Q and the KL and its gradient vanish.
SHAPES = [(6, 3, 2), (7, 4, 3), (5, 5, 5)]
ALPHAS = (1.0, 2.5, 0.5)


def _draw(rng):
    return [(rng.normal(size=(n, k)), rng.normal(size=(K, k)), a)
            for (n, K, k), a in zip(draw_shapes(rng, SHAPES), ALPHAS)]


def _sizes(Z, M, a):
    return f"Z {Z.shape}, centers {M.shape}, alpha = {a}", {"n": Z.shape[0], "alpha": a}


# ------------------------------------------------------------------ parts 1, 2
def _q(Z, M, a):
    return (soft_assignments(Z, M, a)[0],)


def _q_cases(rng):
    return [Case((Z, M, a), *_sizes(Z, M, a)) for Z, M, a in _draw(rng)]


def _q_hints(case):
    Z, M, a = case.args
    d = np.sum((Z[:, None, :] - M[None]) ** 2, axis=2)  # (n, K) squared distances
    kernel = (1.0 + d / a) ** (-(a + 1.0) / 2.0)
    return [
        Hint("Q", "the kernel is not normalised: divide each row by its sum over the clusters",
             alt=kernel),
        Hint("Q", "the exponent is −(α+1)/2, not −1 (that is α = 1 only)",
             alt=(1.0 / (1.0 + d / a)) / np.sum(1.0 / (1.0 + d / a), axis=1, keepdims=True)),
        Hint("Q", "normalised over the rows: q_ij is normalised over the clusters j (axis 1)",
             alt=kernel / kernel.sum(axis=0, keepdims=True)),
    ]


def _p_cases(rng):
    return [Case((soft_assignments(Z, M, a)[0],), f"Q {Z.shape[0], M.shape[0]}",
                 {"n": Z.shape[0]}) for Z, M, a in _draw(rng)]


def _p(Q):
    return (target_distribution(Q, Q.sum(axis=0)),)


def _p_hints(case):
    (Q,) = case.args
    W = Q * Q
    return [
        Hint("P", "the frequencies f_j are missing: p_ij ∝ q_ij² / f_j",
             alt=W / W.sum(axis=1, keepdims=True)),
        Hint("P", "q_ij is squared in the target (that is what sharpens it)",
             alt=target_distribution(np.sqrt(Q), Q.sum(axis=0))),
        Hint("P", "the frequencies are sums over the samples (axis 0), f_j = Σ_i q_ij",
             alt=target_distribution(Q, Q.sum(axis=1)) if Q.shape[0] == Q.shape[1] else None),
    ]


# ------------------------------------------------------------------ part 3
def _kl(Z, M, a, P):
    """npae's DEC loss and its centre gradient, with the codes Z as an identity encoder's output."""
    n, k = Z.shape
    encoder = MLP.build("encoder", (k, k), ["identity"])
    params = {"encoder.0.W": np.eye(k), "encoder.0.b": np.zeros(k), "clusters.centers": M}
    model = types.SimpleNamespace(_target=lambda X: P, encoder_=encoder, student_df=a)
    grads = {}
    terms = DeepEmbeddedClustering._loss(model, params, Z, None, None, batch, grads)
    return terms["kl"], grads["clusters.centers"]


def _kl_cases(rng):
    out = []
    for Z, M, a in _draw(rng):
        Q = soft_assignments(Z, M, a)[0]
        out.append(Case((Z, M, a, target_distribution(Q, Q.sum(axis=0))), *_sizes(Z, M, a)))
    return out


def _kl_objective(Z, M, a, P):
    return {"centers": M}, lambda p: _kl(Z, p["centers"], a, P)[0]


def _kl_hints(case):
    Z, M, a, P = case.args
    n = case.sizes["n"]
    Q = soft_assignments(Z, M, a)[0]
    hints = [
        Hint("value", "KL(Q ‖ P) instead of KL(P ‖ Q): the target P comes first",
             alt=float(np.sum(Q * np.log(Q / P)) / n)),
        Hint("value", "only the cross-entropy −Σ p log q: the p log p term is missing",
             alt=float(-np.sum(P * np.log(Q)) / n)),
    ]
    for out in ("value", "dcenters"):
        hints += [Hint(out, f"a sum over the rows where the mean belongs (off by n = {n})",
                       factor=float(n)),
                  Hint(out, "the sign is flipped (eq. 5 gives −∂L/∂μ's direction)", factor=-1.0)]
    hints.append(Hint("dcenters", f"the factor (α+1)/α of eq. 5 is missing (α = {a})",
                      factor=a / (a + 1.0)))
    return hints


PARTS = [
    Part("soft_assignments", ("Q",), _q, _q_cases, hints=_q_hints, points=1),
    Part("target_distribution", ("P",), _p, _p_cases, hints=_p_hints, points=1),
    Part("kl_centers", ("value", "dcenters"), _kl, _kl_cases, objective=_kl_objective,
         grad_of={"dcenters": "centers"}, hints=_kl_hints, points=3),
]
