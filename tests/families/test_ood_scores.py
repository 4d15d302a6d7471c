"""Tests for the VAE's out-of-distribution scores (npae.families._ood_scores) and their
use through OutlierDetector: likelihood regret, input complexity, likelihood ratio."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.stats import multivariate_normal

import npae
from npae.gradcheck import numerical_gradient
from npae.families._ood_scores import compressed_bits, elbo_and_grads, perturb


def _tiny_vae(likelihood="bernoulli", seed=0, epochs=3):
    X = np.random.default_rng(seed).random((60, 6))
    vae = npae.VariationalAutoencoder(latent_dim=2, hidden=(5,), likelihood=likelihood, epochs=epochs,
                                      batch_size=20, random_state=seed).fit(X)
    return vae, X


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_elbo_gradient_matches_central_differences(likelihood):
    vae, X = _tiny_vae(likelihood)
    rng = np.random.default_rng(1)
    X = X[:4]
    mu, s = rng.standard_normal((4, 2)), 0.3 * rng.standard_normal((4, 2))
    eps = rng.standard_normal((3, 4, 2))
    _, dmu, ds = elbo_and_grads(vae, X, mu, s, eps)
    # rows are independent: the gradient of the sum of the ELBOs is each row's gradient
    num_mu = numerical_gradient(lambda: elbo_and_grads(vae, X, mu, s, eps)[0].sum(), mu)
    num_s = numerical_gradient(lambda: elbo_and_grads(vae, X, mu, s, eps)[0].sum(), s)
    np.testing.assert_allclose(dmu, num_mu, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ds, num_s, rtol=1e-6, atol=1e-8)
    # and at the encoder's own posterior the S-draw ELBO is the model's elbo with the same draws
    mu0, s0 = vae.encode(X)
    e = np.random.default_rng(5).standard_normal((1, 4, 2))
    np.testing.assert_allclose(elbo_and_grads(vae, X, mu0, s0, e)[0], vae.elbo(X, rng=5), rtol=1e-10)


def test_likelihood_regret_is_nonnegative_positive_and_rowwise():
    vae, X = _tiny_vae(epochs=2)
    r = vae.likelihood_regret(X[:10], n_steps=30)
    assert r.shape == (10,) and np.all(r >= 0)
    assert np.mean(r) > 1e-3  # re-fitting the posterior to one row does gain something
    # RowSeeds draws: a row's regret does not depend on the other rows of the call
    np.testing.assert_allclose(vae.likelihood_regret(X[3:4], n_steps=30), r[3:4], rtol=1e-10)
    assert np.all(vae.likelihood_regret(X[:5], n_steps=0) == 0)  # no step: nothing gained
    assert np.all(vae.likelihood_regret(X[:5], n_steps=10, rng=3) >= 0)


def test_likelihood_regret_refuses_other_priors_and_likelihoods():
    X = np.random.default_rng(0).random((40, 4))
    y = np.arange(40) % 2
    clvae = npae.ConditionalLatentVAE(latent_dim=2, hidden=(3,), epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="prior"):
        clvae.likelihood_regret(X[:3], n_steps=2)
    st_vae = npae.VariationalAutoencoder(latent_dim=2, hidden=(3,), likelihood="student_t",
                                         epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="Bernoulli and Gaussian"):
        st_vae.likelihood_regret(X[:3], n_steps=2)


def _linear_gaussian_vae(w, b, sigma):
    """A 1-D linear Gaussian VAE whose encoder is the exact posterior: then every importance
    weight equals p(x), and log_likelihood is exactly log N(x; b, w wᵀ + σ² I)."""
    d = w.shape[0]
    vae = npae.VariationalAutoencoder(latent_dim=1, hidden=(), likelihood="gaussian", sigma=sigma)
    vae.initialize(np.zeros((2, d)))
    v = 1.0 / (1.0 + w @ w / sigma ** 2)  # posterior variance of z
    p = vae.params_
    p["decoder.0.W"][...] = w[None, :]  # x = z w + b + σ e
    p["decoder.0.b"][...] = b
    p["mu.0.W"][...] = (v * w / sigma ** 2)[:, None]  # E[z | x] = v wᵀ(x − b) / σ²
    p["mu.0.b"][...] = -v * (w @ b) / sigma ** 2
    p["log_var.0.W"][...] = 0.0
    p["log_var.0.b"][...] = np.log(v)
    return vae


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), s1=st.floats(0.3, 2.0), s0=st.floats(0.3, 2.0))
def test_likelihood_ratio_against_hand_computation(seed, s1, s0):
    rng = np.random.default_rng(seed)
    w1, w0, b1, b0 = (rng.standard_normal(3) for _ in range(4))
    model, background = _linear_gaussian_vae(w1, b1, s1), _linear_gaussian_vae(w0, b0, s0)
    X = rng.standard_normal((5, 3))
    want = (multivariate_normal(b1, np.outer(w1, w1) + s1 ** 2 * np.eye(3)).logpdf(X)
            - multivariate_normal(b0, np.outer(w0, w0) + s0 ** 2 * np.eye(3)).logpdf(X))
    np.testing.assert_allclose(model.likelihood_ratio(X, background, n_samples=3, rng=seed),
                               want, rtol=1e-8, atol=1e-8)


def test_compressed_bits_and_perturb():
    flat = np.zeros((1, 784))
    noisy = np.random.default_rng(0).random((1, 784))
    for method in ("zlib", "png"):
        if method == "png":
            pytest.importorskip("PIL")
        b_flat, b_noisy = (compressed_bits(x, (28, 28), method=method)[0] for x in (flat, noisy))
        assert b_flat % 8 == 0 and b_flat < 800 < 784 * 8 * 0.9 < b_noisy
    import zlib
    q = np.rint(255 * noisy).astype(np.uint8)
    assert compressed_bits(noisy, method="zlib")[0] == 8 * len(zlib.compress(q.tobytes(), 9))
    with pytest.raises(ValueError, match="outside"):
        compressed_bits(noisy + 1.0)
    with pytest.raises(ValueError, match="pixels"):
        compressed_bits(noisy, (27, 28))
    with pytest.raises(ValueError, match="pair"):
        compressed_bits(noisy, 784)
    X = np.full((200, 10), 0.5)
    np.testing.assert_array_equal(perturb(X, 0.0, 0), X)
    P = perturb(X, 0.3, 0)
    assert 0.25 < np.mean(P != X) < 0.35 and P.min() >= 0 and P.max() <= 1


def test_input_complexity_is_nll_bits_minus_length():
    vae, X = _tiny_vae()
    got = vae.input_complexity(X[:4], image_shape=(2, 3), n_samples=5, rng=1, method="zlib")
    want = -vae.log_likelihood(X[:4], n_samples=5, rng=1) / np.log(2) - compressed_bits(
        X[:4], (2, 3), method="zlib")
    np.testing.assert_allclose(got, want)


@pytest.mark.parametrize("score", ["regret", "complexity", "ratio"])
def test_outlier_detector_ood_scores(score):
    rng = np.random.default_rng(0)
    X = rng.random((80, 6)) * 0.3  # dim images
    est = npae.VariationalAutoencoder(latent_dim=2, hidden=(5,), epochs=2, batch_size=20,
                                      random_state=0)
    det = npae.OutlierDetector(estimator=est, score=score, image_shape=(2, 3)).fit(X)
    s = det.decision_function(X[:7])
    assert s.shape == (7,) and np.all(np.isfinite(s))
    np.testing.assert_allclose(det.decision_function(X[:7]), s)  # deterministic
    if score == "regret":
        assert np.all(s >= 0)
    if score == "ratio":
        want = -det.estimator_.likelihood_ratio(X[:7], det.background_, n_samples=50, rng=0)
        np.testing.assert_allclose(s, want)
