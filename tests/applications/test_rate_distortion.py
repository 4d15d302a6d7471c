"""Tests for npae.imaging.rate_distortion: the rate term by hand and by differences, both paths."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.stats import logistic

import npae
from npae.imaging.entropy_coding import decode, encode, frequency_table
from npae.gradcheck import numerical_gradient
from npae.imaging.rate_distortion import (RateDistortionAutoencoder, bin_probability, clip_codes,
                                         rate_and_grads)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), spread=st.floats(0.1, 30.0))
def test_bin_probability_is_the_logistic_mass_of_a_unit_bin(seed, spread):
    rng = np.random.default_rng(seed)
    v, loc, ls = spread * rng.standard_normal(6), rng.standard_normal(6), rng.normal(0, 1, 6)
    sc = np.exp(ls)
    # scipy's oracle, also on the accurate side of the median (sf above it, cdf below)
    want = np.where(v > loc, logistic.sf(v - 0.5, loc, sc) - logistic.sf(v + 0.5, loc, sc),
                    logistic.cdf(v + 0.5, loc, sc) - logistic.cdf(v - 0.5, loc, sc))
    np.testing.assert_allclose(bin_probability(v, loc, ls)[0], want, rtol=1e-6, atol=1e-300)


def test_rate_gradients_match_central_differences():
    rng = np.random.default_rng(0)
    Y, loc, ls = 2 * rng.standard_normal((4, 3)), rng.standard_normal(3), 0.5 * rng.standard_normal(3)
    bits, dY, dloc, dls = rate_and_grads(Y, loc, ls)
    np.testing.assert_allclose(dY, numerical_gradient(lambda: rate_and_grads(Y, loc, ls)[0].sum(), Y),
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(dloc.sum(0), numerical_gradient(
        lambda: rate_and_grads(Y, loc, ls)[0].sum(), loc), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(dls.sum(0), numerical_gradient(
        lambda: rate_and_grads(Y, loc, ls)[0].sum(), ls), rtol=1e-6, atol=1e-9)
    # beyond the likelihood bound the rate is flat: 30 bits at most, gradient 0
    far, dfar, _, _ = rate_and_grads(np.array([[500.0]]), np.zeros(1), np.zeros(1))
    assert far[0] == pytest.approx(-np.log2(1e-9)) and dfar[0, 0] == 0.0


@pytest.mark.parametrize("vectorized", [True, False])
def test_model_gradients_on_both_paths(vectorized):
    X = np.random.default_rng(1).random((6, 5))
    m = RateDistortionAutoencoder(hidden=(4,), latent_dim=3, lam=2.0, dtype="float64").initialize(X)
    # move the prior off its start so that every term of the gradient is exercised
    m.params_["prior.loc"][...] = [0.3, -0.2, 0.1]
    m.params_["prior.log_scale"][...] = [-0.5, 0.2, 0.4]
    report = npae.check_gradients(m, X, rng=3, vectorized=vectorized)
    assert report.passed, str(report)
    terms = m.loss_terms(X, rng=3)
    assert sum(terms.values()) == pytest.approx(m.loss_and_grads(X, rng=3)[0])
    assert {"rate", "distortion"} <= set(terms)


def test_fit_codes_and_decodes_exactly():
    X, _ = npae.load_mnist(n=300)
    m = RateDistortionAutoencoder(hidden=(32,), latent_dim=8, lam=0.5, epochs=3, batch_size=50,
                                  random_state=0).fit(X)
    assert m.history_["loss"][-1] < m.history_["loss"][0]
    Q = m.quantize(X)
    # the learned prior codes the learned codes in fewer bits than the initial one (μ 0, s 1)
    start = rate_and_grads(Q.astype(float), np.zeros(8), np.zeros(8))[0]
    assert m.bits_estimate(Q).mean() < start.mean()
    tables = m.code_tables(Q)
    Qc, n_clipped = clip_codes(Q, tables)
    assert n_clipped == 0  # the training codes are inside their own alphabets
    freq = [frequency_table(p) for _, p in tables]
    lows = [lo for lo, _ in tables]
    row = Qc[0]
    symbols = [int(q - lo) for q, lo in zip(row, lows)]
    assert decode(encode(symbols, freq), freq) == symbols
    assert m.dequantize(Q[:2]).shape == (2, 784)
    assert np.all(m.bits_estimate(Q[:5]) > 0)
    with pytest.raises(ValueError, match="lam"):
        RateDistortionAutoencoder(lam=0.0).fit(X)
