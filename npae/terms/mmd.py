r"""Maximum mean discrepancy (Gretton et al. 2012): how far two samples' distributions are.

.. math:: \mathrm{MMD}^2(A, B) = \mathbb E\, k(a, a') + \mathbb E\, k(b, b') - 2\, \mathbb E\, k(a, b)

estimated with the unbiased U-statistic (the diagonal terms i = j left out of
the first two means).  Two uses in npae:

- a *metric*: how close an autoencoder's codes q(z) are to its prior p(z)
  (:func:`rbf_mmd2`, the adversarial autoencoder's benchmark);
- a *penalty* with its gradient: the Wasserstein autoencoder's
  :math:`\lambda \cdot \mathrm{MMD}^2(\text{codes}, \text{prior samples})` (:func:`mmd2_penalty`).

Kernels of the squared distance :math:`r = \lVert u - v \rVert^2`, for a scale c > 0:

=========  =====================  =============================  ============================
``"imq"``  inverse multiquadric   :math:`k = c / (c + r)`        :math:`dk/dr = -c / (c + r)^2`
``"rbf"``  Gaussian               :math:`k = \exp(-r / (2c))`    :math:`dk/dr = -k / (2c)`
=========  =====================  =============================  ============================

(Tolstikhin et al. 2018 use the IMQ with :math:`c = 2 k \sigma_z^2` for a code of k
dimensions and prior :math:`\mathcal N(0, \sigma_z^2 I)`, summed over several multiples of c; its
heavy tails keep a gradient for codes far from the prior, where the RBF's
vanishes.)
"""

from __future__ import annotations

import numpy as np

from .._validation import check_choice, check_positive

__all__ = ["KERNELS", "rbf_mmd2", "mmd2_penalty"]

KERNELS = ("imq", "rbf")


def _sq_dists(U, V):
    """r_ij = ‖u_i − v_j‖², (n, k), (m, k) -> (n, m)."""
    d = np.sum(U * U, 1)[:, None] + np.sum(V * V, 1)[None, :] - 2.0 * U @ V.T  # (n, k) @ (k, m)
    return np.maximum(d, 0.0)


def _kernel(kernel, r, c):
    """k(r) and dk/dr for one scale c."""
    if kernel == "imq":
        k = c / (c + r)
        return k, -k * k / c
    k = np.exp(-r / (2.0 * c))
    return k, -k / (2.0 * c)


def mmd2_penalty(Z, P, kernel="imq", scales=(1.0,), ops=None):
    r""":math:`\mathrm{MMD}^2(Z, P)` summed over kernel scales, and its gradient with respect to Z.

    .. math:: \mathrm{MMD}^2 &= \frac1{n(n-1)} \sum_{i \ne j} k(z_i, z_j)
              + \frac1{n(n-1)} \sum_{i \ne j} k(p_i, p_j) - \frac2{n^2} \sum_{i,j} k(z_i, p_j), \\
              \frac{d\,\mathrm{MMD}^2}{dz_i} &= \frac2{n(n-1)} \sum_{j \ne i} k'(r_{ij})\, 2(z_i - z_j)
              - \frac2{n^2} \sum_j k'(s_{ij})\, 2(z_i - p_j),

    with :math:`k' = dk/dr`, :math:`r_{ij} = \lVert z_i - z_j \rVert^2`,
    :math:`s_{ij} = \lVert z_i - p_j \rVert^2`.

    Parameters
    ----------
    Z : ndarray of shape (n, k)
        Codes (n ≥ 2).
    P : ndarray of shape (n, k)
        Prior samples, as many as codes; held fixed (no gradient).
    kernel : {"imq", "rbf"}
    scales : sequence of float
        The kernel scales c (summed).
    ops : module, optional
        :mod:`npae.nn.reference` computes the sums over j one code at a time
        (the per-example path); otherwise they are matrix products.

    Returns
    -------
    value : float
    dZ : ndarray of shape (n, k)
    """
    check_choice(kernel, "kernel", set(KERNELS))
    n = Z.shape[0]
    if n < 2 or P.shape != Z.shape:
        raise ValueError(f"mmd2_penalty needs n >= 2 codes and as many prior samples, "
                         f"got Z {Z.shape} and P {P.shape}")
    a, b = 1.0 / (n * (n - 1)), 1.0 / (n * n)
    if ops is not None and not ops.VECTORIZED:
        return _mmd2_penalty_per_code(Z, P, kernel, scales, a, b)
    rZZ, rPP, rZP = _sq_dists(Z, Z), _sq_dists(P, P), _sq_dists(Z, P)
    off = 1.0 - np.eye(n, dtype=Z.dtype)  # leaves out i = j
    value, dZ = 0.0, np.zeros_like(Z)
    for c in scales:
        kZZ, gZZ = _kernel(kernel, rZZ, c)
        kPP, _ = _kernel(kernel, rPP, c)
        kZP, gZP = _kernel(kernel, rZP, c)
        value += a * float(np.sum(kZZ * off)) + a * float(np.sum(kPP * off)) - 2.0 * b * float(np.sum(kZP))
        # Σ_j g_ij (z_i − z_j) = z_i Σ_j g_ij − (G Z)_i: two matrix products, no (n, n, k) array.
        G = gZZ * off
        dZ += 4.0 * a * (Z * G.sum(1, keepdims=True) - G @ Z)  # (n, n) @ (n, k) -> (n, k)
        dZ -= 4.0 * b * (Z * gZP.sum(1, keepdims=True) - gZP @ P)  # (n, n) @ (n, k) -> (n, k)
    return value, dZ


def _mmd2_penalty_per_code(Z, P, kernel, scales, a, b):
    """The same sums written one code z_i at a time (the reference path)."""
    n = Z.shape[0]
    value, dZ = 0.0, np.zeros_like(Z)
    for i in range(n):
        rZ = np.sum((Z[i] - Z) ** 2, axis=1)  # (n,) distances to every code
        rPi = np.sum((P[i] - P) ** 2, axis=1)
        rP = np.sum((Z[i] - P) ** 2, axis=1)
        for c in scales:
            kZ, gZ = _kernel(kernel, rZ, c)
            kPi, _ = _kernel(kernel, rPi, c)
            kP, gP = _kernel(kernel, rP, c)
            kZ[i] = gZ[i] = kPi[i] = 0.0  # j ≠ i
            value += a * kZ.sum() + a * kPi.sum() - 2.0 * b * kP.sum()
            dZ[i] += 4.0 * a * (gZ @ (Z[i] - Z)) - 4.0 * b * (gP @ (Z[i] - P))
    return float(value), dZ


def rbf_mmd2(A, B, bandwidth=None):
    r"""Unbiased squared MMD with a Gaussian (RBF) kernel, as a metric.

    :math:`k(u, v) = \sum_h \exp(-\lVert u - v \rVert^2 / (2 h^2))`.  Near 0 when A and B come from
    the same distribution (it can be slightly negative).  One bandwidth of
    the order of the data's spread only sees coarse differences (mean,
    covariance); a sum over several bandwidths (``"multiscale"``) also sees
    finer structure, such as codes that fill the gaps between the
    components of a mixture prior.

    Parameters
    ----------
    A : ndarray of shape (n, k)
    B : ndarray of shape (m, k)
    bandwidth : float, sequence of float, "median", "multiscale" or None
        h.  None or "median": the median pairwise distance m_B within ``B``
        (pass the prior samples as B so that the yardstick does not move with
        the codes); "multiscale": h = m_B × (1/8, 1/4, 1/2, 1, 2) summed.

    Returns
    -------
    float
    """
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B must be 2-D with the same number of columns, got "
                         f"{A.shape} and {B.shape}")
    if A.shape[0] < 2 or B.shape[0] < 2:
        raise ValueError("rbf_mmd2 needs at least 2 rows in A and in B")
    dAA, dBB, dAB = _sq_dists(A, A), _sq_dists(B, B), _sq_dists(A, B)
    if bandwidth is None or isinstance(bandwidth, str):
        check_choice("median" if bandwidth is None else bandwidth, "bandwidth",
                     {"median", "multiscale"})
        med = float(np.sqrt(np.median(dBB[np.triu_indices(len(B), 1)])))
        widths = [med] if bandwidth in (None, "median") else \
            [med * f for f in (0.125, 0.25, 0.5, 1.0, 2.0)]
    else:
        widths = [bandwidth] if np.ndim(bandwidth) == 0 else list(bandwidth)
    for h in widths:
        check_positive(h, "bandwidth")
    n, m = len(A), len(B)
    total = 0.0
    for h in widths:
        c = h * h  # the RBF kernel exp(−r / (2c)) with c = h²
        kAA, kBB, kAB = (_kernel("rbf", r, c)[0] for r in (dAA, dBB, dAB))
        total += ((kAA.sum() - np.trace(kAA)) / (n * (n - 1))
                  + (kBB.sum() - np.trace(kBB)) / (m * (m - 1)) - 2.0 * kAB.mean())
    return float(total)
