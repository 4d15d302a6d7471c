"""Exercise ``losses``: squared error and Bernoulli cross-entropy from logits,
value and gradient, with npae's reduction (review §1.3, eq. 2).

Reference: :mod:`npae.nn.losses` (``squared_error``, ``bernoulli_cross_entropy``).
"""

from __future__ import annotations

import numpy as np

from ..nn.activations import SIGMOID
from ..nn.losses import bernoulli_cross_entropy, squared_error
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "losses"
TITLE = "squared error and cross-entropy from logits: value and gradient"

STUB = '''"""Exercise 2 — losses: value and gradient, with npae's reduction.

Review §1.3, eq. 2: L = ½ Σ_i ‖x^(i) − x̂^(i)‖², a sum over the n observations.
npae (and this exercise) uses ONE reduction everywhere: sum over the d
features, MEAN over the n samples of the batch, so eq. 2 is divided by n:

    squared_error(X_hat, X) -> (value, dX_hat)
        value  = (1/n) Σ_i ½ Σ_j (x̂_ij − x_ij)²
        dX_hat = dvalue/dX_hat

    bernoulli_cross_entropy(logits, X) -> (value, dlogits)
        the reconstruction is x̂ = sigmoid(a), a = logits; the loss is the
        Bernoulli negative log-likelihood, written from the logits:
        value   = (1/n) Σ_i Σ_j −[x_ij log σ(a_ij) + (1 − x_ij) log(1 − σ(a_ij))]
                = (1/n) Σ_i Σ_j [log(1 + exp(a_ij)) − x_ij a_ij]
        dlogits = dvalue/da   (simplify it: the sigmoid's derivative cancels)

Shapes: X_hat, logits, X are (n, d) with rows as samples; value is a float;
each gradient has the shape of its input (n, d).  X is in [0, 1] for the
cross-entropy.

Check:  python -m npae exercise check losses losses.py
"""

import numpy as np


def squared_error(X_hat, X):
    raise NotImplementedError("return (value, dX_hat)")


def bernoulli_cross_entropy(logits, X):
    raise NotImplementedError("return (value, dlogits)")
'''

SHAPES = [(1, 4), (5, 3), (8, 10)]


def _sizes(X):
    n, d = X.shape
    return {"n": n, "d": d}


def _reduction_hints(case, names, extra=()):
    """Ratio hints shared by both losses: the reduction and the sign."""
    n, d = case.sizes["n"], case.sizes["d"]
    hints = []
    for out in names:
        hints += [Hint(out, f"a sum over the samples where npae takes the mean: off by a "
                            f"factor n = {n}", factor=n),
                  Hint(out, f"a mean over the features as well: npae sums over the d = {d} "
                            f"features and averages over samples only", factor=1.0 / d),
                  Hint(out, f"a mean over all n·d = {n * d} entries: npae sums over the "
                            "features and averages over samples only", factor=1.0 / (n * d)),
                  Hint(out, "the sign is flipped", factor=-1.0)]
    return list(extra) + hints


def _se_cases(rng):
    return [Case((rng.normal(size=s), rng.normal(size=s)), f"X {s}", _sizes(np.zeros(s)))
            for s in draw_shapes(rng, SHAPES)]


def _se_objective(X_hat, X):
    return {"X_hat": X_hat}, lambda p: squared_error(p["X_hat"], X)[0]


def _se_hints(case):
    X_hat, X = case.args
    n = X.shape[0]
    return _reduction_hints(case, ("value", "dX_hat"), [
        Hint("value", "twice the loss: the ½ of the squared error is missing", factor=2.0),
        Hint("dX_hat", "twice the gradient: the ½ of the loss cancels the 2 of the square",
             factor=2.0),
        Hint("dX_hat", "the sign is flipped: which of x̂ and x comes first in d/dx̂ of "
                       "½(x̂ − x)²?", alt=(X - X_hat) / n),
    ])


def _bce_cases(rng):
    return [Case((rng.normal(scale=3.0, size=s), rng.uniform(size=s)), f"logits {s}",
                 _sizes(np.zeros(s))) for s in draw_shapes(rng, SHAPES)]


def _bce_objective(logits, X):
    return {"logits": logits}, lambda p: bernoulli_cross_entropy(p["logits"], X)[0]


def _bce_hints(case):
    a, X = case.args
    n = X.shape[0]
    s = SIGMOID.forward(a)
    return _reduction_hints(case, ("value", "dlogits"), [
        Hint("dlogits", "you used the logits a where the reconstruction x̂ = σ(a) belongs",
             alt=(a - X) / n),
        Hint("dlogits", "this is dL/dx̂ times σ'(a) with σ' applied twice — with logits the "
                        "sigmoid's derivative cancels", alt=(s - X) * s * (1 - s) / n),
    ])


PARTS = [
    Part("squared_error", ("value", "dX_hat"), squared_error, _se_cases,
         objective=_se_objective, grad_of={"dX_hat": "X_hat"}, hints=_se_hints, points=1),
    Part("bernoulli_cross_entropy", ("value", "dlogits"), bernoulli_cross_entropy, _bce_cases,
         objective=_bce_objective, grad_of={"dlogits": "logits"}, hints=_bce_hints, points=2),
]
