"""Tests for the DAGMM family (Zong et al. 2018): the energy's gradient through the mixture
estimates, the reconstruction features, the whole model on both paths."""

import numpy as np
import pytest
from scipy.special import softmax
from scipy.stats import multivariate_normal

import npae
from npae.gradcheck import check_gradient
from npae.terms.gmm_energy import energy, energy_terms, gmm_parameters
from npae.families.dagmm import reconstruction_features, reconstruction_features_backward
from npae.nn import get_ops
from helpers import assert_paths_agree

X12 = np.random.default_rng(0).random((12, 7))


def _energy_fun(lam_e, lam_c, ops, scale=1.0):
    def f(p):
        g = softmax(p["logits"], axis=1)
        t, dZ, dg = energy_terms(p["Z"], g, lam_e, lam_c, ops)
        dlogits = g * (dg - np.sum(g * dg, axis=1, keepdims=True))
        return t["energy"] + t["cov_penalty"], {"Z": dZ * scale, "logits": dlogits}
    return f


@pytest.mark.parametrize("lam_e, lam_c", [(1.0, 0.0), (0.0, 0.3), (0.7, 0.05)])
@pytest.mark.parametrize("vectorized", [True, False])
def test_energy_and_penalty_gradients_alone(lam_e, lam_c, vectorized):
    rng = np.random.default_rng(1)
    p = {"Z": rng.standard_normal((15, 3)), "logits": rng.standard_normal((15, 3))}
    report = check_gradient(_energy_fun(lam_e, lam_c, get_ops(vectorized)), p)
    assert report.passed and report.max_rel_error < 1e-6, str(report)
    # negative control
    assert not check_gradient(_energy_fun(lam_e + 0.5, lam_c, get_ops(vectorized), scale=1.01), p).passed


def test_mixture_estimates_and_energy_values():
    rng = np.random.default_rng(2)
    Z = rng.standard_normal((40, 2))
    gamma = np.ones((40, 1))  # one component: the sample mean and (biased) covariance
    phi, means, cov, N = gmm_parameters(gamma, Z, get_ops(True), eps=0.0)
    np.testing.assert_allclose(means[0], Z.mean(axis=0))
    np.testing.assert_allclose(cov[0], np.cov(Z, rowvar=False, bias=True))
    assert phi[0] == 1.0 and N[0] == 40
    e = energy(Z[:5], phi, means, cov)
    np.testing.assert_allclose(e, -multivariate_normal(means[0], cov[0]).logpdf(Z[:5]), rtol=1e-12)
    for v in (True, False):
        assert_paths_agree({"c": gmm_parameters(softmax(Z, axis=1), Z, get_ops(v))[2]},
                           {"c": gmm_parameters(softmax(Z, axis=1), Z, get_ops(True))[2]})


def test_reconstruction_features_gradient():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 4))
    w = rng.standard_normal((6, 2))

    def f(p):
        Zr, cache = reconstruction_features(X, p["X_hat"])
        return float(np.sum(w * Zr)), {"X_hat": reconstruction_features_backward(w, cache)}

    assert check_gradient(f, {"X_hat": X + 0.3 * rng.standard_normal((6, 4))}).passed
    Zr, _ = reconstruction_features(X, 2 * X)  # x̂ = 2x: relative distance 1, cosine 1
    np.testing.assert_allclose(Zr, np.ones((6, 2)), atol=1e-10)


@pytest.mark.parametrize("example", npae.DeepAutoencodingGMM._examples)
def test_dagmm_gradients_both_paths(example):
    m = npae.DeepAutoencodingGMM(**example).initialize(X12)
    for vectorized in (True, False):
        report = npae.check_gradients(m, X12, vectorized=vectorized, max_entries=40)
        assert report.passed and report.max_rel_error < 1e-6, str(report)
    assert_paths_agree(m.loss_and_grads(X12)[1], m.loss_and_grads(X12, vectorized=False)[1])
    assert set(m.loss_terms(X12)) == {"reconstruction", "energy", "cov_penalty"}


def test_dagmm_fit_scores_and_saves(tmp_path):
    X, y = npae.datasets.make_anomalies(300, 4, contamination=0.05, rng=1)
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    m = npae.DeepAutoencodingGMM(hidden=(16,), latent_dim=2, epochs=30, batch_size=64, learning_rate=3e-3).fit(Xs)
    assert m.history_["loss"][-1] < m.history_["loss"][0]
    assert npae.metrics.roc_auc(y, m.energy(Xs)) > 0.7
    m.save(tmp_path / "d.npz")
    np.testing.assert_allclose(npae.load(tmp_path / "d.npz").energy(Xs[:5]), m.energy(Xs[:5]))
    det = npae.OutlierDetector(estimator=npae.DeepAutoencodingGMM(hidden=(8,), latent_dim=2, epochs=3)).fit(X)
    assert det.score_ == "model"
    with pytest.raises(ValueError, match="loss"):
        npae.DeepAutoencodingGMM(loss="bce").fit(X12)
