r"""The deep autoencoding Gaussian mixture model (DAGMM), trained end to end with hand-written gradients.

Reference: B. Zong, Q. Song, M. R. Min, W. Cheng, C. Lumezanu, D. Cho, H. Chen,
*Deep Autoencoding Gaussian Mixture Model for Unsupervised Anomaly Detection*,
ICLR 2018, eq. 1-7; Caron's review §4 (autoencoders with density estimation).

Objective (mean over the n observations of a batch), with the reconstruction features
:math:`z_r` (relative Euclidean distance, cosine similarity) and (φ, μ, Σ) and E computed
from γ as in :mod:`npae.terms.gmm_energy`:

.. math:: L = \frac1n \sum_i \tfrac12 \lVert x^{(i)} - \hat x^{(i)} \rVert^2
          + \lambda_1 \frac1n \sum_i E(z^{(i)}) + \lambda_2 \sum_k \sum_j \frac1{\Sigma_{k,jj}}
          + \Omega_{wd},

          z = [z_c, z_r], \qquad z_c = q_\theta(x), \qquad \hat x = p_\phi(z_c), \qquad
          \gamma = \operatorname{softmax}(\mathrm{MLN}(z)),

          z_r = \Big[\frac{\lVert x - \hat x \rVert}{\lVert x \rVert},
          \frac{\langle x, \hat x \rangle}{\lVert x \rVert \lVert \hat x \rVert}\Big]

Symbols: :math:`z_c` the code of the compression network (encoder q_θ, decoder p_φ), :math:`z_r`
the two reconstruction features, MLN the estimation network (an MLP with a softmax
output over K = ``n_components`` components), γ (n, K) the soft memberships, φ, μ, Σ the
mixture's weights, means and covariances estimated from the batch, E the sample
energy, :math:`\lambda_1` = ``lambda_energy``, :math:`\lambda_2` = ``lambda_cov`` (the paper's
0.1 and 0.005).
Norms get 1e-12 under the square root (the same value in the backward pass).
After training, φ, μ, Σ are re-estimated on all training rows (``phi_``, ``means_``,
``covariances_``); the anomaly score of a row is its energy (``energy``;
``score_samples`` is minus it).
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax

from .._validation import check_output
from ..estimator.hyperparams import Interval, LayerSizes, Options, Param
from ..nn import ACTIVATIONS, MLP, get_ops
from ..estimator.registry import register
from ..terms.gmm_energy import energy, energy_terms, gmm_parameters
from .autoencoder import Autoencoder

__all__ = ["DeepAutoencodingGMM"]

_TINY = 1e-12


def _norm(A):
    return np.sqrt(np.sum(A * A, axis=1) + _TINY)


def reconstruction_features(X, X_hat):
    """z_r = [relative Euclidean distance, cosine similarity] (n, 2), and the backward cache."""
    D = X - X_hat
    nx, nd, nh = _norm(X), _norm(D), _norm(X_hat)
    dot = np.sum(X * X_hat, axis=1)
    Zr = np.stack([nd / nx, dot / (nx * nh)], axis=1)
    return Zr, (X, X_hat, D, nx, nd, nh, Zr[:, 1])


def reconstruction_features_backward(dZr, cache):
    """d loss / d x̂ from d loss / d z_r (x is data: no gradient)."""
    X, X_hat, D, nx, nd, nh, cos = cache
    d_rel = -D / (nd * nx)[:, None]  # d (‖x − x̂‖/‖x‖) / d x̂
    d_cos = X / (nx * nh)[:, None] - cos[:, None] * X_hat / (nh * nh)[:, None]
    return dZr[:, :1] * d_rel + dZr[:, 1:] * d_cos


@register("dagmm")
class DeepAutoencodingGMM(Autoencoder):
    """DAGMM (Zong et al. 2018): compression network + estimation network, one objective.

    Parameters
    ----------
    hidden, latent_dim, decoder_hidden, activation, code_activation, tied
        The compression network, as in :class:`npae.Autoencoder` (tanh units, a
        linear code; the paper's codes are 1- or 2-dimensional).
    loss : {"mse"}
        Squared error only (the reconstruction features assume x̂ in the data space).
    estimation_hidden : tuple of int, default (10,)
        Hidden layers of the estimation network (tanh).
    n_components : int, default 4
        K, the mixture's components.
    lambda_energy : float, default 0.1
    lambda_cov : float, default 0.005

    Attributes
    ----------
    params_ : dict
        ``encoder.*``, ``decoder.*`` and ``estimation.*``.
    phi_, means_, covariances_ : the mixture on all training rows, (K,), (K, k+2), (K, k+2, k+2)

    Notes
    -----
    Training settings: Batches need more rows than components (the
    mixture is estimated from each batch).
    """

    _examples = ({"hidden": (5,), "latent_dim": 2, "n_components": 2, "estimation_hidden": (4,)},
                 {"latent_dim": 4, "n_components": 3, "lambda_energy": 0.5, "lambda_cov": 0.1})
    _renamed = {"n_gmm": "n_components"}
    _parameters = {
        "hidden": Param((32,)),
        "latent_dim": Param(2),
        "activation": Param("tanh"),
        "code_activation": Param("identity"),
        "loss": Param("mse", Options("mse")),
        "estimation_hidden": Param((10,), LayerSizes(allow_empty=True)),
        "estimation_activation": Param("tanh", Options(*ACTIVATIONS)),
        "n_components": Param(4, Interval("int", 1, None)),
        "lambda_energy": Param(0.1, Interval("real", 0, None)),
        "lambda_cov": Param(0.005, Interval("real", 0, None)),
    }
    _state = ("phi_", "means_", "covariances_")

    def _build(self, n_features, y=None):
        shapes = super()._build(n_features, y)
        sizes = (self.encoder_.n_out + 2, *tuple(self.estimation_hidden), int(self.n_components))
        acts = [self.estimation_activation] * len(tuple(self.estimation_hidden)) + ["identity"]
        self.estimation_ = MLP.build("estimation", sizes, acts)
        return {**shapes, **self.estimation_.param_shapes()}

    def _init_params(self, rng):
        return {**super()._init_params(rng),
                **self.estimation_.init_params(rng, self._dtype, self.init)}

    def _forward(self, params, X, ops):
        """Everything the loss and the scores need: codes, reconstructions, z, memberships."""
        Zc, enc_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, k)
        X_hat, dec_cache = self.decoder_.forward(params, Zc, ops)  # (n, k) -> (n, d)
        Zr, zr_cache = reconstruction_features(X, X_hat)  # (n, 2)
        Z = np.concatenate([Zc, Zr], axis=1)  # (n, k + 2)
        logits, est_cache = self.estimation_.forward(params, Z, ops)  # (n, k + 2) -> (n, K)
        gamma = softmax(logits, axis=1)
        return Z, gamma, X_hat, (enc_cache, dec_cache, zr_cache, est_cache)

    def _loss(self, params, X, y, rng, ops, grads):
        Z, gamma, X_hat, (enc_cache, dec_cache, zr_cache, est_cache) = self._forward(params, X, ops)
        rec, dX_hat = self._reconstruction_loss(X_hat, X)
        terms, dZ, dgamma = energy_terms(Z, gamma, self.lambda_energy, self.lambda_cov, ops)
        dlogits = gamma * (dgamma - np.sum(gamma * dgamma, axis=1, keepdims=True))  # softmax
        dZ = dZ + self.estimation_.backward(params, est_cache, dlogits, grads, ops)
        k = self.encoder_.n_out
        dX_hat = dX_hat + reconstruction_features_backward(dZ[:, k:], zr_cache)
        dZc = dZ[:, :k] + self.decoder_.backward(params, dec_cache, dX_hat, grads, ops)
        self.encoder_.backward(params, enc_cache, dZc, grads, ops, need_dX=False)
        return {"reconstruction": rec, **terms}

    def _after_fit(self):
        self._fit_mixture(self._X_fit)
        del self._X_fit

    def _prepare_fit(self, X, y):
        self._X_fit = X
        self._fit_mixture(X)

    def _continue_fit(self, X, y):
        self._X_fit = X  # a later partial_fit: this chunk, as _prepare_fit's data

    def _fit_mixture(self, X):
        Z, gamma, _, _ = self._forward(self.params_, X, get_ops(True))
        self.phi_, self.means_, self.covariances_, _ = gmm_parameters(gamma, Z, get_ops(True))

    def energy(self, X):
        """Sample energy of each row under the training mixture (higher = more abnormal).  (n,)"""
        self._check_fitted()
        X = self._validate_X(X, targets=False)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            Z = self._forward(self.params_, X, get_ops(True))[0]
            E = energy(Z.astype(np.float64), self.phi_, self.means_, self.covariances_)
        return check_output(self._dtype, E, "sample energy", X)

    def score_samples(self, X):
        """Normality score (higher = more normal): minus the sample energy."""
        return -self.energy(X)

    #: score_samples is a one-class score: npae.OutlierDetector uses it by default
    _one_class_score = True
