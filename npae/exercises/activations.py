"""Exercise ``activations``: f and f′ of sigmoid, tanh and ReLU (the review's §1.1).

Reference: :mod:`npae.nn.activations` (``forward(a)``, ``grad(a, h)``).
"""

from __future__ import annotations

import numpy as np

from ..nn.activations import ACTIVATIONS
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "activations"
TITLE = "f and f' of sigmoid, tanh and ReLU"

STUB = '''"""Exercise 1 — activations: f and f' of sigmoid, tanh and ReLU.

Review §1.1: a layer computes h = f(a) with a = W x + b (npae: A = X @ W + b,
rows are samples).  Backpropagation needs f'(a) (review eq. 1 and the chain
rule dL/da = dL/dh * f'(a)).

Write, elementwise, for an array ``a`` of ANY shape (return the same shape):

    sigmoid(a)         h = 1 / (1 + exp(-a))
    sigmoid_grad(a, h) f'(a), where h = sigmoid(a) is given (use it: it is cheaper)
    tanh(a)            h = tanh(a)
    tanh_grad(a, h)    f'(a), where h = tanh(a) is given
    relu(a)            h = max(a, 0)
    relu_grad(a, h)    f'(a): 1 where a > 0, else 0 (take 0 at the kink a = 0)

Shapes: a, h and every result have the same shape, e.g. (n,), (n, h) or (n, h, k).

Check:  python -m npae exercise check activations activations.py
"""

import numpy as np


def sigmoid(a):
    raise NotImplementedError("write h = sigmoid(a)")


def sigmoid_grad(a, h):
    raise NotImplementedError("write f'(a) of the sigmoid, using h")


def tanh(a):
    raise NotImplementedError("write h = tanh(a)")


def tanh_grad(a, h):
    raise NotImplementedError("write f'(a) of tanh, using h")


def relu(a):
    raise NotImplementedError("write h = max(a, 0)")


def relu_grad(a, h):
    raise NotImplementedError("write f'(a) of ReLU")
'''

#: shape patterns (npae.exercises._shapes): the sizes are drawn from the seed.
SHAPES = [(7,), (4, 3), (2, 3, 5)]


def _draw(rng, shape):
    a = rng.uniform(-6.0, 6.0, size=shape)
    # Keep clear of ReLU's kink so that central differences are meaningful.
    a[np.abs(a) < 1e-2] = 0.5
    return a


def _forward_part(name):
    act = ACTIVATIONS[name]

    def cases(rng):
        return [Case((_draw(rng, s),), f"a {s}", {}) for s in draw_shapes(rng, SHAPES)]

    def hints(case):
        (a,) = case.args
        return [Hint("h", "you returned f'(a) where f(a) belongs",
                     alt=act.grad(a, act.forward(a)))]

    return Part(name, ("h",), lambda a: (act.forward(a),), cases, hints=hints, points=1)


def _wrong_grads(name, a, h):
    """Known wrong f' for each unit: (array, message)."""
    common = [(h, "you returned f(a) (the activation) where f'(a) belongs")]
    if name == "sigmoid":
        return common + [(a * (1.0 - a), "h(1 − h) takes h = sigmoid(a), not a"),
                         (-h * (1.0 - h), "the sign is flipped: sigmoid' = h(1 − h) > 0")]
    if name == "tanh":
        return common + [(1.0 - a * a, "1 − h² takes h = tanh(a), not a"),
                         (1.0 - h, "tanh' is not 1 − h: check the power of h in d tanh(a)/da")]
    return common + [(np.ones_like(a), "ReLU' is 0 where a < 0, not 1 everywhere"),
                     ((a < 0).astype(float), "ReLU' is 1 where a > 0 (you have a < 0)")]


def _grad_part(name):
    act = ACTIVATIONS[name]

    def cases(rng):
        out = []
        for s in draw_shapes(rng, SHAPES):
            a = _draw(rng, s)
            out.append(Case((a, act.forward(a)), f"a {s}", {}))
        return out

    def objective(a, h):
        # d/da Σ f(a) = f'(a) elementwise.
        return {"a": a}, lambda p: float(np.sum(act.forward(p["a"])))

    def hints(case):
        a, h = case.args
        return [Hint("dh_da", msg, alt=alt) for alt, msg in _wrong_grads(name, a, h)]

    return Part(f"{name}_grad", ("dh_da",), lambda a, h: (act.grad(a, h),), cases,
                objective=objective, grad_of={"dh_da": "a"}, hints=hints, points=1)


PARTS = [p for name in ("sigmoid", "tanh", "relu") for p in (_forward_part(name),
                                                              _grad_part(name))]
