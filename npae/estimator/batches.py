"""Minibatches from data in memory, memory-mapped, or in a ``.npy`` file.

Training touches the data only through minibatches, so the data need not fit
in memory: a ``np.memmap`` (or a ``.npy`` path, opened with
``np.load(path, mmap_mode="r")``) is read one *block* of contiguous rows at a
time.  One epoch:

1. the rows are cut into blocks of ``block_rows`` contiguous rows;
2. the *order of the blocks* is shuffled, then the *rows within each block*;
3. the epoch's row order is those blocks one after another, cut into
   minibatches of ``batch_size`` rows (a minibatch may span two blocks).

A memory-mapped source is copied block by block into one reused buffer (one
large sequential read, cast to the model's dtype, checked for NaN and
infinity), whose pages are then released from the process (they stay in the
operating system's file cache), so the resident memory is bounded by a
block, a minibatch and the model, not by the file.  An in-memory array of the
model's dtype is gathered from directly.  The row order depends only on the
number of rows, ``batch_size``, ``block_rows`` and the generator: the same
seed gives the same minibatches, bit for bit, in memory or memory-mapped.
With a single block (``block_rows >= n``, the default for small data) the
order is ``rng.permutation(n)``, a full shuffle.

Caveat: rows are only mixed within a block, so data stored sorted (by class,
by time) gives minibatches of similar rows; shuffle such a file once, or use
larger blocks.
"""

from __future__ import annotations

import mmap
import os

import numpy as np

from .._validation import check_int, check_rng

__all__ = ["as_data_source", "iter_minibatches", "epoch_order", "default_block_rows", "BLOCK_VALUES"]

#: values per block by default (reading and validation): 32 MB in float32, 64 MB in float64
BLOCK_VALUES = 1 << 23


def as_data_source(X, name="X", check_finite=True):
    """Validate training data without reading it all: a 2-D numeric array.

    Parameters
    ----------
    X : ndarray, np.memmap, str or os.PathLike
        Rows are observations.  A path must name a ``.npy`` file; it is opened
        memory-mapped (read-only), never loaded.
    name : str
        Used in error messages.
    check_finite : bool
        Scan an in-memory array for NaN and infinity (block by block, without
        a full-size temporary).  Memory-mapped data is not read here.

    Returns
    -------
    ndarray or np.memmap of shape (n_samples, n_features)
        ``X`` itself (no copy).  An in-memory array is checked for NaN and
        infinity here, block by block; a memory-mapped one as each block is
        read by :func:`iter_minibatches`.

    Raises
    ------
    TypeError
        Not an array or a path; not a numeric dtype.
    ValueError
        Not 2-D, no rows or no columns, a path that is not a ``.npy`` file, or
        NaN / infinity in an in-memory array.
    """
    if isinstance(X, (str, os.PathLike)):
        X = _open_npy(X, name)
    if not isinstance(X, np.ndarray):
        raise TypeError(
            f"{name} must be a NumPy array, a np.memmap or the path of a .npy file, got "
            f"{type(X).__name__}; convert it with np.asarray or save it with np.save"
        )
    if X.dtype == bool or not (np.issubdtype(X.dtype, np.integer)
                               or np.issubdtype(X.dtype, np.floating)):
        raise TypeError(f"{name} must hold real numbers (integers or floats), got dtype "
                        f"{X.dtype}; convert it with X.astype(np.float32)")
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must be a 2-D array with at least one row and one column "
                         f"(n_samples, n_features), got shape {X.shape}")
    if check_finite and _memory_map(X) is None:
        rows = default_block_rows(X.shape[1])
        for start in range(0, X.shape[0], rows):
            _check_finite(X[start:start + rows], start, name)
    return X


def default_block_rows(n_features):
    """Rows per block when not given: about 8 million values (``BLOCK_VALUES``)."""
    return max(1, BLOCK_VALUES // int(n_features))


def epoch_order(n, rng, block_rows):
    """The row order of one epoch: shuffled blocks, rows shuffled within each.

    Returns
    -------
    order : ndarray of shape (n,), a permutation of range(n)
    blocks : list of (start, stop) row ranges, in the order they are visited
    """
    if block_rows >= n:
        return rng.permutation(n), [(0, n)]
    blocks = [(s, min(s + block_rows, n)) for s in range(0, n, block_rows)]
    blocks = [blocks[i] for i in rng.permutation(len(blocks))]
    order = np.empty(n, dtype=np.intp)
    pos = 0
    for start, stop in blocks:
        order[pos:pos + stop - start] = start + rng.permutation(stop - start)
        pos += stop - start
    return order, blocks


def iter_minibatches(X, batch_size, rng, *, block_rows=None, dtype=None, out=None,
                     check_finite=True):
    """One epoch of minibatches, each gathered into one reused buffer.

    Parameters
    ----------
    X : ndarray, np.memmap, str or os.PathLike
        See :func:`as_data_source` (validated here).
    batch_size : int
    rng : np.random.Generator or int
        Draws the epoch's order (see :func:`epoch_order`); nothing else.
    block_rows : int, optional
        Rows per block; default :func:`default_block_rows` (a full shuffle for
        up to ~8 million values).  At least ``batch_size``.
    dtype : numpy float dtype, optional
        The model's dtype; minibatches are cast to it.  Default: X's dtype if
        floating, else float64.
    out : ndarray of shape (batch_size, n_features), optional
        The buffer minibatches are written into (reuse it across epochs).
    check_finite : bool
        Scan in-memory data for NaN and infinity first (a training loop that
        validated X once passes False for every epoch).  Memory-mapped blocks
        are always checked as they are read.

    Returns
    -------
    iterator of (idx, Xb)
        Arguments are validated when called, before the first minibatch.

    idx : ndarray of shape (m,)
        The rows of this minibatch (m = batch_size, or fewer for the last one);
        use it to take the matching labels.
    Xb : ndarray of shape (m, n_features)
        ``X[idx]`` cast to ``dtype``: a view of ``out``, overwritten by the next
        minibatch — copy it to keep it.
    """
    X = as_data_source(X, check_finite=check_finite)
    n, d = X.shape
    batch_size = check_int("batch_size", batch_size, minimum=1)
    batch_size = min(batch_size, n)
    if block_rows is None:
        block_rows = max(default_block_rows(d), batch_size)
    block_rows = check_int("block_rows", block_rows, minimum=batch_size)
    if dtype is None:
        dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64
    dtype = np.dtype(dtype)
    if out is None:
        out = np.empty((batch_size, d), dtype)
    elif out.shape != (batch_size, d) or out.dtype != dtype:
        raise ValueError(f"out must have shape {(batch_size, d)} and dtype {dtype}, got "
                         f"{out.shape} {out.dtype}; allocate it as np.empty((batch_size, "
                         "n_features), dtype)")
    order, blocks = epoch_order(n, check_rng(rng), block_rows)
    if _memory_map(X) is None and X.dtype == dtype:
        return _direct(X, order, batch_size, out)
    return _through_blocks(X, order, blocks, batch_size, dtype, out)


def _direct(X, order, batch_size, out):
    """Minibatches gathered straight from an in-memory array of the model's dtype."""
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        # mode="clip": no bounds-check buffer (the indices are a permutation of range(n))
        yield idx, np.take(X, idx, axis=0, out=out[:len(idx)], mode="clip")


def _through_blocks(X, order, blocks, batch_size, dtype, out):
    """Minibatches gathered from one block at a time, read into a reused buffer."""
    d = X.shape[1]
    longest = max(stop - start for start, stop in blocks)
    block = np.empty((longest, d), dtype)
    finite = np.empty((longest, d), dtype=bool)
    k, pos_end = -1, 0  # the block in the buffer, and where its rows end in `order`

    def load(k):
        start, stop = blocks[k]
        rows = block[:stop - start]
        np.copyto(rows, X[start:stop], casting="unsafe")  # one sequential read, cast
        _check_finite(rows, start, "X", finite[:stop - start])
        _release(X, start, stop)
        return start, stop

    for first in range(0, len(order), batch_size):
        idx = order[first:first + batch_size]
        # The rows of a minibatch lie in one block or, at a boundary, two.
        pos = first
        while pos < first + len(idx):
            if pos == pos_end:
                k += 1
                start, stop = load(k)
                pos_end += stop - start
            seg = slice(pos, min(first + len(idx), pos_end))
            local = order[seg] - start  # rows of this block, relative to its start
            np.take(block, local, axis=0, out=out[seg.start - first:seg.stop - first],
                    mode="clip")
            pos = seg.stop
        yield idx, out[:len(idx)]


def _open_npy(path, name):
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            magic = fh.read(6)
    except FileNotFoundError:
        raise FileNotFoundError(f"{name}: no such file {path!r}") from None
    if magic.startswith(b"PK\x03\x04"):  # a zip: np.savez's archive
        raise ValueError(f"{name}: {path!r} is an .npz archive, not a single .npy array; "
                         "save the training array alone with np.save")
    if magic != b"\x93NUMPY":
        raise ValueError(f"{name}: {path!r} is not a .npy file (it does not start with NumPy's "
                         f"magic bytes; it starts with {magic!r}); a text file? read it with "
                         "np.loadtxt and write it with np.save")
    try:
        X = np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise FileNotFoundError(f"{name}: no such file {path!r}") from None
    except ValueError as exc:
        raise ValueError(f"{name}: {path!r} is not a readable .npy file ({exc}); write it "
                         "with np.save or np.lib.format.open_memmap") from exc
    if not isinstance(X, np.ndarray):  # an .npz archive
        raise ValueError(f"{name}: {path!r} is an .npz archive, not a single .npy array; "
                         "save the training array alone with np.save")
    return X


def _check_finite(rows, start, name, buf=None):
    """Raise if a block holds NaN or infinity (``buf``: a bool buffer to reuse)."""
    if np.issubdtype(rows.dtype, np.integer):
        return
    ok = np.isfinite(rows, out=buf)
    if not ok.all():
        bad = start + int(np.flatnonzero(~ok.all(axis=1))[0])
        raise ValueError(f"{name} contains NaN or infinity (first in row {bad}); remove or "
                         "impute those values before training")


def _memory_map(X):
    """The np.memmap X is a view of, or None for data in memory."""
    a = X
    while isinstance(a, np.ndarray):
        if isinstance(a, np.memmap):
            return a
        a = a.base
    return None


def _release(X, start, stop):
    """Drop the pages of rows [start, stop) of a read-only memmap from this process.

    Pages of a file mapping that were read stay resident in the process (and
    count in its RSS) until the kernel needs the memory; ``madvise(DONTNEED)``
    unmaps them at once.  They remain in the file cache, so nothing is lost
    and a later read is a page-cache hit.  Only read-only maps: for a
    copy-on-write map it would discard the user's changes.
    """
    mm = _memory_map(X)
    if mm is None:  # in memory: nothing to release
        return
    root = mm
    while isinstance(root, np.ndarray):
        root = root.base
    rows = X[start:stop]
    if (mm.mode != "r" or not isinstance(root, mmap.mmap) or not hasattr(root, "madvise")
            or not rows.flags.c_contiguous):
        return
    base = np.frombuffer(root, dtype=np.uint8).ctypes.data  # address of the mapping
    lo = rows.ctypes.data - base
    hi = lo + rows.nbytes
    lo = -(-lo // mmap.PAGESIZE) * mmap.PAGESIZE  # whole pages inside the rows only
    hi = hi // mmap.PAGESIZE * mmap.PAGESIZE
    if hi > lo:
        root.madvise(mmap.MADV_DONTNEED, lo, hi - lo)
