"""Tests for npae.datasets.idx: reading IDX files, plain and gzipped, and their errors."""

import gzip

import numpy as np
import pytest

from idx_files import idx_bytes, write_idx
from npae.datasets.idx import read_idx


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("dtype,shape", [(np.uint8, (5, 4, 3)), (np.uint8, (7,)), (np.int32, (3, 2)),
                                         (np.int16, (4,)), (np.float32, (2, 2)), (np.float64, (3, 1, 2))])
def test_read_idx_round_trip(tmp_path, gz, dtype, shape):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(shape) * 100).astype(dtype) if np.dtype(dtype).kind != "u" \
        else rng.integers(0, 256, shape).astype(dtype)
    p = write_idx(tmp_path / ("a.gz" if gz else "a"), a, gz)
    b = read_idx(p)
    assert b.shape == a.shape and b.dtype == np.dtype(dtype)
    assert b.dtype.isnative
    np.testing.assert_array_equal(a, b)


def test_read_idx_errors(tmp_path):
    good = idx_bytes(np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    (tmp_path / "trunc").write_bytes(good[:-5])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "trunc")
    (tmp_path / "trunc_header").write_bytes(good[:9])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "trunc_header")
    (tmp_path / "trunc.gz").write_bytes(gzip.compress(good)[:-10])
    with pytest.raises(ValueError, match="truncated|damaged"):
        read_idx(tmp_path / "trunc.gz")
    (tmp_path / "magic").write_bytes(b"\x12\x34" + good[2:])
    with pytest.raises(ValueError, match="magic number"):
        read_idx(tmp_path / "magic")
    (tmp_path / "png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(20))
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "png")
    (tmp_path / "type").write_bytes(good[:2] + b"\x07" + good[3:])
    with pytest.raises(ValueError, match="element type"):
        read_idx(tmp_path / "type")
    (tmp_path / "extra").write_bytes(good + b"\x00\x00")
    with pytest.raises(ValueError, match="trailing"):
        read_idx(tmp_path / "extra")
    (tmp_path / "tiny").write_bytes(b"\x00")
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "tiny")
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "missing")
