r"""Exercise ``sparse_kl``: Ng's KL sparsity penalty, its gradient with respect to
:math:`\hat\rho` and, by the chain rule through the batch mean, with respect to the hidden
activations (review §2.3).

Reference: :func:`npae.terms.penalties.kl_sparsity` and ``npae.nn.batch.mean_over_samples``
(as :class:`npae.SparseAutoencoder` combines them).
"""

from __future__ import annotations

import numpy as np

from ..nn import batch
from ..terms.penalties import kl_sparsity
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "sparse_kl"
TITLE = "the KL sparsity penalty and its gradient (rho_hat, then the activations)"

STUB = '''"""Exercise 7 — the KL sparsity penalty (sparse autoencoder).

Review §2.3 (Ng, CS294A notes): the mean activation of hidden unit j over a
batch of n samples is ρ̂_j = (1/n) Σ_i h_ij, and the penalty pulls it towards a
small target ρ:

    Ω = β Σ_j KL(ρ ‖ ρ̂_j),   KL(ρ ‖ ρ̂_j) = ρ log(ρ / ρ̂_j) + (1 − ρ) log((1 − ρ) / (1 − ρ̂_j))

Write
    kl_sparsity(rho_hat, rho, beta) -> (value, grad)
        rho_hat (h,) in (0, 1), rho a float in (0, 1), beta >= 0;
        value = Ω (a float), grad = dΩ/dρ̂ (h,)
    sparsity_backward(H, rho, beta) -> (value, dH)
        H (n, h) sigmoid activations; ρ̂ = mean of H over the samples;
        value = Ω, dH = dΩ/dH (n, h) — the chain rule through the mean.

Check:  python -m npae exercise check sparse_kl sparse_kl.py
"""

import numpy as np


def kl_sparsity(rho_hat, rho, beta):
    raise NotImplementedError("return (value, grad)")


def sparsity_backward(H, rho, beta):
    raise NotImplementedError("return (value, dH)")
'''

#: (rho, beta) of each case; the sizes differ between cases.
SETTINGS = [(0.05, 3.0), (0.2, 0.5), (0.1, 1.5)]


def _kl(rho_hat, rho):
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


def _away_from(rho, rng, size, gap=0.05, low=0.02, high=0.98):
    """ρ̂ uniform on [low, high] minus (ρ − gap, ρ + gap): at ρ̂ = ρ the KL's gradient
    vanishes, and the central-difference check could pass it only by its measured
    truncation error (npae.gradcheck.truncation_estimate), not by its relative test."""
    start = max(low, rho - gap)  # the excluded interval (start, rho + gap), width w
    w = rho + gap - start
    u = rng.uniform(low, high - w, size=size)
    return np.where(u < start, u, u + w)


def _kl_cases(rng):
    return [Case((_away_from(rho, rng, h), rho, beta), f"h = {h}, rho = {rho}, "
                 f"beta = {beta}", {"h": h, "beta": beta})
            for (h,), (rho, beta) in zip(draw_shapes(rng, [(6,), (11,), (1,)]), SETTINGS)]


def _kl_objective(rho_hat, rho, beta):
    return {"rho_hat": rho_hat}, lambda p: kl_sparsity(p["rho_hat"], rho, beta)[0]


def _kl_hints(case):
    q, rho, beta = case.args
    reversed_grad = beta * (np.log(q / rho) + 1 - np.log((1 - q) / (1 - rho)) - 1)
    hints = [
        Hint("value", "the KL is reversed: the penalty is KL(ρ ‖ ρ̂) (target first)",
             alt=beta * np.sum(_kl(rho, q))),
        Hint("value", "the second term (1 − ρ) log((1 − ρ)/(1 − ρ̂)) is missing",
             alt=beta * np.sum(rho * np.log(rho / q))),
        Hint("grad", "the gradient of the reversed KL(ρ̂ ‖ ρ): the target comes first",
             alt=reversed_grad),
        Hint("grad", "the sign of the second term: mind the chain rule of log(1 − ρ̂)",
             alt=beta * (-rho / q - (1 - rho) / (1 - q))),
    ]
    for out in ("value", "grad"):
        hints += [Hint(out, "the sign of the KL: KL ≥ 0 and Ω = +β Σ KL", factor=-1.0),
                  Hint(out, f"the weight β = {beta} is missing", factor=1.0 / beta),
                  Hint(out, "a mean over the hidden units where the sum belongs",
                       factor=1.0 / case.sizes["h"])]
    return hints


def _backward_reference(H, rho, beta):
    rho_hat = batch.mean_over_samples(H)  # (n, h) -> (h,)
    value, g = kl_sparsity(rho_hat, rho, beta)
    return value, np.broadcast_to(g / H.shape[0], H.shape)  # ∂ρ̂_j/∂h_ij = 1/n


def _backward_cases(rng):
    return [Case((rng.uniform(0.05, 0.95, size=(n, h)), rho, beta), f"H {(n, h)}, rho = {rho}, "
                 f"beta = {beta}", {"n": n, "beta": beta})
            for (n, h), (rho, beta) in zip(draw_shapes(rng, [(6, 4), (10, 3), (1, 5)]),
                                               SETTINGS)]


def _backward_objective(H, rho, beta):
    return {"H": H}, lambda p: _backward_reference(p["H"], rho, beta)[0]


def _backward_hints(case):
    H, rho, beta = case.args
    n = case.sizes["n"]
    g = kl_sparsity(H.mean(axis=0), rho, beta)[1]
    return [
        Hint("dH", f"off by a factor n = {n}: ρ̂ is a mean over the samples (chain rule "
                   "through it)", factor=n),
        Hint("dH", "you returned dΩ/dρ̂; dH needs the chain rule through ρ̂", alt=g),
        Hint("dH", "the sign of the KL's gradient is flipped", factor=-1.0),
        Hint("value", "the KL is reversed: the penalty is KL(ρ ‖ ρ̂) (target first)",
             alt=beta * np.sum(_kl(rho, H.mean(axis=0)))),
    ]


PARTS = [
    Part("kl_sparsity", ("value", "grad"), kl_sparsity, _kl_cases, objective=_kl_objective,
         grad_of={"grad": "rho_hat"}, hints=_kl_hints, points=2),
    Part("sparsity_backward", ("value", "dH"), _backward_reference, _backward_cases,
         objective=_backward_objective, grad_of={"dH": "H"}, hints=_backward_hints, points=2),
]
