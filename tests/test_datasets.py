"""Tests for npae.datasets: bundled MNIST, IDX files, splits, toy and synthetic sets, patches."""

import gzip
import struct

import numpy as np
import pytest

from npae.datasets import (
    extract_patches,
    load_mnist,
    make_anomalies,
    make_low_rank,
    make_review_example,
    read_idx,
    train_test_split,
)

CLASS_COUNTS = [801, 927, 791, 832, 780, 663, 814, 870, 744, 778]


# --------------------------------------------------------------------------- #
# an IDX writer written from the format description, independent of read_idx
# --------------------------------------------------------------------------- #
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


# --------------------------------------------------------------------------- #
# bundled MNIST
# --------------------------------------------------------------------------- #
def test_bundled_mnist_shape_range_labels():
    X, y = load_mnist()
    assert X.shape == (8000, 784) and X.dtype == np.float64
    assert y.shape == (8000,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == CLASS_COUNTS
    # values are bytes / 255
    np.testing.assert_array_equal(np.rint(X[:50] * 255) / 255, X[:50])


def test_bundled_mnist_options():
    X, y = load_mnist(digits=(3, 5), n=300, dtype=np.float32)
    assert X.shape == (300, 784) and X.dtype == np.float32
    assert set(np.unique(y).tolist()) <= {3, 5}
    X_all, y_all = load_mnist()
    keep = np.flatnonzero(np.isin(y_all, (3, 5)))[:300]
    np.testing.assert_allclose(X, X_all[keep], rtol=1e-6)
    assert load_mnist(digits=7)[1].shape == (870,)
    bunch = load_mnist(n=5, return_X_y=False)
    assert bunch["data"].shape == (5, 784) and bunch["images"].shape == (5, 28, 28)
    # the caller may modify what it gets without touching the cache
    X1, _ = load_mnist(n=2)
    X1[:] = -1
    assert load_mnist(n=2)[0].min() == 0.0


def test_bundled_mnist_errors():
    with pytest.raises(ValueError, match="test split"):
        load_mnist(kind="test")
    with pytest.raises(ValueError, match="kind"):
        load_mnist(kind="validation")
    with pytest.raises(ValueError, match="only 663"):
        load_mnist(digits=(5,), n=1000)
    with pytest.raises(ValueError, match="labels present"):
        load_mnist(digits=(11,))
    with pytest.raises(TypeError, match="floating"):
        load_mnist(dtype=np.int32)
    with pytest.raises(TypeError, match="n must be an integer"):
        load_mnist(n=2.5)


# --------------------------------------------------------------------------- #
# IDX
# --------------------------------------------------------------------------- #
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


def _fake_mnist_dir(tmp_path, n_train=12, n_test=5, spelled="-"):
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


@pytest.mark.parametrize("spelled", ["-", "."])
def test_load_mnist_from_idx_directory(tmp_path, spelled):
    parts = _fake_mnist_dir(tmp_path, spelled=spelled)
    X, y = load_mnist(tmp_path)
    assert X.shape == (12, 784) and y.dtype == np.int64
    np.testing.assert_array_equal(np.rint(X * 255).astype(np.uint8), parts["train"][0].reshape(12, -1))
    np.testing.assert_array_equal(y, parts["train"][1])
    Xt, yt = load_mnist(str(tmp_path), kind="test")
    assert Xt.shape == (5, 784)
    np.testing.assert_array_equal(yt, parts["t10k"][1])
    Xa, ya = load_mnist(tmp_path, kind="all")
    assert Xa.shape == (17, 784)
    np.testing.assert_array_equal(ya, np.r_[parts["train"][1], parts["t10k"][1]])


def test_load_mnist_missing_idx_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist(tmp_path)
    with pytest.raises(FileNotFoundError):
        load_mnist(tmp_path / "nowhere")


def test_load_mnist_from_npz(tmp_path):
    rng = np.random.default_rng(2)
    img = rng.integers(0, 256, (9, 28, 28)).astype(np.uint8)
    lab = np.arange(9) % 3
    np.savez(tmp_path / "pool.npz", images=img, labels=lab)
    X, y = load_mnist(tmp_path / "pool.npz", digits=(0, 2))
    assert X.shape == (6, 784) and set(y.tolist()) == {0, 2}
    np.savez(tmp_path / "keras.npz", x_train=img[:6], y_train=lab[:6], x_test=img[6:], y_test=lab[6:])
    assert load_mnist(tmp_path / "keras.npz", kind="test")[0].shape == (3, 784)
    np.savez(tmp_path / "bad.npz", pixels=img)
    with pytest.raises(ValueError, match="expected 'images' and 'labels'"):
        load_mnist(tmp_path / "bad.npz")
    np.savez(tmp_path / "float.npz", images=img.astype(float), labels=lab)
    with pytest.raises(ValueError, match="divide by 255"):
        load_mnist(tmp_path / "float.npz")


# --------------------------------------------------------------------------- #
# train_test_split
# --------------------------------------------------------------------------- #
def test_train_test_split():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, rng=3)
    assert Xtr.shape == (15, 2) and Xte.shape == (5, 2)
    np.testing.assert_array_equal(Xtr[:, 0] // 2, ytr)
    assert sorted(np.r_[ytr, yte].tolist()) == list(range(20))
    again = train_test_split(X, y, test_size=0.25, rng=3)
    np.testing.assert_array_equal(again[1], Xte)
    assert train_test_split(X, test_size=3, rng=np.random.default_rng(0))[1].shape == (3, 2)
    assert train_test_split(X, test_size=0.01)[1].shape == (1, 2)  # rounded up
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(X, test_size=1.5)
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(X, test_size=20)
    with pytest.raises(ValueError, match="rows like X"):
        train_test_split(X, y[:-1])


# --------------------------------------------------------------------------- #
# toy and synthetic sets
# --------------------------------------------------------------------------- #
def test_review_example():
    X = make_review_example()
    assert X.shape == (10, 2) and X.dtype == np.float64
    np.testing.assert_allclose(X.mean(axis=0), [2.5, 2.3])
    assert np.corrcoef(X.T)[0, 1] > 0.9
    X[0, 0] = 99.0
    assert make_review_example()[0, 0] == 0.5


def test_make_low_rank_subspace_and_gap():
    X, U = make_low_rank(400, 12, 3, noise=0.05, mean=2.0, return_basis=True, rng=4)
    assert X.shape == (400, 12) and U.shape == (12, 3)
    np.testing.assert_allclose(U.T @ U, np.eye(3), atol=1e-12)
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    ev = s**2 / (len(X) - 1)
    assert ev[2] > 50 * ev[3]  # clear eigengap after rank directions
    cos = np.linalg.svd(U.T @ Vt[:3].T, compute_uv=False)  # cosines of the principal angles
    assert cos.min() > 0.999
    assert abs(X.mean() - 2.0) < 0.5
    X0 = make_low_rank(50, 6, 2, rng=0)
    assert np.linalg.matrix_rank(X0) == 2
    np.testing.assert_array_equal(X0, make_low_rank(50, 6, 2, rng=0))
    with pytest.raises(ValueError, match="rank"):
        make_low_rank(10, 3, 4)
    with pytest.raises(ValueError, match="decreasing"):
        make_low_rank(10, 3, 2, scales=[1.0, 2.0])


def test_make_anomalies():
    X, out = make_anomalies(200, 3, contamination=0.1, n_clusters=2, rng=0)
    assert X.shape == (200, 3) and out.dtype == bool and out.sum() == 20
    with pytest.raises(ValueError, match="contamination"):
        make_anomalies(contamination=0.7)


# --------------------------------------------------------------------------- #
# patches
# --------------------------------------------------------------------------- #
def test_extract_patches_shape_range():
    X, _ = load_mnist(n=200)
    P = extract_patches(X, patch_size=8, n_patches=2000, rng=0)
    assert P.shape == (2000, 64)
    assert P.min() >= 0.1 - 1e-12 and P.max() <= 0.9 + 1e-12
    np.testing.assert_array_equal(P, extract_patches(X, 8, 2000, rng=0))
    # per-patch mean removed before the affine map: each patch mean is 0.5 unless clipped
    assert abs(np.median(P.mean(axis=1)) - 0.5) < 0.02
    assert extract_patches(X.reshape(-1, 28, 28), patch_size=5, n_patches=3).shape == (3, 25)


def test_extract_patches_are_contiguous_blocks():
    # pixel value encodes (image, row, col), so every raw patch can be decoded
    n, side, p = 3, 10, 4
    img = np.arange(n * side * side, dtype=np.float64).reshape(n, side, side)
    P = extract_patches(img, patch_size=p, n_patches=50, rng=1, normalize=None)
    for patch in P.reshape(-1, p, p):
        k, r, c = np.unravel_index(int(patch[0, 0]), img.shape)
        np.testing.assert_array_equal(patch, img[k, r:r + p, c:c + p])


def test_extract_patches_errors():
    with pytest.raises(ValueError, match="larger than the images"):
        extract_patches(np.zeros((2, 28, 28)), patch_size=30)
    with pytest.raises(ValueError, match="square number"):
        extract_patches(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="normalize"):
        extract_patches(np.zeros((2, 28, 28)), normalize="zscore")
