"""An IDX writer written from the format description, independent of ``npae.datasets.read_idx``
(imported by the dataset tests as ``from idx_files import ...``)."""

import gzip
import struct

import numpy as np

_TYPE_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B,
               np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D, np.dtype(np.float64): 0x0E}


def idx_bytes(array):
    array = np.asarray(array)
    head = bytes([0, 0, _TYPE_CODES[array.dtype], array.ndim])
    head += b"".join(struct.pack(">I", s) for s in array.shape)
    return head + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, gz=False):
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def fake_mnist_dir(tmp_path, n_train=12, n_test=5, spelled="-"):
    """Four small MNIST-layout IDX files in ``tmp_path`` (train gzipped, t10k not) -> their arrays."""
    rng = np.random.default_rng(1)
    parts = {}
    for prefix, n, gz in (("train", n_train, True), ("t10k", n_test, False)):
        img = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
        lab = rng.integers(0, 10, n).astype(np.uint8)
        suffix = ".gz" if gz else ""
        write_idx(tmp_path / f"{prefix}-images{spelled}idx3-ubyte{suffix}", img, gz)
        write_idx(tmp_path / f"{prefix}-labels{spelled}idx1-ubyte{suffix}", lab, gz)
        parts[prefix] = (img, lab)
    return parts
