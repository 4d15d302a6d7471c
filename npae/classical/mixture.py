r"""Gaussian mixture fitted by expectation-maximisation (full or diagonal covariances).

Dempster, Laird & Rubin (1977), "Maximum likelihood from incomplete data via the EM
algorithm". Used to cluster latent codes and as a density for anomaly scores
(Norlander & Sopasakis 2019, §2.1-2.2).

.. math:: \max_{\pi, \mu, \Sigma}\; \frac{1}{n} \sum_{i=1}^{n}
          \log \sum_{j=1}^{k} \pi_j\, \mathcal N(x^{(i)} \mid \mu_j, \Sigma_j)

Symbols: ``weights`` :math:`\pi` (k,), ``means`` :math:`\mu_j` (k, d), ``covariances``
:math:`\Sigma_j` (k, d, d) or their diagonals (k, d), responsibilities
:math:`r_{ij} = p(j \mid x^{(i)})` (n, k).  (Component means are ``means``, not
``mu``, which the notation keeps for the VAE encoder head.)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cholesky, solve_triangular
from scipy.special import logsumexp

from .._validation import check_array, check_int, check_real
from .kmeans import kmeans

__all__ = ["gaussian_mixture", "GaussianMixtureResult"]


_LOG_2PI = np.log(2.0 * np.pi)


def _log_gaussian(X, means, covariances, covariance_type):
    """(n, k) log N(x_i | mu_j, Sigma_j)."""
    n, d = X.shape
    k = means.shape[0]
    out = np.empty((n, k))
    for j in range(k):
        diff = X - means[j]
        if covariance_type == "diag":
            var = covariances[j]
            out[:, j] = -0.5 * (d * _LOG_2PI + np.sum(np.log(var)) + np.sum(diff * diff / var, axis=1))
        else:
            try:
                L = cholesky(covariances[j], lower=True)
            except np.linalg.LinAlgError as exc:
                raise ValueError(
                    f"covariance of component {j} is not positive definite; increase reg_covar "
                    "or use covariance_type='diag'"
                ) from exc
            y = solve_triangular(L, diff.T, lower=True)
            out[:, j] = -0.5 * (d * _LOG_2PI + 2.0 * np.sum(np.log(np.diag(L))) + np.sum(y * y, axis=0))
    return out


@dataclass(frozen=True)
class GaussianMixtureResult:
    """Result of :func:`gaussian_mixture`.

    Attributes
    ----------
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray of shape (n_components, n_features, n_features) or (n_components, n_features)
        Full matrices, or the diagonals for ``covariance_type="diag"``.
    covariance_type : {"full", "diag"}
    labels : ndarray of shape (n_samples,), int64
        Most probable component of each training sample.
    log_likelihood : float
        Mean log-likelihood per sample of the training data.
    n_iter : int
    converged : bool
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    covariance_type: str
    labels: np.ndarray
    log_likelihood: float
    n_iter: int
    converged: bool

    def _joint(self, X):
        X = check_array(X, name="X")
        if X.shape[1] != self.means.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features but the mixture has {self.means.shape[1]}")
        return np.log(self.weights)[None, :] + _log_gaussian(X, self.means, self.covariances, self.covariance_type)

    def score_samples(self, X):
        """Log density ``log p(x)`` of each row, shape (n_samples,); higher = more normal."""
        return logsumexp(self._joint(X), axis=1)

    def predict_proba(self, X):
        """Posterior responsibilities ``p(component | x)``, shape (n_samples, n_components)."""
        J = self._joint(X)
        return np.exp(J - logsumexp(J, axis=1, keepdims=True))

    def predict(self, X):
        """Most probable component of each row, shape (n_samples,)."""
        return np.argmax(self._joint(X), axis=1).astype(np.int64)


def _m_step(X, resp, covariance_type, reg_covar):
    n, d = X.shape
    nk = resp.sum(axis=0) + 10.0 * np.finfo(np.float64).eps
    means = (resp.T @ X) / nk[:, None]
    if covariance_type == "diag":
        cov = np.stack([(resp[:, j] @ (X - means[j]) ** 2) / nk[j] for j in range(len(nk))]) + reg_covar
    else:
        cov = np.empty((len(nk), d, d))
        for j in range(len(nk)):
            diff = X - means[j]
            cov[j] = (resp[:, j, None] * diff).T @ diff / nk[j]
            cov[j].flat[:: d + 1] += reg_covar
    var = cov if covariance_type == "diag" else np.diagonal(cov, axis1=1, axis2=2)
    if np.any(var <= 0):
        j, f = np.argwhere(var <= 0)[0]
        raise ValueError(f"component {j} has zero variance along feature {f} (reg_covar="
                         f"{reg_covar}): its density is degenerate; set reg_covar > 0 (e.g. "
                         "1e-6) or drop constant features")
    return nk / n, means, cov


def gaussian_mixture(X, n_components, rng=0, *, covariance_type="full", n_init=1, max_iter=100,
                     tol=1e-3, reg_covar=1e-6):
    r"""Gaussian mixture fitted by expectation-maximisation.

    Initialisation: responsibilities from one k-means run (seeded by ``rng``). Then
    alternately the E-step :math:`r_{ij} \propto \pi_j\, \mathcal N(x_i \mid \mu_j, \Sigma_j)`
    (in log space) and the M-step :math:`\pi_j = N_j / n`, :math:`\mu_j = \sum_i r_{ij} x_i / N_j`,
    :math:`\Sigma_j = \sum_i r_{ij} (x_i - \mu_j)(x_i - \mu_j)^T / N_j + \text{reg\_covar}\, I`,
    until the mean log-likelihood improves by less than ``tol``.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    n_components : int
    rng : int, np.random.Generator or None, default 0
    covariance_type : {"full", "diag"}, default "full"
    n_init : int, default 1
        Runs from different k-means seeds; the highest likelihood wins.
    max_iter : int, default 100
    tol : float, default 1e-3
    reg_covar : float, default 1e-6
        Added to the covariance diagonals, keeping them positive definite.

    Returns
    -------
    GaussianMixtureResult
        With ``weights``, ``means``, ``covariances``, ``labels``, ``log_likelihood``,
        and methods ``predict``, ``predict_proba`` and ``score_samples`` (the log
        density: usable as an anomaly scorer in :func:`em_mv_scores`).
    """
    X = check_array(X, name="X")
    n_components = check_int("n_components", n_components, minimum=1)
    if n_components > X.shape[0]:
        raise ValueError(f"n_components={n_components} exceeds the number of samples {X.shape[0]}")
    if covariance_type not in ("full", "diag"):
        raise ValueError(f"covariance_type must be 'full' or 'diag', got {covariance_type!r}")
    n_init = check_int("n_init", n_init, minimum=1)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    tol = check_real("tol", tol, low=0.0)
    reg_covar = check_real("reg_covar", reg_covar, low=0.0)
    rng = np.random.default_rng(rng)
    n = X.shape[0]
    best = None
    for _ in range(n_init):
        labels = kmeans(X, n_components, rng, n_init=1).labels
        resp = np.zeros((n, n_components))
        resp[np.arange(n), labels] = 1.0
        weights, means, cov = _m_step(X, resp, covariance_type, reg_covar)
        lower = -np.inf
        converged = False
        for it in range(1, max_iter + 1):
            J = np.log(weights)[None, :] + _log_gaussian(X, means, cov, covariance_type)
            log_norm = logsumexp(J, axis=1)
            resp = np.exp(J - log_norm[:, None])
            prev, lower = lower, float(log_norm.mean())
            if abs(lower - prev) < tol:
                converged = True
                break
            weights, means, cov = _m_step(X, resp, covariance_type, reg_covar)
        # final E-step so that labels and likelihood match the returned parameters
        J = np.log(weights)[None, :] + _log_gaussian(X, means, cov, covariance_type)
        ll = float(logsumexp(J, axis=1).mean())
        if best is None or ll > best[4]:
            best = (weights, means, cov, np.argmax(J, axis=1).astype(np.int64), ll, it, converged)
    if not best[6]:
        warnings.warn(
            f"EM did not converge in max_iter={max_iter} iterations (tol={tol}); "
            "raise max_iter or tol",
            RuntimeWarning,
            stacklevel=2,
        )
    weights, means, cov, labels, ll, it, converged = best
    return GaussianMixtureResult(weights, means, cov, covariance_type, labels, ll, it, converged)