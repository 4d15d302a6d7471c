"""Exercise ``conv_backward``: the 2-D convolution layer (a cross-correlation with
stride, zero padding and a bias) and its three gradients, channels first.

Reference: :func:`npae.nn.conv.conv2d_forward` and :func:`npae.nn.conv.conv2d_backward`
on the batch path (im2col / col2im), derived in ``docs/convolution.md``.
"""

from __future__ import annotations

import numpy as np

from ..nn import batch, conv
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "conv_backward"
TITLE = "2-D convolution (stride, padding, bias) forward and its dX, dW, db"

STUB = '''"""Exercise 15 — the backward pass of a 2-D convolution layer.

Masci et al. (2011) build the convolutional autoencoder on this layer.
Channels first: images X (n, c, h, w), kernels W (f, c, kh, kw), biases b (f,).
What every CNN library calls convolution is a cross-correlation (the kernel
is NOT flipped).  With Xp the input zero-padded by p on each side of both
spatial axes, and the same stride s on both axes:

    Y[i, o, y, x] = b[o] + Σ_{c, u, v} W[o, c, u, v] · Xp[i, c, y·s + u, x·s + v]

    Y (n, f, oh, ow),   oh = ⌊(h + 2p − kh) / s⌋ + 1,   ow = ⌊(w + 2p − kw) / s⌋ + 1

Given the upstream gradient dY = dL/dY (n, f, oh, ow), the chain rule gives

    db[o]          = Σ_i Σ_{y, x} dY[i, o, y, x]
    dW[o, c, u, v] = Σ_i Σ_{y, x} dY[i, o, y, x] · Xp[i, c, y·s + u, x·s + v]
    dXp[i, c, y·s + u, x·s + v] += Σ_o dY[i, o, y, x] · W[o, c, u, v]   (every y, x, u, v)

and dX is dXp with the padding cropped off.  With stride 1, dX is a "full"
correlation of dY (padded by kh − 1, kw − 1) with the kernel flipped in both
spatial axes and its two channel axes swapped (docs/convolution.md, §2).

Write (stride s and padding p are Python ints; X and W are passed to the
gradients for their shapes and, in dW, X's values)
    conv2d_forward(X, W, b, stride, pad) -> Y     (n, f, oh, ow)
    conv2d_db(dY) -> db                           (f,)
    conv2d_dW(dY, X, W, stride, pad) -> dW        (f, c, kh, kw)
    conv2d_dX(dY, X, W, stride, pad) -> dX        (n, c, h, w)

Check:  python -m npae exercise check conv_backward conv_backward.py
"""

import numpy as np


def conv2d_forward(X, W, b, stride, pad):
    raise NotImplementedError("return Y")


def conv2d_db(dY):
    raise NotImplementedError("return db")


def conv2d_dW(dY, X, W, stride, pad):
    raise NotImplementedError("return dW")


def conv2d_dX(dY, X, W, stride, pad):
    raise NotImplementedError("return dX")
'''

#: Per case (sizes drawn from the seed, npae.exercises._shapes): (n, c, f) from 2..9,
#: (h, w) from 5..9 and (kh, kw) from 2..4, so the kernel always fits.  The first case
#: is square (c = f, h = w, kh = kw): W with its channel axes swapped keeps its shape
#: there and is recognised by value (elsewhere it fails with a shape error, which says
#: less).  The other two have c ≠ f, h ≠ w and kh ≠ kw.
CHANNELS = [(1, 4, 4), (4, 3, 5), (2, 6, 3)]
SPATIAL = [(6, 6), (6, 7), (8, 5)]
KERNELS = [(3, 3), (2, 3), (4, 2)]
#: stride and the range the padding is drawn from; a stride-2 case pads at least 1 so
#: that its output has at least 2 rows and columns (h ≥ 5 > kh).
STRIDES = (2, 1, 2)
PADS = ((1, 2), (0, 2), (1, 2))


def _draw(rng):
    """(X, W, b, dY, stride, pad) of each case."""
    out = []
    for (n, c, f), hw, khw, s, (lo, hi) in zip(
            draw_shapes(rng, CHANNELS), draw_shapes(rng, SPATIAL, 5, 9),
            draw_shapes(rng, KERNELS, 2, 4), STRIDES, PADS):
        p = int(rng.integers(lo, hi + 1))
        X, W, b = rng.normal(size=(n, c, *hw)), rng.normal(size=(f, c, *khw)), rng.normal(size=f)
        oh, ow = conv.conv_output_hw(hw, khw, (s, s), (p, p))
        out.append((X, W, b, rng.normal(size=(n, f, oh, ow)), s, p))
    return out


def _label(X, W, s, p):
    return f"X {X.shape}, W {W.shape}, stride {s}, pad {p}"


def _forward(X, W, b, s, p):
    return (conv.conv2d_forward(X, W, b, (s, s), (p, p), batch),)


def _backward(dY, X, W, s, p):
    """npae's (dX, dW, db) for stride s and padding p on both axes."""
    return conv.conv2d_backward(dY, X, W, (s, s), (p, p), batch)


def _swapped(W):
    return W.transpose(1, 0, 2, 3)


def _flipped(W):
    return W[:, :, ::-1, ::-1]


# ------------------------------------------------------------------ forward
def _forward_cases(rng):
    return [Case((X, W, b, s, p), _label(X, W, s, p)) for X, W, b, _, s, p in _draw(rng)]


def _forward_hints(case):
    X, W, b, s, p = case.args
    square = W.shape[0] == W.shape[1]
    return [
        Hint("Y", "the kernel is flipped: that is a true convolution — CNN layers (and npae) "
                  "compute the cross-correlation, W[o, c, u, v] times Xp[.., y·s + u, x·s + v]",
             alt=_forward(X, _flipped(W), b, s, p)[0]),
        Hint("Y", "the bias b[o] is missing", alt=_forward(X, W, 0 * b, s, p)[0]),
        Hint("Y", "W's first two axes read the wrong way round: W is (f, c, kh, kw), the "
                  "output channel first",
             alt=_forward(X, _swapped(W), b, s, p)[0] if square else None),
        Hint("Y", "the stride is missing: output (y, x) reads the window starting at "
                  "(y·s, x·s)", alt=_forward(X, W, b, 1, p)[0]),
        Hint("Y", "the padding is missing: X is zero-padded by p on each side first",
             alt=_forward(X, W, b, s, 0)[0]),
    ]


# ------------------------------------------------------------------ db
def _db_cases(rng):
    return [Case((dY,), f"dY {dY.shape}", {"n": dY.shape[0], "m": dY[0, 0].size})
            for *_, dY, _s, _p in _draw(rng)]


def _db(dY):
    return (conv._add_bias_grad(None, dY, batch),)


def _db_objective(dY):
    # L = Σ dY ⊙ (Y + b broadcast over i, y, x): its gradient in b is db.
    return ({"b": np.zeros(dY.shape[1])},
            lambda q: float(np.sum(dY * q["b"][:, None, None])))


def _db_hints(case):
    (dY,) = case.args
    n, m = case.sizes["n"], case.sizes["m"]
    return [
        Hint("db", "summed over the samples only: db[o] sums dY over i AND the positions y, x",
             alt=dY.sum(axis=0)),
        Hint("db", "summed over the positions only: db[o] sums dY over the samples i too",
             alt=dY.sum(axis=(2, 3))),
        Hint("db", "summed over the channels: db has one entry per output channel o (axis 1)",
             alt=dY.sum(axis=(1, 2, 3))),
        Hint("db", f"a mean where the sum belongs (off by 1/(n·oh·ow) = 1/{n * m}): every "
                   "sample and position uses the same b", factor=1.0 / (n * m)),
    ]


# ------------------------------------------------------------------ dW and dX
def _grad_cases(rng):
    return [Case((dY, X, W, s, p), _label(X, W, s, p), {"n": X.shape[0]})
            for X, W, b, dY, s, p in _draw(rng)]


def _objective(wrt):
    def objective(dY, X, W, s, p):
        # L = Σ dY ⊙ (X ⋆ W): its gradients in X and W are npae's dX and dW.
        fixed, zero = {"X": X, "W": W}, np.zeros(W.shape[0])

        def value(q):
            a = {**fixed, **q}
            return float(np.sum(dY * conv.conv2d_forward(a["X"], a["W"], zero, (s, s),
                                                         (p, p), batch)))
        return {wrt: fixed[wrt]}, value
    return objective


def _dw(dY, X, W, s, p):
    return (_backward(dY, X, W, s, p)[1],)


def _dw_hints(case):
    dY, X, W, s, p = case.args
    dW = _backward(dY, X, W, s, p)[1]
    return [
        Hint("dW", "the stride is missing: dY[i, o, y, x] multiplies the window starting at "
                   "(y·s, x·s), not (y, x)", alt=_backward(dY, X, W, 1, p)[1]),
        Hint("dW", "the kernel gradient is flipped in u, v: dW is a correlation of Xp with dY "
                   "(no flip)", alt=_flipped(dW)),
        Hint("dW", "the channel axes are swapped: dW has W's shape (f, c, kh, kw), the output "
                   "channel first", alt=_swapped(dW)),
        Hint("dW", f"a mean over the samples where the sum belongs (off by 1/n = "
                   f"1/{case.sizes['n']})", factor=1.0 / case.sizes["n"]),
    ]


def _dx(dY, X, W, s, p):
    return (_backward(dY, X, W, s, p)[0],)


def _dx_hints(case):
    dY, X, W, s, p = case.args
    padded = np.pad(X, ((0, 0), (0, 0), (p, p), (p, p)))
    square = W.shape[0] == W.shape[1]
    return [
        Hint("dX", "the kernel is not flipped: dX is a full correlation of dY with the "
                   "FLIPPED kernel (or: spread dY[i, o, y, x] · W[o, :, u, v] back over the "
                   "window it was read from)", alt=_backward(dY, X, _flipped(W), s, p)[0]),
        Hint("dX", "the padding is not cropped: dX has X's shape (n, c, h, w), the gradient "
                   "of Xp without its p border rows and columns",
             alt=_backward(dY, padded, W, s, 0)[0]),
        Hint("dX", "the channel axes of W are not swapped: the full correlation maps the f "
                   "channels of dY to the c channels of X with W[o, c] read as (c, o)",
             alt=_backward(dY, X, _swapped(W), s, p)[0] if square else None),
        Hint("dX", "the stride is missing: dY[i, o, y, x] goes back to the window starting "
                   "at (y·s, x·s), not (y, x)", alt=_backward(dY, X, W, 1, p)[0]),
    ]


PARTS = [
    Part("conv2d_forward", ("Y",), _forward, _forward_cases, hints=_forward_hints, points=2),
    Part("conv2d_db", ("db",), _db, _db_cases, objective=_db_objective, grad_of={"db": "b"},
         hints=_db_hints, points=1),
    Part("conv2d_dW", ("dW",), _dw, _grad_cases, objective=_objective("W"),
         grad_of={"dW": "W"}, hints=_dw_hints, points=2),
    Part("conv2d_dX", ("dX",), _dx, _grad_cases, objective=_objective("X"),
         grad_of={"dX": "X"}, hints=_dx_hints, points=3),
]
