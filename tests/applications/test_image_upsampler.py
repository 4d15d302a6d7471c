"""Tests for npae.imaging.upsampler.MLPUpsampler: gradients on both paths, training, errors."""

import numpy as np
import pytest

from npae.gradcheck import numerical_gradient
from npae.imaging.upsampler import MLPUpsampler


def _pairs(n=12, seed=0):
    rng = np.random.default_rng(seed)
    high = rng.random((n, 16))  # 4x4 images
    low = high.reshape(n, 2, 2, 2, 2).mean(axis=(2, 4)).reshape(n, 4)  # 2x2 block means
    return low, high


@pytest.mark.parametrize("vectorized", [True, False])
def test_gradients_match_central_differences(vectorized):
    low, high = _pairs()
    up = MLPUpsampler(hidden=(5,), dtype="float64").initialize(low, high)
    _, grads = up.loss_and_grads(low, high, vectorized=vectorized)
    for name, p in up.params_.items():
        num = numerical_gradient(lambda: up.loss_and_grads(low, high)[0], p)
        np.testing.assert_allclose(grads[name], num, rtol=1e-6, atol=1e-9, err_msg=name)


def test_paths_agree_and_fit_lowers_the_loss():
    low, high = _pairs(64, 1)
    up = MLPUpsampler(hidden=(8,), dtype="float64", epochs=30, batch_size=16, learning_rate=1e-2)
    up.initialize(low, high)
    l_vec, g_vec = up.loss_and_grads(low, high, vectorized=True)
    l_ref, g_ref = up.loss_and_grads(low, high, vectorized=False)
    assert l_vec == pytest.approx(l_ref, rel=1e-12)
    for name in g_vec:
        np.testing.assert_allclose(g_vec[name], g_ref[name], rtol=1e-10, atol=1e-12)
    mse0 = np.mean((up.predict(low) - high) ** 2)
    up.fit(low, high)
    # with i.i.d. pixels the best guess of a pixel is its block's mean: training must find it
    block_mean = np.kron(low.reshape(-1, 2, 2), np.ones((2, 2))).reshape(-1, 16)
    mse = np.mean((up.predict(low) - high) ** 2)
    assert mse < 0.8 * mse0 and mse < 1.1 * np.mean((block_mean - high) ** 2)
    assert up.history_["loss"][-1] < up.history_["loss"][0]
    pred = up.predict(low)
    assert pred.shape == (64, 16) and np.all((pred > 0) & (pred < 1))


def test_errors():
    low, high = _pairs()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        MLPUpsampler().fit(low, high * 2)
    with pytest.raises(ValueError, match="rows"):
        MLPUpsampler().fit(low, high[:5])
    with pytest.raises(ValueError, match="not fitted"):
        MLPUpsampler().predict(low)
    up = MLPUpsampler(hidden=(3,), epochs=1).fit(low, high)
    with pytest.raises(ValueError, match="features"):
        up.predict(high)
