"""Input validation shared by every estimator: clear errors, no silent coercion."""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

__all__ = ["NotFittedError", "TrainingDivergedError", "check_array", "check_rng",
           "check_labels", "check_positive", "check_choice", "check_layer_sizes", "check_int",
           "check_real"]


class NotFittedError(ValueError, AttributeError):
    """Raised when a model is used before ``fit`` (or ``initialize``)."""


class TrainingDivergedError(FloatingPointError):
    """Raised when training diverges (a non-finite loss or parameters, or a loss that
    explodes); ``epoch`` is the 0-based epoch where it happened."""

    def __init__(self, message, epoch=None):
        super().__init__(message)
        self.epoch = epoch


def check_array(X, *, name="X", dtype=np.float64, n_features=None, unit_interval=False,
                min_samples=1, bernoulli_setting=("loss='bce'", "use loss='mse'")):
    """Validate a 2-D numeric data matrix and return it as a C-contiguous ``dtype`` array.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    name : str
        Used in error messages.
    dtype : numpy float dtype
        The model's dtype.  Casting numbers to it is the only conversion made.
    n_features : int, optional
        Expected number of columns (the one seen at fit time).
    unit_interval : bool
        Require values in [0, 1] (targets of a Bernoulli likelihood).
    bernoulli_setting : (str, str)
        The model setting that asks for the Bernoulli likelihood and the
        remedy to suggest, for the error message.
    min_samples : int

    Raises
    ------
    TypeError
        Non-numeric or complex data.
    ValueError
        Wrong rank, too few rows, wrong number of columns, NaN/inf, values
        outside [0, 1] when required.
    """
    if hasattr(X, "toarray") and not isinstance(X, np.ndarray):
        raise TypeError(f"{name} is a sparse matrix; pass a dense array ({name}.toarray())")
    arr = np.asarray(X)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(
            f"{name} must hold numbers, got dtype {arr.dtype}; convert it with "
            f"np.asarray({name}, dtype=float) after removing non-numeric columns"
        )
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} is complex; npae works with real numbers only")
    if arr.ndim != 2:
        hint = (f"reshape it with {name}.reshape(1, -1) for one sample or "
                f"{name}.reshape(-1, 1) for one feature") if arr.ndim == 1 else \
               f"flatten images first, e.g. {name}.reshape(len({name}), -1)"
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_features), got shape {arr.shape}; {hint}"
        )
    if arr.shape[0] < min_samples:
        raise ValueError(f"{name} has {arr.shape[0]} samples; at least {min_samples} needed")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has 0 features; expected at least 1 column")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"{name} has {arr.shape[1]} features, but the model was fitted with "
            f"{n_features}; pass data with the same columns as at fit time"
        )
    if np.issubdtype(arr.dtype, np.floating) and \
            np.finfo(arr.dtype).max > np.finfo(dtype).max and np.all(np.isfinite(arr)):
        # A downcast (float64 data, float32 model): finite values beyond its
        # range would become inf in the cast; name that, not "infinite values".
        big = float(np.max(np.abs(arr)))
        limit = float(np.finfo(dtype).max)
        if big > limit:
            raise ValueError(
                f"{name} has values up to {big:.2g} in absolute value, too large for "
                f"{np.dtype(dtype).name} (max {limit:.2g}); rescale the data or use "
                "dtype='float64'"
            )
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s); remove or impute them first"
        )
    if unit_interval and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(
            f"{name} has values in [{arr.min():.4g}, {arr.max():.4g}], but a Bernoulli "
            f"likelihood ({bernoulli_setting[0]}) needs targets in [0, 1]; rescale the data "
            f"(e.g. divide pixel values by 255) or {bernoulli_setting[1]}"
        )
    return arr


def check_labels(y, n_samples=None, name="y", kind="int"):
    """Validate a 1-D label vector: the one label checker of npae.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
    n_samples : int, optional
        The expected length (the rows of ``X``).
    name : str
        Used in error messages.
    kind : {"int", "class", "any"}
        "int": integer labels (whole floats converted), returned as int64;
        "class": integers or strings (class names); "any": any values compared
        for equality only (metrics), floats included.

    Raises
    ------
    ValueError
        Missing labels (``None``), wrong shape or length, NaN or infinite labels.
    TypeError
        Labels of a type ``kind`` does not accept.
    """
    if y is None:
        raise ValueError(f"{name} is required: this model uses class labels; call fit(X, y)")
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D of shape (n_samples,), got shape {arr.shape}")
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(f"{name} has {arr.shape[0]} labels but X has {n_samples} samples; "
                         f"{name} must have {n_samples} entries, one per row")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite labels (missing labels?); every row "
                         "needs its label")
    if arr.dtype == object and any(v is None for v in arr):
        raise ValueError(f"{name} contains None (missing labels?); every row needs its label")
    if kind == "any":
        return arr
    if arr.dtype.kind in "iub" or (kind == "class" and arr.dtype.kind in "US"):
        return arr.astype(np.int64) if arr.dtype.kind in "ub" and kind == "int" else arr
    if arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
        return arr.astype(np.int64)
    what = "integer class labels" if kind == "int" else "class labels (integers or strings)"
    raise TypeError(f"{name} must hold {what}, got dtype {arr.dtype}")


def check_rng(rng):
    """An int seed, None or a Generator -> a Generator (never the global state)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    raise TypeError(
        f"expected an int seed, None or a np.random.Generator, got {type(rng).__name__}; "
        "the legacy np.random.RandomState is not supported"
    )


def check_int(name, value, minimum=None, maximum=None):
    """An integer (not a bool, not a float that happens to be whole) within bounds -> int."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_real(name, value, low=None, high=None, low_open=False, high_open=False):
    """A finite real number (not a bool, not a string) within bounds -> float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value):
        raise TypeError(f"{name} must be a finite real number, got {value!r}")
    value = float(value)
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


def check_positive(value, name, *, integer=False, allow_zero=False):
    """A positive (or non-negative) integer or finite real: :func:`check_int` or :func:`check_real`."""
    if integer:
        return check_int(name, value, minimum=0 if allow_zero else 1)
    return check_real(name, value, low=0.0, low_open=not allow_zero)


def check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; expected one of {sorted(choices)}")
    return value


def check_layer_sizes(value, name, allow_empty=False):
    """Layer sizes as a tuple of positive ints, from an int or a sequence of ints.

    Never rounds (3.7) or splits ("64" -> 6, 4) silently: anything but
    integers is a TypeError.  ``allow_empty`` accepts ``()`` (no hidden layer).
    """
    def is_int(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool)

    items = (value,) if is_int(value) else value
    if isinstance(value, (str, bytes)) or not isinstance(items, Iterable) \
            or not all(is_int(v) for v in tuple(items)):
        raise TypeError(f"{name} must be an int or a tuple of ints, got {value!r}")
    sizes = tuple(int(v) for v in items)
    if not allow_empty and (not sizes or min(sizes) < 1):
        raise ValueError(f"{name} must hold at least one positive layer size, got {value!r}")
    if sizes and min(sizes) < 1:
        raise ValueError(f"{name} sizes must be positive, got {value!r}")
    return sizes
