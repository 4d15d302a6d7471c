"""Training data that need not fit in memory: an ``np.memmap`` or a ``.npy`` path.

``fit`` and ``partial_fit`` accept, besides arrays, an ``np.memmap`` (or an
array viewing one) and the path of a ``.npy`` file, which is opened with
``np.load(path, mmap_mode="r")`` and never loaded whole.  Such data are
validated block by block (:func:`check_source`: the same checks and messages
as for arrays, on ``BLOCK_VALUES`` values at a time, before training starts)
and read one minibatch at a time (:func:`gather`), cast to the model's dtype,
so memory holds a block during validation, then a minibatch, never the data.

What still reads the data whole: ``optimizer="lbfgs"`` (one batch of
everything), a ``validation_fraction`` (the held-out rows are loaded), and a
family's ``_prepare_fit`` that takes statistics of ``X`` (the denoising
autoencoder's min and max), which reads through the mapping without a copy.
"""

from __future__ import annotations

import mmap
import os

import numpy as np

from .batches import BLOCK_VALUES, _memory_map, _open_npy, iter_minibatches

__all__ = ["is_out_of_core", "check_source", "gather", "minibatches", "BLOCK_VALUES"]


def is_out_of_core(X):
    """True for a path, an ``np.memmap`` or an array viewing one."""
    return isinstance(X, (str, os.PathLike)) or _memory_map(X) is not None


def _open(X, name):
    if not isinstance(X, (str, os.PathLike)):
        return X
    path = os.fspath(X)
    if not path.endswith(".npy"):
        raise ValueError(f"{name}: a path must name a .npy file (written by np.save), got "
                         f"{path!r}; load other formats yourself and pass the array")
    return _open_npy(path, name)  # memory-mapped, read-only (npae.estimator.batches)


def check_source(model, X, name="X", fitting=True):
    """Validate out-of-core data block by block; returns the memory map (not a copy).

    Each block of about ``BLOCK_VALUES`` values goes through the model's own
    validation (numeric, finite, the right number of columns, in [0, 1] for a
    Bernoulli likelihood); an error names the rows of the block.
    """
    X = _open(X, name)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"{name} must be 2-D of shape (n_samples, n_features) with at least "
                         f"one row, got shape {X.shape}; write the file as a 2-D array")
    n, d = X.shape
    rows = max(1, BLOCK_VALUES // max(d, 1))
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        model._validate_X(_block(X, start, stop), name=f"{name} (rows {start} to {stop - 1})",
                          fitting=fitting)
    return X


def _block(X, start, stop):
    """Rows [start, stop) of X, read from the file when X maps a whole file."""
    if not _whole_file_map(X):
        return X[start:stop]
    row = X.dtype.itemsize * X.shape[1]
    with open(X.filename, "rb") as fh:
        block = np.fromfile(fh, dtype=X.dtype, count=(stop - start) * X.shape[1],
                            offset=X.offset + start * row)
    return block.reshape(stop - start, X.shape[1])


def _whole_file_map(X):
    """True for an np.memmap of a whole file (not a view of one), read here by file reads.

    Pages read through a mapping count in the process's resident memory
    while the mapping lives, and on current Linux kernels a page fault maps
    a whole large folio of the page cache (up to megabytes) around the row
    touched: 256 random rows of a 600 MB file mapped 200 MB.  Reading the
    rows with ``pread`` instead copies just them; the file cache holds the
    rest, outside the process.
    """
    return (isinstance(X, np.memmap) and isinstance(X.base, mmap.mmap)
            and X.flags.c_contiguous and hasattr(os, "preadv"))


def gather(X, idx, dtype):
    """Rows ``X[idx]`` as a new in-memory array of ``dtype`` (reads only those rows)."""
    if not _whole_file_map(X):
        return np.asarray(X[idx], dtype=dtype)
    out = np.empty((len(idx), X.shape[1]), X.dtype)
    row = out.strides[0]
    fd = os.open(X.filename, os.O_RDONLY)
    try:
        for i, r in enumerate(idx.tolist()):
            os.preadv(fd, [out[i]], X.offset + r * row)  # into the row, no copy
    finally:
        os.close(fd)
    return out.astype(dtype, copy=False)


def minibatches(X, rows, batch_size, rng, dtype):
    """One epoch of minibatches: a fresh shuffle of the rows from ``rng``, then slices.

    The one place where training reads its data: every row through
    :func:`npae.estimator.batches.iter_minibatches` (block shuffling, memory-mapped data
    read a block at a time; up to ~8 million values the order is
    ``rng.permutation(n)``); a subset of rows (``validation_fraction``) by
    :func:`npae.estimator.sources.gather`.  ``Xb`` may be a reused buffer: it is
    valid until the next minibatch.

    Parameters
    ----------
    X : ndarray or np.memmap of shape (n_samples, n_features)
        Validated training data (see :mod:`npae.estimator.sources`).
    rows : ndarray of int or None
        The training rows (None: all); a ``validation_fraction`` holds the rest out.
    batch_size : int
    rng : np.random.Generator
        Draws the order (one permutation per epoch) and nothing else.
    dtype : numpy float dtype

    Yields
    ------
    idx : ndarray of shape (m,)
        Row numbers in ``X`` (to take the matching labels).
    Xb : ndarray of shape (m, n_features)
        ``X[idx]`` as ``dtype`` (m = batch_size, fewer for the last minibatch).
    """
    if rows is None:  # every row: block shuffling, one reused batch buffer (npae.estimator.batches)
        yield from iter_minibatches(X, batch_size, rng, dtype=dtype, check_finite=False)
        return
    n = len(rows)
    order = rows[rng.permutation(n)]
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield idx, gather(X, idx, dtype)
