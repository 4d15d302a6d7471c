r"""The *reference* path of the convolution primitives: loops over the examples
and the output positions, each output the textbook sum.

Channels-first arrays: images ``X`` of shape (n, c, h, w), kernels ``W`` of
shape (f, c, kh, kw), stride (sh, sw), zero padding (ph, pw).  With ``Xp`` the
zero-padded input, the (cross-)correlation every CNN calls convolution is

.. math:: Y[i, o, y, x] = \sum_{c, u, v} W[o, c, u, v]\, X_p[i, c, y\,s_h + u, x\,s_w + v].

Slow on purpose: it exists to be read and to check the batch path
(:mod:`npae.nn.conv`), which must agree with it to round-off.  The three
linear maps here are the correlation, its adjoint with respect to the input
(the input gradient, which is also the transposed convolution) and its
adjoint with respect to the kernel (the kernel gradient); the public layer
functions in :mod:`npae.nn.conv` build the convolution, the transposed
convolution and their backward passes from them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["correlate", "correlate_input_adjoint", "correlate_kernel_adjoint",
           "max_pool", "unpool", "pool_gather"]


def _padded(X, padding):
    ph, pw = padding
    return np.pad(X, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def correlate(X, W, stride, padding, out_hw):
    r""":math:`Y[i, o, y, x] = \sum_{c,u,v} W[o,c,u,v]\, X_p[i, c, y\,s_h + u, x\,s_w + v]` (no bias).

    X (n, c, h, w), W (f, c, kh, kw) -> Y (n, f, oh, ow), ``out_hw`` = (oh, ow).
    """
    (sh, sw), (kh, kw), (oh, ow) = stride, W.shape[2:], out_hw
    Xp = _padded(X, padding)
    Y = np.empty((X.shape[0], W.shape[0], oh, ow), dtype=np.result_type(X, W))
    for i in range(X.shape[0]):
        for y in range(oh):
            for x in range(ow):
                patch = Xp[i, :, y * sh:y * sh + kh, x * sw:x * sw + kw]  # (c, kh, kw)
                # (f, c, kh, kw) · (c, kh, kw) summed over c, u, v -> (f,)
                Y[i, :, y, x] = np.tensordot(W, patch, axes=3)
    return Y


def correlate_input_adjoint(G, W, stride, padding, in_hw):
    r"""The adjoint of :func:`correlate` in its input: every output gradient
    G[i, :, y, x] is spread back over the window it was read from.

    .. math:: dX_p[i, c, y\,s_h + u, x\,s_w + v] \mathrel{+}= \sum_o G[i, o, y, x]\, W[o, c, u, v]

    G (n, f, oh, ow), W (f, c, kh, kw) -> (n, c, h, w), ``in_hw`` = (h, w).
    """
    (sh, sw), (ph, pw), (kh, kw) = stride, padding, W.shape[2:]
    h, w = in_hw
    n, _, oh, ow = G.shape
    dXp = np.zeros((n, W.shape[1], h + 2 * ph, w + 2 * pw), dtype=np.result_type(G, W))
    for i in range(n):
        for y in range(oh):
            for x in range(ow):
                # (f,) · (f, c, kh, kw) summed over f -> (c, kh, kw)
                dXp[i, :, y * sh:y * sh + kh, x * sw:x * sw + kw] += np.tensordot(
                    G[i, :, y, x], W, axes=1)
    return dXp[:, :, ph:ph + h, pw:pw + w]


def correlate_kernel_adjoint(X, G, kernel_hw, stride, padding, out=None):
    r"""The gradient of <G, correlate(X, W)> in W: a sum over examples and positions
    of each output gradient times the window it was read from.

    .. math:: dW[o, c, u, v] = \sum_i \sum_{y,x} G[i, o, y, x]\, X_p[i, c, y\,s_h + u, x\,s_w + v]

    X (n, c, h, w), G (n, f, oh, ow) -> (f, c, kh, kw); added into ``out`` if given.
    """
    (sh, sw), (kh, kw) = stride, kernel_hw
    Xp = _padded(X, padding)
    n, f, oh, ow = G.shape
    dW = np.zeros((f, X.shape[1], kh, kw), dtype=np.result_type(X, G)) if out is None else out
    for i in range(n):
        for y in range(oh):
            for x in range(ow):
                patch = Xp[i, :, y * sh:y * sh + kh, x * sw:x * sw + kw]  # (c, kh, kw)
                dW += np.multiply.outer(G[i, :, y, x], patch)  # (f,) x (c, kh, kw)
    return dW


def max_pool(X, size):
    """Max over non-overlapping windows of ``size`` = (ph, pw), and the switches.

    X (n, c, h, w) -> P (n, c, h // ph, w // pw) and switches (same shape,
    int): the flat index u·pw + v of the maximum inside its window, the first
    one on ties (``np.argmax``).  Rows and columns beyond the last whole window
    are dropped.
    """
    n, c, h, w = X.shape
    (ph, pw) = size
    oh, ow = h // ph, w // pw
    P = np.empty((n, c, oh, ow), dtype=X.dtype)
    S = np.empty((n, c, oh, ow), dtype=np.intp)
    for i in range(n):
        for y in range(oh):
            for x in range(ow):
                window = X[i, :, y * ph:(y + 1) * ph, x * pw:(x + 1) * pw]
                flat = window.reshape(c, ph * pw)  # (c, ph·pw)
                S[i, :, y, x] = np.argmax(flat, axis=1)
                P[i, :, y, x] = flat[np.arange(c), S[i, :, y, x]]
    return P, S


def unpool(P, switches, size, in_hw):
    """Masci et al.'s unpooling: each pooled value back at its switch, zeros elsewhere.

    P, switches (n, c, oh, ow) -> (n, c, h, w), ``in_hw`` = (h, w) the pooled
    input's size.  It is the adjoint of :func:`pool_gather` (and so the
    backward pass of max-pooling).
    """
    n, c, oh, ow = P.shape
    ph, pw = size
    U = np.zeros((n, c, *in_hw), dtype=P.dtype)
    for i in range(n):
        for y in range(oh):
            for x in range(ow):
                u, v = np.divmod(switches[i, :, y, x], pw)  # (c,), (c,)
                U[i, np.arange(c), y * ph + u, x * pw + v] = P[i, :, y, x]
    return U


def pool_gather(U, switches, size):
    """U read at the switches: (n, c, h, w) -> (n, c, oh, ow); max-pooling with
    fixed switches, the backward pass of :func:`unpool`."""
    n, c, oh, ow = switches.shape
    ph, pw = size
    P = np.empty((n, c, oh, ow), dtype=U.dtype)
    for i in range(n):
        for y in range(oh):
            for x in range(ow):
                u, v = np.divmod(switches[i, :, y, x], pw)
                P[i, :, y, x] = U[i, np.arange(c), y * ph + u, x * pw + v]
    return P
