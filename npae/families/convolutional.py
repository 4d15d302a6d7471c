r"""The convolutional autoencoder: convolution and max-pooling in, unpooling and
transposed convolution out, every gradient by hand.

Reference: Masci, Meier, Cireşan & Schmidhuber, *Stacked convolutional
auto-encoders for hierarchical feature extraction*, ICANN 2011 (the h2o
chapter's list of variants; the encyclopedia article's convolutional
denoising autoencoders).

Objective (mean over the n images of a batch):

.. math:: L(\theta, \phi) = \frac1n \sum_i \ell\big(x^{(i)}, p_\phi(q_\theta(\tilde x^{(i)}); S^{(i)})\big)
          + \Omega_{wd},

          q_\theta = \bigcirc_l \big[\mathrm{maxpool} \circ f \circ (W_l \star \cdot + b_l)\big], \qquad
          p_\phi = \bigcirc_l \big[f' \circ (W'_l \star^\top \mathrm{unpool}(\cdot; S_l) + b'_l)\big]

Symbols: x an image (c, h, w) (a flat row with ``image_shape``), :math:`\tilde x` = x or its
corruption (``noise``, :mod:`npae.terms.noise`), ⋆ the strided, zero-padded
correlation with kernels :math:`W_l` (f_l, c_l, kh, kw), :math:`\star^\top` the transposed
convolution (its adjoint: ``docs/convolution.md``), S the max-pooling switches of the
encoder, used by the decoder to unpool as in Masci et al.; :math:`W'_l = W_l` when
``tied`` (Masci's decoder, the flipped kernels of a full convolution, is
exactly the adjoint); :math:`z = q_\theta(\tilde x)` the code, the last layer's pooled maps
flattened to (f_L · h_L · w_L,); ℓ the squared error or Bernoulli loss, :math:`\Omega_{wd}`
weight decay on the kernels.

``transform`` returns the codes; ``reconstruct`` decodes them with the
encoder's switches, as the loss does; ``inverse_transform`` has codes only
and unpools each value to the top-left of its window.

Greedy layer-wise training (Masci et al. §3, "stacked"): with
``pretrain_epochs`` > 0, layer l is first trained alone as a one-layer
convolutional autoencoder on the pooled maps of the layers below (the data's
loss for l = 0, squared error on the maps with the hidden activation as the
output above), its weights copied in; ``epochs`` then fine-tunes the stack.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_rng
from ..estimator.hyperparams import (Boolean, Interval, IntTuple, LayerSizes, NoneValue, Options, Param)
from ..nn import ACTIVATIONS, get_ops
from ..nn.conv import pair
from ..nn.convnet import ConvDecoder, ConvEncoder
from ..nn.losses import decoder_last_activation, decoder_output, reconstruction_loss
from ..terms.noise import NOISES, corrupt
from ..estimator.registry import register
from ..estimator.base import BaseAutoencoder

__all__ = ["ConvolutionalAutoencoder"]

_BLOCK = 512  # rows per block at inference


@register("conv")
class ConvolutionalAutoencoder(BaseAutoencoder):
    """A convolutional autoencoder (Masci et al. 2011) for channels-first images.

    Parameters
    ----------
    image_shape : (int, int, int) or None, default=None
        (channels, height, width) of flat input rows.  None: images of shape
        (n, c, h, w) give it; flat rows of d = s² features are one s × s grey
        image (784 → 1 × 28 × 28), of any other d a 1 × d row (a 1-D
        convolution along the features).  ``image_shape_`` records it.
    filters : int or tuple of int, default=(16,)
        Feature maps of each encoder layer.
    kernel_size, stride : int or (int, int), default=5, 1
    padding : int or (int, int), default=0
        Zero padding of every convolution.
    pool : int or (int, int), default=2
        Non-overlapping max-pooling window after every convolution (1: none).
    activation : str, default="relu"
    code_activation : str or None, default=None
        The last encoder layer's activation (None: ``activation``).
    output_activation : str or None, default=None
    loss : {"mse", "bce"}, default="mse"
        As in :class:`npae.Autoencoder` (sums over the c·h·w pixels).
    tied : bool, default=False
        Decoder kernels are the encoder's (the transposed convolution is their adjoint).
    noise : {None, "masking", "gaussian", "salt_and_pepper"}, default=None
        Corrupt the input of the training loss (a convolutional denoising autoencoder).
    corruption_level : float, default=0.25
    pretrain_epochs : int, default=0
        Epochs of greedy layer-wise training of each layer before ``epochs`` of
        joint training (0: none).

    Attributes
    ----------
    params_ : dict
        ``"encoder.l.W"`` (f_l, c_l, kh, kw), ``"encoder.l.b"`` (f_l,),
        ``"decoder.l.W"`` (same shape as the encoder's; absent when tied),
        ``"decoder.l.b"`` (c_l,).
    image_shape_ : tuple (c, h, w)
    code_shape_ : tuple (f_L, h_L, w_L)
    noise_range_ : ndarray (2,)
        Training data (min, max), the salt-and-pepper values.

    Examples
    --------
    >>> import numpy as np, npae
    >>> X = np.random.default_rng(0).random((20, 1, 8, 8))
    >>> cae = npae.ConvolutionalAutoencoder(filters=(4,), kernel_size=3, epochs=1).fit(X)
    >>> cae.transform(X).shape, cae.code_shape_
    ((20, 36), (4, 3, 3))
    """

    _examples = ({"filters": (3,), "kernel_size": 3, "padding": 1, "pool": (1, 2),
                  "activation": "tanh"},
                 {"image_shape": (1, 1, 7), "filters": (2, 3), "kernel_size": (1, 3),
                  "stride": (1, 2), "pool": 1, "tied": True, "loss": "bce",
                  "activation": "softplus", "weight_decay": 0.1},
                 {"image_shape": (1, 1, 7), "filters": (3,), "kernel_size": (1, 2), "pool": (1, 2),
                  "noise": "salt_and_pepper", "corruption_level": 0.3, "pretrain_epochs": 1,
                  "activation": "sigmoid", "code_activation": "identity"})
    _parameters = {
        "image_shape": Param(None, NoneValue(), IntTuple(3, 1, scalar=False)),
        "filters": Param((16,), LayerSizes()),
        "kernel_size": Param(5, IntTuple(2, 1)),
        "stride": Param(1, IntTuple(2, 1)),
        "padding": Param(0, IntTuple(2, 0)),
        "pool": Param(2, IntTuple(2, 1)),
        "activation": Param("relu", Options(*ACTIVATIONS)),
        "code_activation": Param(None, NoneValue(), Options(*ACTIVATIONS)),
        "output_activation": Param(None, NoneValue(), Options(*ACTIVATIONS)),
        "loss": Param("mse", Options("mse", "bce")),
        "tied": Param(False, Boolean()),
        "noise": Param(None, NoneValue(), Options(*NOISES)),
        "corruption_level": Param(0.25, Interval("real", 0, None)),
        "pretrain_epochs": Param(0, Interval("int", 0, None)),
    }
    _state = ("image_shape_", "noise_range_")
    _kernels_shared_over_inputs = True  # more pixels than parameters is fine (persistence)

    def _check_settings(self):
        decoder_last_activation(self.loss, self.output_activation)
        if self.noise not in (None, "gaussian") and self.corruption_level > 1:
            raise ValueError(f"corruption_level is the corrupted fraction for noise={self.noise!r} "
                             f"and must be in [0, 1], got {self.corruption_level!r}")

    # ---------------------------------------------------------------- images
    def _validate_X(self, X, name="X", fitting=False, targets=True):
        """Images (n, c, h, w) become rows (n, c·h·w); rows pass through unchanged."""
        dims = np.shape(X) if isinstance(X, (np.ndarray, list, tuple)) else ()
        if len(dims) == 4:
            shape = tuple(int(s) for s in dims[1:])
            expected = self.image_shape if fitting else self.image_shape_
            if expected is not None and shape != tuple(expected):
                raise ValueError(f"{name} holds images of shape {shape}, but "
                                 f"{type(self).__name__} expects {tuple(expected)} (c, h, w)")
            if fitting:
                self.image_shape_ = shape
            X = np.reshape(np.asarray(X), (dims[0], -1))
        return super()._validate_X(X, name=name, fitting=fitting, targets=targets)

    def _images(self, X):
        return X.reshape(X.shape[0], *self.image_shape_)  # (n, d) -> (n, c, h, w)

    # ---------------------------------------------------------------- build
    def _build(self, n_features, y=None):
        shape = self.image_shape if self.image_shape is not None else \
            getattr(self, "image_shape_", None)
        if shape is None:  # flat rows, no shape given: the documented default
            side = math.isqrt(n_features)
            shape = (1, side, side) if side * side == n_features else (1, 1, n_features)
        shape = tuple(int(s) for s in np.ravel(shape))
        if len(shape) != 3 or int(np.prod(shape)) != n_features:
            raise ValueError(f"image_shape={shape} holds {int(np.prod(shape))} values but X has "
                             f"{n_features} features; pass image_shape=(c, h, w) with "
                             "c·h·w = n_features")
        self.image_shape_ = shape
        filters = (self.filters,) if isinstance(self.filters, int) else tuple(self.filters)
        act = self.activation
        enc_acts = [act] * (len(filters) - 1) + [self.code_activation or act]
        dec_acts = [decoder_last_activation(self.loss, self.output_activation)] + \
            [act] * (len(filters) - 1)  # decoder layer l mirrors encoder layer l
        geometry = (pair(self.kernel_size, "kernel_size", 1), pair(self.stride, "stride", 1),
                    pair(self.padding, "padding", 0), pair(self.pool, "pool", 1))
        try:
            self.encoder_ = ConvEncoder.build("encoder", shape, filters, *geometry, enc_acts)
        except ValueError as exc:
            raise ValueError(f"X has n_features = {n_features}, images of shape {shape}: "
                             f"{exc}") from None
        self.decoder_ = ConvDecoder(self.encoder_, "decoder", dec_acts, self.tied)
        self.code_shape_ = self.encoder_.out_shape
        return {**self.encoder_.param_shapes(), **self.decoder_.param_shapes()}

    def _init_params(self, rng):
        return {**self.encoder_.init_params(rng, self._dtype, self.init),
                **self.decoder_.init_params(rng, self._dtype, self.init)}

    def _code_size(self):
        return int(np.prod(self.code_shape_))

    def _prepare_fit(self, X, y):
        self.noise_range_ = np.array([X.min(), X.max()], dtype=self._dtype)
        if self.pretrain_epochs:
            self._pretrain(X)

    # ------------------------------------------------------------------ loss
    def _corrupt(self, X, rng):
        """x̃ ~ T(x̃ | x) on the flat rows, from ``rng`` (x itself without ``noise``)."""
        if self.noise is None:
            return X
        low, high = (float(v) for v in self.noise_range_)
        kw = {"low": low, "high": high} if self.noise == "salt_and_pepper" else {}
        return corrupt(X, self.noise, self.corruption_level, rng, **kw)

    def _sparsify(self, H, ops, training=True, track=True):
        """A seam for sparse codes (the convolutional WTA): (codes used, mask or None).
        ``track``: a training step (its statistics count); False for a loss evaluated
        without gradients (validation, the divergence probe)."""
        return H, None

    def _loss(self, params, X, y, rng, ops, grads):
        n = X.shape[0]
        X_in = self._images(self._corrupt(X, rng))  # (n, c, h, w)
        H, enc = self.encoder_.forward(params, X_in, ops)  # (n, c, h, w) -> (n, f_L, h_L, w_L)
        Hs, mask = self._sparsify(H, ops, track=bool(grads))
        switches = [c.S for c in enc]
        out, dec = self.decoder_.forward(params, Hs, switches, ops)  # -> (n, c, h, w)
        rec, dout = reconstruction_loss(self.loss, out.reshape(n, -1), X)  # against the clean x
        dH = self.decoder_.backward(params, dec, dout.reshape(out.shape), switches, grads, ops)
        if mask is not None:
            dH = dH * mask  # only the kept units pass the gradient back
        self.encoder_.backward(params, enc, dH, grads, ops)
        return {"reconstruction": rec}

    # ------------------------------------------------------------- inference
    def _blocks(self, fn, X):
        """fn on blocks of rows, stacked: im2col holds kh·kw copies of a block, not of X."""
        return np.concatenate([fn(X[s:s + _BLOCK]) for s in range(0, len(X), _BLOCK)]) \
            if len(X) > _BLOCK else fn(X)

    def _encode(self, params, X):
        def encode(Xb):
            H = self.encoder_.forward(params, self._images(Xb), get_ops(True))[0]
            return H.reshape(Xb.shape[0], -1)  # (n, f_L, h_L, w_L) -> (n, code_size)
        return self._blocks(encode, X)

    def _decode(self, params, Z):
        def decode(Zb):
            H = Zb.reshape(Zb.shape[0], *self.code_shape_)
            out = self.decoder_.forward(params, H, None, get_ops(True))[0]
            return decoder_output(self.loss, out.reshape(Zb.shape[0], -1))
        return self._blocks(decode, Z)

    def _reconstruct(self, params, X):
        def reconstruct(Xb):
            ops = get_ops(True)
            H, enc = self.encoder_.forward(params, self._images(Xb), ops)
            Hs = self._sparsify(H, ops, training=False)[0]
            out = self.decoder_.forward(params, Hs, [c.S for c in enc], ops)[0]
            return decoder_output(self.loss, out.reshape(Xb.shape[0], -1))
        return self._blocks(reconstruct, X)

    # ------------------------------------------------------------- pretraining
    def _pretrain(self, X):
        """Greedy layer-wise training: layer l alone (a one-layer model of this class, its
        sparsity included) on the dense maps below it; its weights copied in."""
        settings = {**self.get_params(deep=False), "image_shape": None, "pretrain_epochs": 0,
                    "epochs": self.pretrain_epochs, "validation_data": None,
                    "validation_fraction": None, "early_stopping": False, "callbacks": None,
                    "checkpoint_path": None, "warm_start": False, "verbose": 0}
        seed = int(check_rng(self.random_state).integers(2**31 - 1))
        maps, ops = self._images(X), get_ops(True)
        for l, layer in enumerate(self.encoder_.layers):
            first, last = l == 0, l == len(self.encoder_.layers) - 1
            one = type(self)(**{
                **settings, "filters": (layer.filters,), "random_state": seed + l,
                "code_activation": self.code_activation if last else None,
                "loss": self.loss if first else "mse",
                "output_activation": self.output_activation if first else self.activation,
            }).fit(maps)
            for part in ("encoder", "decoder"):
                for kind in ("W", "b"):
                    if f"{part}.0.{kind}" in one.params_:
                        self.params_[f"{part}.{l}.{kind}"][...] = one.params_[f"{part}.0.{kind}"]
            maps = one._blocks(lambda M, m=one: m.encoder_.forward(m.params_, M, ops)[0], maps)
