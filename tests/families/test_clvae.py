"""Tests for the CL-VAE (Norlander & Sopasakis 2019): the KL to a class prior
against the general Gaussian formula, its gradients (including the learned
prior means), gradient checks of the model on both paths, labels and their
errors, the default prior placement, and the clustering of held-out digits
against a plain VAE's."""

import os
import runpy
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal

import npae
from npae import ConditionalLatentVAE, NotFittedError, VariationalAutoencoder
from npae.gradcheck import check_gradient, check_gradients
from npae.classical import gaussian_mixture, kmeans
from npae.metrics import v_measure
from npae.families import clvae
from npae.terms.gaussian import kl_standard_normal
from npae.families.clvae import DEFAULT_SEPARATION, default_prior_means, kl_to_class_prior
from helpers import rel_diff, assert_paths_agree

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def general_gaussian_kl(m0, S0, m1, S1):
    """KL(N(m0, S0) ‖ N(m1, S1)) by matrix algebra, full covariances."""
    k = len(m0)
    S1_inv = np.linalg.inv(S1)
    d = m1 - m0
    return 0.5 * (np.trace(S1_inv @ S0) + d @ S1_inv @ d - k
                  + np.linalg.slogdet(S1)[1] - np.linalg.slogdet(S0)[1])


# ------------------------------------------------------------ the KL on its own
def test_kl_to_class_prior_equals_the_general_formula():
    rng = np.random.default_rng(0)
    mu, log_var, m = rng.standard_normal((3, 7, 4))
    value, *_ = kl_to_class_prior(mu, log_var, m)
    ref = np.mean([general_gaussian_kl(mu[i], np.diag(np.exp(log_var[i])), m[i], np.eye(4))
                   for i in range(7)])
    assert value == pytest.approx(ref, rel=1e-12)
    # with the prior mean at the origin it is the VAE's KL
    assert kl_to_class_prior(mu, log_var, 0 * m)[0] == pytest.approx(
        kl_standard_normal(mu, log_var)[0], rel=1e-14)


def test_kl_to_class_prior_matches_monte_carlo_with_scipy():
    rng = np.random.default_rng(1)
    mu = np.array([[1.0, -0.5, 0.3]])
    log_var = np.array([[-0.7, 0.5, -2.0]])
    m = np.array([[3.0, 1.0, -1.0]])
    value, *_ = kl_to_class_prior(mu, log_var, m)
    q = multivariate_normal(mu[0], np.diag(np.exp(log_var[0])))
    p = multivariate_normal(m[0], np.eye(3))
    z = q.rvs(size=200_000, random_state=rng)
    ratio = q.logpdf(z) - p.logpdf(z)
    se = ratio.std() / np.sqrt(ratio.size)
    assert abs(ratio.mean() - value) < 4 * se and abs(ratio.mean() - value) < 0.01 * value


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 5), k=st.integers(1, 4), seed=st.integers(0, 2**31 - 1),
       scale=st.floats(0.1, 3.0))
def test_kl_to_class_prior_gradient(n, k, seed, scale):
    rng = np.random.default_rng(seed)

    def fun(p):
        v, dmu, dlv, dm = kl_to_class_prior(p["mu"], p["log_var"], p["m"])
        return v, {"mu": dmu, "log_var": dlv, "m": dm}

    params = {name: scale * rng.standard_normal((n, k)) for name in ("mu", "log_var", "m")}
    report = check_gradient(fun, params)
    assert report.passed, str(report)


# ------------------------------------------------------------ default placement
@pytest.mark.parametrize("C,k", [(10, 2), (10, 9), (10, 12), (3, 1), (2, 1), (2, 3), (5, 3),
                                 (4, 2), (3, 2)])
def test_default_prior_means_start_apart(C, k):
    M = default_prior_means(C, k)
    assert M.shape == (C, k)
    D = np.linalg.norm(M[:, None] - M[None], axis=-1)[np.triu_indices(C, 1)]
    assert D.min() == pytest.approx(DEFAULT_SEPARATION, rel=1e-12)
    np.testing.assert_allclose(M.mean(0), 0.0, atol=1e-12)
    if k >= C - 1:  # a regular simplex: every pair equally far apart
        np.testing.assert_allclose(D, DEFAULT_SEPARATION, rtol=1e-12)
    elif k >= 2:  # a regular polygon on a circle in (z1, z2)
        r = np.linalg.norm(M[:, :2], axis=1)
        np.testing.assert_allclose(r, r[0], rtol=1e-12)
        assert np.all(M[:, 2:] == 0)
    assert default_prior_means(C, k, separation=8.0) == pytest.approx(2 * M)
    assert np.all(default_prior_means(1, 3) == 0)


# ------------------------------------------------------------ the model's gradients
@settings(max_examples=20, deadline=None)
@given(n=st.integers(2, 6), d=st.integers(1, 5),
       hidden=st.lists(st.integers(1, 4), min_size=0, max_size=2), k=st.integers(1, 3),
       n_classes=st.integers(1, 3), likelihood=st.sampled_from(["bernoulli", "gaussian"]),
       decoder_var=st.sampled_from(["fixed", "learned"]),
       prior=st.sampled_from([None, "learned", "array"]),
       gamma=st.sampled_from([0.0, 0.3, 1.0]), beta=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
       activation=st.sampled_from(["tanh", "sigmoid", "softplus"]),
       seed=st.integers(0, 2**31 - 1))
def test_model_gradients_both_paths(n, d, hidden, k, n_classes, likelihood, decoder_var, prior,
                                    gamma, beta, activation, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    y = rng.integers(0, n_classes, n) * 10 + 3  # labels need not be 0..C-1
    n_seen = len(np.unique(y))
    prior_means = rng.normal(size=(n_seen, k)) if prior == "array" else prior
    model = ConditionalLatentVAE(latent_dim=k, hidden=tuple(hidden), gamma=gamma, beta=beta,
                                 prior_means=prior_means, activation=activation,
                                 likelihood=likelihood, decoder_var=decoder_var,
                                 weight_decay=0.01, random_state=seed).initialize(X, y)
    if prior == "learned":
        model.params_["prior.means"][:] += rng.normal(0, 0.5, (n_seen, k))
        assert "prior.means" in model.params_
    for vectorized in (True, False):
        report = check_gradients(model, X, y, rng=seed % 1000, vectorized=vectorized)
        assert report.passed, f"vectorized={vectorized}\n{report}"
    lb, gb = model.loss_and_grads(X, y, rng=5, vectorized=True)
    lr, gr = model.loss_and_grads(X, y, rng=5, vectorized=False)
    assert rel_diff(lb, lr) < 1e-12
    assert set(gb) == set(model.params_)
    assert_paths_agree(gb, gr)


def test_each_term_alone_in_the_model():
    rng = np.random.default_rng(2)
    X = rng.random((9, 6))
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2])
    for gamma, beta, term in ((1.0, 0.0, "reconstruction"), (0.0, 1.0, "kl")):
        model = ConditionalLatentVAE(latent_dim=2, hidden=(4,), gamma=gamma, beta=beta,
                                     prior_means="learned").initialize(X, y)
        model.params_["prior.means"][:] = rng.normal(size=(3, 2))
        names = [p for p in model.params_ if term == "reconstruction" or
                 not p.startswith("decoder")]  # the decoder does not see the KL
        report = check_gradients(model, X, y, rng=0, params=names)
        assert report.passed, f"{term}\n{report}"
        terms = model.loss_terms(X, y, rng=0)
        assert terms["kl" if term == "reconstruction" else "reconstruction"] == 0.0
    # the KL term is the closed form at the encoder's output and the class means
    mu, log_var = model.encode(X)
    assert terms["kl"] == pytest.approx(
        kl_to_class_prior(mu, log_var, model.prior_means_[y])[0], rel=1e-12)


def test_negative_control_wrong_prior_gradient_is_caught(monkeypatch):
    rng = np.random.default_rng(3)
    X = rng.random((6, 4))
    y = np.array([0, 1, 0, 1, 1, 0])
    model = ConditionalLatentVAE(latent_dim=2, hidden=(3,), prior_means="learned").initialize(X, y)
    assert check_gradients(model, X, y, rng=0).passed

    def wrong(mu, log_var, rows):
        v, dmu, dlv, drows = kl_to_class_prior(mu, log_var, rows)
        return v, dmu, dlv, 0.9 * drows

    monkeypatch.setattr(clvae, "kl_to_class_prior", wrong)
    report = check_gradients(model, X, y, rng=0)
    assert not report["prior.means"].passed
    assert report["encoder.0.W"].passed


# ------------------------------------------------------------ labels and errors
def test_labels_classes_and_errors():
    rng = np.random.default_rng(4)
    X = rng.random((12, 5))
    y = np.array(list("abc") * 4)  # strings work
    model = ConditionalLatentVAE(latent_dim=2, hidden=(3,), epochs=1, batch_size=4).fit(X, y)
    assert model.classes_.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(model.class_prior_, [1 / 3] * 3)
    assert model.transform(X).shape == (12, 2)  # no labels needed
    assert model.score_samples(X).shape == (12,)
    with pytest.raises(ValueError, match="needs the class labels"):
        ConditionalLatentVAE().fit(X)
    with pytest.raises(ValueError, match="needs the class labels"):
        model.loss_and_grads(X)
    with pytest.raises(ValueError, match=r"\['d'\] are not among"):
        model.loss_and_grads(X[:1], np.array(["d"]))
    with pytest.raises(ValueError, match="not among the model's classes"):
        ConditionalLatentVAE(classes=[0, 1], hidden=(3,)).fit(X, np.arange(12) % 3)
    with pytest.raises(ValueError, match="NaN"):
        ConditionalLatentVAE(hidden=(3,)).fit(X, np.where(np.arange(12) == 2, np.nan, 1.0))
    with pytest.raises(ValueError, match="None"):
        ConditionalLatentVAE(hidden=(3,)).fit(X, [None] + [1] * 11)
    with pytest.raises(TypeError, match="class labels"):
        ConditionalLatentVAE(hidden=(3,)).fit(X, np.full(12, 0.5))
    with pytest.raises(ValueError, match="12 samples"):
        ConditionalLatentVAE(hidden=(3,)).fit(X, np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match=r"prior_means has shape \(2, 2\)"):
        ConditionalLatentVAE(prior_means=np.zeros((2, 2)), hidden=(3,)).fit(X, np.arange(12) % 3)
    with pytest.raises(ValueError, match=r"prior_means must be None or one of \['learned'\] or an array-like, got 'random'"):
        ConditionalLatentVAE(prior_means="random").fit(X, y)
    with pytest.raises(ValueError, match="gamma"):
        ConditionalLatentVAE(gamma=-1).fit(X, y)
    with pytest.raises(ValueError, match="validation_data"):
        ConditionalLatentVAE(validation_data=X, hidden=(3,)).fit(X, y)
    with pytest.raises(NotFittedError):
        ConditionalLatentVAE().transform(X)
    # float labels that are integers are accepted; explicit classes keep their order
    m2 = ConditionalLatentVAE(classes=[2, 0, 1], prior_means=np.eye(3, 2), hidden=(3,),
                              epochs=1).fit(X, (np.arange(12) % 3).astype(float))
    assert m2.classes_.tolist() == [2, 0, 1]
    mu, lv = m2.encode(X)
    yy = np.arange(12) % 3
    rows = np.eye(3, 2)[[1, 2, 0]][yy]  # label 0 is row 1, label 1 row 2, label 2 row 0
    assert m2.loss_terms(X, yy)["kl"] == pytest.approx(kl_to_class_prior(mu, lv, rows)[0])


def test_class_prior_sampling_and_mixture_bounds(tmp_path):
    rng = np.random.default_rng(5)
    X = rng.random((40, 6))
    y = rng.integers(0, 4, 40)
    model = ConditionalLatentVAE(latent_dim=3, hidden=(5,), prior_means="learned", epochs=2,
                                 batch_size=10).fit(X, y)
    M = model.prior_means_
    # z ~ N(m_y, I) for the class asked for
    Z = model._sample_prior(20_000, np.random.default_rng(0), y=2)
    assert np.all(np.abs(Z.mean(0) - M[2]) < 0.04) and np.all(np.abs(Z.var(0) - 1) < 0.05)
    # without a class, classes come with the training frequencies
    Zm = model._sample_prior(40_000, np.random.default_rng(1))
    nearest = np.argmin(((Zm[:, None] - M[None]) ** 2).sum(-1), axis=1)
    assert Zm.shape == (40_000, 3) and len(np.unique(nearest)) == 4
    assert model.sample(5, rng=0, y=1).shape == (5, 6)
    with pytest.raises(ValueError, match="not among"):
        model.sample(2, rng=0, y=7)
    # bounds: with labels on log p(x|y), without on log p(x) (mixture prior)
    e_y = model.elbo(X, n_samples=3, rng=0, y=y)
    e = model.elbo(X, n_samples=3, rng=0)
    iw = model.log_likelihood(X, n_samples=200, rng=0)
    assert e_y.shape == e.shape == iw.shape == (40,) and np.all(np.isfinite(iw))
    assert iw.mean() > e.mean()
    # log p(x) = log Σ_y π_y p(x|y) >= log π_y + log p(x|y): the label-aware bound is consistent
    iw_y = model.log_likelihood(X, n_samples=200, rng=0, y=y)
    assert np.mean(iw >= iw_y + np.log(model.class_prior_[np.searchsorted(model.classes_, y)])
                   - 0.5) > 0.9
    path = model.save(tmp_path / "clvae.npz")
    back = npae.load(path)
    np.testing.assert_array_equal(back.prior_means_, M)
    np.testing.assert_array_equal(back.classes_, model.classes_)
    np.testing.assert_array_equal(back.transform(X), model.transform(X))
    assert back.loss_terms(X, y, rng=0) == model.loss_terms(X, y, rng=0)


def test_scikit_learn_clone():
    base = pytest.importorskip("sklearn.base")
    m = ConditionalLatentVAE(gamma=0.3, prior_means="learned", classes=(1, 2))
    twin = base.clone(m)
    assert twin.get_params() == m.get_params()


# ------------------------------------------------------------ the digits
@pytest.fixture(scope="module")
def digit_codes():
    X, y = npae.load_mnist()
    X_tr, X_te, y_tr, y_te = npae.datasets.train_test_split(X, y, test_size=1000, rng=0)
    X_tr, y_tr = X_tr[:1500], y_tr[:1500]
    common = dict(latent_dim=2, hidden=(48,), epochs=10, batch_size=100, learning_rate=2e-3,
                  random_state=0)
    models = {"VAE": VariationalAutoencoder(**common).fit(X_tr),
              "CL-VAE": ConditionalLatentVAE(**common).fit(X_tr, y_tr),
              "CL-VAE γ=0.3": ConditionalLatentVAE(gamma=0.3, **common).fit(X_tr, y_tr)}
    return {name: m.transform(X_te) for name, m in models.items()}, y_te


def test_clvae_latent_space_clusters_better_than_the_vae(digit_codes):
    codes, y_te = digit_codes
    scores = {}
    for name, Z in codes.items():
        scores[name] = (v_measure(y_te, kmeans(Z, 10, rng=0).labels),
                        v_measure(y_te, gaussian_mixture(Z, 10, rng=0).labels))
    vae_km, vae_em = scores["VAE"]
    for name in ("CL-VAE", "CL-VAE γ=0.3"):
        km, em = scores[name]
        assert km > vae_km + 0.03 and em > vae_em + 0.03, scores


def test_tutorial_runs_quick(tmp_path, capsys):
    script = os.path.join(ROOT, "tutorials", "clvae.py")
    argv = sys.argv
    sys.argv = [script, "--quick", "--out", str(tmp_path)]
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        sys.argv = argv
    out = capsys.readouterr().out
    assert "V-measure" in out and "PASSED" in out
    for name in ("latent_vae_vs_clvae.png", "samples_by_class.png"):
        assert (tmp_path / name).stat().st_size > 1000, name
