r"""Linear binary hash codes: the baselines of semantic hashing.

Charikar (2002), "Similarity estimation techniques from rounding algorithms"
(signs of random projections, LSH); Gong & Lazebnik (2011), "Iterative
quantization: a Procrustean approach to learning binary codes" (PCA signs and
ITQ).  The learned alternative is :class:`npae.SemanticHashingAutoencoder`.

.. math:: b(x) = 1\{ (x - \bar x)\, W > 0 \},\qquad
          \text{ITQ:}\ \min_{B \in \{-1, 1\}^{n \times c},\ R^\top R = I} \lVert B - V R \rVert_F^2

Symbols: ``mean`` :math:`\bar x` (d,), ``W`` (d, c) the projection of c bits: c
Gaussian directions (``"lsh"``), the top c principal directions (``"pca"``),
or those rotated by the orthogonal R (c, c) of ITQ (``"itq"``), whose
alternating minimisation sets :math:`B = \mathrm{sign}(VR)` and then
:math:`R = U W_s^\top` from the SVD :math:`V^\top B = U \Sigma W_s^\top`
(orthogonal Procrustes), with V the centred data projected on the principal
directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_array, check_int, check_rng
from . import PCA

__all__ = ["LinearHash", "fit_linear_hash", "HASH_METHODS"]

HASH_METHODS = ("lsh", "pca", "itq")


@dataclass(frozen=True)
class LinearHash:
    """A fitted linear hash: ``hash(X) = (X - mean) @ W > 0``.

    Attributes
    ----------
    mean : ndarray of shape (n_features,)
    W : ndarray of shape (n_features, n_bits)
    method : str
    """

    mean: np.ndarray
    W: np.ndarray
    method: str

    def hash(self, X):
        """Binary codes.  (n, d) -> (n, n_bits) bool"""
        X = check_array(X, name="X")
        if X.shape[1] != self.W.shape[0]:
            raise ValueError(f"X has {X.shape[1]} features but the hash was fitted on {self.W.shape[0]}")
        return (X - self.mean) @ self.W > 0  # (n, d) @ (d, c) -> (n, c)


def fit_linear_hash(X, n_bits, method="itq", rng=0, *, n_iter=50):
    """Fit a linear hash of ``n_bits`` bits on the rows of ``X``.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    n_bits : int
        At most ``min(n_samples, n_features)`` for "pca" and "itq".
    method : {"lsh", "pca", "itq"}, default "itq"
        Signs of random Gaussian projections, of the principal components,
        or of the principal components rotated by ITQ.
    rng : int, np.random.Generator or None, default 0
        The random directions (LSH) or the random initial rotation (ITQ).
    n_iter : int, default 50
        ITQ's alternating iterations (the paper's 50).

    Returns
    -------
    LinearHash
    """
    X = check_array(X, name="X")
    n_bits = check_int("n_bits", n_bits, minimum=1)
    if method not in HASH_METHODS:
        raise ValueError(f"method must be one of {HASH_METHODS}, got {method!r}")
    rng = check_rng(rng)
    mean = X.mean(axis=0)
    if method == "lsh":
        return LinearHash(mean, rng.standard_normal((X.shape[1], n_bits)), method)
    if n_bits > min(X.shape):
        raise ValueError(f"method={method!r} takes at most min(n_samples, n_features) = "
                         f"{min(X.shape)} bits (principal components), got n_bits={n_bits}")
    W = PCA(n_components=n_bits).fit(X).components_.T  # (d, c)
    if method == "pca":
        return LinearHash(mean, W, method)
    V = (X - mean) @ W  # (n, d) @ (d, c) -> (n, c)
    R = np.linalg.qr(rng.standard_normal((n_bits, n_bits)))[0]  # random orthogonal start
    for _ in range(check_int("n_iter", n_iter, minimum=0)):
        B = np.where(V @ R >= 0, 1.0, -1.0)  # fix R: the nearest binary codes
        U, _, Wt = np.linalg.svd(V.T @ B)  # fix B: orthogonal Procrustes, (c, n) @ (n, c)
        R = U @ Wt
    return LinearHash(mean, W @ R, method)
