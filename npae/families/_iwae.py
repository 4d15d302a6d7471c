r"""The importance-weighted autoencoder bound (IWAE) as a training objective.

Reference: Burda, Grosse & Salakhutdinov, *Importance Weighted Autoencoders*,
ICLR 2016, eq. (8) and §3 (the gradient through the normalised weights).

Objective (minimised; mean over the n rows of a batch, K draws per row):

.. math:: L_K = -\frac1n \sum_i \log \frac1K \sum_s w_{is}, \qquad
          \log w_{is} = \log p_\phi(x_i \mid z_{is}) + \log p(z_{is}) - \log q_\theta(z_{is} \mid x_i),

          z_{is} = \mu_i + \exp(\tfrac12 s_i) \odot \varepsilon_{is}, \qquad
          \varepsilon_{is} \sim \mathcal N(0, I), \qquad p(z) = \mathcal N(0, I).

K = 1 is the ELBO with a Monte-Carlo KL; :math:`L_K` decreases with K towards
:math:`-\log p(x)` (Burda et al., Theorem 1).

Gradient (by hand).  With the normalised weights
:math:`\tilde w_{is} = w_{is} / \sum_{s'} w_{is'}`,
:math:`\partial L_K/\partial \log w_{is} = -\tilde w_{is} / n`, and, ε held fixed,

- :math:`\log p_\phi(x|z)`: through the decoder at :math:`z_{is}`, then into z;
- :math:`\log p(z) = -\frac12 \sum_j (z_j^2 + \log 2\pi)`: :math:`\partial/\partial z = -z`;
- :math:`\log q_\theta(z|x)` at :math:`z = \mu + \exp(\frac12 s) \odot \varepsilon` equals
  :math:`-\frac12 \sum_j (\log 2\pi + s_j + \varepsilon_j^2)`:
  it does not depend on μ, and :math:`\partial/\partial s_j = -\frac12`;
- z into (μ, s): :math:`\partial z/\partial\mu = 1`,
  :math:`\partial z/\partial s = \frac12 \exp(\frac12 s) \odot \varepsilon`.

Symbols as in :mod:`npae.families.variational` (μ = ``mu``, s = ``log_var``, ε, z).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from ..nn.activations import SIGMOID
from ..nn.losses import LOG_2PI
from ..nn.network import accumulate
from ..terms.gaussian import clip_log_var

__all__ = ["iwae_loss", "log_px_and_grads"]


def log_px_and_grads(model, params, out, X):
    """log p_φ(x|z) per row, its gradient w.r.t. the decoder output, and the per-element
    gradient w.r.t. the decoder's log variance parameter (None unless learned).

    Returns
    -------
    log_px : ndarray (m,)
    dout : ndarray (m, d)
    dv : ndarray (m, d) or None
    """
    if model.likelihood == "bernoulli":
        # log p = Σ_j [x_j a_j − softplus(a_j)],  ∂/∂a = x − σ(a)
        log_px = np.sum(X * out - np.logaddexp(0.0, out), axis=1)
        return log_px, X - SIGMOID.forward(out), None
    t, dt = model._decoder_log_var(params)
    diff = X - out
    inv = np.exp(-t)
    sq = diff * diff * inv
    log_px = -0.5 * np.sum(LOG_2PI + t + sq, axis=1)
    if not model._learned_decoder_var():
        return log_px, diff * inv, None
    dv = -0.5 * (1.0 - sq)  # ∂ log p / ∂t, per element
    return log_px, diff * inv, dv if dt is None else dv * dt


def iwae_loss(model, params, X, rng, ops, grads, n_draws):
    """L_K on a batch (value) with its gradient added into ``grads``.

    ``model`` is a :class:`npae.VariationalAutoencoder`; the K·n draws of ε
    come from ``rng`` (one (K, n, k) array), so a fixed seed holds them fixed.
    """
    K = int(n_draws)
    mu, log_var, enc_cache = model._encoder_forward(params, X, ops)
    s, inside = clip_log_var(log_var)
    n, k = mu.shape
    eps = rng.standard_normal((K, n, k)).astype(mu.dtype, copy=False)  # (K, n, k)
    std = np.exp(0.5 * s)
    Z = mu + std * eps  # (K, n, k)
    out, dec_cache = model.decoder_.forward(params, Z.reshape(K * n, k), ops)  # (Kn, k) -> (Kn, d)
    Xr = np.broadcast_to(X, (K, *X.shape)).reshape(K * n, X.shape[1])
    log_px, dout, dv = log_px_and_grads(model, params, out, Xr)
    log_pz = -0.5 * np.sum(Z * Z + LOG_2PI, axis=2)  # (K, n)
    log_qz = -0.5 * np.sum(LOG_2PI + s + eps * eps, axis=2)  # (K, n)
    logw = log_px.reshape(K, n) + log_pz - log_qz  # (K, n)
    lse = logsumexp(logw, axis=0)  # (n,)
    value = -float(np.mean(lse - np.log(K)))
    c = -np.exp(logw - lse) / n  # ∂L/∂log w = −w̃ / n, (K, n)
    cr = c.reshape(K * n, 1)
    dZ = model.decoder_.backward(params, dec_cache, cr * dout, grads, ops).reshape(K, n, k)
    if dv is not None:
        accumulate(grads, "decoder.log_var", np.sum(cr * dv, axis=0))
    dZ = dZ + c[..., None] * (-Z)  # through log p(z)
    dmu = dZ.sum(axis=0)  # (n, k)
    # through z (the ε path) and through −log q (∂/∂s = +½ per coordinate)
    ds = np.sum(dZ * eps, axis=0) * (0.5 * std) + 0.5 * c.sum(axis=0)[:, None]
    if inside is not None:
        ds = ds * inside
    model._encoder_backward(params, enc_cache, dmu, ds, grads, ops)
    return value
