r"""2-D convolution, its transpose, max-pooling with switches and unpooling, by hand.

Channels-first arrays throughout: images ``X`` (n, c, h, w), kernels ``W``
(f, c, kh, kw), biases ``b`` (f,).  What every CNN library calls convolution
is a cross-correlation; with ``Xp`` the input zero-padded by (ph, pw) and
stride (sh, sw):

.. math:: Y[i, o, y, x] = b[o] + \sum_{c, u, v} W[o, c, u, v]\, X_p[i, c, y\,s_h + u, x\,s_w + v],
          \qquad o_h = \Big\lfloor \frac{h + 2 p_h - k_h}{s_h} \Big\rfloor + 1, \ o_w \text{ likewise}.

Its backward pass (derived in ``docs/convolution.md``), with :math:`C^\top dY` a "full"
correlation of dY with the flipped kernel:

.. math:: dX &= C^\top dY, \\
          dW[o, c, u, v] &= \sum_{i, y, x} dY[i, o, y, x]\, X_p[i, c, y\,s_h + u, x\,s_w + v], \\
          db[o] &= \sum_{i, y, x} dY[i, o, y, x].

The *transposed* convolution (the decoder's upsampling) is :math:`C^\top` itself, the
adjoint of the correlation C: ``conv_transpose2d_forward(Y, W, ...)`` maps
(n, f, oh, ow) to (n, c, h, w) with the *same* kernel array W (f, c, kh, kw)
(PyTorch's ``ConvTranspose2d`` weight layout), so a tied decoder reuses the
encoder's kernels.  Its backward swaps the roles: dY = C dOut, and the kernel
gradient is the correlation's with X := dOut, dY := Y.

Two paths, as for the dense layer: the reference path
(:mod:`npae.nn.conv_reference`: loops over examples and output positions)
and the batch path here (im2col: the windows of every example gathered into
one matrix by a strided view, then **one GEMM**; col2im: the adjoint, kh·kw
strided adds; pooling: ph·pw strided comparisons).  ``ops`` (:func:`npae.nn.get_ops`)
selects the path.

Max-pooling is over non-overlapping ph × pw windows (``size`` = (ph, pw)); its *switches* (the
position of each maximum inside its window, first on ties) let the decoder
*unpool*: every pooled value goes back to its switch, zeros elsewhere
(Masci et al. 2011).  Max-pooling's backward is unpooling of the gradient
through the switches; unpooling's backward reads the gradient at them.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import conv_reference as _reference
from .batch import empty

__all__ = ["conv_output_hw", "pair", "conv2d_forward", "conv2d_backward",
           "conv_transpose2d_forward", "conv_transpose2d_backward",
           "max_pool", "unpool", "pool_gather"]


# ------------------------------------------------------------------ geometry
def pair(value, name, minimum):
    """``value`` (an int, or a pair of ints) as a tuple (a, b), each >= ``minimum``."""
    items = (value, value) if isinstance(value, numbers.Integral) else tuple(value)
    if len(items) != 2 or any(isinstance(v, bool) or not isinstance(v, numbers.Integral)
                              or v < minimum for v in items):
        raise ValueError(f"{name} must be an integer >= {minimum} or a pair of them, "
                         f"got {value!r}")
    return int(items[0]), int(items[1])


def conv_output_hw(in_hw, kernel_hw, stride, padding):
    """(oh, ow) of a correlation: ⌊(h + 2p − k) / s⌋ + 1 per axis.

    Raises ValueError when the padded input is smaller than the kernel.
    """
    out = []
    for size, k, s, p in zip(in_hw, kernel_hw, stride, padding):
        if size + 2 * p < k:
            raise ValueError(f"a {tuple(kernel_hw)} kernel does not fit a {tuple(in_hw)} input "
                             f"with padding {tuple(padding)}; use a smaller kernel or more padding")
        out.append((size + 2 * p - k) // s + 1)
    return tuple(out)


def _path(ops):
    return _batch if getattr(ops, "VECTORIZED", True) else _reference


# --------------------------------------------------------------- batch path
class _batch:
    """The im2col / col2im implementations of the three linear maps and the pooling.

    Layout: the window matrix is *channel-major*, ``cols`` (c·kh·kw, n·oh·ow) with
    rows in the order (c, u, v) and columns (i, y, x), and the output gradient is
    ``G₁`` (f, n·oh·ow).  Every product is then one GEMM with the long n·oh·ow side
    as its columns, and the gather and scatter copy whole (n, oh, ow) slabs whose
    last axis is contiguous on one side.
    """

    @staticmethod
    def im2col(X, kernel_hw, stride, padding, out_hw):
        """Every window as a column: (n, c, h, w) -> (c·kh·kw, n·oh·ow).

        The input is first copied once, zero-padded, in channel-major order (c, n, h', w'),
        so that each of the kh·kw slab copies has the same axis order on both sides.
        """
        (kh, kw), (sh, sw), (ph, pw), (oh, ow) = kernel_hw, stride, padding, out_hw
        n, c, h, w = X.shape
        Xp = empty((c, n, h + 2 * ph, w + 2 * pw), X.dtype)
        Xp[:, :, :ph], Xp[:, :, h + ph:] = 0, 0
        Xp[:, :, ph:h + ph, :pw], Xp[:, :, ph:h + ph, w + pw:] = 0, 0
        np.copyto(Xp[:, :, ph:h + ph, pw:w + pw], X.transpose(1, 0, 2, 3))
        cols = empty((c, kh, kw, n, oh, ow), X.dtype)
        for u in range(kh):
            for v in range(kw):
                cols[:, u, v] = Xp[:, :, u:u + (oh - 1) * sh + 1:sh, v:v + (ow - 1) * sw + 1:sw]
        return cols.reshape(c * kh * kw, n * oh * ow)

    @staticmethod
    def col2im(cols, shape, kernel_hw, stride, padding, out_hw):
        """The adjoint of :meth:`im2col`: each column added back over its window
        (accumulated in channel-major order, transposed once at the end)."""
        (kh, kw), (sh, sw), (ph, pw), (oh, ow) = kernel_hw, stride, padding, out_hw
        n, c, h, w = shape
        Xp = np.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
        C6 = cols.reshape(c, kh, kw, n, oh, ow)
        for u in range(kh):
            for v in range(kw):
                Xp[:, :, u:u + (oh - 1) * sh + 1:sh, v:v + (ow - 1) * sw + 1:sw] += C6[:, u, v]
        X = empty((n, c, h, w), cols.dtype)
        np.copyto(X, Xp[:, :, ph:ph + h, pw:pw + w].transpose(1, 0, 2, 3))
        return X

    @staticmethod
    def _channel_major(G):
        """(n, f, oh, ow) -> G₁ (f, n·oh·ow), the column order of im2col."""
        n, f, oh, ow = G.shape
        G1 = empty((f, n, oh, ow), G.dtype)
        np.copyto(G1, G.transpose(1, 0, 2, 3))
        return G1.reshape(f, n * oh * ow)

    @staticmethod
    def correlate(X, W, stride, padding, out_hw, cols=None):
        n, f = X.shape[0], W.shape[0]
        if cols is None:
            cols = _batch.im2col(X, W.shape[2:], stride, padding, out_hw)
        Y1 = np.matmul(W.reshape(f, -1), cols, out=empty((f, cols.shape[1]),
                                                         np.result_type(X, W)))
        # (f, c·kh·kw) @ (c·kh·kw, n·oh·ow) -> (f, n·oh·ow)
        Y = empty((n, f, *out_hw), Y1.dtype)
        np.copyto(Y, Y1.reshape(f, n, *out_hw).transpose(1, 0, 2, 3))
        return Y

    @staticmethod
    def correlate_input_adjoint(G, W, stride, padding, in_hw, G1=None):
        f, c = W.shape[:2]
        G1 = _batch._channel_major(G) if G1 is None else G1
        dcols = np.matmul(W.reshape(f, -1).T, G1, out=empty((W[0].size, G1.shape[1]), G1.dtype))
        # (c·kh·kw, f) @ (f, n·oh·ow) -> (c·kh·kw, n·oh·ow)
        return _batch.col2im(dcols, (G.shape[0], c, *in_hw), W.shape[2:], stride, padding,
                             G.shape[2:])

    @staticmethod
    def correlate_kernel_adjoint(X, G, kernel_hw, stride, padding, out=None, cols=None, G1=None):
        if cols is None:
            cols = _batch.im2col(X, kernel_hw, stride, padding, G.shape[2:])
        G1 = _batch._channel_major(G) if G1 is None else G1
        dW = np.matmul(G1, cols.T)  # (f, n·oh·ow) @ (n·oh·ow, c·kh·kw) -> (f, c·kh·kw)
        dW = dW.reshape(G.shape[1], X.shape[1], *kernel_hw)
        if out is None:
            return dW
        out += dW
        return out

    @staticmethod
    def _offsets(size, out_hw):
        """(u, v) and the strided slice of each window offset, in the order u·pw + v."""
        (ph, pw), (oh, ow) = size, out_hw
        return [(u * pw + v, (slice(None), slice(None), slice(u, u + oh * ph, ph),
                              slice(v, v + ow * pw, pw))) for u in range(ph) for v in range(pw)]

    @staticmethod
    def max_pool(X, size):
        out_hw = (X.shape[2] // size[0], X.shape[3] // size[1])
        offsets = _batch._offsets(size, out_hw)
        P = empty((*X.shape[:2], *out_hw), X.dtype)
        np.copyto(P, X[offsets[0][1]])
        for _, where in offsets[1:]:
            np.maximum(P, X[where], out=P)
        # the switch: the first offset holding the maximum (walked from the last)
        S = np.full(P.shape, offsets[-1][0], dtype=np.intp)
        for k, where in reversed(offsets[:-1]):
            S = np.where(X[where] == P, k, S)
        return P, S

    @staticmethod
    def unpool(P, switches, size, in_hw):
        U = np.zeros((*P.shape[:2], *in_hw), dtype=P.dtype)
        for k, where in _batch._offsets(size, P.shape[2:]):
            np.multiply(P, switches == k, out=U[where])
        return U

    @staticmethod
    def pool_gather(U, switches, size):
        P = np.zeros(switches.shape, U.dtype)
        for k, where in _batch._offsets(size, switches.shape[2:]):
            P += U[where] * (switches == k)
        return P


# ---------------------------------------------------------- the layer maths
def _check(X, W, name):
    if X.ndim != 4 or W.ndim != 4 or X.shape[1] != W.shape[1 if name == "X" else 0]:
        raise ValueError(f"{name} of shape {X.shape} does not fit kernels of shape {W.shape} "
                         "(channels-first (n, c, h, w) and (f, c, kh, kw))")


def conv2d_forward(X, W, b, stride, padding, ops, windows=None):
    """Y = C_W X + b: the correlation of each image with each kernel, plus its bias.

    Parameters
    ----------
    X : ndarray of shape (n, c, h, w)
    W : ndarray of shape (f, c, kh, kw)
    b : ndarray of shape (f,)
    stride, padding : (int, int)
    ops : module
        :mod:`npae.nn.batch` or :mod:`npae.nn.reference` (selects the path).
    windows : dict, optional
        On the batch path, X's im2col matrix is kept here (key "cols") so that
        :func:`conv2d_backward` given the same dict does not gather it again.

    Returns
    -------
    Y : ndarray of shape (n, f, oh, ow)
    """
    _check(X, W, "X")
    out_hw = conv_output_hw(X.shape[2:], W.shape[2:], stride, padding)
    P = _path(ops)
    if P is _batch and windows is not None:
        windows["cols"] = _batch.im2col(X, W.shape[2:], stride, padding, out_hw)
        Y = _batch.correlate(X, W, stride, padding, out_hw, cols=windows["cols"])
    else:
        Y = P.correlate(X, W, stride, padding, out_hw)
    Y += b[:, None, None]
    return Y


def conv2d_backward(dY, X, W, stride, padding, ops, need_dX=True, dW=None, db=None,
                    windows=None):
    """Gradients of :func:`conv2d_forward` given dY = dL/dY (n, f, oh, ow).

    Returns (dX (n, c, h, w) or None, dW (f, c, kh, kw), db (f,)); given
    ``dW``, ``db`` the gradients are *added* into them, in place.  ``windows``:
    the dict the forward pass filled (batch path), or None.
    """
    P = _path(ops)
    shared = {"G1": _batch._channel_major(dY)} if P is _batch else {}  # one layout copy
    cols = {"cols": windows["cols"]} if P is _batch and windows else {}
    dW = P.correlate_kernel_adjoint(X, dY, W.shape[2:], stride, padding, out=dW, **shared,
                                    **cols)
    db = _add_bias_grad(db, dY, ops)
    dX = P.correlate_input_adjoint(dY, W, stride, padding, X.shape[2:], **shared) \
        if need_dX else None
    return dX, dW, db


def _add_bias_grad(db, G, ops):
    """db + Σ_i Σ_{y,x} G[i, :, y, x] (a new array when db is None)."""
    db_new = ops.sum_over_samples(G.sum(axis=(2, 3)))
    if db is None:
        return db_new
    db += db_new
    return db


def conv_transpose2d_forward(Y, W, b, stride, padding, out_hw, ops):
    r""":math:`X = C_W^\top Y + b`: the transposed convolution, the adjoint of :func:`conv2d_forward`'s
    linear part on inputs of size ``out_hw``.

    Parameters
    ----------
    Y : ndarray of shape (n, f, oh, ow)
    W : ndarray of shape (f, c, kh, kw)
        The kernels of the correlation it is the transpose of.
    b : ndarray of shape (c,)
    stride, padding : (int, int)
    out_hw : (int, int)
        (h, w), the size a correlation maps to (oh, ow) (with stride > 1 several
        sizes do: this picks one).
    ops : module

    Returns
    -------
    X : ndarray of shape (n, c, h, w)
    """
    _check(Y, W, "Y")
    if conv_output_hw(out_hw, W.shape[2:], stride, padding) != tuple(Y.shape[2:]):
        raise ValueError(f"out_hw={tuple(out_hw)} is not an input size that this correlation "
                         f"maps to {tuple(Y.shape[2:])}")
    X = _path(ops).correlate_input_adjoint(Y, W, stride, padding, out_hw)
    X += b[:, None, None]
    return X


def conv_transpose2d_backward(dX, Y, W, stride, padding, ops, need_dY=True, dW=None, db=None):
    r"""Gradients of :func:`conv_transpose2d_forward` given dX = dL/dX (n, c, h, w).

    :math:`dY = C_W\, dX` (a plain correlation),
    :math:`dW[o, c, u, v] = \sum Y[i, o, y, x]\, dX_p[i, c, y\,s_h + u, x\,s_w + v]`,
    :math:`db = \sum_{i, y, x} dX[i, :, y, x]`.  Returns (dY or None, dW, db), added into
    ``dW``, ``db`` if given.
    """
    P = _path(ops)
    shared = {}
    if P is _batch:  # the windows of dX serve both products
        shared = {"cols": _batch.im2col(dX, W.shape[2:], stride, padding, Y.shape[2:])}
    dW = P.correlate_kernel_adjoint(dX, Y, W.shape[2:], stride, padding, out=dW, **shared)
    db = _add_bias_grad(db, dX, ops)
    dY = P.correlate(dX, W, stride, padding, Y.shape[2:], **shared) if need_dY else None
    return dY, dW, db


def max_pool(X, size, ops):
    """(P, switches): max over windows of ``size`` = (ph, pw):
    (n, c, h, w) -> (n, c, h // ph, w // pw)."""
    if X.shape[2] < size[0] or X.shape[3] < size[1]:
        raise ValueError(f"a {size[0]} x {size[1]} pooling window does not fit maps of size "
                         f"{tuple(X.shape[2:])}")
    return _path(ops).max_pool(X, tuple(size))


def unpool(P, switches, size, in_hw, ops):
    """Each pooled value back at its switch, zeros elsewhere: (n, c, oh, ow) -> (n, c, h, w).
    Also the backward pass of :func:`max_pool` (with P := dL/dP)."""
    return _path(ops).unpool(P, switches, tuple(size), in_hw)


def pool_gather(U, switches, size, ops):
    """U read at the switches: (n, c, h, w) -> (n, c, oh, ow); the backward of :func:`unpool`."""
    return _path(ops).pool_gather(U, switches, tuple(size))
