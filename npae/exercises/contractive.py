r"""Exercise ``contractive``: Rifai's closed-form penalty :math:`\lVert \partial h / \partial x \rVert_F^2` of a one-layer
sigmoid encoder and its gradient (review §2.5).

Reference: :func:`npae.nn.jacobian.contractive_penalty` on a one-layer
:class:`npae.nn.MLP` (any depth there; one layer here).
"""

from __future__ import annotations

import numpy as np

from ..nn import MLP, batch
from ..nn.jacobian import contractive_penalty
from . import _networks
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "contractive"
TITLE = "Rifai's contractive penalty of a sigmoid encoder and its gradient"

STUB = '''"""Exercise 8 — the contractive penalty (Rifai et al. 2011).

Review §2.5: the contractive autoencoder penalises the Frobenius norm of the
encoder's Jacobian, Ω = λ ‖J_q(x)‖²_F, averaged over the batch.  For ONE
sigmoid layer h = sigmoid(a), a = W^T x + b (npae: A = X @ W + b, rows are
samples) the Jacobian of sample i is J_jk = ∂h_ij/∂x_ik = h_ij (1 − h_ij) W_kj,
so the norm has Rifai's closed form

    Ω = λ (1/n) Σ_i Σ_j [h_ij (1 − h_ij)]² Σ_k W_kj²

Its gradient has TWO parts: W appears in the column norms Σ_k W_kj², and in
h (through a = X W + b), on which f'(a) = h (1 − h) depends (that part needs
the second derivative of the sigmoid).

Write
    contractive_penalty(X, W, b, lam) -> (value, dW, db)
with X (n, d), W (d, h), b (h,), lam a float; dW (d, h) and db (h,).

Check:  python -m npae exercise check contractive contractive.py
"""

import numpy as np


def contractive_penalty(X, W, b, lam):
    raise NotImplementedError("return (value, dW, db)")
'''

#: (n, d, h, lam)
SETTINGS = [(5, 6, 3, 0.3), (8, 4, 7, 1.7), (1, 5, 2, 0.05)]


def _penalty(X, W, b, lam, act="sigmoid"):
    """npae's Ω and its gradients for the encoder X -> act(X W + b)."""
    enc = MLP.build("encoder", (W.shape[0], W.shape[1]), [act])
    grads = {}
    value = contractive_penalty(enc, {"encoder.0.W": W, "encoder.0.b": b}, X, lam, batch, grads)
    return value, grads["encoder.0.W"], grads["encoder.0.b"]


def _cases(rng):
    return [Case((rng.uniform(size=(n, d)), rng.normal(size=(d, h)), rng.normal(scale=0.5, size=h),
                  lam), f"n, d, h = {n}, {d}, {h}, lam = {lam}", {"n": n, "lam": lam})
            for (n, d, h), lam in zip(draw_shapes(rng, [s[:3] for s in SETTINGS]),
                                      [s[3] for s in SETTINGS])]


def _reference(X, W, b, lam):
    return _penalty(X, W, b, lam)


def _objective(X, W, b, lam):
    params = {"W": W, "b": b}
    return params, lambda p: _penalty(X, p["W"], p["b"], lam)[0]


def _hints(case):
    X, W, b, lam = case.args
    n = case.sizes["n"]
    _, dW, db = _penalty(X, W, b, lam)
    # f'' taken as 0: the gradient of the column norms only.
    _, dW_norms, db_norms = _penalty(X, W, b, lam, _networks.wrong_derivative(
        "sigmoid", grad2=lambda a, h: np.zeros_like(a)))
    # f' not squared: Σ_j h(1 − h) ‖W_j‖² is the norm with f' replaced by its square root.
    unsquared = _networks.wrong_derivative("sigmoid", grad=lambda a, h: np.sqrt(h * (1 - h)))
    hints = [
        Hint("value", "f'(a_j) enters the norm squared",
             alt=_penalty(X, W, b, lam, unsquared)[0]),
        Hint("dW", "only the column-norm part: W also acts through f'(a) = h(1 − h), whose "
                   "derivative brings in the sigmoid's second derivative", alt=dW_norms),
        Hint("db", "db is not zero: b acts through f'(a) = h(1 − h) (the second-derivative "
                   "part)", alt=db_norms),
        Hint("dW", "only the second-derivative part: add the derivative of the column norms "
                   "Σ_k W_kj²", alt=dW - dW_norms),
    ]
    for out in ("value", "dW", "db"):
        hints += [Hint(out, f"a sum over the samples where npae takes the mean (off by n = {n})",
                       factor=n),
                  Hint(out, f"the weight λ = {lam} is missing", factor=1.0 / lam),
                  Hint(out, "the sign is flipped", factor=-1.0)]
    hints += [Hint(out, "twice the gradient: a factor 2 counted twice?", factor=2.0)
              for out in ("dW", "db")]
    hints += [Hint(out, "half the gradient: a square's factor 2 is missing",
                   factor=0.5) for out in ("dW", "db")]
    return hints


PARTS = [Part("contractive_penalty", ("value", "dW", "db"), _reference, _cases,
              objective=_objective, grad_of={"dW": "W", "db": "b"}, hints=_hints, points=4)]
