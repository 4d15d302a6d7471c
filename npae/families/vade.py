r"""Variational deep embedding (VaDE): a VAE whose prior is a learned Gaussian mixture.

Reference: Z. Jiang, Y. Zheng, H. Tan, B. Tang, H. Zhou, *Variational Deep
Embedding: An Unsupervised and Generative Approach to Clustering*, IJCAI 2017
(arXiv:1611.05148), §3 (eqs. 1–17).

Objective (minimised; mean over the n observations of a batch):

.. math:: L = \frac1n \sum_i \Big[-\log p_\phi(x^{(i)} \mid z^{(i)})
          + \beta\, \mathrm{KL}\big(q(z, c \mid x^{(i)}) \,\|\, p(z, c)\big)\Big] + \Omega_{wd},

          p(c) = \pi_c, \qquad p(z \mid c) = \mathcal N(m_c, \operatorname{diag} e^{v_c}), \qquad
          q(z, c \mid x) = q_\theta(z|x)\, r_c(x),

          \mathrm{KL} &= \sum_c r_c \Big[\tfrac12 \sum_j \big(v_{cj} + (e^{s_j} + (\mu_j - m_{cj})^2)
          e^{-v_{cj}}\big) + \log\frac{r_c}{\pi_c}\Big] - \tfrac12 \sum_j (1 + s_j) \\
          &= -\tfrac12 \sum_j (1 + s_j) - \log \sum_c \exp(e_c), \qquad
          e_c = \log \pi_c - \tfrac12 \sum_j \big(v_{cj} + (e^{s_j} + (\mu_j - m_{cj})^2) e^{-v_{cj}}\big)

(the two log 2π of the Gaussians cancel), with :math:`r = \operatorname{softmax}(e)` the
responsibilities.  That r is the exact maximiser of the ELBO over q(c|x) for
the current q_θ(z|x); VaDE's eq. 16 approximates the same q(c|x) by p(c|z)
at one draw of z.  At the maximiser the gradient through r vanishes
(envelope theorem), so the KL is the closed-form log-sum-exp above: no
sampling noise in the regulariser, and hand-written gradients as short as
the VAE's.

Symbols: as :mod:`npae.families.variational` (μ = ``mu``, :math:`s = \log\sigma^2` =
``log_var``, ε, z, β) plus c the cluster, π = softmax(``"prior.logits"``) (C,) the mixture
weights, :math:`m_c` = ``"prior.means"`` (C, k), :math:`v_c` = ``"prior.log_var"`` (C, k)
the log variances of the components, :math:`r_c(x)` the responsibilities
(``predict_proba``; the paper's :math:`\gamma_c`, renamed because npae's γ is a
reconstruction weight).

Relation to the CL-VAE (:mod:`npae.families.clvae`): without labels the
CL-VAE's prior is the same kind of mixture, :math:`\sum_y \pi_y \mathcal N(m_y, I)`, but its means
are fixed (or placed) by the classes and each training row is pulled to the
component of its *label*; VaDE learns π, m_c and the variances, and each row
is pulled to every component in proportion to :math:`r_c(x)` — the CL-VAE with the
labels replaced by the model's own soft guesses.

Initialisation (the paper's §4.1): a deterministic autoencoder of the same
architecture (linear code of size ``latent_dim``) is trained for
``pretrain_epochs``; its code layer becomes the mean head, the log-variance
head starts at the components' average log variance, and a diagonal
Gaussian mixture fitted by EM to the codes gives π, m_c and v_c.  (A VAE
pretrained with the N(0, I) prior was tried first: its overlapping codes let
the learned weights π collapse onto one component.)  This runs inside
``fit`` and ``initialize``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from .._validation import check_rng
from ..estimator.hyperparams import Interval, Param
from ..classical.mixture import gaussian_mixture
from ..nn.network import accumulate
from ..estimator.registry import register
from ..terms.gaussian import log_normal_rows
from .autoencoder import Autoencoder
from .variational import VariationalAutoencoder

__all__ = ["VariationalDeepEmbedding", "mixture_kl"]


def _log_weights(logits):
    return logits - logsumexp(logits)


def mixture_kl(mu, s, logits, means, log_var_c):
    r"""Per-row :math:`\mathrm{KL}(q(z, c|x) \,\|\, p(z, c))` at the optimal r, its r and gradients.

    Parameters
    ----------
    mu, s : ndarray of shape (n, k)
        The encoder's mean and (clipped) log variance.
    logits, means, log_var_c : ndarray of shapes (C,), (C, k), (C, k)

    Returns
    -------
    kl : (n,)
    resp : (n, C)
    dmu, ds : (n, k)   d kl_i / d mu_i, d kl_i / d s_i
    dlogits, dmeans, dlog_var_c : (n, C), (n, C, k), (n, C, k)   per-row gradients
    """
    prec = np.exp(-log_var_c)  # (C, k)
    var = np.exp(s)  # (n, k)
    diff = mu[:, None, :] - means[None, :, :]  # (n, 1, k) - (1, C, k) -> (n, C, k)
    quad = (var[:, None, :] + diff * diff) * prec  # (n, C, k)
    e = _log_weights(logits) - 0.5 * np.sum(log_var_c + quad, axis=2)  # (n, C)
    lse = logsumexp(e, axis=1)  # (n,)
    resp = np.exp(e - lse[:, None])
    kl = -0.5 * np.sum(1.0 + s, axis=1) - lse
    g = resp[:, :, None]  # (n, C, 1)
    dmu = np.sum(g * diff * prec, axis=1)  # (n, k)
    ds = -0.5 + 0.5 * var * np.sum(g * prec, axis=1)  # (n, k)
    dmeans = -g * diff * prec  # (n, C, k)
    dlog_var_c = 0.5 * g * (1.0 - quad)  # (n, C, k)
    dlogits = np.exp(_log_weights(logits))[None, :] - resp  # (n, C): π − r
    return kl, resp, dmu, ds, dlogits, dmeans, dlog_var_c


@register("vade")
class VariationalDeepEmbedding(VariationalAutoencoder):
    """VaDE (Jiang et al. 2017): clustering with a learned Gaussian-mixture prior.

    Parameters
    ----------
    n_components : int, default=10
        C, the number of mixture components.
    latent_dim, hidden, activation, likelihood, decoder_var, sigma, beta, warmup_epochs
        As in :class:`npae.VariationalAutoencoder`.  Defaults follow the
        paper on MNIST: d–500–500–2000–10, ReLU.
    pretrain_epochs : int, default=10
        Epochs of the autoencoder that initialises the model (0: the mixture
        is fitted to the codes of the untrained encoder).

    Attributes
    ----------
    params_ : dict
        The VAE's, plus ``"prior.logits"`` (C,), ``"prior.means"`` (C, k),
        ``"prior.log_var"`` (C, k).
    weights_, means_, variances_ : ndarray
        π, m_c and exp(v_c) of the learned prior.
    labels_ : ndarray of shape (n_samples,)
        The most responsible cluster of each training row.
    init_labels_ : ndarray of shape (n_samples,)
        The clusters of the initial mixture (EM on the pretrained codes).

    Notes
    -----
    Training settings: they drive the pretraining too.
    """

    _examples = ({"latent_dim": 2, "hidden": (5,), "n_components": 3, "pretrain_epochs": 1,
                  "activation": "tanh"},
                 {"latent_dim": 3, "hidden": (4,), "n_components": 2, "pretrain_epochs": 0,
                  "activation": "tanh", "likelihood": "gaussian", "beta": 0.5})
    _renamed = {"n_clusters": "n_components"}
    _parameters = {
        "n_components": Param(10, Interval("int", 1, None)),
        "latent_dim": Param(10),
        "hidden": Param((500, 500, 2000)),
        "activation": Param("relu"),
        "pretrain_epochs": Param(10, Interval("int", 0, None)),
    }
    _state = ("labels_", "init_labels_")

    # ---------------------------------------------------------------- build
    def _build(self, n_features, y=None):
        shapes = super()._build(n_features, y)
        C, k = int(self.n_components), int(self.latent_dim)
        return {**shapes, "prior.logits": (C,), "prior.means": (C, k), "prior.log_var": (C, k)}

    def _init_params(self, rng):
        C, k = int(self.n_components), int(self.latent_dim)
        return {**super()._init_params(rng), "prior.logits": np.zeros(C, self._dtype),
                "prior.means": np.zeros((C, k), self._dtype),
                "prior.log_var": np.zeros((C, k), self._dtype)}

    def _prepare_fit(self, X, y):
        """Pretrain a VAE with the N(0, I) prior; EM on its codes gives the mixture."""
        if self.n_components > X.shape[0]:
            raise ValueError(f"n_components={self.n_components} exceeds the number of training "
                             f"samples {X.shape[0]}; lower n_components")
        seed = int(check_rng(self.random_state).integers(2**31 - 1))
        if self.pretrain_epochs:
            self._pretrain(X, seed)
        gmm = gaussian_mixture(self._encode(self.params_, X), int(self.n_components), rng=seed,
                               covariance_type="diag", reg_covar=1e-3)
        self.params_["prior.logits"][...] = np.log(gmm.weights)
        self.params_["prior.means"][...] = gmm.means
        self.params_["prior.log_var"][...] = np.log(gmm.covariances)
        if self.pretrain_epochs:  # posteriors start as wide as the average component
            self.params_["log_var.0.W"][...] = 0.0
            self.params_["log_var.0.b"][...] = np.mean(np.log(gmm.covariances), axis=0)
        self.init_labels_ = gmm.labels
        self._X_train = X
        self.labels_ = self.predict(X)

    def _prepare_warm(self, X, y, previous):  # continue the fitted model, no new pretraining
        self._carry(previous, "pretrain_history_", "init_labels_")
        self._X_train, self.labels_ = X, self.predict(X)

    def _continue_fit(self, X, y):
        self._X_train = X  # a later partial_fit: this chunk, as _prepare_fit's data

    def _pretrain(self, X, seed):
        """A deterministic autoencoder d → hidden → latent_dim (linear code) → mirror, as the
        paper; its code layer becomes the mean head mu, the rest maps name for name."""
        trunk = self._hidden_sizes()
        names = ("activation", "weight_decay", "init", "optimizer", "learning_rate",
                 "batch_size", "dtype")
        ae = Autoencoder(hidden=(*trunk,), latent_dim=int(self.latent_dim), code_activation="identity",
                         loss="bce" if self.likelihood == "bernoulli" else "mse",
                         epochs=int(self.pretrain_epochs), random_state=seed,
                         **{k: getattr(self, k) for k in names}).fit(X)
        code = len(trunk)
        rename = {f"encoder.{code}.W": "mu.0.W", f"encoder.{code}.b": "mu.0.b"}
        self._flat.assign({**self.params_, **{rename.get(k, k): v for k, v in ae.params_.items()}})
        self.pretrain_history_ = ae.history_

    def _after_fit(self):
        super()._after_fit()
        self.labels_ = self.predict(self._X_train)
        del self._X_train

    # ------------------------------------------------------- the prior hooks
    def _prior(self, params):
        return params["prior.logits"], params["prior.means"], params["prior.log_var"]

    def _kl_term(self, params, mu, log_var, y, ops, grads, weight):
        """weight · mean KL(q(z, c|x) ‖ p(z, c)); adds the prior's gradients into grads."""
        n = mu.shape[0]
        kl, _, dmu, ds, dlogits, dmeans, dlog_var_c = mixture_kl(mu, log_var, *self._prior(params))
        w = weight / n
        accumulate(grads, "prior.logits", w * ops.sum_over_samples(dlogits))  # (C,)
        accumulate(grads, "prior.means", w * ops.sum_over_samples(dmeans))  # (C, k)
        accumulate(grads, "prior.log_var", w * ops.sum_over_samples(dlog_var_c))  # (C, k)
        return weight * float(np.sum(ops.sum_over_samples(kl[:, None]))) / n, w * dmu, w * ds

    def _kl_rows(self, mu, log_var, y):
        return mixture_kl(mu, log_var, *self._prior(self.params_))[0]

    def _log_prior_rows(self, Z, y):
        """log Σ_c π_c N(z; m_c, diag e^{v_c}).  (..., k) -> (...)"""
        logits, M, V = self._prior(self.params_)
        return logsumexp(log_normal_rows(Z[..., None, :], M, V) + _log_weights(logits), axis=-1)

    def _sample_prior(self, n, rng, y=None):
        """c ~ π, then z ~ N(m_c, diag e^{v_c})."""
        logits, M, V = self._prior(self.params_)
        c = rng.choice(M.shape[0], size=n, p=np.exp(_log_weights(logits)))
        z = M[c] + np.exp(0.5 * V[c]) * rng.standard_normal((n, M.shape[1]))
        return z.astype(self._dtype, copy=False)

    # ------------------------------------------------------------ inference
    @property
    def weights_(self):
        self._check_fitted()
        return np.exp(_log_weights(self.params_["prior.logits"]))

    @property
    def means_(self):
        self._check_fitted()
        return self.params_["prior.means"].copy()

    @property
    def variances_(self):
        self._check_fitted()
        return np.exp(self.params_["prior.log_var"])

    def predict_proba(self, X):
        r"""Responsibilities :math:`r_c(x) = q(c|x)` under :math:`q_\theta(z|x)`.  (n, d) -> (n, n_components)"""
        self._check_fitted()
        mu, s = self._posterior(self._validate_X(X))
        return mixture_kl(mu, s, *self._prior(self.params_))[1]

    def predict(self, X):
        """The most responsible cluster of each row.  (n, d) -> (n,) int64"""
        return np.argmax(self.predict_proba(X), axis=1).astype(np.int64)
