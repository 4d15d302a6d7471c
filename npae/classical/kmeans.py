r"""k-means clustering: k-means++ seeding, then Lloyd's iterations.

Lloyd (1982), "Least squares quantization in PCM"; Arthur & Vassilvitskii (2007),
"k-means++: the advantages of careful seeding". Used to cluster latent codes
(Norlander & Sopasakis 2019, §2.1; Caron's review §4).

.. math:: \min_{C,\,\ell}\; \sum_{i=1}^{n} \lVert x^{(i)} - c_{\ell_i} \rVert^2

Symbols: ``X`` the n rows :math:`x^{(i)}` (e.g. codes ``Z``), ``centers``
:math:`c_1..c_k` of shape (k, d), ``labels`` :math:`\ell_i`; the minimum reached is
the ``inertia``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_array, check_int, check_real

__all__ = ["kmeans", "KMeansResult"]


def _sq_dist(X, C, x_sqnorm=None):
    """(n, k) squared Euclidean distances, clipped at 0."""
    if x_sqnorm is None:
        x_sqnorm = np.sum(X * X, axis=1)
    D = x_sqnorm[:, None] - 2.0 * (X @ C.T) + np.sum(C * C, axis=1)[None, :]
    return np.maximum(D, 0.0)


@dataclass(frozen=True)
class KMeansResult:
    """Result of :func:`kmeans`.

    Attributes
    ----------
    labels : ndarray of shape (n_samples,), int64
    centers : ndarray of shape (n_clusters, n_features)
    inertia : float
        Sum of squared distances of the samples to their centre.
    n_iter : int
        Lloyd iterations of the best run.
    """

    labels: np.ndarray
    centers: np.ndarray
    inertia: float
    n_iter: int

    def predict(self, X):
        """Index of the nearest centre for each row of ``X`` (n_samples, n_features) -> (n_samples,)."""
        X = check_array(X, name="X")
        if X.shape[1] != self.centers.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features but the centres have {self.centers.shape[1]}")
        return np.argmin(_sq_dist(X, self.centers), axis=1).astype(np.int64)


def _kmeans_plusplus(X, k, rng, x_sqnorm):
    """k-means++ seeding (Arthur & Vassilvitskii 2007): D^2 sampling."""
    n = X.shape[0]
    centers = np.empty((k, X.shape[1]))
    centers[0] = X[rng.integers(n)]
    d2 = _sq_dist(X, centers[:1], x_sqnorm)[:, 0]
    for j in range(1, k):
        total = d2.sum()
        idx = rng.choice(n, p=d2 / total) if total > 0 else rng.integers(n)
        centers[j] = X[idx]
        d2 = np.minimum(d2, _sq_dist(X, centers[j:j + 1], x_sqnorm)[:, 0])
    return centers


def _lloyd(X, centers, max_iter, tol, x_sqnorm):
    n, k = X.shape[0], centers.shape[0]
    labels = None
    for it in range(1, max_iter + 1):
        D = _sq_dist(X, centers, x_sqnorm)
        new_labels = np.argmin(D, axis=1)
        if labels is not None and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        onehot = np.zeros((n, k))
        onehot[np.arange(n), labels] = 1.0
        counts = onehot.sum(axis=0)
        new_centers = (onehot.T @ X) / np.maximum(counts, 1.0)[:, None]
        empty = np.flatnonzero(counts == 0)
        if empty.size:  # move each empty centre to the point farthest from its own centre
            far = np.argsort(-D[np.arange(n), labels], kind="stable")[: empty.size]
            new_centers[empty] = X[far]
        shift = np.sum((new_centers - centers) ** 2)
        centers = new_centers
        if shift <= tol:
            break
    D = _sq_dist(X, centers, x_sqnorm)
    labels = np.argmin(D, axis=1)
    inertia = float(D[np.arange(n), labels].sum())
    return labels.astype(np.int64), centers, inertia, it


def kmeans(X, n_clusters, rng=0, *, n_init=10, max_iter=300, tol=1e-4):
    """k-means clustering: k-means++ seeding, then Lloyd's iterations; best of ``n_init`` runs.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    n_clusters : int
        ``1 <= n_clusters <= n_samples``.
    rng : int, np.random.Generator or None, default 0
    n_init : int, default 10
        Independent seedings; the run with the lowest inertia wins.
    max_iter : int, default 300
    tol : float, default 1e-4
        Stop when the squared movement of the centres falls below
        ``tol * mean(var(X, axis=0)) * n_features`` (scikit-learn's relative tolerance),
        or when no label changes.

    Returns
    -------
    KMeansResult
        ``labels`` (n_samples,), ``centers`` (n_clusters, n_features), ``inertia``,
        ``n_iter``; ``result.predict(X_new)`` assigns new points.
    """
    X = check_array(X, name="X")
    n_clusters = check_int("n_clusters", n_clusters, minimum=1)
    if n_clusters > X.shape[0]:
        raise ValueError(f"n_clusters={n_clusters} exceeds the number of samples {X.shape[0]}")
    n_init = check_int("n_init", n_init, minimum=1)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    tol = check_real("tol", tol, low=0.0)
    rng = np.random.default_rng(rng)
    with np.errstate(over="ignore", invalid="ignore"):
        tol_abs = tol * float(np.mean(np.var(X, axis=0))) * X.shape[1]
        x_sqnorm = np.sum(X * X, axis=1)
    if not (np.all(np.isfinite(x_sqnorm)) and np.isfinite(tol_abs)):
        raise ValueError(f"X's values (largest magnitude {np.max(np.abs(X)):.3g}) overflow "
                         "squared distances in float64; rescale the data first (e.g. "
                         "standardise it)")
    best = None
    for _ in range(n_init):
        centers = _kmeans_plusplus(X, n_clusters, rng, x_sqnorm)
        run = _lloyd(X, centers, max_iter, tol_abs, x_sqnorm)
        if best is None or run[2] < best[2]:
            best = run
    labels, centers, inertia, n_iter = best
    return KMeansResult(labels, centers, inertia, n_iter)