"""Tests for the VAE: the Gaussian pieces alone (closed-form KL vs Monte Carlo,
reparameterised draws, the log_var bound), gradient checks with ε held fixed
on both execution paths, and the behaviour on the bundled digits (ELBO vs
latent size, importance-weighted bound vs ELBO)."""

import os
import runpy
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

import npae
from npae import NotFittedError, VariationalAutoencoder
from npae.gradcheck import check_gradient, check_gradients
from npae.terms import gaussian as _gaussian
from npae.families import variational
from npae.terms.gaussian import (LOG_VAR_BOUNDS, clip_log_var, kl_standard_normal,
                                   kl_standard_normal_rows, log_normal_rows, reparameterize,
                                   reparameterize_backward)
from helpers import rel_diff, assert_paths_agree

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LO, HI = LOG_VAR_BOUNDS


def kl_fun(p):
    v, dmu, dlv = kl_standard_normal(p["mu"], p["log_var"])
    return v, {"mu": dmu, "log_var": dlv}


# ------------------------------------------------------------ KL on its own
@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 5), k=st.integers(1, 4), seed=st.integers(0, 2**31 - 1),
       scale=st.floats(0.1, 3.0))
def test_kl_standard_normal_gradient(n, k, seed, scale):
    rng = np.random.default_rng(seed)
    params = {"mu": scale * rng.standard_normal((n, k)),
              "log_var": scale * rng.standard_normal((n, k))}
    report = check_gradient(kl_fun, params)
    assert report.passed, str(report)


def test_kl_closed_form_matches_monte_carlo():
    # KL(q ‖ p) = E_q[log q(z) − log p(z)]: estimate it with 3·10^5 draws from q
    # (scipy's normal log densities, independent of npae) and compare within
    # four standard errors and within 1 %.
    rng = np.random.default_rng(0)
    mu = np.array([[0.5, -1.2, 2.0, 0.0]])
    log_var = np.array([[-1.0, 0.4, 0.8, -2.5]])
    value, _, _ = kl_standard_normal(mu, log_var)
    std = np.exp(0.5 * log_var)
    z = mu + std * rng.standard_normal((300_000, 4))
    ratio = (norm.logpdf(z, mu, std) - norm.logpdf(z)).sum(axis=1)
    se = ratio.std() / np.sqrt(ratio.size)
    assert abs(ratio.mean() - value) < 4 * se
    assert abs(ratio.mean() - value) < 0.01 * value


def test_kl_rows_and_reduction():
    rng = np.random.default_rng(1)
    mu, lv = rng.standard_normal((2, 6, 3))
    rows = kl_standard_normal_rows(mu, lv)
    assert rows.shape == (6,) and np.all(rows >= 0)
    assert kl_standard_normal(mu, lv)[0] == pytest.approx(rows.mean(), rel=1e-14)
    # zero exactly at the prior
    assert kl_standard_normal(np.zeros((2, 3)), np.zeros((2, 3)))[0] == 0.0


def test_reparameterised_draws_have_the_stated_mean_and_variance():
    rng = np.random.default_rng(2)
    mu = np.array([[1.5, -0.5, 0.0]])
    log_var = np.array([[0.7, -1.5, -4.0]])
    eps = rng.standard_normal((400_000, 3))
    z, std = reparameterize(mu, log_var, eps)
    var = np.exp(log_var[0])
    n = eps.shape[0]
    assert np.all(np.abs(z.mean(0) - mu[0]) < 5 * np.sqrt(var / n))
    # the sample variance has standard error var * sqrt(2 / n)
    assert np.all(np.abs(z.var(0) - var) < 5 * var * np.sqrt(2.0 / n))
    np.testing.assert_allclose(std[0], np.sqrt(var), rtol=1e-14)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 4), k=st.integers(1, 3), seed=st.integers(0, 2**31 - 1))
def test_reparameterize_gradient(n, k, seed):
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((n, k))
    w = rng.standard_normal((n, k))

    def fun(p):  # f = Σ w ⊙ z, ε held fixed
        z, std = reparameterize(p["mu"], p["log_var"], eps)
        dmu, dlv = reparameterize_backward(w, eps, std, log_var=p["log_var"])
        return float(np.sum(w * z)), {"mu": dmu, "log_var": dlv}

    report = check_gradient(fun, {"mu": rng.standard_normal((n, k)),
                                  "log_var": rng.standard_normal((n, k))})
    assert report.passed, str(report)


def test_log_normal_rows_matches_scipy():
    rng = np.random.default_rng(3)
    z, mu, lv = rng.standard_normal((3, 5, 4))
    np.testing.assert_allclose(log_normal_rows(z, mu, lv),
                               norm.logpdf(z, mu, np.exp(0.5 * lv)).sum(1), rtol=1e-12)
    np.testing.assert_allclose(log_normal_rows(z, 0.0), norm.logpdf(z).sum(1), rtol=1e-12)


# ------------------------------------------------------------ the log_var bound
def test_clip_bound_is_documented_warned_and_flat():
    assert LOG_VAR_BOUNDS == (-30.0, 20.0)
    assert "clip" in _gaussian.__doc__ and "-30" in variational.__doc__.replace("−", "-")
    mu = np.zeros((1, 3))
    inside = np.array([[HI - 1.0, 0.0, LO + 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is clipped: no warning
        kl_standard_normal(mu, inside)
    outside = np.array([[HI + 7.0, 0.0, LO - 50.0]])
    with pytest.warns(RuntimeWarning, match="clipped"):
        v_out, _, g_out = kl_standard_normal(mu, outside)
    v_at, _, g_at = kl_standard_normal(mu, np.array([[HI, 0.0, LO]]))
    assert v_out == v_at and np.isfinite(v_out)
    # the gradient is the exact derivative of the computed (clipped) value: 0 outside
    assert g_out[0, 0] == 0.0 and g_out[0, 2] == 0.0 and g_at[0, 0] > 0
    # ... which central differences confirm
    with pytest.warns(RuntimeWarning):
        report = check_gradient(kl_fun, {"mu": mu.copy(), "log_var": outside.copy()})
    assert report.passed, str(report)
    s, mask = clip_log_var(outside, warn=False)
    np.testing.assert_array_equal(s, [[HI, 0.0, LO]])
    np.testing.assert_array_equal(mask, [[False, True, False]])


def test_model_with_a_diverged_log_var_head_warns_and_stays_finite():
    rng = np.random.default_rng(0)
    X = rng.random((6, 5))
    vae = VariationalAutoencoder(latent_dim=2, hidden=(4,)).initialize(X)
    vae.params_["log_var.0.b"][:] = 60.0  # far above the bound
    with pytest.warns(RuntimeWarning, match="clipped"):
        loss, grads = vae.loss_and_grads(X, rng=0)
    assert np.isfinite(loss)
    np.testing.assert_array_equal(grads["log_var.0.b"], 0.0)  # flat beyond the bound
    with pytest.warns(RuntimeWarning, match="clipped"):
        _, log_var = vae.encode(X)
    assert log_var.max() == HI


# ------------------------------------------------------------ the model's gradients
@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 5), d=st.integers(1, 5),
       hidden=st.lists(st.integers(1, 4), min_size=0, max_size=2),
       k=st.integers(1, 3), likelihood=st.sampled_from(["bernoulli", "gaussian"]),
       decoder_var=st.sampled_from(["fixed", "learned"]), sigma=st.floats(0.3, 2.0),
       beta=st.sampled_from([0.0, 0.3, 1.0, 2.5]), wd=st.sampled_from([0.0, 0.01]),
       activation=st.sampled_from(["tanh", "sigmoid", "softplus", "identity"]),
       seed=st.integers(0, 2**31 - 1))
def test_model_gradients_both_paths(n, d, hidden, k, likelihood, decoder_var, sigma, beta, wd,
                                    activation, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    vae = VariationalAutoencoder(latent_dim=k, hidden=tuple(hidden), activation=activation,
                                 likelihood=likelihood, decoder_var=decoder_var, sigma=sigma,
                                 beta=beta, weight_decay=wd, random_state=seed).initialize(X)
    if decoder_var == "learned" and likelihood == "gaussian":
        vae.params_["decoder.log_var"][:] = rng.normal(0.0, 0.5, d)
    for vectorized in (True, False):
        report = check_gradients(vae, X, rng=seed % 1000, vectorized=vectorized)
        assert report.passed, f"vectorized={vectorized}\n{report}"
    # the reference path and the batch path agree to round-off
    lb, gb = vae.loss_and_grads(X, rng=7, vectorized=True)
    lr, gr = vae.loss_and_grads(X, rng=7, vectorized=False)
    assert rel_diff(lb, lr) < 1e-12
    assert set(gb) == set(vae.params_)
    assert_paths_agree(gb, gr)


def test_kl_term_alone_through_the_encoder():
    # The KL's own contribution to the gradient, through both heads and the
    # trunk: (loss with β = 1) − (loss with β = 0), ε held fixed.
    rng = np.random.default_rng(4)
    X = rng.random((5, 6))
    vae = VariationalAutoencoder(latent_dim=3, hidden=(4, 3), beta=1.0).initialize(X)

    def kl_only(_):
        vae.beta = 1.0
        l1, g1 = vae.loss_and_grads(X, rng=0)
        vae.beta = 0.0
        l0, g0 = vae.loss_and_grads(X, rng=0)
        vae.beta = 1.0
        return l1 - l0, {k: g1[k] - g0[k] for k in g1}

    encoder = {k: v for k, v in vae.params_.items() if not k.startswith("decoder")}
    report = check_gradient(kl_only, encoder)
    assert report.passed, str(report)
    # The decoder does not see the KL: its gradient is exactly zero (where a
    # finite difference would only see round-off, so it is not checked above).
    _, g = kl_only(None)
    assert all(np.all(g[k] == 0) for k in g if k.startswith("decoder"))
    mu, log_var = vae.encode(X)
    assert kl_only(None)[0] == pytest.approx(kl_standard_normal(mu, log_var)[0], rel=1e-12)


def test_negative_control_wrong_kl_gradient_is_caught(monkeypatch):
    rng = np.random.default_rng(5)
    X = rng.random((4, 5))
    vae = VariationalAutoencoder(latent_dim=2, hidden=(3,)).initialize(X)
    assert check_gradients(vae, X, rng=0).passed

    def wrong(mu, log_var):
        v, dmu, dlv = kl_standard_normal(mu, log_var)
        return v, dmu, 1.05 * dlv  # 5 % off

    monkeypatch.setattr(variational, "kl_standard_normal", wrong)
    report = check_gradients(vae, X, rng=0)
    assert not report.passed
    assert not report["log_var.0.W"].passed


def test_loss_terms_and_epsilon_from_the_generator():
    rng = np.random.default_rng(6)
    X = rng.random((8, 5))
    vae = VariationalAutoencoder(latent_dim=2, hidden=(4,), beta=0.5).initialize(X)
    terms = vae.loss_terms(X, rng=3)
    assert set(terms) == {"reconstruction", "kl"}
    mu, log_var = vae.encode(X)
    assert terms["kl"] == pytest.approx(0.5 * kl_standard_normal(mu, log_var)[0], rel=1e-12)
    assert vae.loss_and_grads(X, rng=3)[0] == pytest.approx(sum(terms.values()), rel=1e-12)
    # same seed, same ε; another seed, another draw
    assert vae.loss_terms(X, rng=3) == terms
    assert vae.loss_terms(X, rng=4)["reconstruction"] != terms["reconstruction"]
    # the reconstruction term is −log p(x|z) at z = mu + σ ε with ε from the generator
    eps = np.random.default_rng(3).standard_normal(mu.shape)
    z = mu + np.exp(0.5 * log_var) * eps
    logits = vae.decoder_.forward(vae.params_, z, npae.nn.batch)[0]
    expected = np.mean(np.sum(np.logaddexp(0, logits) - X * logits, axis=1))
    assert terms["reconstruction"] == pytest.approx(expected, rel=1e-12)


def test_gaussian_likelihood_with_learned_variance_matches_scipy():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(6, 4))
    for xi in (0.0, 0.05):  # without and with the variance floor
        vae = VariationalAutoencoder(latent_dim=2, hidden=(3,), likelihood="gaussian",
                                     decoder_var="learned", sigma=0.5,
                                     decoder_min_var=xi).initialize(X)
        # initialised so that the variance is σ² = 0.25
        np.testing.assert_allclose(xi + np.exp(vae.params_["decoder.log_var"]), 0.25)
        vae.params_["decoder.log_var"][:] = [-1.0, 0.0, 0.5, 1.0]
        mu, log_var = vae.encode(X)
        eps = np.random.default_rng(0).standard_normal(mu.shape)
        mean = vae.inverse_transform(mu + np.exp(0.5 * log_var) * eps)
        var = xi + np.exp(vae.params_["decoder.log_var"])
        nll = -norm.logpdf(X, mean, np.sqrt(var)).sum(1).mean()
        assert vae.loss_terms(X, rng=0)["reconstruction"] == pytest.approx(nll, rel=1e-12)


# ------------------------------------------------------------ warm-up
def test_kl_warmup_schedule():
    rng = np.random.default_rng(8)
    X = rng.random((40, 6))
    vae = VariationalAutoencoder(latent_dim=2, hidden=(4,), beta=2.0, warmup_epochs=2, epochs=4,
                                 batch_size=10).fit(X)
    assert vae.history_["beta"] == [0.0, 1.0, 2.0, 2.0]
    assert vae.history_["kl"][0] == 0.0 and vae.history_["kl"][2] > 0
    # after fit, the loss uses the full β
    mu, lv = vae.encode(X)
    assert vae.loss_terms(X)["kl"] == pytest.approx(2.0 * kl_standard_normal(mu, lv)[0])
    lb = VariationalAutoencoder(latent_dim=2, hidden=(4,), warmup_epochs=5, epochs=3,
                                optimizer="lbfgs").fit(X)
    assert lb.history_["beta"] == [1.0]  # no warm-up for L-BFGS's one objective


# ------------------------------------------------------------ API
def test_api_shapes_sampling_and_reproducibility(tmp_path):
    rng = np.random.default_rng(9)
    X = rng.random((30, 7))
    vae = VariationalAutoencoder(latent_dim=3, hidden=(5,), epochs=2, batch_size=8).fit(X)
    mu, log_var = vae.encode(X)
    np.testing.assert_array_equal(vae.transform(X), mu)
    assert mu.shape == log_var.shape == (30, 3) and vae.code_size_ == 3
    S = vae.sample(11, rng=0)
    assert S.shape == (11, 7) and S.min() >= 0 and S.max() <= 1
    np.testing.assert_array_equal(S, vae.sample(11, rng=0))
    assert vae.inverse_transform(mu).shape == (30, 7)
    draws = vae.sample_latent(X[:2], n_samples=5, rng=0)
    assert draws.shape == (5, 2, 3)
    e = vae.elbo(X, n_samples=2, rng=0)
    assert e.shape == (30,) and np.all(np.isfinite(e))
    from npae.estimator.row_seeds import RowSeeds
    np.testing.assert_array_equal(vae.score_samples(X), vae.elbo(X, n_samples=10, rng=RowSeeds(0)))
    assert vae.score(X) == pytest.approx(vae.score_samples(X).mean())
    twin = VariationalAutoencoder(latent_dim=3, hidden=(5,), epochs=2, batch_size=8).fit(X)
    np.testing.assert_array_equal(twin.transform(X), mu)
    path = vae.save(tmp_path / "vae.npz")
    back = npae.load(path)
    assert isinstance(back, VariationalAutoencoder)
    np.testing.assert_array_equal(back.transform(X), mu)
    np.testing.assert_array_equal(back.elbo(X, rng=1), vae.elbo(X, rng=1))


def test_float32_and_gaussian_fit():
    rng = np.random.default_rng(10)
    X = rng.normal(size=(50, 4))
    vae = VariationalAutoencoder(latent_dim=2, hidden=(6,), likelihood="gaussian",
                                 decoder_var="learned", epochs=3, dtype="float32").fit(X)
    assert vae.transform(X).dtype == np.float32
    assert vae.params_["decoder.log_var"].dtype == np.float32
    assert np.all(np.isfinite(vae.log_likelihood(X, n_samples=3, rng=0)))


def test_scikit_learn_clone():
    base = pytest.importorskip("sklearn.base")
    vae = VariationalAutoencoder(latent_dim=4, beta=3.0, warmup_epochs=2)
    twin = base.clone(vae)
    assert twin.get_params() == vae.get_params() and twin is not vae


# ------------------------------------------------------------ errors
def test_errors():
    X = np.random.default_rng(11).random((10, 4))
    with pytest.raises(ValueError, match=r"likelihood='bernoulli'.*\[0, 1\]"):
        VariationalAutoencoder().fit(X * 3)
    with pytest.raises(ValueError, match="likelihood"):
        VariationalAutoencoder(likelihood="poisson").fit(X)
    with pytest.raises(ValueError, match="decoder_var"):
        VariationalAutoencoder(decoder_var="free").fit(X)
    with pytest.raises(ValueError, match="beta"):
        VariationalAutoencoder(beta=-1.0).fit(X)
    with pytest.raises(ValueError, match="latent_dim"):
        VariationalAutoencoder(latent_dim=0).fit(X)
    with pytest.raises(ValueError, match="sigma"):
        VariationalAutoencoder(likelihood="gaussian", sigma=0.0).fit(X)
    with pytest.raises(TypeError, match="warmup_epochs"):
        VariationalAutoencoder(warmup_epochs=1.5).fit(X)
    with pytest.raises(ValueError, match="hidden"):
        VariationalAutoencoder(hidden=(4, 0)).fit(X)
    with pytest.raises(NotFittedError):
        VariationalAutoencoder().transform(X)
    with pytest.raises(NotFittedError):
        VariationalAutoencoder().sample(3)
    vae = VariationalAutoencoder(latent_dim=2, hidden=(3,), epochs=1).fit(X)
    with pytest.raises(ValueError, match="n_samples"):
        vae.log_likelihood(X, n_samples=0)
    with pytest.raises(ValueError, match="features"):
        vae.elbo(X[:, :3])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        vae.score_samples(X - 1)
    with pytest.raises(ValueError, match="Z has 3 features"):
        vae.inverse_transform(np.zeros((2, 3)))
    # the Gaussian likelihood accepts any real data
    VariationalAutoencoder(likelihood="gaussian", hidden=(3,), epochs=1).fit(X * 3 - 1)


# ------------------------------------------------------------ the digits
@pytest.fixture(scope="module")
def digits():
    X, y = npae.load_mnist()
    X_tr, X_te, y_tr, y_te = npae.datasets.train_test_split(X, y, test_size=1000, rng=0)
    return X_tr[:2000], X_te


@pytest.fixture(scope="module")
def vaes(digits):
    X_tr, _ = digits
    return {k: VariationalAutoencoder(latent_dim=k, hidden=(64,), epochs=15, batch_size=100,
                                      learning_rate=2e-3, random_state=0).fit(X_tr)
            for k in (2, 10)}


def test_elbo_improves_from_2_to_10_latent_dimensions(digits, vaes):
    _, X_te = digits
    e2 = vaes[2].elbo(X_te, n_samples=5, rng=0)
    e10 = vaes[10].elbo(X_te, n_samples=5, rng=0)
    diff = e10 - e2  # paired over the same held-out digits
    se = diff.std() / np.sqrt(diff.size)
    assert diff.mean() > 5 * se and diff.mean() > 5.0, (e2.mean(), e10.mean())
    # the bound is a log density of binarised-like digits: negative, and finite
    assert np.all(e10 < 0) and np.all(np.isfinite(e10))


def test_importance_weighted_bound_is_above_the_elbo(digits, vaes):
    _, X_te = digits
    X = X_te[:300]
    for vae in vaes.values():
        iw = vae.log_likelihood(X, n_samples=50, rng=0)
        elbo = vae.elbo(X, n_samples=10, rng=1)
        assert iw.mean() > elbo.mean()
        assert np.mean(iw >= elbo) > 0.5
        # K = 1 is an unbiased estimate of the ELBO (same expectation)
        iw1 = vae.log_likelihood(X, n_samples=1, rng=2)
        d = iw1 - elbo
        assert abs(d.mean()) < 5 * d.std() / np.sqrt(d.size) + 1e-9


def test_tutorial_runs_quick(tmp_path, capsys):
    script = os.path.join(ROOT, "tutorials", "variational.py")
    argv = sys.argv
    sys.argv = [script, "--quick", "--out", str(tmp_path)]
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        sys.argv = argv
    out = capsys.readouterr().out
    assert "Monte Carlo" in out and "PASSED" in out
    for name in ("latent_2d.png", "manifold.png", "samples.png", "elbo_vs_latent.png"):
        assert (tmp_path / name).stat().st_size > 1000, name
