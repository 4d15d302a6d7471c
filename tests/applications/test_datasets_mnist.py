"""Tests for npae.datasets.mnist: the bundled digits, IDX directories and .npz files."""

import numpy as np
import pytest

from idx_files import fake_mnist_dir
from npae.datasets.mnist import load_mnist

CLASS_COUNTS = [801, 927, 791, 832, 780, 663, 814, 870, 744, 778]


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


@pytest.mark.parametrize("spelled", ["-", "."])
def test_load_mnist_from_idx_directory(tmp_path, spelled):
    parts = fake_mnist_dir(tmp_path, spelled=spelled)
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
