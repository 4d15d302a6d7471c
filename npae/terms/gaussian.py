r"""Diagonal-Gaussian pieces shared by the VAE and the CL-VAE.

Each function that enters a loss returns its value and its gradient with
respect to its own inputs, so that it can be gradient-checked on its own with
:func:`npae.gradcheck.check_gradient` as well as inside a model.

Notation (the review's): :math:`q_\theta(z|x) = \mathcal N(\mu, \operatorname{diag}
\exp(\log\sigma^2))` is the encoder's posterior (μ = ``mu``), ``log_var`` is always the log
of the *variance* (never of the standard deviation),
:math:`z = \mu + \exp(\frac12 \log\sigma^2) \odot \varepsilon` with
:math:`\varepsilon \sim \mathcal N(0, I)`.

One reduction, as every loss in npae: **sum over the latent coordinates, mean
over the samples of the batch** (the per-sample values are available through
the ``*_rows`` helpers, used by the ELBO and the importance-weighted bound).

The bound on ``log_var``
------------------------
``exp(log_var)`` overflows for log_var > 709 and underflows to a zero
variance (and infinite KL) for log_var < −745.  A diverging encoder reaches
such values, so every function here evaluates the Gaussian at the *clipped*
log variance ``s = clip(log_var, −30, 20)`` (:data:`LOG_VAR_BOUNDS`; variance
between 9.4e−14 and 4.9e8, far outside anything a trained model uses).  The
clip is part of the function, not a hidden patch: the value *is* computed at
``s`` and the gradient is the exact derivative of that value — zero with
respect to a coordinate outside the bounds, where the loss is flat in it.
Clipping is reported by a ``RuntimeWarning`` (:func:`clip_log_var`), and the
tests check both the value and the gradient on either side of the bounds.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = [
    "LOG_VAR_BOUNDS",
    "clip_log_var",
    "reparameterize",
    "reparameterize_backward",
    "kl_standard_normal",
    "kl_standard_normal_rows",
    "kl_to_class_prior",
    "kl_to_class_prior_rows",
    "log_normal_rows",
    "floor_log_var",
]

#: (lower, upper) bound applied to a log variance before it is exponentiated.
LOG_VAR_BOUNDS = (-30.0, 20.0)

LOG_2PI = float(np.log(2.0 * np.pi))


def clip_log_var(log_var, warn=True):
    """The log variance actually used, ``s = clip(log_var, *LOG_VAR_BOUNDS)``.

    Parameters
    ----------
    log_var : ndarray
    warn : bool
        Issue a ``RuntimeWarning`` when any entry lies outside the bounds.

    Returns
    -------
    s : ndarray, shape of ``log_var``
        The clipped values (``log_var`` itself when nothing is clipped).
    inside : ndarray of bool or None
        ``ds / dlog_var``: True where the entry is within the bounds, so that
        a gradient with respect to ``s`` becomes one with respect to
        ``log_var`` by ``ds * inside``.  None when every entry is inside
        (the gradient passes unchanged).
    """
    lo, hi = LOG_VAR_BOUNDS
    log_var = np.asarray(log_var)
    if log_var.size == 0 or (log_var.min() >= lo and log_var.max() <= hi):
        return log_var, None
    if warn:
        warnings.warn(
            f"log_var outside the bounds {LOG_VAR_BOUNDS} was clipped before exp(): "
            "the variance is evaluated at the bound and the loss is flat (zero gradient) "
            "in those coordinates; the encoder has probably diverged — try a smaller "
            "learning_rate (see npae.terms.gaussian.LOG_VAR_BOUNDS)",
            RuntimeWarning,
            stacklevel=3,
        )
    inside = (log_var >= lo) & (log_var <= hi)
    return np.clip(log_var, lo, hi), inside


def floor_log_var(log_var, min_var):
    r"""A variance with a floor: :math:`t = \log(\xi + \exp(\log\sigma^2))` (ξ = ``min_var``), and
    :math:`dt/d\log\sigma^2`.

    The learned decoder variance of a Gaussian VAE has no lower limit: on a
    feature that is (nearly) constant in the data the likelihood grows
    without bound as the variance shrinks (Mattei & Frellsen 2018, who show
    that bounding the eigenvalues of the covariance from below by ξ > 0 makes
    the likelihood bounded).  With :math:`\sigma^2 = \xi + \exp(\log\sigma^2_{raw})` the variance
    cannot fall below ``min_var`` and every log_var keeps a finite gradient:
    :math:`dt/d\log\sigma^2_{raw} = \exp(\log\sigma^2_{raw} - t) \in (0, 1)`.

    Parameters
    ----------
    log_var : ndarray
        Already clipped (:func:`clip_log_var`).
    min_var : float >= 0
        The floor ξ; 0 returns ``log_var`` unchanged (gradient 1).

    Returns
    -------
    t : ndarray, shape of ``log_var``
        The log of the variance used.
    dt : ndarray or None
        dt/dlog_var (None when ``min_var`` is 0).
    """
    if min_var == 0:
        return log_var, None
    t = np.logaddexp(np.log(min_var), log_var)
    return t.astype(np.asarray(log_var).dtype, copy=False), np.exp(log_var - t)


def _mask(g, inside):
    return g if inside is None else g * inside


def reparameterize(mu, log_var, eps):
    r"""The reparameterisation trick: :math:`z = \mu + \exp(\frac12 s) \odot \varepsilon`,
    s = clip(log_var).

    Parameters
    ----------
    mu, log_var : ndarray of shape (n, k)
    eps : ndarray of shape (n, k)
        Standard normal draws (from the caller's generator, so that they can
        be held fixed).

    Returns
    -------
    z : ndarray of shape (n, k)
    std : ndarray of shape (n, k)
        :math:`\exp(\frac12 s)`, kept for :func:`reparameterize_backward`.
    """
    s, _ = clip_log_var(log_var)
    std = np.exp(0.5 * s)
    return mu + std * eps, std


def reparameterize_backward(dz, eps, std, log_var=None):
    r"""Chain rule through :math:`z = \mu + \exp(\frac12 s) \odot \varepsilon`.

    .. math:: \frac{dL}{d\mu} = \frac{dL}{dz}, \qquad
              \frac{dL}{ds} = \frac{dL}{dz} \odot \varepsilon \odot \tfrac12 \exp(\tfrac12 s),

    and :math:`dL/d\log\sigma^2 = dL/ds` where log_var is inside the bounds (0 outside).

    Parameters
    ----------
    dz, eps, std : ndarray of shape (n, k)
    log_var : ndarray of shape (n, k), optional
        Pass it to mask the gradient outside the bounds; without it the
        caller is responsible for that (the models mask once, after adding
        the KL's gradient).

    Returns
    -------
    dmu, dlog_var : ndarray of shape (n, k)
    """
    ds = dz * eps * (0.5 * std)
    if log_var is not None:
        ds = _mask(ds, clip_log_var(log_var, warn=False)[1])
    return dz, ds


def kl_standard_normal_rows(mu, log_var):
    r""":math:`\mathrm{KL}(\mathcal N(\mu, \operatorname{diag} e^s) \,\|\, \mathcal N(0, I))
    = \frac12 \sum_j (\mu_j^2 + e^{s_j} - 1 - s_j)`, one value per row.

    (n, k), (n, k) -> (n,)
    """
    s, _ = clip_log_var(log_var)
    return 0.5 * np.sum(mu * mu + np.exp(s) - 1.0 - s, axis=1)


def kl_standard_normal(mu, log_var):
    r"""Closed-form KL divergence of the encoder's Gaussian from the prior N(0, I).

    .. math:: L = \frac1n \sum_i \tfrac12 \sum_j \big[\mu_{ij}^2 + \exp(s_{ij}) - 1 - s_{ij}\big],
              \qquad s = \operatorname{clip}(\log\sigma^2)

    (Kingma & Welling 2013, appendix B; Norlander & Sopasakis 2019, appendix C.)

    Parameters
    ----------
    mu, log_var : ndarray of shape (n_samples, latent_dim)

    Returns
    -------
    value : float
        Mean over samples of the per-sample KL.
    dmu : ndarray of shape (n_samples, latent_dim)
        mu / n.
    dlog_var : ndarray of shape (n_samples, latent_dim)
        :math:`\frac12 (\exp(s) - 1) / n` inside the bounds, 0 outside.
    """
    n = mu.shape[0]
    s, inside = clip_log_var(log_var)
    var = np.exp(s)
    value = 0.5 * float(np.sum(mu * mu + var - 1.0 - s)) / n
    dmu = mu / n
    dlog_var = _mask(0.5 * (var - 1.0) / n, inside)
    return value, dmu, dlog_var


def kl_to_class_prior_rows(mu, log_var, prior_mu_rows):
    r""":math:`\mathrm{KL}(\mathcal N(\mu, \operatorname{diag} e^s) \,\|\, \mathcal N(m, I))
    = \frac12 \sum_j (e^{s_j} + (\mu_j - m_j)^2 - 1 - s_j)` per row.

    (n, k), (n, k), (n, k) -> (n,)
    """
    s, _ = clip_log_var(log_var)
    diff = mu - prior_mu_rows
    return 0.5 * np.sum(np.exp(s) + diff * diff - 1.0 - s, axis=1)


def kl_to_class_prior(mu, log_var, prior_mu_rows):
    r"""Closed-form KL of the encoder's Gaussian from the class prior p(z|y) = N(m_y, I).

    .. math:: L = \frac1n \sum_i \tfrac12 \sum_j \big[\exp(s_{ij}) + (\mu_{ij} - m_{y_i j})^2 - 1
              - s_{ij}\big], \qquad s = \operatorname{clip}(\log\sigma^2)

    The CL-VAE's regulariser (Norlander & Sopasakis 2019, §3.3): the KL to
    N(0, I) with the prior mean moved to the class mean m_y.  The caller
    gathers the prior mean of each sample's class into ``prior_mu_rows``
    (row i is m_{y_i}); its gradient comes back per row, and the caller
    sums the rows of each class (that sum over samples is the gradient with
    respect to a learned class mean).

    Parameters
    ----------
    mu, log_var : ndarray of shape (n_samples, latent_dim)
    prior_mu_rows : ndarray of shape (n_samples, latent_dim)

    Returns
    -------
    value : float
    dmu : ndarray of shape (n_samples, latent_dim)
        (mu − m_y) / n.
    dlog_var : ndarray of shape (n_samples, latent_dim)
        :math:`\frac12 (\exp(s) - 1) / n` inside the bounds, 0 outside.
    dprior_mu_rows : ndarray of shape (n_samples, latent_dim)
        −(mu − m_y) / n.
    """
    n = mu.shape[0]
    s, inside = clip_log_var(log_var)
    var = np.exp(s)
    diff = mu - prior_mu_rows  # (n, k)
    value = 0.5 * float(np.sum(var + diff * diff - 1.0 - s)) / n
    dmu = diff / n
    dlog_var = _mask(0.5 * (var - 1.0) / n, inside)
    return value, dmu, dlog_var, -dmu


def log_normal_rows(z, mu, log_var=None):
    r""":math:`\log \mathcal N(z; \mu, \operatorname{diag} \exp(s))` summed over coordinates, one
    value per row.

    ``log_var=None`` means unit variance.  Broadcasting as numpy; the sum is
    over the last axis:  (..., k) -> (...)
    """
    diff = z - mu
    if log_var is None:
        return -0.5 * np.sum(LOG_2PI + diff * diff, axis=-1)
    s, _ = clip_log_var(log_var)
    return -0.5 * np.sum(LOG_2PI + s + diff * diff * np.exp(-s), axis=-1)
