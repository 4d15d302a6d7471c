"""Exercise ``rbm_cd1``: the Bernoulli–Bernoulli RBM's conditionals, its free
energy and the CD-1 estimate of the log-likelihood gradient, with the hidden
sample drawn from given uniforms so that the answer is deterministic
(Hinton 2002; Hinton & Salakhutdinov 2006; Hinton's practical guide, 2010).

Reference: :class:`npae.RBM` itself — ``transform``, ``inverse_transform``,
``free_energy`` and ``cd_gradient`` (k = 1, not persistent) — on the given
weights, its generator replaced by one that returns the given uniforms.
"""

from __future__ import annotations

import numpy as np

from ..families.rbm import RBM
from ..nn.activations import ACTIVATIONS, SIGMOID
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "rbm_cd1"
TITLE = "Bernoulli RBM: p(h|v), p(v|h), the free energy and the CD-1 gradient"

STUB = '''"""Exercise 16 — contrastive divergence (CD-1) for a Bernoulli RBM.

Hinton & Salakhutdinov (2006) pretrain their deep autoencoder as a stack of
RBMs.  Visible units v ∈ {0, 1}^d (grey levels in [0, 1] are read as
probabilities), hidden units h ∈ {0, 1}^m, weights W (d, m), visible biases
b (d,), hidden biases c (m,); rows are samples, σ(x) = 1 / (1 + exp(−x)):

    E(v, h) = −bᵀv − cᵀh − vᵀW h
    p(h_j = 1 | v) = σ(c_j + Σ_i v_i W_ij)      p(v_i = 1 | h) = σ(b_i + Σ_j W_ij h_j)
    F(v) = −log Σ_h exp(−E(v, h)) = −bᵀv − Σ_j log(1 + exp(c_j + Σ_i v_i W_ij))

CD-1 on a batch V0 (n, d), as in Hinton's practical guide (§3) and npae.RBM:

    P0 = p(h = 1 | V0)                       (n, m)  probabilities
    H0 = 1 where U < P0, else 0              (n, m)  the sampled hidden states;
                                                     U (n, m) uniforms on [0, 1), given
    V1 = p(v = 1 | H0)                       (n, d)  the reconstruction: probabilities,
                                                     driven by the SAMPLED states
    P1 = p(h = 1 | V1)                       (n, m)  probabilities

    dW = (V0ᵀ P0 − V1ᵀ P1) / n     db = mean over rows of (V0 − V1)
    dc = mean over rows of (P0 − P1)

(data statistics minus reconstruction statistics: the estimate of the
log-likelihood's gradient, which training ADDS, θ ← θ + ε dθ).  log(1 + eˣ)
overflows for x > 709 written naively: one case has such inputs.

Write
    rbm_conditionals(V, H, W, b, c) -> (p_h, p_v)
        V (n, d), H (n, m) binary; p_h = p(h = 1 | V) (n, m), p_v = p(v = 1 | H) (n, d)
    free_energy(V, W, b, c) -> F               (n,), one value per row of V
    cd1_gradient(V0, W, b, c, U) -> (dW, db, dc)   (d, m), (d,), (m,)

Check:  python -m npae exercise check rbm_cd1 rbm_cd1.py
"""

import numpy as np


def rbm_conditionals(V, H, W, b, c):
    raise NotImplementedError("return (p_h, p_v)")


def free_energy(V, W, b, c):
    raise NotImplementedError("return F")


def cd1_gradient(V0, W, b, c, U):
    raise NotImplementedError("return (dW, db, dc)")
'''

#: (n, d, m) patterns (sizes drawn from the seed).  Square first (d = m): W used
#: untransposed (or b for c) keeps the shape there and is recognised by value
#: (elsewhere it fails with a shape error, which says less); the last is one sample,
#: where a sum and a mean agree.
SHAPES = [(4, 6, 6), (5, 7, 4), (1, 3, 8)]
#: the scale of W in each free-energy case: the last one's total inputs reach the
#: thousands, where a naive log(1 + exp(x)) overflows.
FREE_ENERGY_SCALES = (1.0, 1.0, 1000.0)


class _Uniforms:
    """A stand-in generator whose ``random`` returns the given uniforms (npae's Bernoulli
    sample is ``rng.random(p.shape) < p``): the student's H0 and npae's are the same."""

    def __init__(self, U):
        self.U = U

    def random(self, shape, dtype=None):
        if tuple(shape) != self.U.shape:
            raise ValueError(f"uniforms of shape {self.U.shape} asked for {tuple(shape)}")
        return self.U


def _rbm(W, b, c):
    """An npae RBM (Bernoulli units, CD-1) holding the given parameters."""
    rbm = RBM(n_components=W.shape[1], k=1)
    rbm._check_settings()
    rbm.params_ = {"W": W, "b": b, "c": c}
    rbm.n_features_in_ = W.shape[0]
    return rbm


def _draw(rng, scales=(1.0, 1.0, 1.0)):
    """(V, W, b, c) of each case: grey levels V in [0, 1]."""
    return [(rng.uniform(size=(n, d)), rng.normal(scale=s, size=(d, m)),
             rng.normal(size=d), rng.normal(size=m))
            for (n, d, m), s in zip(draw_shapes(rng, SHAPES), scales)]


def _label(V, W):
    return f"V {V.shape}, W {W.shape}"


# ------------------------------------------------------------------ part 1
def _binary_states(rng, shape):
    """Hidden states with a unit on in every row (an all-zero row would hide W)."""
    H = (rng.random(shape) < 0.5).astype(np.float64)
    while not H.any(axis=1).all():  # redrawn from the same generator: reproducible
        H = (rng.random(shape) < 0.5).astype(np.float64)
    return H


def _conditionals_cases(rng):
    return [Case((V, _binary_states(rng, (V.shape[0], W.shape[1])), W, b, c), _label(V, W))
            for V, W, b, c in _draw(rng)]


def _conditionals(V, H, W, b, c):
    rbm = _rbm(W, b, c)
    return rbm.transform(V), rbm.inverse_transform(H)


def _conditionals_hints(case):
    V, H, W, b, c = case.args
    p_h, p_v = _conditionals(*case.args)
    square = W.shape[0] == W.shape[1]
    hints = []
    for out, p, x, unit in (("p_h", p_h, V @ W + c, "hidden"),
                            ("p_v", p_v, H @ W.T + b, "visible")):
        hints += [
            Hint(out, f"the sigmoid is missing: you returned the {unit} units' total input",
                 alt=x),
            Hint(out, "the sign: p(unit = 1) = σ(+total input) (you returned p(unit = 0))",
                 alt=1.0 - p),
        ]
    hints += [
        Hint("p_h", "the hidden bias c is missing", alt=SIGMOID.forward(V @ W)),
        Hint("p_h", "the visible bias b used where the hidden bias c belongs",
             alt=SIGMOID.forward(V @ W + b) if square else None),
        Hint("p_v", "W is not transposed: p(v = 1 | h) = σ(b + h Wᵀ) for rows h (W is (d, m))",
             alt=SIGMOID.forward(H @ W + b) if square else None),
        Hint("p_v", "the hidden bias c used where the visible bias b belongs",
             alt=SIGMOID.forward(H @ W.T + c) if square else None),
    ]
    return hints


# ------------------------------------------------------------------ part 2
def _overflowing(rng):
    """The cases, the last one redrawn until some total input exceeds 709 (exp overflows)."""
    cases = _draw(rng, FREE_ENERGY_SCALES)
    V, W, b, c = cases[-1]
    while (V @ W + c).max() <= 720:  # redrawn from the same generator: reproducible
        V, W, b, c = _draw(rng, FREE_ENERGY_SCALES)[-1]
    return cases[:-1] + [(V, W, b, c)]


def _free_energy_cases(rng):
    return [Case((V, W, b, c), _label(V, W) + (f", |W| ~ {s:g}" if s != 1 else ""))
            for (V, W, b, c), s in zip(_overflowing(rng), FREE_ENERGY_SCALES)]


def _free_energy(V, W, b, c):
    return (_rbm(W, b, c).free_energy(V),)


def _free_energy_hints(case):
    V, W, b, c = case.args
    softplus = ACTIVATIONS["softplus"].forward(V @ W + c).sum(axis=1)
    return [
        Hint("F", "the visible bias term −bᵀv is missing", alt=-softplus),
        Hint("F", "the visible bias term has the wrong sign: F = −bᵀv − Σ_j log(1 + e^x_j)",
             alt=V @ b - softplus),
        Hint("F", "the sum of log(1 + e^x_j) over the hidden units has the wrong sign: "
                  "F = −bᵀv − Σ_j log(1 + e^x_j)", alt=-(V @ b) + softplus),
        Hint("F", "the hidden bias c is missing inside log(1 + exp(c_j + vᵀW_:j))",
             alt=-(V @ b) - ACTIVATIONS["softplus"].forward(V @ W).sum(axis=1)),
    ]


# ------------------------------------------------------------------ part 3
def _cd1_cases(rng):
    return [Case((V, W, b, c, rng.random((V.shape[0], W.shape[1]))), _label(V, W),
                 {"n": V.shape[0]}) for V, W, b, c in _draw(rng)]


def _cd1(V0, W, b, c, U):
    grads, _ = _rbm(W, b, c).cd_gradient(V0, _Uniforms(U))
    return grads["W"], grads["b"], grads["c"]


def _statistics(V0, W, b, c, pos_h, drive_h, neg_h=None):
    """(dW, db, dc) from the hidden statistics of the data ``pos_h``, the states that drive
    the reconstruction ``drive_h`` and, if given, those paired with it ``neg_h``
    (default p(h | reconstruction)): how the mistakes below compute."""
    n = V0.shape[0]
    V1 = SIGMOID.forward(drive_h @ W.T + b)
    P1 = SIGMOID.forward(V1 @ W + c) if neg_h is None else neg_h
    return (V0.T @ pos_h - V1.T @ P1) / n, (V0 - V1).mean(axis=0), (pos_h - P1).mean(axis=0)


def _cd1_hints(case):
    V0, W, b, c, U = case.args
    n = case.sizes["n"]
    P0 = SIGMOID.forward(V0 @ W + c)
    H0 = (U < P0).astype(np.float64)
    # (the mistake, the outputs it changes, what it gives for dW, db, dc)
    mistakes = [
        ("the data statistics used the sampled H0: ⟨v h⟩_data and ⟨h⟩_data take the "
         "probabilities P0 = p(h = 1 | V0)", "dW dc", _statistics(V0, W, b, c, H0, H0)),
        ("the reconstruction statistics used H0 (the states that drove the reconstruction): "
         "they take P1 = p(h = 1 | V1) of the reconstruction", "dW dc",
         _statistics(V0, W, b, c, P0, H0, H0)),
        ("the reconstruction was driven by the probabilities P0: it is driven by the sampled "
         "states H0 (the guide, §3.2)", "dW db dc", _statistics(V0, W, b, c, P0, P0)),
        ("H0 sampled the wrong way round: a unit is on (1) where U < P0, with probability P0",
         "dW db dc", _statistics(V0, W, b, c, P0, 1.0 - H0)),
    ]
    hints = []
    for k, out in enumerate(("dW", "db", "dc")):
        hints += [Hint(out, message, alt=alts[k]) for message, outs, alts in mistakes
                  if out in outs.split()]
        hints += [Hint(out, "the sign is swapped: data minus reconstruction statistics "
                            "(training adds them)", factor=-1.0),
                  Hint(out, f"not divided by the batch size n = {n}: the statistics are "
                            "means over the rows", factor=float(n))]
    return hints


PARTS = [
    Part("rbm_conditionals", ("p_h", "p_v"), _conditionals, _conditionals_cases,
         hints=_conditionals_hints, points=1),
    Part("free_energy", ("F",), _free_energy, _free_energy_cases, hints=_free_energy_hints,
         points=1),
    Part("cd1_gradient", ("dW", "db", "dc"), _cd1, _cd1_cases, hints=_cd1_hints, points=3),
]
