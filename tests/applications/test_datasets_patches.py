"""Tests for npae.datasets.patches: random patches normalised as in Ng's exercise."""

import numpy as np
import pytest

from npae.datasets.mnist import load_mnist
from npae.datasets.patches import extract_patches


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
