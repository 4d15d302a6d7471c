r"""Anomaly scores on a representation (input or code space): Mahalanobis, Gaussian mixture, Parzen.

Caron's review §3 (density estimation: Gaussian, mixture, Parzen window) and Cao,
Nicolau & McDermott (2016) (density estimation on an autoencoder's codes). Each
score is fitted on the training rows ``Z`` (n, k) and is **higher = more abnormal**:

.. math:: s_{\mathrm{maha}}(z) = \lVert W^T (z - \bar z) \rVert_2, \qquad
          s_{\mathrm{gmm}}(z) = -\log \sum_j \pi_j\, \mathcal N(z \mid \mu_j, \Sigma_j), \qquad
          s_{\mathrm{kde}}(z) = -\log \frac{1}{n} \sum_i \mathcal N(z \mid z^{(i)}, h^2 \hat\Sigma)

Symbols: :math:`\bar z, \hat\Sigma` the training mean and covariance,
:math:`W = V \Lambda^{-1/2}` its whitening map restricted to the eigenvalues above
``1e-9`` times the largest (so constant or collinear features do not break the
inverse), :math:`\pi_j, \mu_j, \Sigma_j` the mixture fitted by EM
(:func:`npae.classical.mixture.gaussian_mixture`), :math:`h` Scott's factor
:math:`n^{-1/(r+4)}` or Silverman's :math:`(n (r+2)/4)^{-1/(r+4)}` in the
whitened dimension :math:`r` (the rule of ``scipy.stats.gaussian_kde``).
On its own training rows the Parzen score leaves each row out (its own kernel
would make every training row look normal and bias the threshold).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from .._validation import check_array
from ..metrics._common import _CHUNK_ENTRIES
from ..classical.mixture import gaussian_mixture

__all__ = ["Whitener", "MahalanobisScore", "MixtureScore", "ParzenScore", "bandwidth_factor"]

_LOG_2PI = np.log(2.0 * np.pi)


class Whitener:
    """Centre and whiten rows by the training covariance (pseudo-inverse square root)."""

    def __init__(self, Z, rel_tol=1e-9, covariance="full"):
        Z = check_array(Z, name="Z", min_samples=2)
        self.mean_ = Z.mean(axis=0)
        C = np.cov(Z, rowvar=False).reshape(Z.shape[1], Z.shape[1])  # (k, k)
        if covariance == "diag":
            lam, V = np.diag(C).copy(), np.eye(Z.shape[1])
        else:
            lam, V = np.linalg.eigh(C)
        keep = lam > rel_tol * max(lam.max(), np.finfo(float).tiny)
        if not keep.any():
            raise ValueError("the training rows are all equal: no direction to measure distances in")
        self.W_ = V[:, keep] / np.sqrt(lam[keep])  # (k, r)
        self.log_det_ = float(np.sum(np.log(lam[keep])))  # log |Sigma| on the kept subspace

    def __call__(self, Z):
        return (Z - self.mean_) @ self.W_  # (m, k) @ (k, r) -> (m, r)


def bandwidth_factor(n, r, rule="scott"):
    r"""Scott's :math:`n^{-1/(r+4)}` or Silverman's :math:`(n (r+2) / 4)^{-1/(r+4)}`."""
    if rule == "scott":
        return float(n ** (-1.0 / (r + 4)))
    if rule == "silverman":
        return float((n * (r + 2) / 4.0) ** (-1.0 / (r + 4)))
    if isinstance(rule, (int, float)) and not isinstance(rule, bool) and rule > 0:
        return float(rule)
    raise ValueError(f"bandwidth must be 'scott', 'silverman' or a positive number, got {rule!r}")


class MahalanobisScore:
    """Mahalanobis distance to the training mean (the Gaussian density's level sets)."""

    def __init__(self, Z):
        self.whiten_ = Whitener(Z)

    def __call__(self, Z, training=False):
        return np.sqrt(np.sum(self.whiten_(Z) ** 2, axis=1))


class MixtureScore:
    """Minus the log density of a Gaussian mixture fitted by EM (on whitened rows)."""

    def __init__(self, Z, n_components=1, rng=0):
        self.whiten_ = Whitener(Z)
        Zw = self.whiten_(Z)
        k = int(min(n_components, max(1, Zw.shape[0] // (2 * (Zw.shape[1] + 1)))))
        # at least ~2(r + 1) rows per component for a full covariance; reg_covar keeps it definite
        self.mixture_ = gaussian_mixture(Zw, k, rng, covariance_type="full", reg_covar=1e-3,
                                         max_iter=200)

    def __call__(self, Z, training=False):
        return -self.mixture_.score_samples(self.whiten_(Z))


class ParzenScore:
    """Minus the log of a Gaussian Parzen-window (kernel) density, bandwidth by a rule."""

    def __init__(self, Z, bandwidth="scott", covariance="full"):
        self.whiten_ = Whitener(Z, covariance=covariance)
        self.train_ = self.whiten_(Z)  # (n, r)
        n, r = self.train_.shape
        self.h_ = bandwidth_factor(n, r, bandwidth)

    def log_density(self, Z, training=False, self_index=None):
        """log p(z) (in the whitened coordinates' measure); leave-one-out if ``training``.

        ``training=True`` scores the training rows themselves, each leaving itself out;
        ``self_index`` (m,) of int instead names, for each row of ``Z``, the training row
        that is its own copy (left out of its sum), or -1 for none.
        """
        T = self.train_
        n, r = T.shape
        A = T if training else self.whiten_(Z)
        if training:
            self_index = np.arange(n)
        elif self_index is None:
            self_index = np.full(A.shape[0], -1)
        self_index = np.asarray(self_index)
        t2 = np.sum(T * T, axis=1)
        out = np.empty(A.shape[0])
        step = max(1, _CHUNK_ENTRIES // max(n, 1))
        for i in range(0, A.shape[0], step):
            a = A[i:i + step]
            # squared distances by the expansion |a|^2 - 2 a.t + |t|^2: (c, r) @ (r, n) -> (c, n)
            d2 = np.maximum(np.sum(a * a, axis=1)[:, None] - 2.0 * a @ T.T + t2[None, :], 0.0)
            logk = -0.5 * d2 / self.h_ ** 2
            own = self_index[i:i + step]
            rows = np.flatnonzero(own >= 0)
            logk[rows, own[rows]] = -np.inf
            out[i:i + step] = logsumexp(logk, axis=1)
        m = np.where(self_index >= 0, n - 1, n)  # kernels summed over per row
        return out - np.log(m) - r * np.log(self.h_) - 0.5 * r * _LOG_2PI

    def __call__(self, Z, training=False, self_index=None):
        return -self.log_density(Z, training, self_index)
