r"""The VAE's parts: its two networks and its decoder likelihoods.

The plumbing of :class:`npae.VariationalAutoencoder`, split from
:mod:`npae.families.variational` so that the family file holds the objective:

- :class:`VAENetworksMixin`: the encoder trunk with its mu and log_var heads, the decoder;
- the decoder likelihoods p_φ(x|z), objects the VAE is *composed* with
  (``decoder_likelihood_``, chosen by its ``likelihood`` setting): the ELBO asks the one
  it holds for −log p_φ(x|z) and its gradients, whichever it is.  Reading the plain
  (Bernoulli) VAE needs only :class:`Bernoulli`.

Notation as in the VAE module: ``out`` is the decoder network's output (logits for
Bernoulli, the mean otherwise), ``X`` the targets, both (n, d); a learned variance
lives in the parameter ``decoder.log_var`` (d,) as v with :math:`\sigma^2_j = \xi + \exp(v_j)`
(ξ = ``decoder_min_var``), the Student-t's degrees of freedom in ``decoder.log_df``
(d,) as log ν.
"""

from __future__ import annotations

import numpy as np

from ..nn import MLP, get_activation
from ..nn.losses import LOG_2PI, bernoulli_cross_entropy, gaussian_nll, per_sample_bernoulli
from ..terms.gaussian import clip_log_var, floor_log_var
from ..terms.student_t import student_t_log_rows, student_t_nll

__all__ = ["VAENetworksMixin", "Bernoulli", "Gaussian", "StudentT", "decoder_likelihood"]


class VAENetworksMixin:
    """Build and encoder passes of the VAE; the likelihood is ``decoder_likelihood_``."""

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
        # p_φ(x|z): Bernoulli, Gaussian (fixed or learned variance) or Student-t
        self.decoder_likelihood_ = decoder_likelihood(self)
        shapes = {}
        for net in self._networks():
            shapes.update(net.param_shapes())
        shapes.update(self.decoder_likelihood_.param_shapes(n_features))
        return shapes

    def _networks(self):
        nets = [self.mu_head_, self.log_var_head_, self.decoder_]
        return nets if self.encoder_ is None else [self.encoder_, *nets]

    def _learned_decoder_var(self):
        return decoder_likelihood(self).learned_var

    def _init_params(self, rng):
        params = {}
        for net in self._networks():
            params.update(net.init_params(rng, self._dtype, self.init))
        params.update(self.decoder_likelihood_.init_params(self.n_features_in_, self._dtype))
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

    # ------------------------------------------- the likelihood, delegated
    def _decoder_log_var(self, params):
        """log σ² of p_φ(x|z) and its gradient factor, or (None, None) for Bernoulli."""
        return self.decoder_likelihood_.log_var(params)

    def _reconstruction(self, params, out, X):
        """−log p_φ(x|z) averaged over the batch: (value, d/d out, {decoder param: grad})."""
        return self.decoder_likelihood_.nll(params, out, X)

    def _log_px_rows(self, out, X):
        """log p_φ(x|z) per row from the decoder's output.  (n, d) -> (n,)"""
        return self.decoder_likelihood_.log_px_rows(self.params_, out, X)


# ---------------------------------------------------------------------------
# The decoder likelihoods
# ---------------------------------------------------------------------------
class Bernoulli:
    r""":math:`x_j \sim \mathrm{Bernoulli}(\sigma(a_j))` from the logits a:
    :math:`-\log p = \sum_j \operatorname{softplus}(a_j) - x_j a_j`."""

    learned_var = False

    def param_shapes(self, d):
        return {}

    def init_params(self, d, dtype):
        return {}

    def log_var(self, params):
        return None, None

    def nll(self, params, out, X):
        """(mean −log p over the batch, d/d out, {})."""
        value, dout = bernoulli_cross_entropy(out, X)
        return value, dout, {}

    def log_px_rows(self, params, out, X):
        """log p(x|z) per row.  (n, d) -> (n,)"""
        return -per_sample_bernoulli(out, X)


class Gaussian:
    r""":math:`x_j \sim \mathcal N(\mu_j, \sigma^2_j)`: σ² fixed (σ = ``sigma``) or learned per feature
    above a floor ξ."""

    def __init__(self, sigma, learned, min_var, dtype=np.float64):
        self.sigma, self.learned_var, self.min_var = float(sigma), bool(learned), float(min_var)
        self.dtype = dtype

    def param_shapes(self, d):
        return {"decoder.log_var": (d,)} if self.learned_var else {}

    def init_params(self, d, dtype):
        if not self.learned_var:
            return {}
        # σ²_j = ξ + exp(v_j) = σ² at the start.
        return {"decoder.log_var": np.full(d, np.log(self.sigma ** 2 - self.min_var), dtype=dtype)}

    def log_var(self, params):
        r"""log σ² and d log σ² / d ``decoder.log_var`` (None: 1).  Learned:
        :math:`\log(\xi + \exp(\operatorname{clip}(v)))`, with a zero gradient outside the clip."""
        if not self.learned_var:
            return np.asarray(2.0 * np.log(self.sigma), dtype=self.dtype), None
        s, inside = clip_log_var(params["decoder.log_var"])
        t, dt = floor_log_var(s, self.min_var)
        if inside is not None:
            dt = inside if dt is None else dt * inside
        return t, dt

    def nll(self, params, out, X):
        s, dt = self.log_var(params)
        value, dout, ds = gaussian_nll(out, s, X)
        if not self.learned_var:
            return value, dout, {}
        return value, dout, {"decoder.log_var": ds if dt is None else ds * dt}  # chain rule to v

    def log_px_rows(self, params, out, X):
        s, _ = self.log_var(params)
        diff = X - out
        return -0.5 * np.sum(LOG_2PI + s + diff * diff * np.exp(-s), axis=1)


class StudentT(Gaussian):
    r""":math:`x_j \sim \mathrm{St}(\mu_j, \sigma^2_j, \nu_j)`, σ² (floored) and ν learned per feature
    (Takahashi et al. 2018)."""

    def __init__(self, sigma, min_var, df, dtype=np.float64):
        super().__init__(sigma, True, min_var, dtype)
        self.df = float(df)

    def param_shapes(self, d):
        return {**super().param_shapes(d), "decoder.log_df": (d,)}

    def init_params(self, d, dtype):
        return {**super().init_params(d, dtype),
                "decoder.log_df": np.full(d, np.log(self.df), dtype=dtype)}

    def nll(self, params, out, X):
        s, dt = self.log_var(params)
        value, dout, ds, ddf = student_t_nll(out, s, params["decoder.log_df"], X)
        return value, dout, {"decoder.log_var": ds if dt is None else ds * dt,
                             "decoder.log_df": ddf}

    def log_px_rows(self, params, out, X):
        s, _ = self.log_var(params)
        return student_t_log_rows(X, out, s, params["decoder.log_df"])


def decoder_likelihood(model):
    """The likelihood object of a VAE's settings (``likelihood``, ``decoder_var``,
    ``sigma``, ``decoder_min_var``, ``student_df``)."""
    if model.likelihood == "bernoulli":
        return Bernoulli()
    if model.likelihood == "student_t":
        return StudentT(model.sigma, model.decoder_min_var, model.student_df, model._dtype)
    return Gaussian(model.sigma, model.decoder_var == "learned", model.decoder_min_var, model._dtype)
