r"""Exercise ``tied_weights``: a tied autoencoder, decoder weights :math:`W_2 = W_1^\top` (review
§2.2); the gradient of the shared W is the sum of its two uses.

Reference: :class:`npae.Autoencoder` ``(latent_dim=h, activation="sigmoid",
loss="bce", tied=True)``, computed with its networks (:mod:`npae.exercises._networks`).
"""

from __future__ import annotations

from . import _networks
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "tied_weights"
TITLE = "a tied autoencoder (decoder = encoder transposed): the shared gradient"

STUB = '''"""Exercise 6 — tied weights: one matrix used twice.

Review §2.2: tying the decoder's weights to the encoder's transposed halves
the parameters.  With rows as samples, for a batch X of n rows:

    H  = sigmoid(X @ W + b1)      (n, d) @ (d, h) -> (n, h)   the code
    A2 = H @ W.T + b2             (n, h) @ (h, d) -> (n, d)   the logits
    L  = (1/n) Σ_i Σ_j [log(1 + exp(A2_ij)) − X_ij A2_ij]     (Bernoulli cross-entropy)

W is used by the encoder AND (transposed) by the decoder: its gradient is the
sum of the two contributions (the multivariate chain rule).

Write
    tied_backward(X, W, b1, b2) -> (loss, dW, db1, db2)
with W (d, h), b1 (h,), b2 (d,) and each gradient the shape of its parameter.

Check:  python -m npae exercise check tied_weights tied_weights.py
"""

import numpy as np


def tied_backward(X, W, b1, b2):
    raise NotImplementedError("return (loss, dW, db1, db2)")
'''

PARAMS = ("W", "b1", "b2")
#: (n, d, h); (6, 4, 4) has a square W, where a forgotten transpose keeps the shape.
SHAPES = [(5, 6, 3), (6, 4, 4), (1, 7, 2)]


def _cases(rng):
    out = []
    for n, d, h in draw_shapes(rng, SHAPES):
        args = (rng.uniform(size=(n, d)), rng.normal(size=(d, h)), rng.normal(scale=0.5, size=h),
                rng.normal(scale=0.5, size=d))
        out.append(Case(args, f"n, d, h = {n}, {d}, {h}", {"n": n}))
    return out


def _reference(X, W, b1, b2):
    value, g = _networks.loss_and_grads(X, {"W": W, "b1": b1, "b2": b2}, loss="bce", tied=True)
    return value, g["W"], g["b1"], g["b2"]


def _objective(X, W, b1, b2):
    params = {"W": W, "b1": b1, "b2": b2}
    return params, lambda p: _networks.loss_and_grads(X, p, loss="bce", tied=True)[0]


def _hints(case):
    X, W, b1, b2 = case.args
    n = case.sizes["n"]
    # The two uses of W, from the untied network with W1 = W, W2 = Wᵀ.
    _, g = _networks.loss_and_grads(X, {"W1": W, "b1": b1, "W2": W.T.copy(), "b2": b2},
                                    loss="bce")
    hints = [Hint(out, f"a sum over the samples where npae takes the mean (off by n = {n})",
                  factor=n) for out in ("loss", "dW", "db1", "db2")]
    hints += [
        Hint("dW", "only the encoder's use of W: add the decoder's contribution "
                   "(transposed back to (d, h))", alt=g["W1"]),
        Hint("dW", "only the decoder's use of W: add the encoder's contribution", alt=g["W2"].T),
        Hint("dW", "the decoder's contribution must be transposed back before it is added "
                   "(it is the gradient of Wᵀ)", alt=g["W1"] + g["W2"] if W.shape[0] == W.shape[1]
             else None),
        Hint("dW", "the two uses of W add up; you took their mean", alt=(g["W1"] + g["W2"].T) / 2),
    ]
    for grad, message in _networks.SIGMOID_MISTAKES:
        _, gw = _networks.loss_and_grads(X, {"W": W, "b1": b1, "b2": b2}, loss="bce", tied=True,
                                         hidden=_networks.wrong_derivative("sigmoid", grad))
        hints += [Hint("dW", message, alt=gw["W"]), Hint("db1", message, alt=gw["b1"])]
    return hints


PARTS = [Part("tied_backward", ("loss", "dW", "db1", "db2"), _reference, _cases,
              objective=_objective, grad_of={"dW": "W", "db1": "b1", "db2": "b2"}, hints=_hints,
              points=4)]
