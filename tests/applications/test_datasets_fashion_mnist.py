"""Tests for npae.datasets.fashion_mnist: small IDX files written here, and Debian's files when installed."""

import numpy as np
import pytest

import npae.datasets.fashion_mnist as fm
from idx_files import fake_mnist_dir, write_idx
from npae.datasets import read_idx
from npae.datasets.fashion_mnist import FASHION_MNIST_CLASSES, load_fashion_mnist


def test_reads_the_four_idx_files(tmp_path):
    parts = fake_mnist_dir(tmp_path)  # train gzipped, t10k plain: both spellings are read
    X, y = load_fashion_mnist(tmp_path)
    assert X.shape == (12, 784) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X * 255, parts["train"][0].reshape(12, -1).astype(float))
    np.testing.assert_array_equal(y, parts["train"][1])
    Xt, yt = load_fashion_mnist(str(tmp_path), kind="test", dtype=np.float32)
    assert Xt.shape == (5, 784) and Xt.dtype == np.float32
    np.testing.assert_array_equal(yt, parts["t10k"][1])
    Xa, ya = load_fashion_mnist(tmp_path, kind="all", n=14)
    np.testing.assert_array_equal(ya, np.r_[parts["train"][1], parts["t10k"][1][:2]])
    np.testing.assert_array_equal(Xa[:12], X)


def test_same_conversion_as_load_mnist(tmp_path):
    from npae.datasets import load_mnist

    fake_mnist_dir(tmp_path)
    for kind in ("train", "test", "all"):
        Xf, yf = load_fashion_mnist(tmp_path, kind=kind, n=4)
        Xm, ym = load_mnist(tmp_path, kind=kind, n=4)
        np.testing.assert_array_equal(Xf, Xm)
        np.testing.assert_array_equal(yf, ym)


def test_missing_directory_says_how_to_install(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r"apt-get install dataset-fashion-mnist.*path="):
        load_fashion_mnist(tmp_path / "nowhere")
    # the default directory is the one Debian's package installs; pretend it is absent
    monkeypatch.setattr(fm, "DEFAULT_PATH", tmp_path / "not-installed")
    with pytest.raises(FileNotFoundError, match="not-installed.*does not exist.*apt-get install"):
        load_fashion_mnist()
    (tmp_path / "a_file").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        load_fashion_mnist(tmp_path / "a_file")


def test_incomplete_directory_and_bad_options(tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(FileNotFoundError, match="train labels.*dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match="t10k images"):
        load_fashion_mnist(tmp_path, kind="test")
    with pytest.raises(ValueError, match="kind"):
        load_fashion_mnist(tmp_path, kind="validation")
    with pytest.raises(TypeError, match="n must be an integer"):
        load_fashion_mnist(tmp_path, n=2.5)
    with pytest.raises(TypeError, match="floating"):
        load_fashion_mnist(tmp_path, dtype=np.uint8)
    with pytest.raises(TypeError, match="path"):
        load_fashion_mnist(3)


@pytest.mark.skipif(not fm.DEFAULT_PATH.is_dir(),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_real_files_when_installed():
    X, y = load_fashion_mnist(kind="test")
    assert X.shape == (10_000, 784) and X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == [1000] * 10  # the test split is balanced
    # the first test labels as published (9 = ankle boot, 2 = pullover, ...)
    assert y[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert FASHION_MNIST_CLASSES[y[0]] == "Ankle boot"
    labels = read_idx(fm.DEFAULT_PATH / "train-labels-idx1-ubyte.gz")
    assert np.bincount(labels).tolist() == [6000] * 10
    assert labels[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
