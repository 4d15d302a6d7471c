r"""Exercise ``contractive_deep``: the contractive penalty :math:`\lVert \partial h / \partial x \rVert_F^2` of a
TWO-layer sigmoid encoder and its gradient with respect to both layers
(review §2.5; Rifai et al. 2011 give the closed form for one layer only).

Reference: :func:`npae.nn.jacobian.contractive_penalty` on a two-layer
:class:`npae.nn.MLP` (the penalty of :class:`npae.ContractiveAutoencoder`).
"""

from __future__ import annotations

import numpy as np

from ..nn import MLP, batch
from ..nn.jacobian import contractive_penalty
from . import _networks
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "contractive_deep"
TITLE = "the contractive penalty of a two-layer sigmoid encoder and its gradient"

STUB = '''"""Exercise 14 — the contractive penalty of a deep encoder.

Review §2.5: Ω = λ (1/n) Σ_i ‖J(x_i)‖²_F, J the Jacobian of the code with
respect to the input.  For a TWO-layer sigmoid encoder (rows are samples)

    H1 = sigmoid(A1),  A1 = X @ W1 + b1        X (n, d), W1 (d, h1), b1 (h1,)
    H2 = sigmoid(A2),  A2 = H1 @ W2 + b2       W2 (h1, h2), b2 (h2,)

the chain rule gives, for one sample (D_l = diag(f'(a_l)), f'(a) = h (1 − h)),

    J = D2 W2ᵀ D1 W1ᵀ          shape (h2, d)

Rifai's one-layer closed form does not apply: ‖J‖²_F is not a sum or a
product of the two layers' own norms.  Every parameter acts through the D's
(the sigmoid's second derivative, f''(a) = f'(a) (1 − 2h)) and the weights
also act directly.

Write
    deep_contractive_penalty(X, W1, b1, W2, b2, lam) -> (value, dW1, db1, dW2, db2)
with value = Ω (a float, λ included) and each gradient of the parameter's shape.

Check:  python -m npae exercise check contractive_deep contractive_deep.py
"""

import numpy as np


def deep_contractive_penalty(X, W1, b1, W2, b2, lam):
    raise NotImplementedError("return (value, dW1, db1, dW2, db2)")
'''

PARAMS = ("W1", "b1", "W2", "b2")
GRADS = tuple(f"d{p}" for p in PARAMS)
#: (n, d, h1, h2) patterns (sizes drawn from the seed) and λ of each case.
SHAPES = [(4, 5, 3, 2), (1, 3, 4, 4), (5, 4, 4, 3)]
LAMS = (0.3, 1.7, 0.05)


def _penalty(X, W1, b1, W2, b2, lam, act="sigmoid"):
    """npae's Ω and its gradients for X -> act(act(X W1 + b1) W2 + b2)."""
    enc = MLP.build("encoder", (W1.shape[0], W1.shape[1], W2.shape[1]), [act, act])
    params = {"encoder.0.W": W1, "encoder.0.b": b1, "encoder.1.W": W2, "encoder.1.b": b2}
    grads = {}
    value = contractive_penalty(enc, params, X, lam, batch, grads)
    return (value, *(grads[f"encoder.{l}.{p}"] for l in (0, 1) for p in ("W", "b")))


def _one_layer(X, W, b, lam):
    enc = MLP.build("encoder", W.shape, ["sigmoid"])
    return contractive_penalty(enc, {"encoder.0.W": W, "encoder.0.b": b}, X, lam, batch)


def _cases(rng):
    out = []
    for (n, d, h1, h2), lam in zip(draw_shapes(rng, SHAPES), LAMS):
        args = (rng.uniform(size=(n, d)), rng.normal(size=(d, h1)), rng.normal(scale=0.5, size=h1),
                rng.normal(size=(h1, h2)), rng.normal(scale=0.5, size=h2), lam)
        out.append(Case(args, f"n, d, h1, h2 = {n}, {d}, {h1}, {h2}, lam = {lam}",
                        {"n": n, "lam": lam}))
    return out


def _objective(X, W1, b1, W2, b2, lam):
    params = dict(zip(PARAMS, (W1, b1, W2, b2)))
    return params, lambda p: _penalty(X, *(p[k] for k in PARAMS), lam)[0]


def _hints(case):
    X, W1, b1, W2, b2, lam = case.args
    n = case.sizes["n"]
    H1 = 1.0 / (1.0 + np.exp(-(X @ W1 + b1)))
    first, second = _one_layer(X, W1, b1, lam), _one_layer(H1, W2, b2, lam)
    # f'' taken as 0: the D's treated as constants.
    no_f2 = _penalty(*case.args, act=_networks.wrong_derivative(
        "sigmoid", grad2=lambda a, h: np.zeros_like(a)))
    hints = [
        Hint("value", "the two layers' own penalties added: ‖D2 W2ᵀ D1 W1ᵀ‖² is the norm of "
                      "the product, not a sum of norms", alt=first + second),
        Hint("value", "only the first layer's penalty: the code is H2, so J goes through "
                      "both layers", alt=first),
    ]
    for g, alt in zip(GRADS, no_f2[1:]):
        hints.append(Hint(g, "the second-derivative part is missing: the parameters also act "
                             "through f'(a) = h(1 − h) (f'' = f'(1 − 2h))", alt=alt))
    for out in ("value", *GRADS):
        hints += [Hint(out, f"a sum over the samples where npae takes the mean (off by n = {n})",
                       factor=float(n)),
                  Hint(out, f"the weight λ = {lam} is missing", factor=1.0 / lam),
                  Hint(out, "the sign is flipped", factor=-1.0)]
    return hints


PARTS = [Part("deep_contractive_penalty", ("value", *GRADS), _penalty, _cases,
              objective=_objective, grad_of=dict(zip(GRADS, PARAMS)), hints=_hints, points=5)]
