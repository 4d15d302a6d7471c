"""The basic autoencoder: undercomplete/overcomplete, shallow or deep (stacked).

Reference: Caron, *Literature review – Autoencoders* (2020), §1.1–1.3 and §2.2
(Rumelhart, Hinton & Williams 1986; Hinton & Salakhutdinov 2006).

Objective (mean over the n observations of a batch)::

    L(θ, φ) = (1/n) Σ_i ℓ(x^(i), p_φ(q_θ(x^(i))))  +  Ω_wd,
    ℓ = ½ ‖x − x̂‖²  (loss="mse")   or   −log Bernoulli(x | x̂)  (loss="bce"),
    Ω_wd = (λ/2) Σ_W ‖W‖²_F  (weight_decay = λ)

Symbols: x input row, z = q_θ(x) the code (encoder), x̂ = p_φ(z) the
reconstruction (decoder), θ encoder and φ decoder weights and biases.

With ``loss="mse"`` this is the review's eq. 2 divided by n.  A linear
autoencoder is ``activation="identity"`` (see :mod:`npae.linear` for its
relation to PCA).
"""

from __future__ import annotations



from .._validation import check_layer_sizes
from ..nn import MLP, get_activation, get_ops
from ..nn.losses import bernoulli_cross_entropy, squared_error
from .base import BaseAutoencoder

__all__ = ["Autoencoder"]



class Autoencoder(BaseAutoencoder):
    """A fully connected autoencoder trained by hand-written backpropagation.

    Parameters
    ----------
    hidden : int or tuple of int, default=(64,)
        Encoder layer sizes; the last one is the code size.  ``(256, 64)``
        means d → 256 → 64 and, by default, a mirrored decoder 64 → 256 → d.
    decoder_hidden : tuple of int or None, default=None
        Decoder hidden sizes (between code and output).  None mirrors the
        encoder.  h2o's ``hidden = c(300, 100, 300)`` is
        ``hidden=(300, 100), decoder_hidden=(300,)``.
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
    weight_decay : float, default=0.0
        λ in (λ/2) Σ ‖W‖² over all weight matrices (not biases).
    init : {"auto", "glorot", "he"}, default="auto"
    optimizer : {"adam", "sgd", "momentum", "lbfgs"} or optimizer object, default="adam"
    learning_rate : float, default=1e-3
    batch_size : int, default=128
    epochs : int, default=10
        Passes over the data (iterations for "lbfgs").
    validation_data : array-like or None
        Held-out rows; ``history_["val_loss"]`` gets the loss on them per epoch.
    random_state : int, Generator or None, default=0
    dtype : {"float64", "float32"}, default="float64"
    verbose : bool, default=False
        Print one line per epoch (loss, validation loss, seconds).

    Attributes
    ----------
    params_ : dict name -> ndarray
        ``"encoder.l.W"`` (n_in, n_out), ``"encoder.l.b"`` (n_out,), same for
        ``"decoder.l.*"`` (no decoder weights when tied).
    history_ : dict of lists
        Per-epoch "loss", each loss term, "val_loss" and "time" (seconds).
    n_features_in_ : int
    encoder_, decoder_ : npae.nn.MLP
    """

    def __init__(self, hidden=(64,), decoder_hidden=None, activation="sigmoid",
                 code_activation=None, output_activation=None, loss="mse", tied=False,
                 weight_decay=0.0, init="auto", optimizer="adam", learning_rate=1e-3,
                 batch_size=128, epochs=10, validation_data=None, random_state=0,
                 dtype="float64", verbose=False):
        self.hidden = hidden
        self.decoder_hidden = decoder_hidden
        self.activation = activation
        self.code_activation = code_activation
        self.output_activation = output_activation
        self.loss = loss
        self.tied = tied
        self.weight_decay = weight_decay
        self.init = init
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_data = validation_data
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose

    # ---------------------------------------------------------------- build
    def _layer_sizes(self):
        """(encoder hidden sizes, decoder hidden sizes), validated."""
        hidden = check_layer_sizes(self.hidden, "hidden")
        if self.decoder_hidden is None:
            dec = hidden[-2::-1]
        else:
            dec = check_layer_sizes(self.decoder_hidden, "decoder_hidden", allow_empty=True)
        if self.tied and dec != hidden[-2::-1]:
            raise ValueError("tied=True needs a mirrored decoder; leave decoder_hidden=None")
        return hidden, dec

    def _build(self, n_features, y=None):
        hidden, dec = self._layer_sizes()
        act = get_activation(self.activation)
        code_act = get_activation(self.code_activation or self.activation)
        out_act = get_activation(self._output_activation())
        enc_acts = [act] * (len(hidden) - 1) + [code_act]
        # With loss="bce" the decoder network stops at the logits; the sigmoid
        # is applied in _decode (the loss fuses it, for stability).
        dec_last = get_activation("identity") if self.loss == "bce" else out_act
        dec_acts = [act] * len(dec) + [dec_last]
        self.encoder_ = MLP.build("encoder", (n_features, *hidden), enc_acts)
        self.decoder_ = MLP.build("decoder", (hidden[-1], *dec, n_features), dec_acts,
                                  tied_to=self.encoder_ if self.tied else None)
        return {**self.encoder_.param_shapes(), **self.decoder_.param_shapes()}

    def _init_params(self, rng):
        return {**self.encoder_.init_params(rng, self._dtype, self.init),
                **self.decoder_.init_params(rng, self._dtype, self.init)}

    def _code_size(self):
        return self.encoder_.n_out

    # ------------------------------------------------------- shared pieces
    def _reconstruction_loss(self, out, X):
        """ℓ(x, x̂) from the decoder network's output (x̂, or logits for "bce").

        Returns (value, d value / d out).
        """
        if self.loss == "bce":
            return bernoulli_cross_entropy(out, X)
        return squared_error(out, X)

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
        out = self.decoder_.forward(params, Z, get_ops(True))[0]
        if self.loss == "bce":
            out = get_activation("sigmoid").forward(out)
        return out
