"""2-D convolution, its transpose, max-pooling with switches and unpooling, by hand.

Channels-first arrays throughout: images ``X`` (n, c, h, w), kernels ``W``
(f, c, kh, kw), biases ``b`` (f,).  What every CNN library calls convolution
is a cross-correlation; with ``Xp`` the input zero-padded by (ph, pw) and
stride (sh, sw):

    Y[i, o, y, x] = b[o] + Σ_{c, u, v} W[o, c, u, v] · Xp[i, c, y·sh + u, x·sw + v],
    oh = ⌊(h + 2 ph − kh) / sh⌋ + 1,   ow likewise.

Its backward pass (derived in ``docs/convolution.md``):

    dX = Cᵀ dY   (a "full" correlation of dY with the flipped kernel),
    dW[o, c, u, v] = Σ_{i, y, x} dY[i, o, y, x] Xp[i, c, y sh + u, x sw + v],
    db[o] = Σ_{i, y, x} dY[i, o, y, x].

The *transposed* convolution (the decoder's upsampling) is Cᵀ itself, the
adjoint of the correlation C: ``conv_transpose2d_forward(Y, W, ...)`` maps
(n, f, oh, ow) to (n, c, h, w) with the *same* kernel array W (f, c, kh, kw)
(PyTorch's ``ConvTranspose2d`` weight layout), so a tied decoder reuses the
encoder's kernels.  Its backward swaps the roles: dY = C dOut, and the kernel
gradient is the correlation's with X := dOut, dY := Y.

Two paths, as for the dense layer: the reference path
(:mod:`npae.nn.conv_reference`: loops over examples and output positions)
and the batch path here (im2col: the windows of every example gathered into
one matrix by a strided view, then **one GEMM**; col2im: the adjoint, kh·kw
strided adds).  ``ops`` (:func:`npae.nn.get_ops`) selects the path.

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
from .workspace import empty

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
    """The im2col / col2im implementations of the three linear maps and the pooling."""

    @staticmethod
    def im2col(X, kernel_hw, stride, padding, out_hw):
        """Every window as a row: (n, c, h, w) -> (n·oh·ow, c·kh·kw), in the order
        (i, y, x) of the rows and (c, u, v) of the columns."""
        (kh, kw), (sh, sw), (ph, pw), (oh, ow) = kernel_hw, stride, padding, out_hw
        n, c = X.shape[:2]
        if ph or pw:
            Xp = np.zeros((n, c, X.shape[2] + 2 * ph, X.shape[3] + 2 * pw), dtype=X.dtype)
            Xp[:, :, ph:ph + X.shape[2], pw:pw + X.shape[3]] = X
        else:
            Xp = X
        win = sliding_window_view(Xp, (kh, kw), axis=(2, 3))  # (n, c, h', w', kh, kw), a view
        win = win[:, :, :(oh - 1) * sh + 1:sh, :(ow - 1) * sw + 1:sw]  # (n, c, oh, ow, kh, kw)
        cols = empty((n, oh, ow, c, kh, kw), X.dtype)
        np.copyto(cols, win.transpose(0, 2, 3, 1, 4, 5))
        return cols.reshape(n * oh * ow, c * kh * kw)

    @staticmethod
    def col2im(cols, shape, kernel_hw, stride, padding, out_hw):
        """The adjoint of :meth:`im2col`: each row added back over its window."""
        (kh, kw), (sh, sw), (ph, pw), (oh, ow) = kernel_hw, stride, padding, out_hw
        n, c, h, w = shape
        Xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
        C6 = cols.reshape(n, oh, ow, c, kh, kw).transpose(0, 3, 4, 5, 1, 2)  # (n, c, kh, kw, oh, ow)
        for u in range(kh):
            for v in range(kw):
                Xp[:, :, u:u + (oh - 1) * sh + 1:sh, v:v + (ow - 1) * sw + 1:sw] += C6[:, :, u, v]
        return Xp[:, :, ph:ph + h, pw:pw + w]

    @staticmethod
    def correlate(X, W, stride, padding, out_hw):
        n, f = X.shape[0], W.shape[0]
        cols = _batch.im2col(X, W.shape[2:], stride, padding, out_hw)
        Wm = W.reshape(f, -1)  # (f, c·kh·kw)
        Y2 = np.matmul(cols, Wm.T, out=empty((cols.shape[0], f), np.result_type(X, W)))
        # (n·oh·ow, c·kh·kw) @ (c·kh·kw, f) -> (n·oh·ow, f)
        Y = empty((n, f, *out_hw), Y2.dtype)
        np.copyto(Y, Y2.reshape(n, *out_hw, f).transpose(0, 3, 1, 2))
        return Y

    @staticmethod
    def _rows(G):
        """(n, f, oh, ow) -> (n·oh·ow, f), the row order of im2col."""
        n, f, oh, ow = G.shape
        G2 = empty((n, oh, ow, f), G.dtype)
        np.copyto(G2, G.transpose(0, 2, 3, 1))
        return G2.reshape(n * oh * ow, f)

    @staticmethod
    def correlate_input_adjoint(G, W, stride, padding, in_hw):
        f, c = W.shape[:2]
        G2 = _batch._rows(G)
        dcols = np.matmul(G2, W.reshape(f, -1), out=empty((G2.shape[0], W[0].size), G2.dtype))
        # (n·oh·ow, f) @ (f, c·kh·kw) -> (n·oh·ow, c·kh·kw)
        return _batch.col2im(dcols, (G.shape[0], c, *in_hw), W.shape[2:], stride, padding,
                             G.shape[2:])

    @staticmethod
    def correlate_kernel_adjoint(X, G, kernel_hw, stride, padding, out=None):
        cols = _batch.im2col(X, kernel_hw, stride, padding, G.shape[2:])
        G2 = _batch._rows(G)
        dW = np.matmul(G2.T, cols)  # (f, n·oh·ow) @ (n·oh·ow, c·kh·kw) -> (f, c·kh·kw)
        dW = dW.reshape(G.shape[1], X.shape[1], *kernel_hw)
        if out is None:
            return dW
        out += dW
        return out

    @staticmethod
    def _blocks(X, size, out_hw):
        """(n, c, h, w) -> (n, c, oh, ow, ph·pw): the windows, cropped to whole ones."""
        n, c = X.shape[:2]
        (oh, ow), (ph, pw) = out_hw, size
        B = X[:, :, :oh * ph, :ow * pw].reshape(n, c, oh, ph, ow, pw)
        return B.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, ph * pw)

    @staticmethod
    def max_pool(X, size):
        out_hw = (X.shape[2] // size[0], X.shape[3] // size[1])
        B = _batch._blocks(X, size, out_hw)
        S = np.argmax(B, axis=-1)  # (n, c, oh, ow), first maximum on ties
        return np.take_along_axis(B, S[..., None], axis=-1)[..., 0], S

    @staticmethod
    def unpool(P, switches, size, in_hw):
        n, c, oh, ow = P.shape
        ph, pw = size
        B = np.zeros((n, c, oh, ow, ph * pw), dtype=P.dtype)
        np.put_along_axis(B, switches[..., None], P[..., None], axis=-1)
        U = np.zeros((n, c, *in_hw), dtype=P.dtype)
        U[:, :, :oh * ph, :ow * pw] = B.reshape(n, c, oh, ow, ph, pw).transpose(
            0, 1, 2, 4, 3, 5).reshape(n, c, oh * ph, ow * pw)
        return U

    @staticmethod
    def pool_gather(U, switches, size):
        B = _batch._blocks(U, size, switches.shape[2:])
        return np.take_along_axis(B, switches[..., None], axis=-1)[..., 0]


# ---------------------------------------------------------- the layer maths
def _check(X, W, name):
    if X.ndim != 4 or W.ndim != 4 or X.shape[1] != W.shape[1 if name == "X" else 0]:
        raise ValueError(f"{name} of shape {X.shape} does not fit kernels of shape {W.shape} "
                         "(channels-first (n, c, h, w) and (f, c, kh, kw))")


def conv2d_forward(X, W, b, stride, padding, ops):
    """Y = C_W X + b: the correlation of each image with each kernel, plus its bias.

    Parameters
    ----------
    X : ndarray of shape (n, c, h, w)
    W : ndarray of shape (f, c, kh, kw)
    b : ndarray of shape (f,)
    stride, padding : (int, int)
    ops : module
        :mod:`npae.nn.batch` or :mod:`npae.nn.reference` (selects the path).

    Returns
    -------
    Y : ndarray of shape (n, f, oh, ow)
    """
    _check(X, W, "X")
    out_hw = conv_output_hw(X.shape[2:], W.shape[2:], stride, padding)
    Y = _path(ops).correlate(X, W, stride, padding, out_hw)
    Y += b[:, None, None]
    return Y


def conv2d_backward(dY, X, W, stride, padding, ops, need_dX=True, dW=None, db=None):
    """Gradients of :func:`conv2d_forward` given dY = dL/dY (n, f, oh, ow).

    Returns (dX (n, c, h, w) or None, dW (f, c, kh, kw), db (f,)); given
    ``dW``, ``db`` the gradients are *added* into them, in place.
    """
    P = _path(ops)
    dW = P.correlate_kernel_adjoint(X, dY, W.shape[2:], stride, padding, out=dW)
    db_new = ops.sum_over_samples(dY.sum(axis=(2, 3)))  # Σ_i Σ_{y,x} dY[i, :, y, x]
    if db is None:
        db = db_new
    else:
        db += db_new
    dX = P.correlate_input_adjoint(dY, W, stride, padding, X.shape[2:]) if need_dX else None
    return dX, dW, db


def conv_transpose2d_forward(Y, W, b, stride, padding, out_hw, ops):
    """X = C_Wᵀ Y + b: the transposed convolution, the adjoint of :func:`conv2d_forward`'s
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
    """Gradients of :func:`conv_transpose2d_forward` given dX = dL/dX (n, c, h, w).

    dY = C_W dX (a plain correlation), dW[o, c, u, v] = Σ Y[i, o, y, x] dXp[i, c, y sh + u,
    x sw + v], db = Σ_{i, y, x} dX[i, :, y, x].  Returns (dY or None, dW, db), added into
    ``dW``, ``db`` if given.
    """
    P = _path(ops)
    dW = P.correlate_kernel_adjoint(dX, Y, W.shape[2:], stride, padding, out=dW)
    db_new = ops.sum_over_samples(dX.sum(axis=(2, 3)))
    if db is None:
        db = db_new
    else:
        db += db_new
    dY = P.correlate(dX, W, stride, padding, Y.shape[2:]) if need_dY else None
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
