"""The VAE's decoder likelihoods beyond the basic ones: the floor on a learned Gaussian
variance (Mattei & Frellsen 2018)."""

import warnings

import numpy as np
import pytest

from npae import VariationalAutoencoder
from npae.gradcheck import check_gradient, check_gradients
from npae.models._gaussian import floor_log_var


def test_floor_log_var_value_and_gradient():
    v = np.array([-40.0, -8.0, -3.0, 0.0, 2.0])
    t, dt = floor_log_var(v, 1e-3)
    np.testing.assert_allclose(np.exp(t), 1e-3 + np.exp(v), rtol=1e-14)
    assert np.all(np.exp(t) >= 1e-3)
    report = check_gradient(lambda p: (float(np.sum(floor_log_var(p["v"], 1e-3)[0] ** 2)),
                                       {"v": 2 * floor_log_var(p["v"], 1e-3)[0]
                                        * floor_log_var(p["v"], 1e-3)[1]}),
                            {"v": v[1:].copy()})
    assert report.passed, report
    assert floor_log_var(v, 0.0)[1] is None and floor_log_var(v, 0.0)[0] is v


@pytest.mark.parametrize("v0", [-12.0, np.log(1e-3), 0.5])
def test_gradients_with_the_floor_both_paths(v0):
    """Below, at and above the floor, every parameter, both paths."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 4))
    vae = VariationalAutoencoder(latent_dim=2, hidden=(3,), likelihood="gaussian",
                                 decoder_var="learned", activation="tanh").initialize(X)
    vae.params_["decoder.log_var"][:] = v0 + rng.normal(0, 0.3, 4)
    for vectorized in (True, False):
        report = check_gradients(vae, X, rng=1, vectorized=vectorized)
        assert report.passed, f"vectorized={vectorized}\n{report}"


def test_negative_control_gradient_without_the_chain_rule_is_caught():
    v = np.array([-7.0, -6.0, 1.0])
    wrong = check_gradient(lambda p: (float(np.sum(floor_log_var(p["v"], 1e-3)[0])),
                                      {"v": np.ones_like(p["v"])}),  # forgot dt/dv
                           {"v": v})
    assert not wrong.passed


def test_variance_cannot_collapse_on_a_constant_feature():
    """A blank pixel: without the floor its variance falls towards 0 (and the likelihood
    grows without bound); with it the variance stops at ξ."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=200), rng.normal(size=200), np.zeros(200)])
    kw = dict(latent_dim=1, hidden=(4,), likelihood="gaussian", decoder_var="learned",
              learning_rate=0.05, epochs=60, batch_size=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the clip may warn without a floor
        free = VariationalAutoencoder(decoder_min_var=0.0, **kw).fit(X)
    floored = VariationalAutoencoder(decoder_min_var=1e-3, **kw).fit(X)
    var_free = np.exp(free.params_["decoder.log_var"][2])
    var_floor = 1e-3 + np.exp(floored.params_["decoder.log_var"][2])
    assert var_free < 1e-4  # collapsing
    assert 1e-3 <= var_floor < 1.5e-3  # at the floor, not below
    # the per-feature log-density of the blank pixel is bounded by ½ log(1/(2π ξ))
    bound = 0.5 * np.log(1.0 / (2 * np.pi * 1e-3))
    assert floored.loss_terms(X, rng=0)["reconstruction"] >= -3 * bound


def test_floor_must_be_below_the_initial_variance():
    X = np.random.default_rng(1).normal(size=(6, 3))
    with pytest.raises(ValueError, match="decoder_min_var"):
        VariationalAutoencoder(likelihood="gaussian", decoder_var="learned", sigma=0.01,
                               decoder_min_var=1e-3).fit(X)
