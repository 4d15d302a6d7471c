"""The VAE's decoder likelihoods beyond the basic ones: the floor on a learned Gaussian
variance (Mattei & Frellsen 2018)."""

import warnings

import numpy as np
import pytest

from npae import VariationalAutoencoder
from npae.gradcheck import check_gradient, check_gradients
from npae.terms.gaussian import floor_log_var


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


# ------------------------------------------------------------ the IWAE objective
@pytest.mark.parametrize("kw", [
    dict(likelihood="bernoulli", iwae_samples=5),
    dict(likelihood="bernoulli", iwae_samples=3, binarize=True),
    dict(likelihood="gaussian", decoder_var="learned", iwae_samples=4),
    dict(likelihood="gaussian", iwae_samples=2, hidden=(), weight_decay=0.1),
])
def test_iwae_gradients_both_paths_draws_held_fixed(kw):
    rng = np.random.default_rng(2)
    X = rng.random((5, 4))
    kw = {"latent_dim": 2, "hidden": (3,), "activation": "tanh", **kw}
    vae = VariationalAutoencoder(**kw).initialize(X)
    if kw.get("decoder_var") == "learned":
        vae.params_["decoder.log_var"][:] = rng.normal(-1.0, 0.5, 4)
    for vectorized in (True, False):
        report = check_gradients(vae, X, rng=4, vectorized=vectorized)
        assert report.passed, f"vectorized={vectorized}\n{report}"
    lb, gb = vae.loss_and_grads(X, rng=4, vectorized=True)
    lr, gr = vae.loss_and_grads(X, rng=4, vectorized=False)
    assert abs(lb - lr) <= 1e-12 * abs(lb)
    for name in gb:
        np.testing.assert_allclose(gb[name], gr[name], rtol=1e-10, atol=1e-13)


def test_iwae_value_is_the_importance_weighted_estimate_with_the_same_draws():
    """L_K equals −mean log (1/K) Σ w computed independently from the model's pieces."""
    from scipy.special import logsumexp
    from scipy.stats import norm

    rng = np.random.default_rng(5)
    X = rng.random((4, 3))
    vae = VariationalAutoencoder(latent_dim=2, hidden=(3,), iwae_samples=6).initialize(X)
    mu, log_var = vae.encode(X)
    eps = np.random.default_rng(9).standard_normal((6, 4, 2))
    Z = mu + np.exp(0.5 * log_var) * eps
    P = np.stack([vae.inverse_transform(z) for z in Z])  # (6, 4, 3) Bernoulli means
    log_px = np.sum(X * np.log(P) + (1 - X) * np.log(1 - P), axis=2)
    log_pz = norm.logpdf(Z).sum(2)
    log_qz = norm.logpdf(Z, mu, np.exp(0.5 * log_var)).sum(2)
    expected = -np.mean(logsumexp(log_px + log_pz - log_qz, axis=0) - np.log(6))
    assert vae.loss_terms(X, rng=9)["iwae"] == pytest.approx(expected, rel=1e-10)


def test_iwae_negative_control_wrong_decoder_gradient_is_caught(monkeypatch):
    """The same objective with the decoder's gradient off by a factor: the checker fails."""
    from npae.families import _iwae

    rng = np.random.default_rng(6)
    X = rng.random((4, 3))
    vae = VariationalAutoencoder(latent_dim=2, hidden=(3,), iwae_samples=3).initialize(X)
    assert check_gradients(vae, X, rng=1).passed
    right = _iwae.log_px_and_grads
    monkeypatch.setattr(_iwae, "log_px_and_grads",
                        lambda *a: (lambda lp, d, v: (lp, 0.9 * d, v))(*right(*a)))
    assert not check_gradients(vae, X, rng=1).passed


def test_iwae_bound_is_above_the_elbo_after_training():
    """Burda et al. Theorem 1, on held-out binarised digits: IWAE_K >= ELBO (K = 50)."""
    from npae import load_mnist

    X, _ = load_mnist(n=1200)
    Xb = (np.random.default_rng(0).random(X.shape) < X).astype(float)
    vae = VariationalAutoencoder(latent_dim=8, hidden=(64,), binarize=True, iwae_samples=5,
                                 epochs=4, random_state=0).fit(X[:1000])
    assert "iwae" in vae.history_ and vae.history_["iwae"][-1] < vae.history_["iwae"][0]
    test = Xb[1000:]
    elbo = vae.elbo(test, n_samples=50, rng=0).mean()
    iw = vae.log_likelihood(test, n_samples=50, rng=0).mean()
    assert iw > elbo + 0.5  # nats: K = 50 is measurably tighter


def test_binarize_draws_fresh_binary_targets_from_the_loss_rng():
    rng = np.random.default_rng(7)
    X = rng.random((6, 5))
    vae = VariationalAutoencoder(latent_dim=2, hidden=(3,), binarize=True).initialize(X)
    a, b, c = (vae.loss_terms(X, rng=r)["reconstruction"] for r in (1, 1, 2))
    assert a == b and a != c  # same seed: same binarisation and ε
    with pytest.raises(ValueError, match="binarize"):
        VariationalAutoencoder(likelihood="gaussian", binarize=True).fit(X)
    with pytest.raises(ValueError, match="beta=1"):
        VariationalAutoencoder(iwae_samples=5, beta=2.0).fit(X)


# ------------------------------------------------------------ the Student-t decoder
def test_student_t_nll_matches_scipy_and_its_gradients_check():
    from scipy.stats import t as student_t

    from npae.terms.student_t import student_t_nll

    rng = np.random.default_rng(8)
    X, mu = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    log_var, log_df = rng.normal(0, 0.5, 4), np.log([0.7, 2.0, 5.0, 40.0])
    value = student_t_nll(mu, log_var, log_df, X)[0]
    ref = -student_t.logpdf(X, np.exp(log_df), mu, np.exp(0.5 * log_var)).sum(1).mean()
    assert value == pytest.approx(ref, rel=1e-12)

    def fun(p):
        v, dmu, dlv, ddf = student_t_nll(p["mu"], p["log_var"], p["log_df"], X)
        return v, {"mu": dmu, "log_var": dlv, "log_df": ddf}
    report = check_gradient(fun, {"mu": mu, "log_var": log_var, "log_df": log_df})
    assert report.passed, report

    def wrong(p):  # the digamma terms of ∂/∂ν forgotten
        v, g = fun(p)
        nu = np.exp(p["log_df"])
        return v, {**g, "log_df": g["log_df"] + 0.1 * nu}
    assert not check_gradient(wrong, {"mu": mu, "log_var": log_var, "log_df": log_df}).passed


@pytest.mark.parametrize("hidden", [(3,), ()])
def test_student_t_vae_gradients_both_paths(hidden):
    rng = np.random.default_rng(9)
    X = rng.normal(size=(5, 4))
    vae = VariationalAutoencoder(latent_dim=2, hidden=hidden, likelihood="student_t",
                                 activation="tanh", weight_decay=0.05).initialize(X)
    assert set(vae.params_) >= {"decoder.log_var", "decoder.log_df"}
    vae.params_["decoder.log_df"][:] = rng.normal(1.0, 0.5, 4)
    vae.params_["decoder.log_var"][:] = rng.normal(-0.5, 0.5, 4)
    for vectorized in (True, False):
        report = check_gradients(vae, X, rng=3, vectorized=vectorized)
        assert report.passed, f"vectorized={vectorized}\n{report}"
    lb, gb = vae.loss_and_grads(X, rng=3, vectorized=True)
    lr, gr = vae.loss_and_grads(X, rng=3, vectorized=False)
    assert abs(lb - lr) <= 1e-12 * abs(lb)
    for name in gb:
        np.testing.assert_allclose(gb[name], gr[name], rtol=1e-10, atol=1e-13)
    # the ELBO and log p(x) use the same density
    assert np.all(np.isfinite(vae.log_likelihood(X, n_samples=5, rng=0)))


def test_student_t_density_estimate_is_more_robust_to_outliers():
    """Takahashi et al.'s point, small: 10 % of the training rows replaced by large noise;
    the clean held-out log-likelihood drops less with the Student-t decoder (measured:
    Gaussian −5.35 -> −11.65, Student-t −4.15 -> −8.61 nats per row)."""
    rng = np.random.default_rng(0)
    W = rng.normal(size=(2, 6))

    def clean(n):
        return rng.normal(size=(n, 2)) @ W + 0.1 * rng.normal(size=(n, 6))
    Xtr, Xte = clean(400), clean(200)
    Xo = Xtr.copy()
    Xo[rng.choice(400, 40, replace=False)] = 10 * rng.normal(size=(40, 6))
    ll = {}
    for lik in ("gaussian", "student_t"):
        for name, X in (("clean", Xtr), ("outliers", Xo)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # outliers' posterior variance
                vae = VariationalAutoencoder(latent_dim=2, hidden=(), likelihood=lik,
                                             decoder_var="learned", learning_rate=5e-3,
                                             epochs=60, batch_size=50, random_state=0).fit(X)
            ll[lik, name] = vae.log_likelihood(Xte, n_samples=20, rng=0).mean()
    drop = {lik: ll[lik, "clean"] - ll[lik, "outliers"] for lik in ("gaussian", "student_t")}
    assert ll["student_t", "outliers"] > ll["gaussian", "outliers"] + 1.0
    assert drop["student_t"] < drop["gaussian"] - 0.5


@pytest.mark.parametrize("kw", [{"likelihood": "student_t"}, {"iwae_samples": 3},
                                {"binarize": True}])
def test_to_torch_refuses_the_npae_only_objectives(kw):
    pytest.importorskip("torch")
    import npae

    X = np.random.default_rng(0).random((6, 4))
    vae = VariationalAutoencoder(latent_dim=2, hidden=(3,), **kw).initialize(X)
    with pytest.raises(ValueError, match="does not export"):
        npae.to_torch(vae)
