r"""A stack of convolutional layers (conv → activation → max-pool) and its mirror decoder.

Encoder layer l maps maps :math:`H_{l-1}` of shape (c_l, h_l, w_l) to

.. math:: A_l = W_l \star H_{l-1} + b_l, \qquad G_l = f_l(A_l), \qquad
          H_l = \mathrm{maxpool}(G_l) \ \text{(switches } S_l\text{)},

with ⋆ the strided, zero-padded correlation of :mod:`npae.nn.conv` and
:math:`W_l` of shape (f_l, c_l, kh, kw).  Decoder layer l (walked from the top,
Masci et al. 2011) undoes it:

.. math:: U_l = \mathrm{unpool}(\hat H_l; S_l), \qquad \hat O_l = W'_l \star^\top U_l + b'_l,
          \qquad \hat H_{l-1} = f'_l(\hat O_l),

with :math:`\star^\top` the transposed convolution and :math:`W'_l` of the shape of
:math:`W_l` (the same array when ``tied``: then the decoder is the encoder's adjoint).
Without a pool (``pool`` = (1, 1)) :math:`H_l = G_l` and :math:`U_l = \hat H_l`.  The decoder needs the
encoder's switches; given none (decoding codes alone) each pooled value
goes to the top-left of its window.

As :class:`npae.nn.MLP`, parameters live in a flat dict keyed by name
(``"encoder.l.W"``), ``ops`` selects the batch or the reference path, and
gradients are *added* into ``grads``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import conv
from .activations import Activation, get_activation
from .network import init_weight
from .network import grad_entry
from .batch import empty_like

__all__ = ["ConvLayer", "ConvEncoder", "ConvDecoder"]


@dataclass(frozen=True)
class ConvLayer:
    """Geometry of one encoder layer (and of its mirror decoder layer).

    in_shape (c, h, w) → conv → conv_shape (f, oh, ow) → pool → out_shape.
    """

    W: str
    b: str
    activation: Activation
    in_shape: tuple
    filters: int
    kernel: tuple
    stride: tuple
    padding: tuple
    pool: tuple

    @property
    def conv_shape(self):
        hw = conv.conv_output_hw(self.in_shape[1:], self.kernel, self.stride, self.padding)
        return (self.filters, *hw)

    @property
    def out_shape(self):
        f, oh, ow = self.conv_shape
        ph, pw = self.pool
        if oh < ph or ow < pw:
            raise ValueError(f"a {ph} x {pw} pool does not fit the {oh} x {ow} maps of layer "
                             f"{self.W}; use a smaller pool, kernel or stride")
        return (f, oh // ph, ow // pw)

    @property
    def pooled(self):
        return self.pool != (1, 1)


class ConvCache(NamedTuple):
    """H_in (layer input), A (pre-activation), G = f(A), S (switches or None), windows
    (the batch path's im2col matrix of H_in, reused by the kernel gradient)."""

    H_in: np.ndarray
    A: np.ndarray
    G: np.ndarray
    S: np.ndarray | None
    windows: dict


def init_kernel(rng, shape, activation, scheme, dtype):
    """Kernels (f, c, kh, kw) from :func:`npae.nn.init.init_weight` on the layer's matrix
    view (c·kh·kw inputs → f outputs, the im2col GEMM)."""
    f, c, kh, kw = shape
    return init_weight(rng, c * kh * kw, f, activation, scheme, dtype).T.reshape(shape).copy()


class ConvEncoder:
    """conv → activation → max-pool layers.  Build one with :meth:`build`."""

    def __init__(self, layers):
        self.layers = list(layers)

    @classmethod
    def build(cls, prefix, image_shape, filters, kernel, stride, padding, pool, activations):
        layers, shape = [], tuple(image_shape)
        for l, (f, act) in enumerate(zip(filters, activations)):
            layer = ConvLayer(f"{prefix}.{l}.W", f"{prefix}.{l}.b", get_activation(act), shape,
                              int(f), kernel, stride, padding, pool)
            shape = layer.out_shape  # raises when the geometry does not fit
            layers.append(layer)
        return cls(layers)

    @property
    def out_shape(self):
        return self.layers[-1].out_shape

    def param_shapes(self):
        return {k: v for layer in self.layers for k, v in
                ((layer.W, (layer.filters, layer.in_shape[0], *layer.kernel)),
                 (layer.b, (layer.filters,)))}

    def init_params(self, rng, dtype, scheme="auto"):
        params = {}
        for layer in self.layers:
            shape = (layer.filters, layer.in_shape[0], *layer.kernel)
            params[layer.W] = init_kernel(rng, shape, layer.activation, scheme, dtype)
            params[layer.b] = np.zeros(layer.filters, dtype=dtype)
        return params

    def forward(self, params, X, ops):
        """X (n, c, h, w) -> codes H_L of shape ``(n, *out_shape)`` and the per-layer caches."""
        cache, H = [], X
        for layer in self.layers:
            windows = {}
            A = conv.conv2d_forward(H, params[layer.W], params[layer.b], layer.stride,
                                    layer.padding, ops, windows)  # (n, c, h, w) -> (n, f, oh, ow)
            G = layer.activation.forward(A, out=empty_like(A))
            P, S = conv.max_pool(G, layer.pool, ops) if layer.pooled else (G, None)
            cache.append(ConvCache(H, A, G, S, windows))
            H = P
        return H, cache

    def backward(self, params, cache, dH, grads, ops, need_dX=False, dG_extra=None):
        """Backpropagate dL/dH_L; ``dG_extra`` {l: array} adds a term's gradient on G_l."""
        dG_extra = dG_extra or {}
        for l in range(len(self.layers) - 1, -1, -1):
            layer, (H_in, A, G, S, windows) = self.layers[l], cache[l]
            dG = conv.unpool(dH, S, layer.pool, G.shape[2:], ops) if layer.pooled else dH
            if l in dG_extra:
                dG = dG + dG_extra[l]
            dA = layer.activation.backward(dG, A, G, out=empty_like(A))
            dH, _, _ = conv.conv2d_backward(dA, H_in, params[layer.W], layer.stride, layer.padding,
                                            ops, need_dX=(need_dX or l > 0),
                                            dW=grad_entry(grads, params, layer.W),
                                            db=grad_entry(grads, params, layer.b),
                                            windows=windows)
        return dH


class DecoderCache(NamedTuple):
    """U (unpooled input of the transposed convolution), O (its output + bias), H = f(O)."""

    U: np.ndarray
    O: np.ndarray
    H: np.ndarray


class ConvDecoder:
    """The mirror of a :class:`ConvEncoder`: unpool → transposed conv → activation."""

    def __init__(self, encoder, prefix, activations, tied):
        self.encoder, self.prefix, self.tied = encoder, prefix, bool(tied)
        self.activations = [get_activation(a) for a in activations]  # [layer 0 (output), ...]

    def _names(self, l):
        W = self.encoder.layers[l].W if self.tied else f"{self.prefix}.{l}.W"
        return W, f"{self.prefix}.{l}.b"

    def param_shapes(self):
        shapes = {}
        for l, layer in enumerate(self.encoder.layers):
            W, b = self._names(l)
            if not self.tied:
                shapes[W] = (layer.filters, layer.in_shape[0], *layer.kernel)
            shapes[b] = (layer.in_shape[0],)
        return shapes

    def init_params(self, rng, dtype, scheme="auto"):
        params = {}
        for l, layer in enumerate(self.encoder.layers):
            W, b = self._names(l)
            if not self.tied:
                shape = (layer.filters, layer.in_shape[0], *layer.kernel)
                params[W] = init_kernel(rng, shape, self.activations[l], scheme, dtype)
            params[b] = np.zeros(layer.in_shape[0], dtype=dtype)
        return params

    def forward(self, params, Z, switches, ops):
        """Codes of shape ``(n, *out_shape)`` -> the decoder network's output (n, c, h, w).

        ``switches``: the encoder's, one per layer (the caches' S), or None.
        """
        cache, H = [], Z
        for l in range(len(self.encoder.layers) - 1, -1, -1):
            layer = self.encoder.layers[l]
            W, b = self._names(l)
            U = H
            if layer.pooled:
                S = switches[l] if switches is not None else np.zeros(H.shape, dtype=np.intp)
                U = conv.unpool(H, S, layer.pool, layer.conv_shape[1:], ops)
            O = conv.conv_transpose2d_forward(U, params[W], params[b], layer.stride,
                                              layer.padding, layer.in_shape[1:], ops)
            H = self.activations[l].forward(O, out=empty_like(O))
            cache.append(DecoderCache(U, O, H))
        return H, cache[::-1]  # cache[l] belongs to layer l

    def backward(self, params, cache, dH, switches, grads, ops):
        """dL/d(output) -> dL/dZ; kernel gradients added (tied: into the encoder's)."""
        for l, layer in enumerate(self.encoder.layers):
            U, O, H = cache[l]
            W, b = self._names(l)
            dO = self.activations[l].backward(dH, O, H, out=empty_like(O))
            dU, _, _ = conv.conv_transpose2d_backward(dO, U, params[W], layer.stride,
                                                      layer.padding, ops,
                                                      dW=grad_entry(grads, params, W),
                                                      db=grad_entry(grads, params, b))
            dH = conv.pool_gather(dU, switches[l], layer.pool, ops) if layer.pooled else dU
        return dH
