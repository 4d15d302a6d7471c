r"""The basic autoencoder: undercomplete/overcomplete, shallow or deep (stacked).

Reference: Caron, *Literature review – Autoencoders* (2020), §1.1–1.3 and §2.2
(Rumelhart, Hinton & Williams 1986; Hinton & Salakhutdinov 2006).

Objective (mean over the n observations of a batch; ℓ for ``loss="mse"`` or ``"bce"``,
λ = ``weight_decay``):

.. math:: L(\theta, \phi) = \frac1n \sum_i \ell\big(x^{(i)}, p_\phi(q_\theta(x^{(i)}))\big)
          + \Omega_{wd}, \qquad \Omega_{wd} = \frac\lambda2 \sum_W \lVert W \rVert_F^2,

          \ell = \tfrac12 \lVert x - \hat x \rVert^2 \ \text{(mse)} \qquad\text{or}\qquad
          \ell = -\log \mathrm{Bernoulli}(x \mid \hat x) \ \text{(bce)}

Symbols: :math:`x` input row, :math:`z = q_\theta(x)` the code (encoder),
:math:`\hat x = p_\phi(z)` the reconstruction (decoder), θ encoder and φ decoder
weights and biases.

With ``loss="mse"`` this is the review's eq. 2 divided by n.  A linear
autoencoder is ``activation="identity"`` (see :mod:`npae.classical` for its
relation to PCA).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from .._validation import check_layer_sizes
from ..estimator.hyperparams import Boolean, Interval, LayerSizes, NoneValue, Options, Param
from ..nn import ACTIVATIONS, MLP, get_ops
from ..nn.losses import decoder_last_activation, decoder_output, reconstruction_loss
from ..estimator.registry import register
from ..estimator.base import BaseAutoencoder

__all__ = ["Autoencoder"]


@register("autoencoder")
class Autoencoder(BaseAutoencoder):
    """A fully connected autoencoder trained by hand-written backpropagation.

    Parameters
    ----------
    hidden : tuple of int, default=()
        The encoder's hidden layers, between the input and the code (the same
        meaning in every family).  ``hidden=(256,), latent_dim=64`` means
        d → 256 → 64 and, by default, a mirrored decoder 64 → 256 → d.
        (Before npae 0.3 ``hidden`` ended with the code size; a call that
        passes ``hidden`` without ``latent_dim`` is read that way for one more
        release, with a ``FutureWarning``.)
    latent_dim : int, default=64
        The code size k (the same name in every family).
    decoder_hidden : tuple of int or None, default=None
        Decoder hidden sizes (between code and output).  None mirrors the
        encoder.  h2o's ``hidden = c(300, 100, 300)`` is
        ``hidden=(300,), latent_dim=100, decoder_hidden=(300,)``.
    activation : str, default="sigmoid"
        Hidden units: "identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus".
    code_activation : str or None, default=None
        The code layer's own activation; None uses ``activation``.  Linear
        codes ("identity") as in Hinton & Salakhutdinov.
    output_activation : str or None, default=None
        None means "identity" for ``loss="mse"`` and "sigmoid" for ``loss="bce"``
        (the only valid choice there: the loss is computed from the logits).
    loss : {"mse", "bce"}, default="mse"
        "mse": ½ squared error summed over features; "bce": Bernoulli
        cross-entropy (targets in [0, 1]).  Both averaged over samples.
    tied : bool, default=False
        Decoder weights are the transposes of the encoder's (mirrored decoder
        only); the gradients of both uses add up.

    Attributes
    ----------
    params_ : dict name -> ndarray
        ``"encoder.l.W"`` (n_in, n_out), ``"encoder.l.b"`` (n_out,), same for
        ``"decoder.l.*"`` (no decoder weights when tied).
    history_ : dict of lists
        Per-epoch "loss", each loss term, "val_loss", "time" (seconds) and,
        with a schedule, "learning_rate".
    n_iter_ : int
        Epochs run by the last ``fit``.
    best_epoch_ : int
        With ``early_stopping``: the index in ``history_`` of the kept epoch.
    n_features_in_ : int
    encoder_, decoder_ : npae.nn.MLP
    """

    _examples = ({"hidden": (5,), "latent_dim": 3, "activation": "tanh"},
                 {"latent_dim": 4, "loss": "bce", "tied": True},
                 {"hidden": (5,), "latent_dim": 3, "decoder_hidden": (4,), "activation": "softplus",
                  "code_activation": "identity", "weight_decay": 0.1})
    _parameters = {
        "hidden": Param((), LayerSizes(allow_empty=True)),
        "latent_dim": Param(64, Interval("int", 1, None)),
        "decoder_hidden": Param(None, NoneValue(), LayerSizes(allow_empty=True)),
        "activation": Param("sigmoid", Options(*ACTIVATIONS)),
        "code_activation": Param(None, NoneValue(), Options(*ACTIVATIONS)),
        "output_activation": Param(None, NoneValue(), Options(*ACTIVATIONS)),
        "loss": Param("mse", Options("mse", "bce")),
        "tied": Param(False, Boolean()),
    }

    @classmethod
    def _upgrade_settings(cls, settings, warn=True):
        """Old names, and ``hidden`` without ``latent_dim`` in its pre-0.3 meaning (the code
        size last: every family built on this one read it so before npae 0.3)."""
        settings = super()._upgrade_settings(settings, warn)
        hidden = settings.get("hidden")
        if "hidden" in settings and "latent_dim" not in settings:
            sizes = (hidden,) if isinstance(hidden, numbers.Integral) else hidden
            if isinstance(sizes, (tuple, list, np.ndarray)) and len(sizes):  # else: validation's
                if warn:
                    warnings.warn(
                        f"{cls.__name__}(hidden={hidden!r}) without latent_dim: since npae 0.3 "
                        f"hidden holds only the layers before the code, and the code size is "
                        f"latent_dim; read as hidden={tuple(sizes[:-1])!r}, "
                        f"latent_dim={sizes[-1]!r}. Pass both to silence this warning "
                        "(from npae 0.4 hidden alone means the layers before the code)",
                        FutureWarning, stacklevel=4)
                settings["hidden"], settings["latent_dim"] = tuple(sizes[:-1]), sizes[-1]
        return settings

    def _check_settings(self):
        self._layer_sizes()
        decoder_last_activation(self.loss, self.output_activation)

    # ---------------------------------------------------------------- build
    def _layer_sizes(self):
        """(encoder layer sizes ending with the code, decoder hidden sizes), validated."""
        hidden = (*check_layer_sizes(self.hidden, "hidden", allow_empty=True), int(self.latent_dim))
        if self.decoder_hidden is None:
            dec = hidden[-2::-1]
        else:
            dec = check_layer_sizes(self.decoder_hidden, "decoder_hidden", allow_empty=True)
        if self.tied and dec != hidden[-2::-1]:
            raise ValueError("tied=True needs a mirrored decoder; leave decoder_hidden=None")
        return hidden, dec

    def _build(self, n_features, y=None):
        hidden, dec = self._layer_sizes()
        act, code_act = self.activation, self.code_activation or self.activation
        enc_acts = [act] * (len(hidden) - 1) + [code_act]
        # With loss="bce" the decoder network stops at the logits; the sigmoid
        # is applied in _decode (the loss fuses it, for stability).
        dec_acts = [act] * len(dec) + [decoder_last_activation(self.loss, self.output_activation)]
        self.encoder_ = MLP.build("encoder", (n_features, *hidden), enc_acts)
        self.decoder_ = MLP.build("decoder", (hidden[-1], *dec, n_features), dec_acts,
                                  tied_to=self.encoder_ if self.tied else None)
        return {**self.encoder_.param_shapes(), **self.decoder_.param_shapes()}

    def _init_params(self, rng):
        return {**self.encoder_.init_params(rng, self._dtype, self.init),
                **self.decoder_.init_params(rng, self._dtype, self.init)}

    def _code_size(self):
        return self.encoder_.n_out

    # ------------------------------------------------------------------ loss
    def _reconstruction_loss(self, out, X):
        """ℓ(x, x̂) from the decoder network's output (x̂, or the logits for "bce"):
        (value, d value / d out).  One seam for the families built on this one."""
        return reconstruction_loss(self.loss, out, X)

    def _loss(self, params, X, y, rng, ops, grads):
        """Forward, reconstruction loss, backward; family subclasses extend this."""
        Z, enc_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, k)
        out, dec_cache = self.decoder_.forward(params, Z, ops)  # (n, k) -> (n, d)
        rec, dout = self._reconstruction_loss(out, X)
        dZ = self.decoder_.backward(params, dec_cache, dout, grads, ops)
        self.encoder_.backward(params, enc_cache, dZ, grads, ops, need_dX=False)
        return {"reconstruction": rec}

    # ----------------------------------------------------------- inference
    def _encode(self, params, X):
        return self.encoder_.forward(params, X, get_ops(True))[0]

    def _decode(self, params, Z):
        return decoder_output(self.loss, self.decoder_.forward(params, Z, get_ops(True))[0])
