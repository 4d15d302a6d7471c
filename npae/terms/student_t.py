r"""The Student-t decoder likelihood of the VAE, with its gradients by hand.

Reference: Takahashi, Iwata, Yamanaka, Yamada & Yagi, *Student-t Variational
Autoencoder for Robust Density Estimation*, IJCAI 2018.

Per feature, :math:`x \sim \mathrm{St}(\mu, \sigma^2, \nu)` with location μ (the decoder's
output), scale σ and degrees of freedom ν > 0; with :math:`r = (x - \mu)/\sigma` and
:math:`u = 1 + r^2/\nu`:

.. math:: -\log p(x) = -\ln\Gamma\big(\tfrac{\nu+1}2\big) + \ln\Gamma\big(\tfrac\nu2\big)
          + \tfrac12 \log(\nu\pi) + \tfrac12 \log\sigma^2 + \tfrac{\nu+1}2 \log u

(summed over features, mean over the n rows of the batch).  Its heavy tails
make a large residual cost :math:`O(\log r)` instead of :math:`O(r^2)`: an outlier pulls the
location and inflates the scale far less than under a Gaussian, which is the
robustness the paper measures.  ν → ∞ gives the Gaussian.

Gradients of :math:`-\log p(x)` (per element, before the mean over rows):

.. math:: \frac{\partial}{\partial\mu} &= -\frac{(\nu+1)(x - \mu)}{\nu \sigma^2 + (x - \mu)^2}, \\
          \frac{\partial}{\partial \log\sigma^2} &= \frac12 - \frac12 \frac{(\nu+1) r^2}{\nu + r^2}, \\
          \frac{\partial}{\partial \log\nu} &= \nu \Big(-\tfrac12 \psi\big(\tfrac{\nu+1}2\big)
          + \tfrac12 \psi\big(\tfrac\nu2\big) + \frac1{2\nu} + \tfrac12 \log u
          - \frac{(\nu+1) r^2}{2\nu^2 u}\Big)

with ψ the digamma function.  npae learns σ² (floored, as the Gaussian's,
:func:`npae.terms.gaussian.floor_log_var`) and ν per feature as free
parameters ``decoder.log_var`` and ``decoder.log_df``; the paper's decoder
outputs them as functions of z — a simplification stated here.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln

__all__ = ["student_t_nll", "student_t_log_rows"]


def student_t_log_rows(X, mu, log_var, log_df):
    """log p(x) per row under St(mu, exp(log_var), exp(log_df)).  (m, d) -> (m,)"""
    nu = np.exp(log_df)
    r2 = (X - mu) ** 2 * np.exp(-log_var)
    elem = (gammaln(0.5 * (nu + 1)) - gammaln(0.5 * nu) - 0.5 * np.log(nu * np.pi)
            - 0.5 * log_var - 0.5 * (nu + 1) * np.log1p(r2 / nu))
    return np.sum(np.broadcast_to(elem, X.shape), axis=1)


def student_t_nll(mu, log_var, log_df, X):
    """Mean over rows of −log p(x), and its gradients.

    Parameters
    ----------
    mu : ndarray (n, d)
        Locations (the decoder's output).
    log_var, log_df : ndarray (d,)
        log σ² and log ν per feature.
    X : ndarray (n, d)

    Returns
    -------
    value : float
    dmu : ndarray (n, d)
    dlog_var, dlog_df : ndarray (d,)
    """
    n = X.shape[0]
    nu = np.exp(log_df)  # (d,)
    diff = X - mu  # (n, d)
    r2 = diff * diff * np.exp(-log_var)  # r², (n, d)
    log_u = np.log1p(r2 / nu)
    value = -float(np.sum(student_t_log_rows(X, mu, log_var, log_df))) / n
    dmu = -(nu + 1) * diff / (nu * np.exp(log_var) + diff * diff) / n
    dlog_var = np.sum(0.5 - 0.5 * (nu + 1) * r2 / (nu + r2), axis=0) / n
    dnu = (-0.5 * digamma(0.5 * (nu + 1)) + 0.5 * digamma(0.5 * nu) + 0.5 / nu
           + 0.5 * log_u - 0.5 * (nu + 1) * r2 / (nu * (nu + r2)))  # (n, d)
    dlog_df = nu * np.sum(dnu, axis=0) / n
    return value, dmu, dlog_var, dlog_df
