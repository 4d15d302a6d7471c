"""VaDE (Jiang et al. 2017): the mixture KL against its definition and the VAE's KL,
its gradients alone and in the model on both paths (with a negative control),
responsibilities, clustering of separated blobs, save/load."""

import numpy as np
import pytest
from scipy.special import logsumexp

import npae
from npae import VariationalDeepEmbedding
from npae.gradcheck import check_gradient, check_gradients
from npae.metrics import clustering_accuracy, v_measure
from npae.terms.gaussian import kl_standard_normal_rows, log_normal_rows
from npae.families.vade import mixture_kl
from helpers import assert_paths_agree, blobs

X12 = np.random.default_rng(0).random((12, 7))


def random_prior(rng, n=4, C=3, k=2):
    return (rng.standard_normal((n, k)), 0.5 * rng.standard_normal((n, k)),
            rng.standard_normal(C), rng.standard_normal((C, k)), 0.5 * rng.standard_normal((C, k)))


def test_mixture_kl_equals_its_definition_with_the_optimal_gamma():
    mu, s, logits, M, V = random_prior(np.random.default_rng(0))
    kl, gamma, *_ = mixture_kl(mu, s, logits, M, V)
    log_pi = logits - logsumexp(logits)
    for i in range(mu.shape[0]):
        # E_q[log N(z; m_c, diag e^v)] + log 2π/2 terms, written out per component
        e = np.array([log_pi[c] - 0.5 * np.sum(V[c] + (np.exp(s[i]) + (mu[i] - M[c]) ** 2)
                                                 / np.exp(V[c])) for c in range(3)])
        g = np.exp(e - logsumexp(e))
        ref = (np.sum(g * (np.log(g) - log_pi))
               + sum(g[c] * 0.5 * np.sum(V[c] + (np.exp(s[i]) + (mu[i] - M[c]) ** 2) / np.exp(V[c]))
                     for c in range(3))
               - 0.5 * np.sum(1 + s[i]))
        assert kl[i] == pytest.approx(ref, rel=1e-12)
        np.testing.assert_allclose(gamma[i], g, rtol=1e-12)
    # one component N(0, I): the VAE's KL
    kl1 = mixture_kl(mu, s, np.zeros(1), np.zeros((1, 2)), np.zeros((1, 2)))[0]
    np.testing.assert_allclose(kl1, kl_standard_normal_rows(mu, s), rtol=1e-12)


def test_mixture_kl_bounds_the_marginal_kl():
    """KL(q(z,c)‖p(z,c)) >= KL(q(z)‖Σ_c π_c p(z|c)), estimated by Monte Carlo."""
    mu, s, logits, M, V = random_prior(np.random.default_rng(1), n=3)
    kl = mixture_kl(mu, s, logits, M, V)[0]
    Z = mu + np.exp(0.5 * s) * np.random.default_rng(2).standard_normal((40000, *mu.shape))
    log_p = logsumexp(log_normal_rows(Z[..., None, :], M, V) + logits - logsumexp(logits), axis=-1)
    marginal = np.mean(log_normal_rows(Z, mu, s) - log_p, axis=0)
    assert np.all(kl >= marginal - 0.02)


def test_mixture_kl_gradients():
    params = dict(zip(("mu", "s", "logits", "M", "V"), random_prior(np.random.default_rng(3))))

    def fun(p):
        kl, _, dmu, ds, dl, dM, dV = mixture_kl(p["mu"], p["s"], p["logits"], p["M"], p["V"])
        return kl.sum(), {"mu": dmu, "s": ds, "logits": dl.sum(0), "M": dM.sum(0), "V": dV.sum(0)}

    report = check_gradient(fun, params)
    assert report.passed, str(report)


@pytest.mark.parametrize("example", VariationalDeepEmbedding._examples)
def test_gradients_on_both_paths(example):
    m = VariationalDeepEmbedding(**example).initialize(X12)
    for vectorized in (True, False):
        report = check_gradients(m, X12, rng=0, vectorized=vectorized)
        assert report.passed, str(report)
    assert_paths_agree(m.loss_and_grads(X12, rng=1)[1],
                       m.loss_and_grads(X12, rng=1, vectorized=False)[1])


def test_the_checker_catches_a_wrong_prior_gradient():
    class Wrong(VariationalDeepEmbedding):
        def _kl_term(self, params, mu, log_var, y, ops, grads, weight):
            out = super()._kl_term(params, mu, log_var, y, ops, grads, weight)
            if "prior.log_var" in grads:
                grads["prior.log_var"] *= 0.9
            return out

    m = Wrong(**VariationalDeepEmbedding._examples[0]).initialize(X12)
    report = check_gradients(m, X12, rng=0)
    assert not report.passed and report["prior.log_var"].verdict == "FAIL"


@pytest.fixture(scope="module")
def blob_model():
    X, y = blobs(n=300, k=3, d=8, std=1.0, seed=4)
    X = (X - X.min()) / (X.max() - X.min())
    m = VariationalDeepEmbedding(n_components=3, latent_dim=2, hidden=(16,), activation="tanh",
                                 likelihood="gaussian", sigma=0.1, pretrain_epochs=20, epochs=10,
                                 batch_size=32, learning_rate=1e-2).fit(X)
    return m, X, y


def test_clusters_separated_blobs(blob_model):
    m, X, y = blob_model
    assert v_measure(y, m.labels_) > 0.9 and clustering_accuracy(y, m.labels_) > 0.9
    G = m.predict_proba(X)
    assert G.shape == (300, 3) and np.allclose(G.sum(axis=1), 1.0)
    np.testing.assert_array_equal(m.predict(X), m.labels_)
    assert m.weights_.sum() == pytest.approx(1.0) and np.all(m.variances_ > 0)
    assert m.means_.shape == (3, 2) and m.sample(5, rng=0).shape == (5, 8)
    assert np.all(np.isfinite(m.elbo(X[:5], rng=0)))


def test_save_load_and_bad_input(blob_model, tmp_path):
    m, X, _ = blob_model
    m.save(tmp_path / "vade.npz")
    m2 = npae.load(tmp_path / "vade.npz")
    np.testing.assert_array_equal(m2.predict_proba(X), m.predict_proba(X))
    np.testing.assert_array_equal(m2.labels_, m.labels_)
    with pytest.raises(ValueError, match="n_components=20 exceeds"):
        VariationalDeepEmbedding(hidden=(3,), n_components=20, pretrain_epochs=0).fit(X12)
