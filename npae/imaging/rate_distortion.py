r"""A rate–distortion autoencoder for lossy compression, after Ballé, Laparra & Simoncelli (2017).

Reference: J. Ballé, V. Laparra, E. P. Simoncelli, *End-to-end optimized image
compression*, ICLR 2017, §2–3: an analysis transform g_a, uniform scalar quantisation
of its output, a synthesis transform g_s, and a learned factorised density over the
quantised codes whose −log2 likelihood is the rate; training replaces rounding by
additive uniform noise, under which the density of the noisy code is the code density
convolved with U(−½, ½).  Here g_a and g_s are dense (npae's autoencoder networks;
Ballé et al. use convolutions with GDN) and each latent channel's density is logistic
(Ballé et al. use a non-parametric one); the rate term and its gradient are the same in kind.

Objective (minimised; mean over the n images of a batch):

.. math:: L = \frac1n \sum_i \big[R(\tilde y_i) + \lambda D(x_i, g_s(\tilde y_i))\big], \qquad
          \tilde y_i = g_a(x_i) + u_i, \quad u_i \sim U(-\tfrac12, \tfrac12)^k,

          R(\tilde y) = -\sum_c \log_2 \max(p_c(\tilde y_c), \xi), \qquad
          p_c(v) = \sigma\Big(\frac{v + \frac12 - \mu_c}{s_c}\Big) - \sigma\Big(\frac{v - \frac12 - \mu_c}{s_c}\Big),

          D(x, \hat x) = \tfrac12 \sum_j (x_j - \hat x_j)^2

Symbols: x an image (d pixels in [0, 1]), :math:`y = g_a(x)` its k real latents,
:math:`\tilde y` the noisy latents, :math:`\hat x` the reconstruction (sigmoid output),
:math:`p_c` the probability of channel c's quantisation bin (the logistic density of location
:math:`\mu_c` = ``"prior.loc"`` and scale :math:`s_c` = exp(``"prior.log_scale"``), integrated
over a unit bin — exactly the probability of the integer v when :math:`\tilde y` is rounded at
test time), ξ = 1e-9 a floor on the bin
probability (Ballé et al.'s "likelihood bound"; outside it the gradient is 0, the
exact gradient of the floored rate), λ = ``lam`` the price of distortion in bits per
unit of D.  R is in bits per image.

Gradient of the rate (by hand; :math:`a = (\tilde y + \frac12 - \mu)/s`,
:math:`b = (\tilde y - \frac12 - \mu)/s`, :math:`\sigma' = \sigma(1 - \sigma)`):

.. math:: \frac{\partial R}{\partial \tilde y} = -\frac{\sigma'(a) - \sigma'(b)}{s\, p \ln 2}, \qquad
          \frac{\partial R}{\partial \mu} = -\frac{\partial R}{\partial \tilde y}, \qquad
          \frac{\partial R}{\partial \log s} = \frac{a \sigma'(a) - b \sigma'(b)}{p \ln 2}

and :math:`\partial\tilde y/\partial y = 1` (the noise is additive), so
:math:`\partial R/\partial\tilde y` joins the decoder's gradient into
the encoder.  At test time :meth:`RateDistortionAutoencoder.quantize` rounds y, and
the arithmetic coder of :mod:`npae.imaging.entropy_coding` writes the integers with the
probabilities of :meth:`RateDistortionAutoencoder.code_tables` (``benchmarks/compression.py``).
"""

from __future__ import annotations

import numpy as np

from ..estimator.hyperparams import Interval, Options, Param
from ..nn.activations import ACTIVATIONS, SIGMOID
from ..nn.network import accumulate
from ..families.autoencoder import Autoencoder

__all__ = ["RateDistortionAutoencoder", "bin_probability", "rate_and_grads", "clip_codes"]

_LN2 = np.log(2.0)
#: ξ, the floor of a bin probability (Ballé et al.'s likelihood bound)
LIKELIHOOD_BOUND = 1e-9


def bin_probability(v, loc, log_scale):
    r""":math:`p(v) = \sigma((v + \frac12 - \mu)/s) - \sigma((v - \frac12 - \mu)/s)` elementwise,
    with its pieces.

    Returns (p, a, b, s): the probability and the two standardised bin edges.
    The difference is taken on the side of the median where both σ are small
    (:math:`\sigma(a) - \sigma(b) = \sigma(-b) - \sigma(-a)`), so far tails lose no precision to cancellation.
    """
    s = np.exp(log_scale)
    a = (v + 0.5 - loc) / s
    b = (v - 0.5 - loc) / s
    upper = (a + b) > 0  # the bin lies above μ: use the survival functions
    p = np.where(upper, SIGMOID.forward(-b) - SIGMOID.forward(-a), SIGMOID.forward(a) - SIGMOID.forward(b))
    return p, a, b, s


def rate_and_grads(Y, loc, log_scale):
    """R summed over channels per row, and its gradients.

    Parameters
    ----------
    Y : ndarray (n, k) noisy (or rounded) latents;  loc, log_scale : ndarray (k,)

    Returns
    -------
    bits : ndarray (n,);  dY : ndarray (n, k);  dloc, dlog_scale : ndarray (n, k)
        Gradients of each row's bits (sum over rows for the parameters).
    """
    p, a, b, s = bin_probability(Y, loc, log_scale)
    inside = p > LIKELIHOOD_BOUND
    p_used = np.where(inside, p, LIKELIHOOD_BOUND)
    bits = -np.sum(np.log(p_used), axis=1) / _LN2
    sa, sb = SIGMOID.forward(a), SIGMOID.forward(b)
    da, db = sa * (1.0 - sa), sb * (1.0 - sb)  # σ'(a), σ'(b)
    coef = np.where(inside, -1.0 / (p_used * _LN2), 0.0)  # ∂R/∂p; 0 where the floor holds
    dY = coef * (da - db) / s
    return bits, dY, -dY, coef * (-(a * da - b * db))


class RateDistortionAutoencoder(Autoencoder):
    r"""Lossy compression: rate (learned factorised prior) + λ · distortion, uniform-noise training.

    Parameters
    ----------
    hidden : tuple of int, default=(256,)
        The encoder's layers before the latents.
    latent_dim : int, default=32
        k, the number of latent channels.
    lam : float, default=0.05
        λ, bits per unit of :math:`D = \frac12 \sum (x - \hat x)^2`: larger λ, more bits, less distortion.
    activation : str, default="tanh"
    code_activation : "identity"
        Fixed: the latents are real numbers, quantised by rounding.
    output_activation : "sigmoid"
        Fixed: reconstructions in (0, 1).
    loss : "mse"
        Fixed: D is the squared error (what PSNR measures).
    decoder_hidden, activation, tied
        As in :class:`npae.Autoencoder`.

    Attributes
    ----------
    params_ : dict
        The networks' ``"encoder.l.*"``, ``"decoder.l.*"`` and the prior's
        ``"prior.loc"`` and ``"prior.log_scale"``, each (k,).
    history_ : dict
        Per epoch "loss", "rate" (bits per image) and "distortion" (λ D).
    """

    _examples = ({"hidden": (5,), "latent_dim": 3, "lam": 0.5},)
    _parameters = {
        "hidden": Param((256,)),
        "latent_dim": Param(32),
        "lam": Param(0.05, Interval("real", 0, None, closed="neither")),
        "activation": Param("tanh", Options(*ACTIVATIONS)),
        "code_activation": Param("identity", Options("identity")),
        "output_activation": Param("sigmoid", Options("sigmoid")),
        "loss": Param("mse", Options("mse")),
    }

    def _build(self, n_features, y=None):
        shapes = super()._build(n_features, y)
        k = self.encoder_.n_out
        return {**shapes, "prior.loc": (k,), "prior.log_scale": (k,)}

    def _init_params(self, rng):
        params = super()._init_params(rng)
        k = self.encoder_.n_out
        params["prior.loc"] = np.zeros(k, dtype=self._dtype)
        params["prior.log_scale"] = np.zeros(k, dtype=self._dtype)  # s = 1: a few bins wide
        return params

    def _loss(self, params, X, y, rng, ops, grads):
        n = X.shape[0]
        Y, enc_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, k)
        # uniform noise, the training-time stand-in for rounding, from the loss's generator
        Yn = Y + (rng.random(Y.shape) - 0.5).astype(Y.dtype, copy=False)
        out, dec_cache = self.decoder_.forward(params, Yn, ops)  # (n, k) -> (n, d)
        rec, dout = self._reconstruction_loss(out, X)  # ½ Σ (x − x̂)² / n and its gradient
        bits, dY_rate, dloc, dlog_scale = rate_and_grads(Yn, params["prior.loc"],
                                                         params["prior.log_scale"])
        lam = float(self.lam)
        dY = self.decoder_.backward(params, dec_cache, lam * dout, grads, ops) + dY_rate / n
        self.encoder_.backward(params, enc_cache, dY, grads, ops, need_dX=False)
        for name, g in (("prior.loc", dloc), ("prior.log_scale", dlog_scale)):
            accumulate(grads, name, g.sum(axis=0) / n)
        return {"rate": float(bits.mean()), "distortion": lam * rec}

    # ------------------------------------------------------------ coding
    def quantize(self, X):
        """The integer codes ŷ = round(g_a(x)).  (n, d) -> (n, k) int64"""
        return np.rint(self.transform(X)).astype(np.int64)

    def dequantize(self, Q):
        """Reconstructions g_s(ŷ) from integer codes.  (n, k) -> (n, d)"""
        return self.inverse_transform(np.asarray(Q, dtype=self._dtype))

    def bits_estimate(self, Q):
        """−log2 p(ŷ) per image under the learned prior (the entropy bound of the coder)."""
        self._check_fitted()
        return rate_and_grads(np.asarray(Q, dtype=np.float64), self.params_["prior.loc"],
                              self.params_["prior.log_scale"])[0]

    def code_tables(self, Q_train, margin=4):
        """Per channel: (lowest symbol, pmf over lowest..highest) for the entropy coder.

        The alphabet of channel c spans the integer codes seen in ``Q_train`` (e.g. the
        training images' codes) widened by ``margin``; a code outside it cannot be
        written, so :func:`clip_codes` maps it to the nearest end first.
        """
        self._check_fitted()
        Q = np.asarray(Q_train)
        out = []
        for c in range(Q.shape[1]):
            v = np.arange(Q[:, c].min() - margin, Q[:, c].max() + margin + 1)
            p = bin_probability(v.astype(np.float64), self.params_["prior.loc"][c],
                                self.params_["prior.log_scale"][c])[0]
            out.append((int(v[0]), np.maximum(p, 0.0)))
        return out


def clip_codes(Q, tables):
    """Codes clipped into each channel's alphabet; returns (clipped, number of clipped entries)."""
    lo = np.array([t[0] for t in tables])
    hi = lo + np.array([t[1].size for t in tables]) - 1
    C = np.clip(Q, lo, hi)
    return C, int(np.sum(C != Q))

