"""Elementwise activations h = f(a) with their first and second derivatives.

Each activation is a small object with three methods:

- ``forward(a, out=None)``  -> ``h = f(a)``
- ``grad(a, h)``        -> ``f'(a)``   (may use ``h`` when that is cheaper,
  e.g. sigmoid: f' = h (1 - h), tanh: f' = 1 - h^2)
- ``grad2(a, h)``       -> ``f''(a)``  (needed by the gradient of the
  contractive penalty, whose value already contains f')
- ``backward(dh, a, h, out=None)`` -> ``dh * f'(a)``, the chain rule

``out`` (same shape and dtype as ``a``, never ``a`` itself) receives the
result when given: the training loop passes reused work buffers (see
:mod:`npae.nn.batch`).  The identity returns its input and ignores it.

``a`` is the pre-activation, ``h`` the activation; shapes are arbitrary and
preserved.  Everything is elementwise, so the same code serves the
per-example reference path and the batch path.

All functions are numerically safe: no overflow warnings for large ``|a|``
(sigmoid and softplus are written in their stable forms).
"""

from __future__ import annotations

import numpy as np

__all__ = ["Activation", "ACTIVATIONS", "get_activation"]


class Activation:
    """Base class: subclasses implement ``forward``, ``grad`` and ``grad2``.

    ``smooth`` is False for piecewise-linear units (ReLU family), whose
    derivative is taken almost everywhere (0 at the kink) and whose second
    derivative is 0.
    """

    name = "base"
    smooth = True

    def forward(self, a, out=None):
        raise NotImplementedError

    def grad(self, a, h):
        raise NotImplementedError

    def grad2(self, a, h):
        raise NotImplementedError

    def backward(self, dh, a, h, out=None):
        """Chain rule through the unit: dL/da = dL/dh * f'(a)."""
        return np.multiply(dh, self.grad(a, h), out=out)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Identity(Activation):
    name = "identity"

    def forward(self, a, out=None):
        return a

    def grad(self, a, h):
        return np.ones_like(a)

    def grad2(self, a, h):
        return np.zeros_like(a)

    def backward(self, dh, a, h, out=None):
        return dh  # f' = 1: skip the multiplication


class Sigmoid(Activation):
    r""":math:`h = 1 / (1 + e^{-a})`; :math:`f' = h(1-h)`; :math:`f'' = f'(1-2h)`."""

    name = "sigmoid"

    def forward(self, a, out=None):
        # 1/(1+exp(-a)) computed in place in one buffer: this is several times
        # faster than scipy.special.expit here.  exp(-a) overflows to inf for
        # a << 0, and 1/(1+inf) = 0 is the right limit, so the warning is
        # silenced rather than the input clipped.
        h = np.negative(a, out=out)
        with np.errstate(over="ignore"):
            np.exp(h, out=h)
        h += 1.0
        np.reciprocal(h, out=h)
        return h

    def grad(self, a, h):
        return h * (1.0 - h)

    def backward(self, dh, a, h, out=None):
        # dh * h (1 - h) in three passes over one buffer, no temporaries
        out = np.subtract(1.0, h, out=out)
        out *= h
        out *= dh
        return out

    def grad2(self, a, h):
        return h * (1.0 - h) * (1.0 - 2.0 * h)


class Tanh(Activation):
    r""":math:`h = \tanh(a)`; :math:`f' = 1 - h^2`; :math:`f'' = -2 h (1 - h^2)`."""

    name = "tanh"

    def forward(self, a, out=None):
        return np.tanh(a, out=out)

    def grad(self, a, h):
        return 1.0 - h * h

    def backward(self, dh, a, h, out=None):
        out = np.multiply(h, h, out=out)  # dh * (1 - h^2), no temporaries
        np.subtract(1.0, out, out=out)
        out *= dh
        return out

    def grad2(self, a, h):
        return -2.0 * h * (1.0 - h * h)


class ReLU(Activation):
    r""":math:`h = \max(a, 0)`; :math:`f' = \mathbb 1[a > 0]` (0 at the kink); :math:`f'' = 0` a.e."""

    name = "relu"
    smooth = False

    def forward(self, a, out=None):
        return np.maximum(a, 0.0, out=out)

    def grad(self, a, h):
        return (a > 0).astype(a.dtype)

    def backward(self, dh, a, h, out=None):
        # h = max(a, 0) >= 0, so sign(h) is the indicator 1[a > 0]: no boolean temporary
        out = np.sign(h, out=out)
        out *= dh
        return out

    def grad2(self, a, h):
        return np.zeros_like(a)


class LeakyReLU(Activation):
    r""":math:`h = a` if :math:`a > 0`, else :math:`\text{slope} \cdot a`."""

    name = "leaky_relu"
    smooth = False

    def __init__(self, slope=0.01):
        self.slope = slope

    def forward(self, a, out=None):
        h = np.where(a > 0, a, self.slope * a)
        if out is None:
            return h
        out[...] = h
        return out

    def grad(self, a, h):
        return np.where(a > 0, 1.0, self.slope).astype(a.dtype)

    def grad2(self, a, h):
        return np.zeros_like(a)

    def __repr__(self):
        return f"LeakyReLU(slope={self.slope})"


class Softplus(Activation):
    r""":math:`h = \log(1 + e^a)`; :math:`f' = \sigma(a)`; :math:`f'' = \sigma(a)(1 - \sigma(a))`."""

    name = "softplus"

    def forward(self, a, out=None):
        # log(1+e^a) = max(a, 0) + log1p(e^{-|a|}): no overflow for large |a|.
        return np.add(np.maximum(a, 0.0), np.log1p(np.exp(-np.abs(a))), out=out)

    def grad(self, a, h):
        return SIGMOID.forward(a)

    def backward(self, dh, a, h, out=None):
        out = SIGMOID.forward(a, out=out)  # f' = sigmoid(a), written into out
        out *= dh
        return out

    def grad2(self, a, h):
        s = SIGMOID.forward(a)
        return s * (1.0 - s)


SIGMOID = Sigmoid()

ACTIVATIONS = {
    "identity": Identity(),
    "linear": Identity(),
    "sigmoid": SIGMOID,
    "tanh": Tanh(),
    "relu": ReLU(),
    "leaky_relu": LeakyReLU(),
    "softplus": Softplus(),
}


def get_activation(name):
    """Return the activation object for ``name`` (or pass an Activation through).

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r}; expected one of "
            f"{sorted(ACTIVATIONS)} (or an npae.nn.activations.Activation instance)"
        )
    return ACTIVATIONS[name]
