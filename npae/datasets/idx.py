"""IDX files, the format of MNIST and Fashion-MNIST (LeCun et al.), gzip-compressed or not.

:func:`read_idx` reads one file. The private :func:`_load_idx_dir` reads the standard
four-file layout (``train``/``t10k`` x ``images``/``labels``) shared by the MNIST and
Fashion-MNIST loaders.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

__all__ = ["read_idx"]

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


_MNIST_REMEDY = ("download MNIST or Fashion-MNIST into that directory, or call load_mnist() "
                 "without path to use the bundled subset")


def _find_idx(directory, prefix, what, remedy=_MNIST_REMEDY):
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
        f"{candidates[0]!r} or {candidates[0] + '.gz'!r}; {remedy}"
    )


def _load_idx_dir(directory, kind, remedy=_MNIST_REMEDY):
    """(images, labels) of split ``kind`` ("train", "test" or "all") from a directory of IDX files."""
    prefixes = {"train": ["train"], "test": ["t10k"], "all": ["train", "t10k"]}[kind]
    images, labels = [], []
    for prefix in prefixes:
        img = read_idx(_find_idx(directory, prefix, "images", remedy))
        lab = read_idx(_find_idx(directory, prefix, "labels", remedy))
        if img.shape[0] != lab.shape[0]:
            raise ValueError(
                f"{prefix} images and labels in {str(directory)!r} disagree: "
                f"{img.shape[0]} images but {lab.shape[0]} labels"
            )
        images.append(img)
        labels.append(lab)
    return np.concatenate(images), np.concatenate(labels)
