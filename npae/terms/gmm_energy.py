r"""The DAGMM's Gaussian-mixture energy from soft memberships, forward and backward by hand.

Zong et al. (2018), eq. 5-7: from memberships ``gamma`` (n, K) of the rows ``Z`` (n, m)
of a batch, the mixture's parameters and each row's sample energy,

.. math:: \phi_k = \frac{N_k}{n},\ N_k = \sum_i \gamma_{ik}, \quad
          \mu_k = \frac{\sum_i \gamma_{ik} z_i}{N_k}, \quad
          \Sigma_k = \frac{\sum_i \gamma_{ik} e_{ik} e_{ik}^T}{N_k} + \epsilon I,\ e_{ik} = z_i - \mu_k,

.. math:: E(z_i) = -\log \sum_k \phi_k
          \frac{\exp(-\tfrac12 e_{ik}^T \Sigma_k^{-1} e_{ik})}{\sqrt{|2\pi\Sigma_k|}}, \qquad
          P(\Sigma) = \sum_k \sum_j 1 / \Sigma_{k,jj}.

The backward pass runs through the estimates: since :math:`\sum_i \gamma_{ik} e_{ik} = 0`,
:math:`\Sigma_k` does not move with :math:`\mu_k`, so :math:`\partial\Sigma_k/\partial\gamma_{ik}
= (e_{ik}e_{ik}^T - (\Sigma_k - \epsilon I)) / N_k` and
:math:`\partial\Sigma_k/\partial z_i` contracts to :math:`2\gamma_{ik} G_k e_{ik} / N_k`.
Sums over the rows go through ``ops.sum_over_samples`` (the reference path sums one
row at a time). ``eps`` = :math:`\epsilon` keeps every :math:`\Sigma_k` invertible.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

__all__ = ["gmm_parameters", "energy", "energy_terms"]

EPS_COV = 1e-6


def gmm_parameters(gamma, Z, ops, eps=EPS_COV):
    """(phi (K,), means (K, m), covariances (K, m, m), N (K,)) from memberships and rows."""
    n, m = Z.shape
    N = ops.sum_over_samples(gamma)  # (K,)
    means = ops.sum_over_samples(gamma[:, :, None] * Z[:, None, :]) / N[:, None]  # (K, m)
    E = Z[:, None, :] - means[None]  # (n, K, m)
    S = ops.sum_over_samples(gamma[:, :, None, None] * E[..., :, None] * E[..., None, :])  # (K, m, m)
    cov = S / N[:, None, None] + eps * np.eye(m)
    return N / n, means, cov, N


def _log_components(Z, phi, means, cov):
    """ell (n, K) = log phi_k - 1/2 e^T P e - 1/2 log|2 pi Sigma_k|, with E and P."""
    E = Z[:, None, :] - means[None]  # (n, K, m)
    P = np.linalg.inv(cov)  # (K, m, m)
    logdet = np.linalg.slogdet(2.0 * np.pi * cov)[1]  # (K,)
    PE = np.einsum("kml,nkl->nkm", P, E)  # P_k e_ik: (n, K, m)
    d = np.sum(E * PE, axis=2)  # (n, K)
    return np.log(phi)[None] - 0.5 * d - 0.5 * logdet[None], E, P, PE


def energy(Z, phi, means, cov):
    """Sample energy of each row under fixed mixture parameters (higher = more abnormal)."""
    return -logsumexp(_log_components(Z, phi, means, cov)[0], axis=1)


def energy_terms(Z, gamma, lam_energy, lam_cov, ops, eps=EPS_COV):
    """lam_energy * mean energy and lam_cov * P(Sigma), with their gradients.

    Returns
    -------
    terms : dict {"energy": float, "cov_penalty": float}
    dZ : ndarray (n, m)
    dgamma : ndarray (n, K)
    """
    n = Z.shape[0]
    phi, means, cov, N = gmm_parameters(gamma, Z, ops, eps)
    ell, E, P, PE = _log_components(Z, phi, means, cov)
    lse = logsumexp(ell, axis=1)
    diag = np.diagonal(cov, axis1=1, axis2=2)  # (K, m)
    terms = {"energy": lam_energy * float(ops.mean_over_samples(-lse[:, None])[0]),
             "cov_penalty": lam_cov * float(np.sum(1.0 / diag))}
    # d loss / d ell_ik = -(lam_energy / n) w_ik, w the posterior over components
    g = -(lam_energy / n) * np.exp(ell - lse[:, None])  # (n, K)
    dphi = ops.sum_over_samples(g) / phi  # (K,)
    dZ = -np.einsum("nk,nkm->nm", g, PE)  # direct: d ell_ik / d z_i = -P_k e_ik
    dmeans = ops.sum_over_samples(g[:, :, None] * PE)  # (K, m)
    G = 0.5 * ops.sum_over_samples(g[:, :, None, None] * PE[..., :, None] * PE[..., None, :]) \
        - 0.5 * ops.sum_over_samples(g)[:, None, None] * P  # (K, m, m), symmetric
    G = G - lam_cov * np.einsum("km,ml->kml", 1.0 / diag ** 2, np.eye(Z.shape[1]))
    # through Sigma_k = S_k / N_k + eps I (the mean's effect vanishes)
    GE = np.einsum("kml,nkl->nkm", G, E)  # (n, K, m)
    trace = np.einsum("kml,klm->k", G, cov - eps * np.eye(Z.shape[1]))  # tr(G_k (Sigma_k - eps I))
    dgamma = (np.sum(E * GE, axis=2) - trace[None]) / N[None]
    dZ += 2.0 * np.einsum("nk,nkm->nm", gamma / N[None], GE)
    # through mu_k = sum_i gamma_ik z_i / N_k, and phi_k = N_k / n
    dgamma += np.einsum("km,nkm->nk", dmeans, E) / N[None] + dphi[None] / n
    dZ += (gamma / N[None]) @ dmeans  # (n, K) @ (K, m) -> (n, m)
    return terms, dZ, dgamma
