"""Linear-algebra helpers shared by :mod:`npae.classical.pca` and :mod:`npae.classical.linear_theory`."""

from __future__ import annotations

import numpy as np
import scipy.linalg

from .._validation import check_int


def _as_float_matrix(M, name):
    """Validate a 2-D, non-empty, finite real matrix and return a float64 copy.

    Data sets go through :func:`npae._validation.check_array`; this helper is for
    bases and weight matrices, whose messages talk about rows and columns.

    Parameters
    ----------
    M : array_like, shape (n_rows, n_cols)
    name : str
        Name used in the error messages.

    Returns
    -------
    M : ndarray of float64, shape (n_rows, n_cols)
        A new array (the caller's array is never modified).
    """
    try:
        arr = np.asarray(M)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(
            f"{name} must be a 2-D array of numbers; could not convert it to an array ({exc})."
        ) from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(
            f"{name} must contain real numbers, got an array of dtype {arr.dtype}; "
            f"convert it with np.asarray({name}, dtype=float)."
        )
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}.")
    if arr.ndim != 2:
        hint = (f" For a single column vector use {name}.reshape(-1, 1)."
                if arr.ndim == 1 else "")
        raise ValueError(
            f"{name} must be 2-D of shape (n_rows, n_columns), got shape {arr.shape}.{hint}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} has shape {arr.shape}; pass a non-empty matrix.")
    arr = np.array(arr, dtype=np.float64, copy=True)
    if not np.all(np.isfinite(arr)):
        n_bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {n_bad} NaN or infinite value(s); pass finite values."
        )
    return arr



def _check_k(value, name, high, high_desc):
    """An integer in ``[1, high]``; ``high_desc`` explains the upper bound in the error."""
    value = check_int(name, value)
    if value < 1 or value > high:
        raise ValueError(
            f"{name} must satisfy 1 <= {name} <= {high} ({high_desc}), got {value}."
        )
    return value


def _flip_rows(V):
    """Deterministic signs: make the largest-|.| entry of each row positive.

    This is scikit-learn's ``svd_flip(..., u_based_decision=False)`` convention
    (used by its PCA since version 1.5): the decision is made on the
    components themselves, never on the scores, so it does not depend on the
    order or number of samples. Ties go to the first such entry.

    Parameters
    ----------
    V : ndarray, shape (k, d)

    Returns
    -------
    V : ndarray, shape (k, d)
        A copy of ``V`` with some rows negated.
    signs : ndarray, shape (k,)
        The +1/-1 factors that were applied to the rows.
    """
    if V.shape[0] == 0:
        return V.copy(), np.ones(0)
    idx = np.argmax(np.abs(V), axis=1)
    signs = np.sign(V[np.arange(V.shape[0]), idx])
    signs[signs == 0] = 1.0
    return V * signs[:, None], signs


def _svd(M):
    """Thin SVD ``M = U diag(s) Vt`` with a fallback to the slower, safer driver."""
    try:
        return scipy.linalg.svd(M, full_matrices=False, lapack_driver="gesdd")
    except np.linalg.LinAlgError:  # pragma: no cover - rare gesdd convergence failure
        return scipy.linalg.svd(M, full_matrices=False, lapack_driver="gesvd")
