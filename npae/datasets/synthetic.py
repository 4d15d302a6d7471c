"""Synthetic data: the review's toy example, low-rank Gaussian data, inliers with outliers.

Randomness only comes from a ``np.random.Generator`` (or a seed for one) passed as ``rng``.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from .._validation import check_int

__all__ = ["make_review_example", "make_low_rank", "make_anomalies"]


def make_review_example():
    r"""The toy data of Caron's review, §1.3: 10 observations of 2 correlated features.

    The review describes the example but prints no numbers; npae fixes these,
    written with one decimal so that a forward pass can be done by hand. Column
    means are exactly 2.5 and 2.3.

    ====  =====  =====
     i    x_1    x_2
    ====  =====  =====
     1    0.5    0.8
     2    1.0    0.9
     3    1.2    1.4
     4    1.8    1.5
     5    2.0    2.3
     6    2.6    2.2
     7    3.0    2.9
     8    3.4    3.0
     9    4.0    3.6
     10   5.5    4.4
    ====  =====  =====

    The network of §1.3 is ``2 -> 1 sigmoid -> 2 linear``:

    - encoder :math:`z = q_\theta(x) = h(x_1 w_{1,1} + x_2 w_{1,2} + b_1)` with the
      sigmoid :math:`h(a) = 1 / (1 + e^{-a})`, parameters
      :math:`\theta = (w_{1,1}, w_{1,2}, b_1)`;
    - decoder :math:`\hat x_j = p^j_\phi(z) = z\, w_{2,j} + b_{2}` for ``j = 1, 2``
      (linear output), parameters :math:`\phi = (w_{2,1}, w_{2,2}, b_2)`. The review
      writes one scalar :math:`b_2` for both outputs; npae's dense layers give each
      output its own bias, :math:`b_2 = (b_{2,1}, b_{2,2})`. (The review's matrix form
      of the decoder shows an ``h`` by slip; its text says linear.)
    - loss (review eq. 2): :math:`L = \tfrac12 \sum_{i=1}^{10} \|x^{(i)} - \hat x^{(i)}\|^2
      = \tfrac12 \sum_i \sum_{j=1}^2 (x^{(i)}_j - \hat x^{(i)}_j)^2`, a *sum* over
      observations (npae's losses take the mean over the batch; multiply by ``n``
      to compare).

    Returns
    -------
    X : ndarray of shape (10, 2), float64
        A fresh copy each call.
    """
    return np.array(
        [
            [0.5, 0.8],
            [1.0, 0.9],
            [1.2, 1.4],
            [1.8, 1.5],
            [2.0, 2.3],
            [2.6, 2.2],
            [3.0, 2.9],
            [3.4, 3.0],
            [4.0, 3.6],
            [5.5, 4.4],
        ],
        dtype=np.float64,
    )


def _random_orthonormal(rng, n_features, rank):
    """(n_features, rank) matrix with orthonormal columns, Haar-distributed (QR with sign fix)."""
    G = rng.standard_normal((n_features, rank))
    Q, R = np.linalg.qr(G)
    signs = np.sign(np.diag(R))
    signs[signs == 0] = 1.0
    return Q * signs


def make_low_rank(n_samples=500, n_features=20, rank=3, *, noise=0.0, scales=None, mean=0.0,
                  return_basis=False, rng=0):
    r"""Gaussian data concentrated near a random ``rank``-dimensional subspace.

    ``X = Z diag(scales) U^T + noise * E + mean`` with ``Z`` and ``E`` standard
    normal and ``U`` a random orthonormal basis of shape ``(n_features, rank)``.
    The population covariance ``U diag(scales**2) U^T + noise**2 I`` has
    eigenvalues ``scales[k]**2 + noise**2`` for ``k < rank`` and ``noise**2``
    after: the eigengap after ``rank`` directions is ``scales[-1]**2``. This is the
    setting in which a linear autoencoder with ``rank`` codes learns the span of ``U``
    (Baldi & Hornik 1989).

    Parameters
    ----------
    n_samples, n_features, rank : int
        ``1 <= rank <= n_features``.
    noise : float, default 0.0
        Standard deviation of the isotropic noise; 0 gives data of exact rank ``rank``.
    scales : array_like of shape (rank,) or None
        Standard deviations along the basis directions, positive and in decreasing
        order. Default ``rank + 1, rank, ..., 2`` (distinct, so that the principal
        directions are identifiable one by one, and ``>= 2``).
    mean : float or array_like of shape (n_features,), default 0.0
        Offset added to every row (a non-zero mean checks that PCA centres).
    return_basis : bool, default False
        Also return ``U``.
    rng : int, np.random.Generator or None, default 0

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    U : ndarray of shape (n_features, rank)
        Only if ``return_basis``; orthonormal columns, ordered by decreasing scale.
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    n_features = check_int("n_features", n_features, minimum=1)
    rank = check_int("rank", rank, minimum=1)
    if rank > n_features:
        raise ValueError(f"rank must be <= n_features={n_features}, got rank={rank}")
    if not isinstance(noise, Real) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite float >= 0, got {noise!r}")
    if scales is None:
        scales = np.arange(rank + 1, 1, -1, dtype=np.float64)
    else:
        scales = np.asarray(scales, dtype=np.float64)
        if scales.shape != (rank,):
            raise ValueError(f"scales must have shape ({rank},) (one per direction), got {scales.shape}")
        if not np.all(np.isfinite(scales)) or np.any(scales <= 0):
            raise ValueError(f"scales must be finite and > 0, got {scales}")
        if np.any(np.diff(scales) > 0):
            raise ValueError(f"scales must be in decreasing order, got {scales}; sort them with np.sort(scales)[::-1]")
    mean = np.asarray(mean, dtype=np.float64)
    if mean.ndim > 1 or (mean.ndim == 1 and mean.shape != (n_features,)):
        raise ValueError(f"mean must be a scalar or have shape ({n_features},), got {mean.shape}")
    rng = np.random.default_rng(rng)
    U = _random_orthonormal(rng, n_features, rank)
    Z = rng.standard_normal((n_samples, rank))
    X = (Z * scales) @ U.T + mean
    if noise > 0:
        X = X + noise * rng.standard_normal((n_samples, n_features))
    return (X, U) if return_basis else X


def make_anomalies(n_samples=500, n_features=2, *, contamination=0.05, n_clusters=1,
                   cluster_std=1.0, spread=5.0, rng=0):
    """Gaussian inliers plus uniform outliers, for anomaly-detection examples.

    Inliers are drawn from ``n_clusters`` isotropic Gaussian blobs of standard
    deviation ``cluster_std`` whose centres are uniform in ``[-spread, spread]^d``;
    outliers are uniform in the box of the inliers enlarged by 50% on each side
    (so some outliers may fall inside a blob). Rows are shuffled.

    Parameters
    ----------
    n_samples, n_features : int
    contamination : float in [0, 0.5), default 0.05
        Fraction of outliers, rounded to the nearest integer count.
    n_clusters : int, default 1
    cluster_std, spread : float
    rng : int, np.random.Generator or None, default 0

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    is_outlier : ndarray of shape (n_samples,), bool
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    n_features = check_int("n_features", n_features, minimum=1)
    n_clusters = check_int("n_clusters", n_clusters, minimum=1)
    if not isinstance(contamination, Real) or not 0.0 <= contamination < 0.5:
        raise ValueError(f"contamination must be a float in [0, 0.5), got {contamination!r}")
    for name, v in (("cluster_std", cluster_std), ("spread", spread)):
        if not isinstance(v, Real) or not np.isfinite(v) or v < 0:
            raise ValueError(f"{name} must be a finite float >= 0, got {v!r}")
    rng = np.random.default_rng(rng)
    n_out = int(round(contamination * n_samples))
    n_in = n_samples - n_out
    centres = rng.uniform(-spread, spread, size=(n_clusters, n_features))
    which = rng.integers(0, n_clusters, size=n_in)
    inliers = centres[which] + cluster_std * rng.standard_normal((n_in, n_features))
    lo, hi = inliers.min(axis=0), inliers.max(axis=0)
    pad = 0.5 * (hi - lo) + 1e-12
    outliers = rng.uniform(lo - pad, hi + pad, size=(n_out, n_features))
    X = np.concatenate([inliers, outliers])
    is_outlier = np.concatenate([np.zeros(n_in, bool), np.ones(n_out, bool)])
    perm = rng.permutation(n_samples)
    return X[perm], is_outlier[perm]
