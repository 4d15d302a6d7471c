r"""Latent priors p(z): the adversarial autoencoder's, the WAE's, and the CL-VAE's class prior.

Adversarial and Wasserstein autoencoders (Makhzani et al. 2015; Tolstikhin
et al. 2018) only need to *sample* p(z) (a discriminator or an MMD compares
codes with those samples); the CL-VAE (Norlander & Sopasakis 2019) gives
class y the prior N(m_y, I) and needs the means m_y.

Priors by name, with scale s (``prior_scale``):

- ``"gaussian"``: :math:`\mathcal N(0, s^2 I)`;
- ``"uniform"``: :math:`U[-s, s]^k`;
- ``"mixture"``: K Gaussians with means on a circle of radius 4s in the
  first two code dimensions and standard deviation s/2 (the AAE paper's
  figure 4 prior, whose ring has an empty hole).
"""

from __future__ import annotations

import numpy as np

from .._validation import check_positive

__all__ = ["PRIORS", "draw_prior", "mixture_means", "default_prior_means", "DEFAULT_SEPARATION"]

PRIORS = ("gaussian", "mixture", "uniform")


def mixture_means(n_components, latent_dim, scale=1.0):
    """(K, k) component means of the "mixture" prior: a circle of radius 4s in (z1, z2)."""
    K, s = int(n_components), float(scale)
    angles = 2.0 * np.pi * np.arange(K) / K
    means = np.zeros((K, int(latent_dim)))
    means[:, 0] = 4.0 * s * np.cos(angles)
    means[:, 1] = 4.0 * s * np.sin(angles)
    return means


def draw_prior(prior, rng, n, latent_dim, scale=1.0, n_components=10, components=None,
               dtype=np.float64):
    """n draws z ~ p(z) of the named prior (mixture: row i from ``components[i]`` if given).

    Returns
    -------
    ndarray of shape (n, latent_dim)
    """
    k, s = int(latent_dim), float(scale)
    if prior == "gaussian":
        Z = s * rng.standard_normal((n, k))
    elif prior == "uniform":
        Z = rng.uniform(-s, s, size=(n, k))
    elif prior == "mixture":
        if components is None:
            components = rng.integers(int(n_components), size=n)
        Z = mixture_means(n_components, k, s)[components] + 0.5 * s * rng.standard_normal((n, k))
    else:
        raise ValueError(f"unknown prior {prior!r}; expected one of {list(PRIORS)}")
    return Z.astype(dtype, copy=False)


#: Distance between the closest two default class prior means, in units of
#: the prior's standard deviation (1): 4 keeps neighbouring unit Gaussians
#: apart (they overlap where each has density below e^{-2} of its peak).
DEFAULT_SEPARATION = 4.0


def default_prior_means(n_classes, latent_dim, separation=DEFAULT_SEPARATION):
    r"""Class prior means placed so that the classes start apart.

    The closest two means are ``separation`` apart, and the means are
    centred on the origin:

    - ``latent_dim >= n_classes − 1``: the vertices of a regular simplex
      (every pair at the same distance), in the first ``n_classes − 1``
      coordinates — the one-hot vectors e_y, centred and written in the
      orthonormal Helmert basis of the sum-zero subspace, times
      :math:`\text{separation} / \sqrt2`;
    - ``latent_dim == 1``: equally spaced points on the line;
    - otherwise (2 ≤ latent_dim < n_classes − 1, e.g. 10 digits in 2-D):
      the vertices of a regular polygon on a circle in (z_1, z_2), of
      radius separation / (2 sin(π / n_classes)), class y at angle
      2π y / n_classes.

    Parameters
    ----------
    n_classes : int
    latent_dim : int
    separation : float, default=DEFAULT_SEPARATION (4.0)

    Returns
    -------
    ndarray of shape (n_classes, latent_dim)
    """
    C = check_positive(n_classes, "n_classes", integer=True)
    k = check_positive(latent_dim, "latent_dim", integer=True)
    separation = float(check_positive(separation, "separation"))
    M = np.zeros((C, k))
    if C == 1:
        return M
    if k >= C - 1:
        # Helmert basis: row j (1-based) is (1, ..., 1, −j, 0, ..., 0) / sqrt(j (j+1)),
        # an orthonormal basis of {v : Σ v = 0}; column y is e_y − 1/C written in it.
        H = np.zeros((C - 1, C))
        for j in range(1, C):
            H[j - 1, :j] = 1.0
            H[j - 1, j] = -j
            H[j - 1] /= np.sqrt(j * (j + 1.0))
        M[:, :C - 1] = (separation / np.sqrt(2.0)) * H.T  # ‖e_a − e_b‖ = √2
    elif k == 1:
        M[:, 0] = separation * (np.arange(C) - (C - 1) / 2.0)
    else:
        radius = separation / (2.0 * np.sin(np.pi / C))
        angle = 2.0 * np.pi * np.arange(C) / C
        M[:, 0] = radius * np.cos(angle)
        M[:, 1] = radius * np.sin(angle)
    return M


