"""Input validation shared by every estimator: clear errors, no silent coercion."""

from __future__ import annotations

import numbers
import sys
from collections.abc import Iterable

import os

import numpy as np

__all__ = ["NotFittedError", "TrainingDivergedError", "check_array", "check_output", "check_rng",
           "check_labels", "check_positive", "check_choice", "check_layer_sizes", "check_int",
           "check_real"]


class NotFittedError(ValueError, AttributeError):
    """Raised when a model is used before ``fit`` (or ``initialize``)."""


def not_fitted(message):
    """A :class:`NotFittedError`; once scikit-learn is imported, one that is also
    scikit-learn's ``NotFittedError`` (so its estimator checks and user code that
    catches scikit-learn's class see it), without npae importing scikit-learn."""
    sk = sys.modules.get("sklearn.exceptions")
    if sk is None:
        return NotFittedError(message)
    if sk not in _BOTH:
        _BOTH[sk] = type("NotFittedError", (NotFittedError, sk.NotFittedError),
                         {"__module__": __name__, "__doc__": NotFittedError.__doc__})
    return _BOTH[sk](message)


_BOTH = {}  # scikit-learn's exceptions module -> the class deriving from both


class InputTypeError(TypeError, ValueError):
    """Data of a kind npae cannot use (complex numbers); both a TypeError and, as
    scikit-learn expects, a ValueError."""


class TrainingDivergedError(FloatingPointError):
    """Raised when training diverges (a non-finite loss or parameters, or a loss that
    explodes); ``epoch`` is the 0-based epoch where it happened."""

    def __init__(self, message, epoch=None):
        super().__init__(message)
        self.epoch = epoch


def check_array(X, *, name="X", dtype=np.float64, n_features=None, unit_interval=False,
                min_samples=1, bernoulli_setting=("loss='bce'", "use loss='mse'"),
                estimator="the model"):
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
    estimator : str
        Who expects ``n_features`` columns, for the error message.

    The messages contain the phrases scikit-learn's ``check_estimator`` looks
    for ("Reshape your data", "0 feature(s) (shape=...) while a minimum of 1 is
    required", "X has 3 features, but ... is expecting 4 features as input",
    "Complex data not supported", "argument must be a ... string ... number").

    Raises
    ------
    TypeError
        Sparse matrices, masked arrays (the mask would be ignored), complex,
        datetime/timedelta or non-numeric data, object arrays holding anything
        but real numbers (those are converted, as scikit-learn does).
    ValueError
        Wrong rank, too few rows, wrong number of columns, NaN/inf, values
        outside [0, 1] when required.
    """
    if isinstance(X, (str, os.PathLike)):
        raise TypeError(f"{name} is a path ({os.fspath(X)!r}), not an array: fit and partial_fit "
                        "read a .npy path block by block, other methods take arrays; pass "
                        "np.load(path, mmap_mode='r')")
    arr = _as_numeric_array(X, name)
    if arr.ndim != 2:
        hint = (f"Reshape your data with {name}.reshape(1, -1) for one sample or "
                f"{name}.reshape(-1, 1) for one feature") if arr.ndim == 1 else \
               f"flatten images first, e.g. {name}.reshape(len({name}), -1)"
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_features), got shape {arr.shape}; {hint}"
        )
    if arr.shape[0] < min_samples:
        raise ValueError(f"{name} has {arr.shape[0]} sample(s) (shape={arr.shape}) while a "
                         f"minimum of {min_samples} samples is required")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has 0 feature(s) (shape={arr.shape}) while a minimum of 1 is "
                         "required; pass data with at least one column of features")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"{name} has {arr.shape[1]} features, but {estimator} is expecting {n_features} "
            f"features as input (it was fitted with {n_features}); pass data with the same "
            "columns as at fit time"
        )
    if np.issubdtype(arr.dtype, np.floating) and \
            np.finfo(arr.dtype).max > np.finfo(dtype).max and np.all(np.isfinite(arr)):
        # A downcast (float64 data, float32 model): finite values beyond its
        # range would become inf in the cast; name that, not "infinite values".
        big = np.max(np.abs(arr))  # in the input's precision: a longdouble may exceed float64's
        limit = float(np.finfo(dtype).max)
        if big > limit:
            shown = f"{float(big):.2g}" if np.isfinite(float(big)) else \
                np.format_float_scientific(big, precision=2, unique=False)  # beyond float64
            fix = "rescale the data" + (" or use dtype='float64'" if limit < np.finfo(
                np.float64).max else " (the largest float a model holds is float64's)")
            raise ValueError(
                f"{name} has values up to {shown} in absolute value, too large for "
                f"{np.dtype(dtype).name} (max {limit:.2g}); {fix}"
            )
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s); remove or impute them first"
        )
    if unit_interval and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(
            ("Negative values in data: " if arr.min() < 0 else "")
            + f"{name} has values in [{arr.min():.4g}, {arr.max():.4g}], but a Bernoulli "
            f"likelihood ({bernoulli_setting[0]}) needs targets in [0, 1]; rescale the data "
            f"(e.g. divide pixel values by 255) or {bernoulli_setting[1]}"
        )
    return arr


def _as_numeric_array(X, name):
    """``X`` as an ndarray of real numbers (or bools); everything else is a TypeError."""
    if hasattr(X, "toarray") and not isinstance(X, np.ndarray):
        raise TypeError(f"{name} is a sparse matrix; pass a dense array ({name}.toarray())")
    if isinstance(X, np.ma.MaskedArray):
        raise TypeError(f"{name} is a masked array, and npae would ignore its mask; fill or "
                        f"drop the masked entries first ({name}.filled(value) or "
                        f"{name}[~{name}.mask.any(axis=1)].data)")
    try:
        arr = np.asarray(X)
    except ValueError as exc:  # ragged nested sequences
        raise ValueError(f"{name} must be a rectangular array of numbers; its rows have "
                         f"different lengths or shapes ({exc})") from None
    except TypeError as exc:
        raise TypeError(f"{name} cannot be read as an array of numbers ({exc})") from None
    if arr.dtype.kind in "mM":
        how = (f"subtract a reference date, then e.g. ({name} - t0) / np.timedelta64(1, 's')"
               if arr.dtype.kind == "M" else f"e.g. {name} / np.timedelta64(1, 's') for seconds")
        raise TypeError(f"{name} holds {arr.dtype} values (dates or durations), not numbers; "
                        f"convert them explicitly: {how}")
    if arr.dtype.kind == "c" or (arr.dtype == object and any(
            isinstance(v, (complex, np.complexfloating)) for v in arr.ravel())):
        raise InputTypeError(f"Complex data not supported: {name} is complex ({arr.dtype}); npae "
                             f"works with real numbers only (pass {name}.real, or stack real "
                             "and imaginary parts as columns)")
    if arr.dtype == object:
        for v in arr.ravel():
            if isinstance(v, (str, bytes)) or not isinstance(v, (numbers.Real, np.bool_)):
                raise TypeError(f"{name} is an object array holding {type(v).__name__} values "
                                f"such as {v!r}: each argument must be a real number, not a "
                                "string or another object; convert or drop those columns "
                                "(every entry must be a number)")
        # Numbers stored as Python objects (e.g. a column taken from a table):
        # converted, as scikit-learn does; nothing else is.
        return arr.astype(np.float64)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(
            f"{name} must hold numbers, got dtype {arr.dtype}; convert it with "
            f"np.asarray({name}, dtype=float) after removing non-numeric columns"
        )
    return arr


def check_output(dtype, out, what, X=None):
    """``out`` if finite, else a ValueError naming the overflow (a finite input whose
    output is not finite: far outside the training range, or too large for ``dtype``)."""
    if np.all(np.isfinite(out)):
        return out
    span = "" if X is None else (f" (the input reaches |x| = {float(np.max(np.abs(X))):.3g}; "
                                 "was it scaled as the training data?)")
    raise ValueError(f"the {what} overflowed to inf or NaN in {np.dtype(dtype).name}{span}; "
                     "rescale the input as at fit time, or use dtype='float64'")


def unbox_labels(y, name="y"):
    """Labels stored as Python objects -> a plain array (integers or strings), as
    scikit-learn converts them; anything else is an "Unknown label type" error.
    Arrays of another dtype, and non-arrays, are returned as they are."""
    arr = np.asarray(y) if isinstance(y, (list, tuple, np.ndarray)) else None
    if arr is None or arr.dtype != object:
        return y
    values = list(arr.ravel())
    if all(isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in values):
        return np.asarray(values, dtype=np.int64).reshape(arr.shape)
    if all(isinstance(v, str) for v in values):
        return arr.astype(str)
    kinds = sorted({type(v).__name__ for v in values})
    raise ValueError(f"Unknown label type: {name} holds {', '.join(kinds)} values; class labels "
                     "are integers or strings")


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
