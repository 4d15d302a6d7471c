"""Exercise ``review_example``: the review's §1.3 network, forward, gradients and
one step of gradient descent by hand.

Reference: :class:`npae.Autoencoder` ``(latent_dim=1, activation="sigmoid",
loss="mse")``, the model of ``tutorials/first_autoencoder.py``, on
:func:`npae.datasets.make_review_example`.
"""

from __future__ import annotations

import numpy as np

from ..datasets import make_review_example
from ..families import Autoencoder
from . import _networks
from .grader import Case, Hint, Part

NAME = "review_example"
TITLE = "the review's §1.3 network (2 -> 1 sigmoid -> 2 linear): one gradient step by hand"

STUB = '''"""Exercise 4 — the review's §1.3 example: one gradient step by hand.

The network of §1.3 maps two correlated features to one code and back:

    encoder  z = q_θ(x) = sigmoid(x_1 w_{1,1} + x_2 w_{1,2} + b_1)
    decoder  x̂_j = p_φ(z) = z w_{2,j} + b_{2,j}        (linear output, j = 1, 2)

With rows as samples (npae's convention) that is, for a batch X of n rows,

    A = X @ W1 + b1,  Z = sigmoid(A),  X_hat = Z @ W2 + b2
    X (n, 2),  W1 (2, 1),  b1 (1,),  Z (n, 1),  W2 (1, 2),  b2 (2,),  X_hat (n, 2)

The loss is the review's eq. 2, L = ½ Σ_i ‖x^(i) − x̂^(i)‖², DIVIDED BY n
(npae's reduction: sum over features, mean over samples):

    L = (1/n) Σ_i ½ Σ_j (x_ij − x̂_ij)²

and one step of gradient descent is the review's eq. 1, Θ ← Θ − ε ∂L/∂Θ.

Write
    review_forward(X, W1, b1, W2, b2) -> (Z, X_hat, loss)
    review_gradients(X, W1, b1, W2, b2) -> (dW1, db1, dW2, db2)   (each the shape of its parameter)
    review_step(X, W1, b1, W2, b2, learning_rate) -> (W1, b1, W2, b2)   the new values
(do not modify the arrays you are given).  The review's ten observations are
npae.datasets.make_review_example(); tutorials/first_autoencoder.py walks
through the same network — try it on paper for the first observation first.

Check:  python -m npae exercise check review_example review_example.py
"""

import numpy as np


def review_forward(X, W1, b1, W2, b2):
    raise NotImplementedError("return (Z, X_hat, loss)")


def review_gradients(X, W1, b1, W2, b2):
    raise NotImplementedError("return (dW1, db1, dW2, db2)")


def review_step(X, W1, b1, W2, b2, learning_rate):
    raise NotImplementedError("return the updated (W1, b1, W2, b2)")
'''

PARAMS = ("W1", "b1", "W2", "b2")


def _model(X, W1, b1, W2, b2):
    """npae's §1.3 model with these weights."""
    ae = Autoencoder(hidden=(), latent_dim=1, activation="sigmoid", loss="mse").initialize(X)
    for name, value in zip(("encoder.0.W", "encoder.0.b", "decoder.0.W", "decoder.0.b"),
                           (W1, b1, W2, b2)):
        ae.params_[name][...] = value
    return ae


def _grads(X, *weights):
    _, g = _model(X, *weights).loss_and_grads(X)
    return tuple(g[k] for k in ("encoder.0.W", "encoder.0.b", "decoder.0.W", "decoder.0.b"))


def _forward(X, *weights):
    ae = _model(X, *weights)
    return ae.transform(X), ae.reconstruct(X), ae.loss_and_grads(X)[0]


def _step(X, W1, b1, W2, b2, learning_rate):
    # Eq. 1, Θ ← Θ − ε ∂L/∂Θ, on npae's gradients.
    return tuple(p - learning_rate * g for p, g in zip((W1, b1, W2, b2), _grads(X, W1, b1, W2, b2)))


def _draw_cases(rng, with_lr):
    """The review's data with the tutorial's weights, then random data and weights."""
    X = make_review_example()
    tutorial = (np.array([[0.3], [-0.2]]), np.array([0.1]), np.array([[0.5, -0.4]]),
                np.array([2.0, 2.0]))
    cases = [(X, tutorial, "the review's 10 observations, the tutorial's weights")]
    for n in (5, 1):
        weights = (rng.normal(scale=0.5, size=(2, 1)), rng.normal(scale=0.5, size=1),
                   rng.normal(size=(1, 2)), rng.normal(size=2))
        cases.append((rng.uniform(0.0, 6.0, size=(n, 2)), weights, f"{n} random observation(s)"))
    lr = (0.1,) if with_lr else ()
    return [Case((X, *w, *lr), label, {"n": X.shape[0]}) for X, w, label in cases]


def _objective(X, W1, b1, W2, b2, *_):
    params = dict(zip(PARAMS, (W1, b1, W2, b2)))
    return params, lambda p: _networks.loss_and_grads(X, p)[0]


def _scaling_hints(case, outputs):
    n = case.sizes["n"]
    hints = []
    for out in outputs:
        hints += [Hint(out, f"eq. 2 sums over the observations but npae takes the mean: "
                            f"divide by n (off by n = {n})", factor=n),
                  Hint(out, "twice the expected value: the ½ of eq. 2 cancels the 2 of the square",
                       factor=2.0),
                  Hint(out, "the sign: d/dx̂ of ½(x − x̂)² is +(x̂ − x)", factor=-1.0)]
    return hints


def _gradient_hints(case):
    X, *weights = case.args
    params = dict(zip(PARAMS, weights))
    hints = _scaling_hints(case, ("dW1", "db1", "dW2", "db2"))
    for grad, message in _networks.SIGMOID_MISTAKES:
        _, g = _networks.loss_and_grads(X, params, hidden=_networks.wrong_derivative("sigmoid",
                                                                                     grad))
        hints += [Hint("dW1", message, alt=g["W1"]), Hint("db1", message, alt=g["b1"])]
    return hints


def _forward_hints(case):
    X, W1, b1, W2, b2 = case.args
    A = X @ W1 + b1
    hints = [Hint("loss", f"eq. 2 sums over the observations but npae takes the mean: divide "
                          f"by n (off by n = {case.sizes['n']})", factor=case.sizes["n"]),
             Hint("loss", "twice the loss: the ½ of eq. 2 is missing", factor=2.0),
             Hint("loss", "a mean over the 2 features too: sum over features, mean over samples",
                  factor=0.5),
             Hint("Z", "the code is sigmoid(a): you returned the pre-activation a", alt=A)]
    return hints


def _step_hints(case):
    X, W1, b1, W2, b2, lr = case.args
    grads = _grads(X, W1, b1, W2, b2)
    hints = []
    for name, p, g in zip(PARAMS, (W1, b1, W2, b2), grads):
        hints += [Hint(name, "the step goes uphill: Θ ← Θ − ε ∂L/∂Θ (minus)",
                       alt=p + lr * g),
                  Hint(name, "the learning rate ε is missing from the step", alt=p - g),
                  Hint(name, "return the new parameters Θ − ε ∂L/∂Θ, not the step",
                       alt=-lr * g)]
    return hints


PARTS = [
    Part("review_forward", ("Z", "X_hat", "loss"), _forward, lambda rng: _draw_cases(rng, False),
         hints=_forward_hints, points=1),
    Part("review_gradients", ("dW1", "db1", "dW2", "db2"), _grads,
         lambda rng: _draw_cases(rng, False), objective=_objective,
         grad_of={"dW1": "W1", "db1": "b1", "dW2": "W2", "db2": "b2"}, hints=_gradient_hints,
         points=3),
    Part("review_step", PARAMS, _step, lambda rng: _draw_cases(rng, True), hints=_step_hints,
         points=1),
]
