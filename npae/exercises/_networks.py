"""The one-hidden-layer autoencoder of the exercises, computed with npae's own
networks and losses — and the same network with a wrong activation derivative,
which is how the grader recognises the usual backpropagation mistakes.

    H = f(X W1 + b1)            (n, d) @ (d, h) -> (n, h)
    out = H W2 + b2             (n, h) @ (h, d) -> (n, d)   (W2 = W1ᵀ when tied)
    L = squared_error(out, X)   or   bernoulli_cross_entropy(out, X)  (out = logits)

Parameters are named as in the student's files: ``W1, b1, W2, b2`` (tied:
``W, b1, b2``); npae's names are ``encoder.0.W`` and so on.
"""

from __future__ import annotations

import numpy as np

from ..nn import MLP, batch
from ..nn.activations import SIGMOID, Activation, get_activation
from ..nn.losses import LOSSES

__all__ = ["loss_and_grads", "wrong_derivative", "SIGMOID_MISTAKES"]

_NPAE = {"W1": "encoder.0.W", "b1": "encoder.0.b", "W2": "decoder.0.W", "b2": "decoder.0.b",
         "W": "encoder.0.W"}


class _WrongDerivative(Activation):
    """f of ``base`` with f′ (or f″) replaced: a student's mistake, made on purpose."""

    def __init__(self, base, grad=None, grad2=None):
        self.base, self._grad, self._grad2 = get_activation(base), grad, grad2
        self.name = f"wrong {self.base.name}"

    def forward(self, a, out=None):
        return self.base.forward(a, out=out)

    def grad(self, a, h):
        return (self._grad or self.base.grad)(a, h)

    def grad2(self, a, h):
        return (self._grad2 or self.base.grad2)(a, h)


def wrong_derivative(base, grad=None, grad2=None):
    """The activation ``base`` with ``grad(a, h)`` as f′ and/or ``grad2(a, h)`` as f″."""
    return _WrongDerivative(base, grad, grad2)


#: The usual mistakes with a sigmoid hidden layer: (f′ used instead, the hint).
SIGMOID_MISTAKES = (
    (lambda a, h: np.ones_like(a),
     "the hidden layer's derivative f'(a) is missing from the chain rule"),
    (lambda a, h: h,
     "you multiplied by f(a) = h where f'(a) belongs"),
    (lambda a, h: SIGMOID.forward(h) * (1.0 - SIGMOID.forward(h)),
     "you applied the sigmoid to h again before taking f' (h is already sigmoid(a))"),
    (lambda a, h: a * (1.0 - a),
     "f' written with h was evaluated at the pre-activation a instead of h"),
)


def loss_and_grads(X, params, hidden="sigmoid", loss="mse", tied=False, output="identity"):
    """Loss and gradients (dict keyed like ``params``) of the one-hidden-layer autoencoder.

    ``hidden`` and ``output`` may be Activation objects (e.g. a
    :func:`wrong_derivative`); ``output`` is the decoder's last activation
    before the loss (with ``loss="bce"`` the loss takes the logits).
    """
    d, h = params["W" if tied else "W1"].shape
    enc = MLP.build("encoder", (d, h), [hidden])
    dec = MLP.build("decoder", (h, d), [output], tied_to=enc if tied else None)
    p = {_NPAE[k]: v for k, v in params.items()}
    H, enc_cache = enc.forward(p, X, batch)  # (n, d) -> (n, h)
    out, dec_cache = dec.forward(p, H, batch)  # (n, h) -> (n, d)
    value, dout = LOSSES[loss](out, X)
    grads = {}
    dH = dec.backward(p, dec_cache, dout, grads, batch)
    enc.backward(p, enc_cache, dH, grads, batch, need_dX=False)
    back = {_NPAE[k]: k for k in params}
    return value, {back[k]: g for k, g in grads.items()}
