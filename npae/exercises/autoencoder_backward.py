"""Exercise ``autoencoder_backward``: every gradient of a one-hidden-layer
autoencoder (review §1.1–1.3, §2.2) with a sigmoid code and a Bernoulli
cross-entropy output from logits.

Reference: :class:`npae.Autoencoder` ``(latent_dim=h, activation="sigmoid",
loss="bce")``, computed with its networks (:mod:`npae.exercises._networks`).
"""

from __future__ import annotations

from ..nn.activations import SIGMOID
from . import _networks
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "autoencoder_backward"
TITLE = "a one-hidden-layer autoencoder (sigmoid code, cross-entropy output): every gradient"

STUB = '''"""Exercise 5 — backpropagation through a one-hidden-layer autoencoder.

Review §1.1–1.3: encoder q_θ, decoder p_φ, loss L(x, p_φ(q_θ(x))).  Here, for
a batch X of n rows (npae's convention, rows are samples):

    A1 = X @ W1 + b1        (n, d) @ (d, h) -> (n, h)
    H  = sigmoid(A1)        the code z = q_θ(x)
    A2 = H @ W2 + b2        (n, h) @ (h, d) -> (n, d)   the logits
    X_hat = sigmoid(A2)     the reconstruction p_φ(z), pixels in [0, 1]

    L = (1/n) Σ_i Σ_j −[x_ij log x̂_ij + (1 − x_ij) log(1 − x̂_ij)]
      = (1/n) Σ_i Σ_j [log(1 + exp(A2_ij)) − x_ij A2_ij]

(sum over the d features, mean over the n samples: npae's reduction).

Write
    autoencoder_backward(X, W1, b1, W2, b2) -> (loss, dW1, db1, dW2, db2)
with each gradient the shape of its parameter: W1 (d, h), b1 (h,), W2 (h, d),
b2 (d,).  Your dense_backward and activations exercises are the pieces;
differentiate the loss with respect to the logits A2 directly (it is simple).

Check:  python -m npae exercise check autoencoder_backward autoencoder_backward.py
"""

import numpy as np


def autoencoder_backward(X, W1, b1, W2, b2):
    raise NotImplementedError("return (loss, dW1, db1, dW2, db2)")
'''

PARAMS = ("W1", "b1", "W2", "b2")
GRADS = ("dW1", "db1", "dW2", "db2")
#: (n, d, h) patterns (npae.exercises._shapes): the sizes are drawn from the seed.
SHAPES = [(5, 6, 3), (8, 4, 7), (1, 9, 2)]


def _cases(rng):
    out = []
    for n, d, h in draw_shapes(rng, SHAPES):
        X = rng.uniform(size=(n, d))
        weights = (rng.normal(size=(d, h)), rng.normal(scale=0.5, size=h),
                   rng.normal(size=(h, d)), rng.normal(scale=0.5, size=d))
        out.append(Case((X, *weights), f"n, d, h = {n}, {d}, {h}", {"n": n}))
    return out


def _run(X, W1, b1, W2, b2, **kw):
    return _networks.loss_and_grads(X, dict(zip(PARAMS, (W1, b1, W2, b2))), loss="bce", **kw)


def _reference(*args):
    value, g = _run(*args)
    return (value, *(g[k] for k in PARAMS))


def _objective(X, W1, b1, W2, b2):
    params = dict(zip(PARAMS, (W1, b1, W2, b2)))
    return params, lambda p: _networks.loss_and_grads(X, p, loss="bce")[0]


def _alt(args, message, **kw):
    _, g = _run(*args, **kw)
    return [Hint(f"d{k}", message, alt=g[k]) for k in PARAMS]


def _hints(case):
    n = case.sizes["n"]
    hints = [Hint(out, f"a sum over the samples where npae takes the mean (off by n = {n})",
                  factor=n) for out in ("loss", *GRADS)]
    hints += [Hint(out, "the sign is flipped", factor=-1.0) for out in ("loss", *GRADS)]
    # σ' applied at the output although the fused loss already differentiated the sigmoid.
    output_sigmoid_grad = _networks.wrong_derivative(
        "identity", lambda a, h: SIGMOID.grad(a, SIGMOID.forward(a)))
    hints += _alt(case.args, "the cross-entropy from logits already includes the sigmoid: "
                             "do not multiply by σ'(A2) again", output=output_sigmoid_grad)
    for grad, message in _networks.SIGMOID_MISTAKES:
        # These mistakes change the encoder's gradients only (dW1, db1).
        hints += _alt(case.args, message, hidden=_networks.wrong_derivative("sigmoid", grad))[:2]
    # dL/dA2 = A2 − X: the squared error's gradient on the logits.
    _, g = _networks.loss_and_grads(case.args[0], dict(zip(PARAMS, case.args[1:])), loss="mse")
    hints += [Hint(f"d{k}", "you used the logits A2 where the reconstruction σ(A2) belongs",
                   alt=g[k]) for k in PARAMS]
    return hints


PARTS = [Part("autoencoder_backward", ("loss", *GRADS), _reference, _cases,
              objective=_objective, grad_of=dict(zip(GRADS, PARAMS)), hints=_hints, points=4)]
