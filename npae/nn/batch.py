"""The vectorized *batch* path: a minibatch is one matrix, every sum over the
observations i is a matrix product or an axis reduction.

Same functions, same signatures as :mod:`npae.nn.reference`; family code is
written once against either (see :func:`npae.nn.get_ops`).  Results are
written into :func:`npae.nn.workspace.empty` buffers: reused across training
steps inside ``Workspace.step()``, fresh arrays everywhere else.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg.blas

from .workspace import empty


VECTORIZED = True


def dense_forward(X, W, b):
    """A = X W + b, the review's h(Wx + b) with rows as samples (before h).

    (n, i) @ (i, o) + (o,) -> (n, o)
    """
    dtype = np.result_type(X, W, b)
    A = np.matmul(X, W, out=empty((X.shape[0], W.shape[1]), dtype))  # (n, i) @ (i, o)
    # + b on every row.  ``A += b`` would broadcast, for which NumPy allocates an
    # iterator buffer on every call; adding a same-shape array of copies of b does not.
    B = empty(A.shape, dtype)
    np.copyto(B, b)
    A += B
    return A


def dense_backward(dA, X, W, need_dX=True, dW=None, db=None):
    """Gradients of a dense layer given the upstream gradient dA = dL/dA.

    dW = Σ_i x^(i)ᵀ da^(i) = Xᵀ dA,  db = Σ_i da^(i),  dX = dA Wᵀ.

    ``need_dX=False`` skips the input gradient (the first layer of a network
    needs none: it is the data), which saves one of the three matrix products.
    ``dW``, ``db`` (optional arrays of the shapes of W and b): *add* the
    gradients into them, in place, and return them (the matrix product
    accumulates inside BLAS: no buffer, no extra pass); else they are new.
    """
    dtype = np.result_type(dA, X, W)
    if dW is None:
        dW = np.matmul(X.T, dA, out=empty(W.shape, dtype))  # (i, n) @ (n, o) -> (i, o)
    else:
        add_matmul(dW, X.T, dA)  # dW += (i, n) @ (n, o)
    if db is None:
        db = np.sum(dA, axis=0, out=empty(W.shape[1:], dtype))  # (o,)
    else:
        db += np.sum(dA, axis=0, out=empty(W.shape[1:], dtype))  # (o,)
    dX = None
    if need_dX:
        dX = np.matmul(dA, W.T, out=empty(X.shape, dtype))  # (n, o) @ (o, i) -> (n, i)
    return dX, dW, db


def add_matmul(C, A, B):
    """C += A @ B in place, and return C.

    NumPy's matmul can only overwrite its output; BLAS's gemm computes
    C ← A B + C in one call.  BLAS is column-major: a row-major (C-ordered)
    array is the column-major array of its transpose, so a C-ordered C is
    updated as Cᵀ ← Bᵀ Aᵀ + Cᵀ.  Operands are passed with transpose flags
    rather than copied.  Other dtypes and layouts fall back to ``C += A @ B``.
    """
    gemm = _GEMM.get(C.dtype)
    if gemm is None or A.dtype != C.dtype or B.dtype != C.dtype or C.size == 0:
        C += A @ B
        return C
    if C.flags.f_contiguous:  # column-major already (e.g. a tied weight's transpose)
        a, b, c = A, B, C
    elif C.flags.c_contiguous:
        a, b, c = B.T, A.T, C.T
    else:
        C += A @ B
        return C
    a, trans_a = _column_major(a)
    b, trans_b = _column_major(b)
    out = gemm(1.0, a, b, beta=1.0, c=c, trans_a=trans_a, trans_b=trans_b, overwrite_c=True)
    if out.ctypes.data != C.ctypes.data:  # the wrapper had to copy: write the result back
        c[...] = out
    return C


def _column_major(M):
    """(M or Mᵀ, transpose flag) such that what BLAS reads is column-major, without a copy."""
    if M.flags.f_contiguous:
        return M, False
    if M.flags.c_contiguous:
        return M.T, True  # Mᵀ is column-major; BLAS transposes it back
    return np.asfortranarray(M), False


_GEMM = {np.dtype(np.float32): scipy.linalg.blas.sgemm,
         np.dtype(np.float64): scipy.linalg.blas.dgemm}


def mean_over_samples(H):
    """(1/n) Σ_i h^(i): (n, h) -> (h,)"""
    return H.mean(axis=0)


def sum_over_samples(G):
    """Σ_i g^(i): (n, ...) -> (...)"""
    return G.sum(axis=0)
