r"""Robust PCA by principal component pursuit, solved by the inexact augmented Lagrangian method.

Candès, Li, Ma & Wright (2011), "Robust principal component analysis?", J. ACM 58(3);
the solver is Algorithm 5 (inexact ALM) of Lin, Chen & Ma (2010), "The augmented
Lagrange multiplier method for exact recovery of corrupted low-rank matrices",
arXiv:1009.5055. Caron's review §3 (reconstruction methods) and §4 (Zhou &
Paffenroth 2017 build the robust deep autoencoder on it).

.. math:: \min_{L, S}\; \lVert L \rVert_* + \lambda \lVert S \rVert_1
          \quad \text{s.t.} \quad X = L + S

Symbols: ``X`` (n, d) the data, ``L`` its low-rank part, ``S`` its sparse part (the
gross corruptions; a row with a large ``S`` is an outlier), :math:`\lVert\cdot\rVert_*`
the nuclear norm, ``lam`` :math:`\lambda = 1/\sqrt{\max(n, d)}` by default, ``Y`` the
Lagrange multiplier, ``mu`` the penalty of the augmented Lagrangian
:math:`\lVert L\rVert_* + \lambda\lVert S\rVert_1 + \langle Y, X - L - S\rangle +
\tfrac{\mu}{2}\lVert X - L - S\rVert_F^2`, increased by ``rho`` each iteration.
Each iteration is two exact proximal steps: singular-value thresholding for
``L`` and soft thresholding (shrinkage) for ``S``.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validation import check_array, not_fitted
from ..estimator.hyperparams import Hyperparameters, Interval, NoneValue, Param

__all__ = ["principal_component_pursuit", "RobustPCA", "shrink", "singular_value_threshold"]


def shrink(A, tau):
    r"""Soft thresholding, the proximal operator of :math:`\tau \lVert\cdot\rVert_1`:
    :math:`\operatorname{sign}(A) \max(|A| - \tau, 0)`."""
    return np.sign(A) * np.maximum(np.abs(A) - tau, 0.0)


def singular_value_threshold(A, tau):
    r"""The proximal operator of :math:`\tau \lVert\cdot\rVert_*`:
    :math:`U \operatorname{shrink}(\Sigma, \tau) V^\top`. -> (matrix, rank)."""
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    s = np.maximum(s - tau, 0.0)
    r = int(np.sum(s > 0))
    return (U[:, :r] * s[:r]) @ Vt[:r], r  # (n, r) @ (r, d) -> (n, d)


def principal_component_pursuit(X, lam=None, *, tol=1e-7, max_iter=1000, mu=None, rho=1.5):
    r"""Split ``X = L + S`` (low rank + sparse) by the inexact ALM of Lin, Chen & Ma (2010).

    Parameters
    ----------
    X : array_like of shape (n, d)
    lam : float, optional
        Weight of the l1 norm; default ``1 / sqrt(max(n, d))`` (Candès et al.).
    tol : float, default 1e-7
        Stop when :math:`\lVert X - L - S \rVert_F / \lVert X \rVert_F <` ``tol``.
    max_iter : int, default 1000
    mu : float, optional
        Initial penalty; default :math:`1.25 / \lVert X \rVert_2` (Lin et al.).
    rho : float, default 1.5
        Growth factor of ``mu`` (capped at ``1e7`` times its initial value).

    Returns
    -------
    L : ndarray of shape (n, d)
    S : ndarray of shape (n, d)
    info : dict
        ``n_iter``, ``rank``, ``residual`` (relative), ``converged``.
    """
    X = check_array(X, name="X")
    n, d = X.shape
    lam = 1.0 / np.sqrt(max(n, d)) if lam is None else float(lam)
    norm_fro = np.linalg.norm(X)
    if norm_fro == 0:
        return np.zeros_like(X), np.zeros_like(X), {"n_iter": 0, "rank": 0, "residual": 0.0,
                                                    "converged": True}
    norm_two = np.linalg.norm(X, 2)
    # dual initialisation Y = X / J(X), J(X) = max(||X||_2, ||X||_inf / lam) (Lin et al., §3.1)
    Y = X / max(norm_two, np.abs(X).max() / lam)
    mu = 1.25 / norm_two if mu is None else float(mu)
    mu_max = mu * 1e7
    S = np.zeros_like(X)
    converged, rank, residual = False, 0, np.inf
    for it in range(1, max_iter + 1):
        L, rank = singular_value_threshold(X - S + Y / mu, 1.0 / mu)
        S = shrink(X - L + Y / mu, lam / mu)
        R = X - L - S
        Y = Y + mu * R
        mu = min(mu * rho, mu_max)
        residual = float(np.linalg.norm(R) / norm_fro)
        if residual < tol:
            converged = True
            break
    if not converged:
        warnings.warn(f"principal component pursuit did not reach tol={tol} in {max_iter} iterations "
                      f"(residual {residual:.2e}); raise max_iter", RuntimeWarning, stacklevel=2)
    return L, S, {"n_iter": it, "rank": rank, "residual": residual, "converged": converged}


class RobustPCA(Hyperparameters):
    """Robust PCA as an estimator: principal component pursuit, then the subspace of ``L``.

    ``fit`` splits the (centred) training rows into ``L + S``; new rows are scored
    by their squared distance to the row space of ``L`` (its ``rank_`` right
    singular vectors), so it slots into :class:`npae.OutlierDetector` with
    ``score="reconstruction"``; the training rows' ``sparse_`` row norms are the
    PCP anomaly scores of those rows.

    Parameters
    ----------
    lam, tol, max_iter, rho
        As in :func:`principal_component_pursuit`.

    Attributes
    ----------
    mean_ : (d,) column medians used for centring (robust to the outliers)
    low_rank_, sparse_ : (n, d)
    components_ : (``rank_``, d) the right singular vectors of ``low_rank_``
    rank_ : int
    n_iter_ : int
    """

    _parameters = {
        "lam": Param(None, NoneValue(), Interval("real", 0, None, closed="neither")),
        "tol": Param(1e-7, Interval("real", 0, None, closed="neither")),
        "max_iter": Param(1000, Interval("int", 1, None)),
        "rho": Param(1.5, Interval("real", 1, None, closed="neither")),
    }

    def fit(self, X, y=None):
        """Split ``X - median`` into ``L + S``; returns self."""
        self._validate_params()
        X = check_array(X, name="X", min_samples=2)
        self.mean_ = np.median(X, axis=0)
        L, S, info = principal_component_pursuit(X - self.mean_, self.lam, tol=self.tol,
                                                 max_iter=self.max_iter, rho=self.rho)
        self.low_rank_, self.sparse_ = L, S
        _, s, Vt = np.linalg.svd(L, full_matrices=False)
        self.rank_ = max(1, int(np.sum(s > 1e-9 * max(s[0], np.finfo(float).tiny))))
        self.components_ = Vt[:self.rank_]
        self.n_iter_, self.n_features_in_ = info["n_iter"], X.shape[1]
        return self

    def _X(self, X):
        if not hasattr(self, "components_"):
            raise not_fitted("this RobustPCA is not fitted yet; call fit(X) first")
        return check_array(X, name="X", n_features=self.n_features_in_) - self.mean_

    def transform(self, X):
        """Coordinates in the row space of ``L``.  (n, d) @ (d, rank) -> (n, rank)"""
        return self._X(X) @ self.components_.T

    def reconstruction_error(self, X, per_feature=False):
        """Squared distance to the row space of ``L``: per feature, or its mean over features."""
        Xc = self._X(X)
        R = Xc - (Xc @ self.components_.T) @ self.components_  # (n, r) @ (r, d) -> (n, d)
        sq = R * R
        return sq if per_feature else sq.mean(axis=1)
