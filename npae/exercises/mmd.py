r"""Exercise ``mmd``: the IMQ kernel, the unbiased :math:`\mathrm{MMD}^2` between codes and prior
samples, and its gradient with respect to the codes (the Wasserstein
autoencoder's penalty, Tolstikhin et al. 2018).

Reference: :func:`npae.terms.mmd.mmd2_penalty` with ``kernel="imq"`` and one scale
(as :class:`npae.WassersteinAutoencoder` calls it), and the kernel it uses.
"""

from __future__ import annotations

import numpy as np

from ..terms import mmd
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "mmd"
TITLE = "the MMD² penalty of the WAE (IMQ kernel) and its gradient w.r.t. the codes"

STUB = '''"""Exercise 10 — the MMD penalty of the Wasserstein autoencoder.

Tolstikhin et al. (2018), WAE-MMD: the codes z_1..z_n of a batch are pulled
towards n samples p_1..p_n of the prior by the (unbiased) maximum mean
discrepancy, with the inverse multiquadric kernel of a scale c > 0 applied
to the squared distance r = ‖u − v‖²:

    k(r) = c / (c + r)

    MMD² = 1/(n(n−1)) Σ_{i≠j} k(‖z_i − z_j‖²) + 1/(n(n−1)) Σ_{i≠j} k(‖p_i − p_j‖²)
           − 2/n² Σ_i Σ_j k(‖z_i − p_j‖²)

(the i = j terms are left out of the first two sums: that is what makes the
estimate unbiased).  The prior samples are held fixed.

Write
    imq_kernel(r, c) -> (k, dk_dr)
        r any shape, r >= 0; k and dk/dr of the same shape
    mmd2(Z, P, c) -> (value, dZ)
        Z (n, k) codes, P (n, k) prior samples, n >= 2; value a float,
        dZ = d MMD² / dZ, shape (n, k).  Mind that z_i appears in k(z_i, z_j)
        AND in k(z_j, z_i), and that d‖z_i − v‖²/dz_i = 2 (z_i − v).

Check:  python -m npae exercise check mmd mmd.py
"""

import numpy as np


def imq_kernel(r, c):
    raise NotImplementedError("return (k, dk_dr)")


def mmd2(Z, P, c):
    raise NotImplementedError("return (value, dZ)")
'''

#: shape patterns of r; (n, k) patterns of Z (the sizes are drawn from the seed).
R_SHAPES = [(4, 4), (6,), (3, 5)]
Z_SHAPES = [(5, 3), (4, 4), (6, 2)]
SCALES = (2.0, 0.5, 4.0)


def _kernel_cases(rng):
    return [Case((rng.uniform(0.0, 5.0, size=s), c), f"r {s}, c = {c}", {"c": c})
            for s, c in zip(draw_shapes(rng, R_SHAPES), SCALES)]


def _kernel_reference(r, c):
    return mmd._kernel("imq", r, c)


def _kernel_hints(case):
    r, c = case.args
    return [
        Hint("dk_dr", "dk/dr = −c/(c + r)²: the square of (c + r) is missing",
             alt=-c / (c + r)),
        Hint("dk_dr", "the sign: k decreases with the distance, so dk/dr < 0",
             alt=c / (c + r) ** 2),
        Hint("k", "k = c/(c + r), not 1/(c + r)", alt=1.0 / (c + r)),
    ]


def _draw(rng):
    return [(rng.normal(size=s), rng.normal(size=s), c)
            for s, c in zip(draw_shapes(rng, Z_SHAPES), SCALES)]


def _mmd_cases(rng):
    return [Case((Z, P, c), f"Z {Z.shape}, c = {c}", {"n": Z.shape[0]}) for Z, P, c in _draw(rng)]


def _mmd_reference(Z, P, c):
    return mmd.mmd2_penalty(Z, P, "imq", (c,))


def _mmd_objective(Z, P, c):
    return {"Z": Z}, lambda p: mmd.mmd2_penalty(p["Z"], P, "imq", (c,))[0]


def _parts(Z, P, c):
    """The three sums of MMD² and the gradients of the first and last, with npae's kernel."""
    n = Z.shape[0]
    off = 1.0 - np.eye(n)
    kZZ, gZZ = mmd._kernel("imq", mmd._sq_dists(Z, Z), c)
    kPP, _ = mmd._kernel("imq", mmd._sq_dists(P, P), c)
    kZP, gZP = mmd._kernel("imq", mmd._sq_dists(Z, P), c)
    G = gZZ * off
    d_zz = 4.0 * (Z * G.sum(1, keepdims=True) - G @ Z) / (n * (n - 1))
    d_zp = -4.0 * (Z * gZP.sum(1, keepdims=True) - gZP @ P) / n ** 2
    return (kZZ * off).sum(), (kPP * off).sum(), kZP.sum(), d_zz, d_zp


def _mmd_hints(case):
    Z, P, c = case.args
    n = case.sizes["n"]
    s_zz, s_pp, s_zp, d_zz, d_zp = _parts(Z, P, c)
    a = 1.0 / (n * (n - 1))
    return [
        Hint("value", "the i = j terms are included (k(0) = 1 each): the unbiased estimate "
                      "leaves them out", alt=a * (s_zz + n) + a * (s_pp + n) - 2 * s_zp / n ** 2),
        Hint("value", "1/n² on the first two sums: the unbiased estimate divides by n(n − 1) "
                      "(there are n(n − 1) pairs i ≠ j)",
             alt=(s_zz + s_pp - 2 * s_zp) / n ** 2),
        Hint("value", "the cross term is −2/n² Σ k(z_i, p_j): its factor 2 is missing",
             alt=a * (s_zz + s_pp) - s_zp / n ** 2),
        Hint("dZ", "half the gradient of the code–code sum: z_i appears in k(z_i, z_j) "
                   "and in k(z_j, z_i)", alt=0.5 * d_zz + d_zp),
        Hint("dZ", "the gradient of the cross term −2/n² Σ k(z_i, p_j) is missing", alt=d_zz),
        Hint("dZ", "the cross term's gradient has the wrong sign (it pulls the codes towards "
                   "the prior samples)", alt=d_zz - d_zp),
        Hint("dZ", "d‖z_i − v‖²/dz_i = 2(z_i − v): the factor 2 is missing", factor=0.5),
    ]


PARTS = [
    Part("imq_kernel", ("k", "dk_dr"), _kernel_reference, _kernel_cases, hints=_kernel_hints,
         points=1),
    Part("mmd2", ("value", "dZ"), _mmd_reference, _mmd_cases, objective=_mmd_objective,
         grad_of={"dZ": "Z"}, hints=_mmd_hints, points=3),
]
