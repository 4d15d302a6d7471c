"""Tests for npae.metrics.image: PSNR and SSIM against hand values and scikit-image."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from npae.metrics.image import gaussian_window, psnr, ssim


def test_psnr_hand_values():
    ref = np.zeros((2, 4))
    est = np.array([[0.1, 0.1, 0.1, 0.1], [0.0, 0.0, 0.0, 0.2]])
    # MSE 0.01 -> 20 dB; MSE 0.04 / 4 = 0.01 -> 20 dB; with L = 2: + 20 log10 2
    np.testing.assert_allclose(psnr(ref, est), [20.0, 20.0])
    np.testing.assert_allclose(psnr(ref, est, data_range=2.0), 20.0 + 20 * np.log10(2.0))
    assert psnr(ref, ref)[0] == np.inf
    # images as (n, h, w) give the same as their flattened rows
    X = np.random.default_rng(0).random((3, 5, 5))
    Y = X + 0.05
    np.testing.assert_allclose(psnr(X, Y), psnr(X.reshape(3, -1), Y.reshape(3, -1)))


def test_gaussian_window_matches_scipy():
    from scipy.ndimage import gaussian_filter1d
    w = gaussian_window(1.5)
    assert w.shape == (11,) and w.sum() == pytest.approx(1.0)
    delta = np.zeros(21)
    delta[10] = 1.0
    np.testing.assert_allclose(gaussian_filter1d(delta, 1.5, truncate=3.5)[5:16], w, atol=1e-15)


def test_ssim_hand_values():
    rng = np.random.default_rng(1)
    X = rng.random((2, 12, 12))
    np.testing.assert_allclose(ssim(X, X), 1.0)
    # constant images a and b: mu_x = a, mu_y = b, no variance -> (2ab + C1) / (a² + b² + C1)
    a, b = 0.2, 0.6
    C1 = 0.01 ** 2
    got = ssim(np.full((1, 11, 11), a), np.full((1, 11, 11), b))
    np.testing.assert_allclose(got, (2 * a * b + C1) / (a * a + b * b + C1))
    # one 11x11 image is one window: the weighted statistics by hand
    x, y = rng.random((11, 11)), rng.random((11, 11))
    W = np.outer(gaussian_window(), gaussian_window())
    mx, my = np.sum(W * x), np.sum(W * y)
    vx, vy = np.sum(W * (x - mx) ** 2), np.sum(W * (y - my) ** 2)
    cxy = np.sum(W * (x - mx) * (y - my))
    C2 = 0.03 ** 2
    want = (2 * mx * my + C1) * (2 * cxy + C2) / ((mx ** 2 + my ** 2 + C1) * (vx + vy + C2))
    np.testing.assert_allclose(ssim(x[None], y[None]), want, rtol=1e-12)


def test_ssim_shapes_and_errors():
    X = np.random.default_rng(2).random((3, 28 * 28))
    s, smap = ssim(X, X[::-1], image_shape=(28, 28), full=True)
    assert s.shape == (3,) and smap.shape == (3, 18, 18)
    np.testing.assert_allclose(s, smap.mean(axis=(1, 2)))
    with pytest.raises(ValueError, match="image_shape"):
        ssim(X, X)
    with pytest.raises(ValueError, match="does not match"):
        ssim(X, X, image_shape=(27, 28))
    with pytest.raises(ValueError, match="smaller than"):
        ssim(np.zeros((1, 7, 7)), np.zeros((1, 7, 7)))
    with pytest.raises(ValueError, match="shape"):
        psnr(np.zeros((2, 4)), np.zeros((2, 5)))
    with pytest.raises(ValueError, match="x\\[None\\]"):
        psnr(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="NaN"):
        psnr(np.zeros((1, 4)), np.full((1, 4), np.nan))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), h=st.integers(11, 20), w=st.integers(11, 20),
       noise=st.floats(0.0, 0.5))
def test_ssim_and_psnr_match_scikit_image(seed, h, w, noise):
    metrics = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(seed)
    x = rng.random((h, w))
    y = np.clip(x + noise * rng.standard_normal((h, w)), 0.0, 1.0)
    want = metrics.structural_similarity(x, y, gaussian_weights=True, sigma=1.5,
                                         use_sample_covariance=False, data_range=1.0)
    np.testing.assert_allclose(ssim(x[None], y[None])[0], want, rtol=1e-9, atol=1e-12)
    if noise > 1e-3:  # (an exact copy has PSNR inf in both)
        np.testing.assert_allclose(psnr(x[None], y[None])[0],
                                   metrics.peak_signal_noise_ratio(x, y, data_range=1.0), rtol=1e-12)


@pytest.mark.parametrize("metric", [psnr, lambda a, b: ssim(a, b, image_shape=(8, 8), sigma=0.5)])
def test_masked_images_and_overflowing_pixels_are_refused(metric):
    """A masked array is not unwrapped (its mask would be ignored), and pixels whose
    squares overflow float64 give an error naming them, not -inf dB or NaN."""
    X = np.random.default_rng(0).random((2, 64))
    with pytest.raises(TypeError, match="estimate is a masked array"):
        metric(X, np.ma.array(X, mask=X > 0.5))
    with pytest.raises(ValueError, match=r"not finite in float64: pixel values reach 1e\+300"):
        metric(np.full((2, 64), 1e300), X)
