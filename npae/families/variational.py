r"""The variational autoencoder (VAE) and the β-VAE.

References: Kingma & Welling, *Auto-Encoding Variational Bayes* (2013);
Caron, *Literature review – Autoencoders* (2020), §2.6; the encyclopedia
article *Autoencoder*, "Variational autoencoder"; Higgins et al. (2017) for
the weight β; Bowman et al. (2016) for the KL warm-up; Burda, Grosse &
Salakhutdinov (2016) for the importance-weighted estimate of log p(x).

Objective (minimised; mean over the n observations of a batch; the KL in closed form):

.. math:: L(\theta, \phi) = \frac1n \sum_i \Big[-\log p_\phi(x^{(i)} \mid z^{(i)})
          + \beta\, \mathrm{KL}\big(q_\theta(z|x^{(i)}) \,\|\, \mathcal N(0, I)\big)\Big] + \Omega_{wd},

          z^{(i)} = \mu(x^{(i)}) + \exp\big(\tfrac12 \log\sigma^2(x^{(i)})\big) \odot \varepsilon^{(i)},
          \qquad \varepsilon^{(i)} \sim \mathcal N(0, I),

          \mathrm{KL} = \tfrac12 \sum_j \big[\mu_j^2 + \exp(\log\sigma^2_j) - 1 - \log\sigma^2_j\big]

With β = 1 the bracket is minus the evidence lower bound (ELBO) of one
observation, estimated with one draw of ε:
:math:`\log p(x) \ge \mathbb E_q[\log p_\phi(x|z)] - \mathrm{KL}(q_\theta(z|x) \,\|\, p(z))`.

Symbols (the review's notation):

============================================  =========================================================
:math:`x`                                     an input row (n_features,)
:math:`q_\theta(z|x)`                         the encoder: :math:`\mathcal N(\mu, \operatorname{diag}
                                              \exp(\log\sigma^2))`; θ its weights
:math:`\mu, \log\sigma^2` (``mu, log_var``)   the encoder's two linear heads (latent_dim,) each;
                                              ``log_var`` is always the log of the *variance*
:math:`\varepsilon, z`                        standard normal draw, the code
                                              :math:`z = \mu + \exp(\frac12 \log\sigma^2) \odot \varepsilon`
:math:`p_\phi(x|z)`                           the decoder: Bernoulli(sigmoid(logits)) or
                                              :math:`\mathcal N(\text{mean}, \operatorname{diag} \sigma^2)`
                                              with σ² fixed or learned per feature
:math:`p(z)`                                  the prior :math:`\mathcal N(0, I)`
β                                             weight of the KL (``beta``; β-VAE when ≠ 1)
============================================  =========================================================

Kingma & Welling swap the letters: their encoder is :math:`q_\phi(z|x)` and their
decoder :math:`p_\theta(x|z)`.  npae follows the review (encoder q_θ, decoder p_φ).

The exp of ``log_var`` (encoder) and of the decoder's learned log variance is
evaluated at ``clip(log_var, −30, 20)``; see :mod:`npae.terms.gaussian`
for why, and for the (exact, zero outside the bounds) gradient.  Clipping
raises a ``RuntimeWarning``; it never happens silently.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_layer_sizes
from ..estimator.hyperparams import Boolean, Interval, LayerSizes, Options, Param
from ..nn import ACTIVATIONS, get_ops
from ..nn.activations import SIGMOID
from ..nn.network import accumulate
from ..terms.gaussian import (LOG_VAR_BOUNDS, clip_log_var, kl_standard_normal,
                        kl_standard_normal_rows, log_normal_rows, reparameterize,
                        reparameterize_backward)
from ..estimator.registry import register
from ._iwae import iwae_loss
from ._ood_scores import OODScoresMixin
from ._vae_bounds import SCORE_N_SAMPLES, SCORE_SEED, VAEBoundsMixin  # noqa: F401
from ._vae_networks import VAENetworksMixin
from ..estimator.base import BaseAutoencoder

__all__ = ["VariationalAutoencoder", "kl_standard_normal", "LOG_VAR_BOUNDS"]



@register("vae")
class VariationalAutoencoder(OODScoresMixin, VAEBoundsMixin, VAENetworksMixin, BaseAutoencoder):
    r"""Variational autoencoder (Kingma & Welling 2013), with a β weight and KL warm-up.

    Parameters
    ----------
    latent_dim : int, default=2
        Size k of the code z.
    hidden : int or tuple of int, default=(256,)
        Hidden layer sizes of the encoder trunk (before the mu and log_var
        heads); the decoder mirrors them: d → hidden → (mu, log_var) and
        k → reversed(hidden) → d.  ``()`` gives linear heads on x and a linear
        decoder (with a Gaussian likelihood, probabilistic PCA's model).
        Kingma & Welling used one layer of 500 tanh units on MNIST.
    activation : str, default="tanh"
        Hidden units of both networks.
    likelihood : {"bernoulli", "gaussian", "student_t"}, default="bernoulli"
        p_φ(x|z).  "bernoulli": the decoder outputs logits, the mean is their
        sigmoid, and X must lie in [0, 1] (grey levels are read as
        probabilities, as Kingma & Welling do with MNIST).  "gaussian": the
        decoder outputs the mean (linear output units).
    decoder_var : {"fixed", "learned"}, default="fixed"
        Gaussian likelihood only: variance σ² fixed, or learned per feature:
        :math:`\sigma^2_j` = ``decoder_min_var`` + :math:`\exp(v_j)`, v the parameter
        ``"decoder.log_var"`` (initialised so that :math:`\sigma^2_j = \sigma^2` at the start).
    student_df : float, default=5.0
        likelihood="student_t" (Takahashi et al. 2018; :mod:`npae.terms.student_t`):
        the initial degrees of freedom ν of every feature; ν and the scale
        (σ², from ``sigma``, floored by ``decoder_min_var``) are then learned
        per feature as ``"decoder.log_df"`` and ``"decoder.log_var"``.
    decoder_min_var : float, default=1e-3
        ξ, the floor of a learned decoder variance.  Without it (ξ = 0) the
        variance of a feature that is constant in the data (a blank MNIST
        border pixel) shrinks without limit and the likelihood grows without
        limit — the degeneracy Mattei & Frellsen (2018) analyse; they bound
        the variances below by ξ > 0, which makes the likelihood bounded (by
        :math:`\frac12 \log(1/(2\pi\xi))` nats per feature: 2.5 nats at ξ = 1e-3).  Must be
        below σ² when the variance is learned.
    sigma : float, default=1.0
        Gaussian likelihood: the standard deviation σ (fixed) or its initial
        value (learned).  Ignored for "bernoulli".
    beta : float, default=1.0
        Weight β ≥ 0 of the KL term (β-VAE, Higgins et al. 2017).  ``elbo``,
        ``log_likelihood`` and ``score_samples`` always use the true bound
        (β = 1), whatever the training weight.
    iwae_samples : int, default=1
        K.  1: the ELBO above (closed-form KL).  K > 1: train on the
        importance-weighted bound of Burda et al. (2016) with K draws per row
        (:mod:`npae.families._iwae`; β and warm-up do not apply, and
        ``history_`` records the term "iwae").
    binarize : bool, default=False
        Bernoulli likelihood only: dynamic binarisation — every minibatch is
        replaced by a fresh draw x_b ~ Bernoulli(x) from the loss's random
        generator (the protocol behind the published binarised-MNIST
        log-likelihoods, e.g. Burda et al. 2016).  Evaluate on data
        binarised once, with a fixed seed.
    warmup_epochs : int, default=0
        Linear KL warm-up (Bowman et al. 2016): in epoch e (0-based) the KL
        weight is :math:`\beta \min(1, e / e_{warm})` (:math:`e_{warm}` = ``warmup_epochs``), i.e. 0 in the first epoch
        and the full β from epoch ``warmup_epochs`` on; recorded per epoch in
        ``history_["beta"]``.  0 disables it.  Not applied with
        ``optimizer="lbfgs"`` (one deterministic objective).

    Attributes
    ----------
    params_ : dict name -> ndarray
        ``"encoder.l.W/b"`` (trunk), ``"mu.0.W/b"`` and ``"log_var.0.W/b"``
        (the heads), ``"decoder.l.W/b"`` and, with a learned Gaussian
        variance, ``"decoder.log_var"`` of shape (n_features,).
    history_ : dict of lists
        Per-epoch "loss", "reconstruction" (:math:`-\log p_\phi(x|z)`, one ε draw),
        "kl" (β KL as it enters the loss), "beta", "val_loss", "time".
    encoder_ : npae.nn.MLP or None
        The trunk (None when ``hidden=()``).
    mu_head_, log_var_head_, decoder_ : npae.nn.MLP

    Examples
    --------
    >>> from npae import VariationalAutoencoder, load_mnist
    >>> X, y = load_mnist(n=500)
    >>> vae = VariationalAutoencoder(latent_dim=2, hidden=(64,), epochs=2).fit(X)
    >>> vae.transform(X).shape, vae.sample(4, rng=0).shape
    ((500, 2), (4, 784))
    """

    _examples = ({"latent_dim": 2, "hidden": (5,)},
                 {"latent_dim": 3, "hidden": (), "likelihood": "gaussian", "decoder_var": "learned"},
                 {"latent_dim": 2, "hidden": (5, 4), "likelihood": "gaussian", "beta": 0.5},
                 {"latent_dim": 2, "hidden": (4,), "likelihood": "student_t"},
                 {"latent_dim": 2, "hidden": (4,), "iwae_samples": 3, "binarize": True})
    _parameters = {
        "latent_dim": Param(2, Interval("int", 1, None)),
        "hidden": Param((256,), LayerSizes(allow_empty=True)),
        "activation": Param("tanh", Options(*ACTIVATIONS)),
        "likelihood": Param("bernoulli", Options("bernoulli", "gaussian", "student_t")),
        "student_df": Param(5.0, Interval("real", 0, None, closed="neither")),
        "decoder_var": Param("fixed", Options("fixed", "learned")),
        "sigma": Param(1.0, Interval("real", 0, None, closed="neither")),
        "decoder_min_var": Param(1e-3, Interval("real", 0, None)),
        "beta": Param(1.0, Interval("real", 0, None)),
        "warmup_epochs": Param(0, Interval("int", 0, None)),
        "iwae_samples": Param(1, Interval("int", 1, None)),
        "binarize": Param(False, Boolean()),
    }

    # ----------------------------------------------------------- validation
    def _hidden_sizes(self):
        return check_layer_sizes(self.hidden, "hidden", allow_empty=True)

    _bernoulli_setting = ("likelihood='bernoulli'", "use likelihood='gaussian'")
    #: the negative ELBO per sample (for a Gaussian likelihood, a density: nats up to a constant)
    _loss_unit = "nats/sample"

    def _needs_unit_interval(self):
        return self.likelihood == "bernoulli"

    def _check_settings(self):
        if self.iwae_samples > 1 and (self.beta != 1 or self.warmup_epochs):
            raise ValueError(
                f"iwae_samples={self.iwae_samples} trains the importance-weighted bound, which "
                f"has no KL weight: use beta=1 and warmup_epochs=0 (got beta={self.beta}, "
                f"warmup_epochs={self.warmup_epochs})")
        if self.iwae_samples > 1 and self.likelihood == "student_t":
            raise ValueError("iwae_samples > 1 is written for the Bernoulli and Gaussian "
                             "likelihoods; use iwae_samples=1 with likelihood='student_t'")
        if self.binarize and self.likelihood != "bernoulli":
            raise ValueError("binarize=True draws binary targets for a Bernoulli likelihood; "
                             "use likelihood='bernoulli' or binarize=False")
        if self._learned_decoder_var() and self.decoder_min_var >= self.sigma ** 2:
            raise ValueError(
                f"decoder_min_var={self.decoder_min_var} must be below the initial decoder "
                f"variance sigma**2={self.sigma ** 2:.4g}; lower decoder_min_var or raise sigma")

    # ----------------------------------------------- hooks for the CL-VAE
    def _reconstruction_weight(self):
        return 1.0

    def _kl_weight(self):
        """β of the current epoch (the warm-up factor is 1 outside fit)."""
        return float(self.beta) * getattr(self, "_warmup", 1.0)

    def _kl_term(self, params, mu, log_var, y, ops, grads, weight):
        """weight · KL(q ‖ p(z)) and its gradients w.r.t. mu and log_var."""
        value, dmu, dlog_var = kl_standard_normal(mu, log_var)
        return weight * value, weight * dmu, weight * dlog_var

    def _kl_rows(self, mu, log_var, y):
        """Per-row closed-form KL(q ‖ p), or None when there is none (MC instead)."""
        return kl_standard_normal_rows(mu, log_var)

    def _log_prior_rows(self, Z, y):
        """log p(z) per row (any leading axes).  (..., k) -> (...)"""
        return log_normal_rows(Z, 0.0)

    def _sample_prior(self, n, rng, y=None):
        return rng.standard_normal((n, int(self.latent_dim))).astype(self._dtype, copy=False)

    # ------------------------------------------------------------ objective
    def _loss(self, params, X, y, rng, ops, grads):
        if self.binarize:  # a fresh binarisation per minibatch, from the loss's generator
            X = (rng.random(X.shape) < X).astype(X.dtype)
        if self.iwae_samples > 1:
            return {"iwae": iwae_loss(self, params, X, rng, ops, grads, self.iwae_samples)}
        mu, log_var, enc_cache = self._encoder_forward(params, X, ops)
        s, inside = clip_log_var(log_var)
        # ε is the loss's only random draw: from the generator given, so that
        # a gradient check can hold it fixed.
        eps = rng.standard_normal(mu.shape).astype(self._dtype, copy=False)  # (n, k)
        Z, std = reparameterize(mu, s, eps)  # z = mu + exp(½ s) ⊙ ε
        out, dec_cache = self.decoder_.forward(params, Z, ops)  # (n, k) -> (n, d)

        gamma = self._reconstruction_weight()
        rec, dout, dextra = self._reconstruction(params, out, X)
        beta = self._kl_weight()
        kl, dmu_kl, ds_kl = self._kl_term(params, mu, s, y, ops, grads, beta)

        dZ = self.decoder_.backward(params, dec_cache, gamma * dout, grads, ops)
        for name, g in dextra.items():  # the decoder's per-feature variance (and ν)
            accumulate(grads, name, gamma * g)
        # Through the reparameterisation, then add the KL's direct gradients;
        # the log_var gradient is masked once, outside the bounds of the clip.
        dmu, ds = reparameterize_backward(dZ, eps, std)
        dmu = dmu + dmu_kl
        ds = ds + ds_kl
        if inside is not None:
            ds = ds * inside
        self._encoder_backward(params, enc_cache, dmu, ds, grads, ops)
        return {"reconstruction": gamma * rec, "kl": kl}

    # ---------------------------------------------------------------- fit
    def _after_fit(self):
        self._warmup = 1.0  # the warm-up belongs to training only

    def _epoch_start(self, epoch):
        if self.warmup_epochs and self.optimizer != "lbfgs":
            self._warmup = min(1.0, epoch / self.warmup_epochs)
        else:
            self._warmup = 1.0
        self.history_.setdefault("beta", []).append(self._kl_weight())

    # ------------------------------------------------------------ inference
    def _encode_gaussian(self, params, X):
        mu, log_var, _ = self._encoder_forward(params, X, get_ops(True))
        return mu, log_var

    def _encode(self, params, X):
        return self._encode_gaussian(params, X)[0]

    def _decode(self, params, Z):
        out = self.decoder_.forward(params, Z, get_ops(True))[0]
        return SIGMOID.forward(out) if self.likelihood == "bernoulli" else out

    def encode(self, X):
        r"""Parameters of :math:`q_\theta(z|x)` for each row.

        Returns
        -------
        mu : ndarray of shape (n_samples, latent_dim)
        log_var : ndarray of shape (n_samples, latent_dim)
            Log variance as the model uses it, i.e. clipped to
            ``LOG_VAR_BOUNDS`` (with a warning if that changed anything).
        """
        self._check_fitted()
        mu, log_var = self._encode_gaussian(self.params_, self._validate_X(X))
        return mu, clip_log_var(log_var)[0]
