"""A multilayer perceptron: a list of (dense, activation) layers.

Layer l computes ``A_l = H_{l-1} W_l + b_l`` and ``H_l = f_l(A_l)``, with rows
as samples (the review's ``h(W x + b)`` applied to every row).  ``forward``
keeps, per layer, exactly what ``backward`` needs: the layer input, the
pre-activation and the activation.  ``backward`` walks that cache in reverse.
Every array they compute comes from :func:`npae.nn.batch.empty`, so a
training step inside ``Workspace.step()`` reuses the previous step's buffers.

Parameters are not stored in the network: they live in a flat dict
``params`` with qualified names (``"encoder.0.W"``), so that several networks
can share one dict (and one flat buffer, see :mod:`npae.estimator.params`), an
optimizer can key its state by name, and a tied decoder can point at the
encoder's weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .activations import Activation, get_activation
from . import batch, reference
from .batch import empty_like

__all__ = ["Layer", "LayerCache", "MLP", "get_ops", "glorot_uniform", "he_normal", "init_weight",
           "SCHEMES"]


# ---------------------------------------------------------------------------
# Weight initialisation from a np.random.Generator
#
# - Glorot/Xavier uniform (Glorot & Bengio 2010): U(−r, r), r = sqrt(6 / (n_in + n_out)),
#   for identity, sigmoid, tanh and softplus units;
# - He normal (He et al. 2015): N(0, 2 / n_in), for the ReLU family.
#
# ``scheme="auto"`` picks by the layer's activation.  Biases start at zero.
# ---------------------------------------------------------------------------
def glorot_uniform(rng, n_in, n_out, dtype=np.float64):
    """(n_in, n_out) weights from U(−r, r), r = sqrt(6 / (n_in + n_out))."""
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, size=(n_in, n_out)).astype(dtype, copy=False)


def he_normal(rng, n_in, n_out, dtype=np.float64):
    """(n_in, n_out) weights from N(0, 2 / n_in)."""
    return (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(dtype, copy=False)


SCHEMES = {"glorot": glorot_uniform, "he": he_normal}


def init_weight(rng, n_in, n_out, activation, scheme="auto", dtype=np.float64):
    """Initialise one weight matrix; ``scheme`` is "auto", "glorot" or "he"."""
    if scheme == "auto":
        scheme = "he" if getattr(activation, "smooth", True) is False else "glorot"
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; expected 'auto', 'glorot' or 'he'")
    return SCHEMES[scheme](rng, n_in, n_out, dtype)


@dataclass(frozen=True)
class Layer:
    """One dense layer followed by an elementwise activation.

    Attributes
    ----------
    W, b : str
        Names of the weight (shape (n_in, n_out), or (n_out, n_in) when
        ``transpose``) and bias (shape (n_out,)) in the params dict.
    activation : Activation
    n_in, n_out : int
    transpose : bool
        Use ``W.T``: a tied decoder layer reuses an encoder weight.  Its
        gradient is transposed back and *added* to the encoder's.
    """

    W: str
    b: str
    activation: Activation
    n_in: int
    n_out: int
    transpose: bool = False


class LayerCache(NamedTuple):
    """What the forward pass of one layer keeps for its backward pass.

    H_in : (n, n_in) the layer's input;  A : (n, n_out) its pre-activation
    A = H_in W + b;  H : (n, n_out) its activation f(A).  Read it by name
    (``cache[l].H``), as CS231n's ``out, cache = layer_forward(...)``.
    """

    H_in: np.ndarray
    A: np.ndarray
    H: np.ndarray


class MLP:
    """A stack of :class:`Layer`.  Build one with :meth:`MLP.build`."""

    def __init__(self, layers):
        self.layers = list(layers)

    @classmethod
    def build(cls, prefix, sizes, activations, tied_to=None):
        """Layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``.

        Parameters
        ----------
        prefix : str
            Parameter names are ``f"{prefix}.{l}.W"`` and ``f"{prefix}.{l}.b"``.
        sizes : sequence of int, length L + 1
        activations : sequence of str or Activation, length L
        tied_to : MLP, optional
            Tie weights to the mirror image of this network: layer l uses
            ``tied_to.layers[L-1-l].W`` transposed.  Biases stay separate.
        """
        sizes = [int(s) for s in sizes]
        if len(activations) != len(sizes) - 1:
            raise ValueError(
                f"{prefix}: need one activation per layer ({len(sizes) - 1}), "
                f"got {len(activations)}"
            )
        layers = []
        L = len(sizes) - 1
        for l in range(L):
            act = get_activation(activations[l])
            if tied_to is None:
                W, transpose = f"{prefix}.{l}.W", False
            else:
                mirror = tied_to.layers[L - 1 - l]
                if (mirror.n_in, mirror.n_out) != (sizes[l + 1], sizes[l]):
                    raise ValueError("tied weights need a decoder that mirrors the encoder")
                W, transpose = mirror.W, True
            layers.append(Layer(W, f"{prefix}.{l}.b", act, sizes[l], sizes[l + 1], transpose))
        return cls(layers)

    @property
    def n_in(self):
        return self.layers[0].n_in

    @property
    def n_out(self):
        return self.layers[-1].n_out

    def param_shapes(self):
        """{name: shape} of the parameters this network owns (not tied ones)."""
        shapes = {}
        for layer in self.layers:
            if not layer.transpose:
                shapes[layer.W] = (layer.n_in, layer.n_out)
            shapes[layer.b] = (layer.n_out,)
        return shapes

    def init_params(self, rng, dtype=np.float64, scheme="auto"):
        """Fresh parameters: weights from :func:`init_weight`, zero biases."""
        params = {}
        for layer in self.layers:
            if not layer.transpose:
                params[layer.W] = init_weight(
                    rng, layer.n_in, layer.n_out, layer.activation, scheme, dtype
                )
            params[layer.b] = np.zeros(layer.n_out, dtype=dtype)
        return params

    def weight(self, params, layer):
        """The (n_in, n_out) matrix a layer multiplies by."""
        W = params[layer.W]
        return W.T if layer.transpose else W

    def forward(self, params, X, ops):
        """Run the network.

        Parameters
        ----------
        params : dict name -> ndarray
        X : ndarray of shape (n, n_in)
        ops : module
            :mod:`npae.nn.batch` or :mod:`npae.nn.reference`.

        Returns
        -------
        H : ndarray of shape (n, n_out)
            Output of the last activation.
        cache : list of :class:`LayerCache` (H_in, A, H), one per layer
        """
        cache = []
        H = X
        for layer in self.layers:
            A = ops.dense_forward(H, self.weight(params, layer), params[layer.b])
            # plain NumPy: H = f(A); ``out`` is a reused buffer inside a training step
            H_in, H = H, layer.activation.forward(A, out=empty_like(A))
            cache.append(LayerCache(H_in, A, H))
        return H, cache

    def backward(self, params, cache, dH, grads, ops, need_dX=True, dH_hidden=None):
        """Backpropagate ``dH = dL/dH_out`` through the cached forward pass.

        Gradients are *added* into ``grads`` (a dict keyed like ``params``;
        missing keys are created), so that several uses of a parameter — a
        tied weight, a shared encoder — accumulate.  ``dH`` is not modified.

        ``dH_hidden`` ({layer index l: array}) adds a term's own gradient with
        respect to the activation H_l of layer l (e.g. a sparsity penalty on a
        hidden layer) where the backward walk passes that layer; ``dH`` itself
        may be None when only such terms feed the network.

        Returns
        -------
        dX : ndarray of shape (n, n_in), or None when ``need_dX`` is False
        """
        dH_hidden = dH_hidden or {}
        for l in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[l]
            H_in, A, H = cache[l]
            if l in dH_hidden:
                dH = dH_hidden[l] if dH is None else dH + dH_hidden[l]
            if dH is None:
                # Nothing flows into the layers above the first injected term:
                # their gradient is zero, so there is nothing to add.
                continue
            dA = layer.activation.backward(dH, A, H, out=empty_like(A))  # (n, n_out)
            dW = grad_entry(grads, params, layer.W)
            dW = dW.T if layer.transpose else dW  # (n_in, n_out), a view into grads
            dH, _, _ = ops.dense_backward(dA, H_in, self.weight(params, layer),
                                          need_dX=(need_dX or l > 0), dW=dW,
                                          db=grad_entry(grads, params, layer.b))
        if dH is None and need_dX:
            dH = np.zeros_like(cache[0].H_in)  # no term depended on the network at all
        return dH


def grad_entry(grads, params, name):
    """grads[name], created as zeros (shaped like params[name]) the first time.

    For code that adds a gradient into it in place (``ops.dense_backward(...,
    dW=grad_entry(grads, params, name))``)."""
    if name not in grads:
        grads[name] = np.zeros_like(params[name])
    return grads[name]


def accumulate(grads, name, g):
    """grads[name] += g, creating the entry the first time (never aliasing g's caller)."""
    if name in grads:
        grads[name] += g
    else:
        grads[name] = np.array(g, copy=True)


def get_ops(vectorized=True):
    """Return the batch ops module (``vectorized=True``) or the per-example reference."""
    if not isinstance(vectorized, (bool,)) and vectorized not in (0, 1):
        raise TypeError(f"vectorized must be True or False, got {vectorized!r}")
    return batch if vectorized else reference
