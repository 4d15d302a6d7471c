"""A small deterministic train/test split, so that npae never needs scikit-learn."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

__all__ = ["train_test_split"]


def train_test_split(X, y=None, test_size=0.25, rng=0):
    """Shuffle and split rows into a training and a test part.

    A deterministic stand-in for ``sklearn.model_selection.train_test_split``:
    one permutation is drawn from ``np.random.default_rng(rng)``; the first
    ``n_test`` permuted rows form the test part.

    Parameters
    ----------
    X : array_like of shape (n_samples, ...)
    y : array_like of shape (n_samples, ...) or None, default None
    test_size : float in (0, 1) or int, default 0.25
        Fraction of rows (rounded up, as scikit-learn) or number of rows for the test part.
    rng : int, np.random.Generator or None, default 0

    Returns
    -------
    X_train, X_test : ndarray
        If ``y`` is None.
    X_train, X_test, y_train, y_test : ndarray
        If ``y`` is given (scikit-learn's order).
    """
    X = np.asarray(X)
    if X.ndim == 0:
        raise ValueError("X must have at least one dimension (rows are samples), got a scalar")
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"need at least 2 samples to split, got {n}")
    if y is not None:
        y = np.asarray(y)
        if y.ndim == 0 or y.shape[0] != n:
            raise ValueError(f"y must have {n} rows like X, got shape {y.shape}")
    if isinstance(test_size, (bool, np.bool_)):
        raise TypeError("test_size must be a float in (0, 1) or an int, got a bool")
    if isinstance(test_size, Integral):
        n_test = int(test_size)
        if not 1 <= n_test <= n - 1:
            raise ValueError(f"an integer test_size must be in [1, {n - 1}] for {n} samples, got {n_test}")
    elif isinstance(test_size, Real):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"a float test_size must be in (0, 1), got {test_size}")
        n_test = int(np.ceil(test_size * n))
        if n_test >= n:
            raise ValueError(f"test_size={test_size} leaves no training sample out of {n}; pass a smaller fraction")
    else:
        raise TypeError(f"test_size must be a float in (0, 1) or an int, got {type(test_size).__name__}")
    perm = np.random.default_rng(rng).permutation(n)
    test, train = perm[:n_test], perm[n_test:]
    if y is None:
        return X[train], X[test]
    return X[train], X[test], y[train], y[test]
