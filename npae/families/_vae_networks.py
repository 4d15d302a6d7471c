"""The VAE's two networks and its decoder likelihoods (Bernoulli, Gaussian with a fixed
or floored learned variance, Student-t): the plumbing of
:class:`npae.VariationalAutoencoder`, split from :mod:`npae.families.variational`
so that the family file holds the objective.  Notation as there.
"""

from __future__ import annotations

import numpy as np

from ..nn import MLP, get_activation
from ..nn.losses import LOG_2PI, bernoulli_cross_entropy, gaussian_nll, per_sample_bernoulli
from ..terms.gaussian import clip_log_var, floor_log_var
from ..terms.student_t import student_t_log_rows, student_t_nll

__all__ = ["VAENetworksMixin"]


class VAENetworksMixin:
    """Build, encoder/decoder passes and the decoder likelihood of the VAE."""

    # ---------------------------------------------------------------- build
    def _build(self, n_features, y=None):
        hidden = self._hidden_sizes()
        act = get_activation(self.activation)
        k = int(self.latent_dim)
        self.encoder_ = (MLP.build("encoder", (n_features, *hidden), [act] * len(hidden))
                         if hidden else None)
        h = hidden[-1] if hidden else n_features
        # Two linear heads on the trunk's last hidden layer: the Gaussian's
        # mean and log variance (any real number: no activation needed).
        self.mu_head_ = MLP.build("mu", (h, k), ["identity"])
        self.log_var_head_ = MLP.build("log_var", (h, k), ["identity"])
        # The decoder's last layer is linear: logits (Bernoulli, the sigmoid
        # is fused into the loss) or the Gaussian mean.
        self.decoder_ = MLP.build("decoder", (k, *hidden[::-1], n_features),
                                  [act] * len(hidden) + ["identity"])
        shapes = {}
        for net in self._networks():
            shapes.update(net.param_shapes())
        if self._learned_decoder_var():
            shapes["decoder.log_var"] = (n_features,)
        if self.likelihood == "student_t":
            shapes["decoder.log_df"] = (n_features,)
        return shapes

    def _networks(self):
        nets = [self.mu_head_, self.log_var_head_, self.decoder_]
        return nets if self.encoder_ is None else [self.encoder_, *nets]

    def _learned_decoder_var(self):
        return self.likelihood == "student_t" or (self.likelihood == "gaussian"
                                                  and self.decoder_var == "learned")

    def _init_params(self, rng):
        params = {}
        for net in self._networks():
            params.update(net.init_params(rng, self._dtype, self.init))
        if self._learned_decoder_var():
            # σ²_j = ξ + exp(v_j) = σ² at the start.
            v0 = np.log(self.sigma ** 2 - self.decoder_min_var)
            params["decoder.log_var"] = np.full(self.n_features_in_, v0, dtype=self._dtype)
        if self.likelihood == "student_t":
            params["decoder.log_df"] = np.full(self.n_features_in_, np.log(self.student_df),
                                               dtype=self._dtype)
        return params

    def _code_size(self):
        return int(self.latent_dim)

    # ------------------------------------------------------ the two networks
    def _encoder_forward(self, params, X, ops):
        """x -> (mu, log_var), each (n, k); the cache for the backward pass."""
        if self.encoder_ is not None:
            H, trunk_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, h)
        else:
            H, trunk_cache = X, None
        mu, mu_cache = self.mu_head_.forward(params, H, ops)  # (n, h) @ (h, k) -> (n, k)
        log_var, lv_cache = self.log_var_head_.forward(params, H, ops)  # (n, h) -> (n, k)
        return mu, log_var, (trunk_cache, mu_cache, lv_cache)

    def _encoder_backward(self, params, cache, dmu, dlog_var, grads, ops):
        trunk_cache, mu_cache, lv_cache = cache
        trunk = self.encoder_ is not None
        # Both heads read the same trunk output H, so their input gradients add.
        dH = self.mu_head_.backward(params, mu_cache, dmu, grads, ops, need_dX=trunk)
        dH2 = self.log_var_head_.backward(params, lv_cache, dlog_var, grads, ops, need_dX=trunk)
        if trunk:
            dH += dH2
            self.encoder_.backward(params, trunk_cache, dH, grads, ops, need_dX=False)

    def _decoder_log_var(self, params):
        """log σ² of p_φ(x|z) and d log σ² / d ``decoder.log_var`` (None: 1), or (None, None)
        for Bernoulli.  Learned: log(ξ + exp(clip(v))), zero gradient outside the clip."""
        if self.likelihood == "bernoulli":
            return None, None
        if self._learned_decoder_var():
            s, inside = clip_log_var(params["decoder.log_var"])
            t, dt = floor_log_var(s, self.decoder_min_var)
            if inside is not None:
                dt = inside if dt is None else dt * inside
            return t, dt
        return np.asarray(2.0 * np.log(self.sigma), dtype=self._dtype), None

    def _reconstruction(self, params, out, X):
        """−log p_φ(x|z) averaged over the batch, from the decoder's output.

        Returns (value, d value / d out, {decoder parameter name: its gradient}).
        """
        if self.likelihood == "bernoulli":
            value, dout = bernoulli_cross_entropy(out, X)
            return value, dout, {}
        s, dt = self._decoder_log_var(params)
        if self.likelihood == "student_t":
            value, dout, ds, ddf = student_t_nll(out, s, params["decoder.log_df"], X)
            return value, dout, {"decoder.log_var": ds if dt is None else ds * dt,
                                 "decoder.log_df": ddf}
        value, dout, ds = gaussian_nll(out, s, X)
        if not self._learned_decoder_var():
            return value, dout, {}
        return value, dout, {"decoder.log_var": ds if dt is None else ds * dt}  # chain rule to v

    def _log_px_rows(self, out, X):
        """log p_φ(x|z) per row from the decoder's output.  (n, d) -> (n,)"""
        if self.likelihood == "bernoulli":
            return -per_sample_bernoulli(out, X)
        s, _ = self._decoder_log_var(self.params_)
        if self.likelihood == "student_t":
            return student_t_log_rows(X, out, s, self.params_["decoder.log_df"])
        diff = X - out
        return -0.5 * np.sum(LOG_2PI + s + diff * diff * np.exp(-s), axis=1)
