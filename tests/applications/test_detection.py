"""Tests for npae.OutlierDetector and the scores of npae.detection.scores."""

import numpy as np
import pytest
from scipy.stats import gaussian_kde

import npae
from npae.datasets import make_anomalies
from npae.detection import MahalanobisScore, MixtureScore, ParzenScore
from npae.metrics import roc_auc


@pytest.fixture(scope="module")
def data():
    X, y = make_anomalies(400, 3, contamination=0.05, rng=0)
    return X, y


def test_parzen_matches_scipy_gaussian_kde():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((200, 3)) @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 0.2]])
    A = rng.standard_normal((30, 3))
    p = ParzenScore(Z, "scott", covariance="full")
    ref = gaussian_kde(Z.T, bw_method="scott").logpdf(A.T)
    # whitened coordinates: log p(z) = log p_white(W^T z) - 1/2 log|Sigma|
    np.testing.assert_allclose(p.log_density(A) - 0.5 * p.whiten_.log_det_, ref, rtol=1e-10)
    ps = ParzenScore(Z, "silverman", covariance="full")
    ref = gaussian_kde(Z.T, bw_method="silverman").logpdf(A.T)
    np.testing.assert_allclose(ps.log_density(A) - 0.5 * ps.whiten_.log_det_, ref, rtol=1e-10)
    # leave-one-out on the training rows, by brute force for row 0
    loo = ParzenScore(Z[1:], p.h_, covariance="full")
    loo.whiten_ = p.whiten_
    loo.train_ = p.train_[1:]
    assert p.log_density(None, training=True)[0] == pytest.approx(loo.log_density(Z[:1])[0], rel=1e-10)


def test_mahalanobis_and_mixture_scores():
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((500, 2)) * [3.0, 0.5] + [1.0, -2.0]
    m = MahalanobisScore(Z)
    C = np.cov(Z, rowvar=False)
    a = np.array([[4.0, -1.0]])
    diff = a - Z.mean(axis=0)
    assert m(a)[0] == pytest.approx(np.sqrt(diff @ np.linalg.solve(C, diff.T))[0, 0], rel=1e-10)
    # a constant (collinear) column does not break the inverse
    m2 = MahalanobisScore(np.c_[Z, 2 * Z[:, 0]])
    assert m2(np.c_[a, 2 * a[:, :1]])[0] == pytest.approx(m(a)[0], rel=1e-8)
    g = MixtureScore(Z, n_components=1)
    # one component: -log density = d2/2 + log(2 pi) + 1/2 log|Sigma_white| (about 0)
    assert g(a)[0] == pytest.approx(0.5 * m(a)[0] ** 2 + np.log(2 * np.pi), rel=1e-2)


@pytest.mark.parametrize("score", ["kde", "mahalanobis", "gmm"])
def test_predict_flags_contamination_fraction(data, score):
    X, y = data
    for c in (0.05, 0.2):
        det = npae.OutlierDetector(score=score, contamination=c).fit(X)
        assert abs(det.labels_.mean() - c) <= 1.0 / len(X)
        np.testing.assert_array_equal(det.labels_, (det.decision_scores_ > det.threshold_))
    assert roc_auc(y, det.decision_function(X)) > 0.9
    np.testing.assert_array_equal(det.predict(X[:50]), det.decision_function(X[:50]) > det.threshold_)


def test_default_is_the_chosen_autoencoder_rule(data):
    X, _ = data
    det = npae.OutlierDetector().fit(X)
    assert isinstance(det.estimator_, npae.Autoencoder) and det.score_ == npae.detection.DEFAULT_SCORE
    # the Parzen score in the input space leaves each training row out: rows far from the
    # data score higher than every training row
    kde = npae.OutlierDetector(estimator="input", score="kde").fit(X)
    far = X.max(axis=0) + 5.0
    assert kde.decision_function(far[None, :])[0] > kde.decision_scores_.max()
    assert det.decision_function(far[None, :])[0] > det.decision_scores_.max()
    assert npae.OutlierDetector.__module__ == "npae.detection.detector"


def test_reconstruction_per_feature_and_refit(data):
    X, y = data
    ae = npae.Autoencoder(hidden=(), latent_dim=2, activation="tanh", epochs=5, random_state=0)
    det = npae.OutlierDetector(estimator=ae, score="reconstruction", contamination=0.05).fit(X)
    assert not hasattr(ae, "params_")  # the estimator passed in is cloned, never fitted
    per = det.reconstruction_error(X[:20], per_feature=True)
    assert per.shape == (20, 3)
    np.testing.assert_allclose(per.mean(axis=1), det.reconstruction_error(X[:20]), rtol=1e-12)
    np.testing.assert_allclose(det.decision_function(X[:20]), per.mean(axis=1), rtol=1e-12)
    ref = npae.OutlierDetector(estimator=ae, score="reconstruction", contamination=0.05,
                               refit_inliers=True).fit(X)
    assert ref.n_inliers_refit_ == int(np.sum(det.decision_scores_ <= np.percentile(
        det.decision_scores_, 95)))
    assert abs(ref.labels_.mean() - 0.05) <= 1.0 / len(X)
    pca = npae.OutlierDetector(estimator=npae.PCA(n_components=1), score="reconstruction").fit(X)
    assert pca.decision_scores_.shape == (len(X),)


def test_vae_scores_elbo_and_iw(data):
    X, _ = data
    vae = npae.VariationalAutoencoder(latent_dim=2, hidden=(8,), likelihood="gaussian", epochs=3)
    det = npae.OutlierDetector(estimator=vae).fit(X)
    assert det.score_ == "elbo"
    np.testing.assert_allclose(det.decision_function(X[:5]),
                               -det.estimator_.elbo((X[:5] - det.center_) / det.scale_, 10, rng=0))
    iw = npae.OutlierDetector(estimator=vae, score="iw").fit(X)
    assert np.all(np.isfinite(iw.decision_scores_))


def test_detector_bad_input(data):
    X, y = data
    for c in (0.0, 0.6, -0.1):
        with pytest.raises(ValueError, match="contamination"):
            npae.OutlierDetector(contamination=c).fit(X)
    det = npae.OutlierDetector()
    with pytest.raises(npae.NotFittedError, match="fit"):
        det.predict(X)
    with pytest.raises(ValueError, match="reconstruction"):
        npae.OutlierDetector(estimator="input", score="reconstruction").fit(X)
    with pytest.raises(ValueError, match="VAE"):
        npae.OutlierDetector(estimator=npae.PCA(), score="elbo").fit(X)
    det.fit(X)
    with pytest.raises(ValueError, match="features"):
        det.decision_function(X[:, :2])
    with pytest.raises(ValueError, match="labels"):
        npae.metrics.precision_at_n(y[:-1], det.decision_scores_)
    with pytest.raises(ValueError, match="no reconstruction"):
        npae.OutlierDetector(estimator="input").fit(X).reconstruction_error(X)


def test_default_compresses_wide_data():
    X = np.random.default_rng(0).standard_normal((120, 45))
    det = npae.OutlierDetector(contamination=0.1).fit(X)
    assert isinstance(det.estimator_, npae.Autoencoder) and det.estimator_.code_size_ == 8
    assert det.score_ == npae.detection.DEFAULT_SCORE and abs(det.labels_.mean() - 0.1) <= 1 / 120
    again = npae.OutlierDetector(contamination=0.1).fit(X)
    np.testing.assert_array_equal(again.decision_scores_, det.decision_scores_)  # same seed
