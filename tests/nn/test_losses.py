"""Losses: one reduction (sum over features, mean over samples), values against
independent formulas, gradients against central differences (check_gradient),
stability of the BCE from logits, broadcasting of the Gaussian log-variance."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from npae.gradcheck import check_gradient
from npae.nn.losses import (LOSSES, bernoulli_cross_entropy, gaussian_nll, per_sample_bernoulli,
                            per_sample_squared_error, squared_error)

shapes = st.tuples(st.integers(1, 5), st.integers(1, 5))


@settings(max_examples=20)
@given(shape=shapes, seed=st.integers(0, 2**31))
def test_squared_error_value_gradient_and_relation_to_the_review(shape, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=shape)
    X_hat = rng.normal(size=shape)
    X_hat0 = X_hat.copy()
    value, grad = squared_error(X_hat, X)
    n = shape[0]
    # The review's eq. 2, L = ½ Σ_i ‖x − x̂‖², is npae's value times n.
    review = 0.5 * sum(float(np.sum((X[i] - X_hat[i]) ** 2)) for i in range(n))
    assert value * n == pytest.approx(review, rel=1e-13)
    np.testing.assert_array_equal(X_hat, X_hat0)  # input untouched
    np.testing.assert_allclose(grad, (X_hat - X) / n, rtol=1e-15)
    np.testing.assert_allclose(per_sample_squared_error(X_hat, X).mean(), value, rtol=1e-13)
    report = check_gradient(lambda Y: squared_error(Y, X), X_hat)
    assert report.passed, report
    np.testing.assert_array_equal(X_hat, X_hat0)  # check_gradient restores the point


@settings(max_examples=20)
@given(shape=shapes, seed=st.integers(0, 2**31), scale=st.sampled_from([0.1, 3.0, 20.0]))
def test_bce_from_logits_value_and_gradient(shape, seed, scale):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=scale, size=shape)
    X = rng.random(shape)
    X[0, 0] = 1.0  # exact 0/1 targets as well as fractional ones
    if shape[1] > 1:
        X[0, 1] = 0.0
    value, grad = bernoulli_cross_entropy(logits, X)
    # Independent formula: −Σ x log p + (1−x) log(1−p) with scipy's stable log-sigmoid.
    from scipy.special import log_expit

    ref = -(X * log_expit(logits) + (1 - X) * log_expit(-logits)).sum() / shape[0]
    assert value == pytest.approx(ref, rel=1e-12, abs=1e-13)
    from scipy.special import expit

    np.testing.assert_allclose(grad, (expit(logits) - X) / shape[0], rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(per_sample_bernoulli(logits, X).mean(), value, rtol=1e-13)
    # The loss sums max(a, 0) − a x + log1p(e^−|a|): terms of size |a| that cancel to ~e^−20
    # for a confident, right logit; their magnitudes set the round-off floor (the shared
    # rule of npae.gradcheck; Hypothesis found shape (1, 1), scale 20, seed 2532).
    terms = float(np.sum(np.abs(logits) + 1.0)) / shape[0]
    report = check_gradient(lambda a: bernoulli_cross_entropy(a, X), logits, scale=terms)
    assert report.passed, report


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_at_saturated_logits_is_finite_exact_and_silent(dtype):
    logits = np.array([[-50.0, 50.0, -50.0, 50.0, -1e3, 1e3]], dtype=dtype)
    X = np.array([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = bernoulli_cross_entropy(logits, X)
    assert grad.dtype == dtype and isinstance(value, float)
    # Right predictions cost e^-50 ≈ 2e-22 each; wrong ones cost 50 (and 1000) nats,
    # which the naive log(sigmoid) would turn into log(0) = −inf.
    assert value == pytest.approx(50 + 50 + 1000 + 1000, rel=1e-6)
    np.testing.assert_allclose(grad, np.array([[np.exp(-50.0), 0, -1, 1, -1, 1]], dtype=dtype),
                               rtol=1e-6, atol=1e-30)
    # Gradient check right at ±50 (float64): the slope there is ~e^-50 or ~1.
    l64 = logits.astype(np.float64)[:, :4]
    report = check_gradient(lambda a: bernoulli_cross_entropy(a, X[:, :4].astype(np.float64)), l64)
    assert report.passed, report


def _gaussian_reference(mu, log_var, X):
    """Mean over rows of −Σ_j log N(x_j | mu_j, exp(log_var_j)), by scipy."""
    sd = np.exp(0.5 * np.broadcast_to(log_var, mu.shape))
    return -stats.norm.logpdf(X, loc=mu, scale=sd).sum() / X.shape[0]


@pytest.mark.parametrize("lv_shape", ["full", "features", "row", "scalar", "zero-d"])
@settings(max_examples=10)
@given(shape=shapes, seed=st.integers(0, 2**31))
def test_gaussian_nll_value_and_gradients_wrt_mu_and_log_var(lv_shape, shape, seed):
    rng = np.random.default_rng(seed)
    n, d = shape
    X = rng.normal(size=shape)
    mu = rng.normal(size=shape)
    lv = {"full": rng.normal(size=shape), "features": rng.normal(size=d),
          "row": rng.normal(size=(1, d)), "scalar": rng.normal(size=(1, 1)),
          "zero-d": np.array(rng.normal())}[lv_shape]
    value, dmu, dlv = gaussian_nll(mu, lv, X)
    assert value == pytest.approx(_gaussian_reference(mu, lv, X), rel=1e-12)
    assert dmu.shape == mu.shape and dlv.shape == lv.shape  # summed back over broadcasting

    def f(p):
        v, gm, gl = gaussian_nll(p["mu"], p["log_var"], X)
        return v, {"mu": gm, "log_var": gl}

    report = check_gradient(f, {"mu": mu, "log_var": lv})
    assert report.passed, report
    assert report["log_var"].n_checked == lv.size


def test_gaussian_nll_with_fixed_unit_variance_is_squared_error_plus_constant():
    rng = np.random.default_rng(0)
    X, mu = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    value, dmu, _ = gaussian_nll(mu, 0.0, X)
    se, dse = squared_error(mu, X)
    assert value == pytest.approx(se + 0.5 * 3 * np.log(2 * np.pi), rel=1e-14)
    np.testing.assert_allclose(dmu, dse, rtol=1e-15)


def test_gaussian_nll_float32_stays_float32():
    X = np.ones((2, 3), dtype=np.float32)
    value, dmu, dlv = gaussian_nll(np.zeros((2, 3), np.float32), np.zeros(3, np.float32), X)
    assert dmu.dtype == np.float32 and dlv.dtype == np.float32
    assert value == pytest.approx(0.5 * 3 * (np.log(2 * np.pi) + 1), rel=1e-6)


def test_reduction_is_a_mean_over_samples():
    # Duplicating every row leaves every loss and its gradient w.r.t. the
    # parameters of a shared prediction unchanged (mean, not sum, over samples).
    rng = np.random.default_rng(2)
    X = rng.random((3, 4))
    out = rng.normal(size=(3, 4))
    for loss in (squared_error, bernoulli_cross_entropy):
        v1, g1 = loss(out, X)
        v2, g2 = loss(np.vstack([out, out]), np.vstack([X, X]))
        assert v2 == pytest.approx(v1, rel=1e-14)
        np.testing.assert_allclose(g2[:3] + g2[3:], g1, rtol=1e-14)
    v1 = gaussian_nll(out, 0.3, X)[0]
    v2 = gaussian_nll(np.vstack([out, out]), 0.3, np.vstack([X, X]))[0]
    assert v2 == pytest.approx(v1, rel=1e-14)


def test_losses_registry():
    assert LOSSES == {"mse": squared_error, "bce": bernoulli_cross_entropy}
