"""Tests for npae.classical.mixture: Gaussian mixtures fitted by EM."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from helpers import blobs
from npae.metrics.clustering import v_measure
from npae.classical.mixture import gaussian_mixture


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_gaussian_mixture_recovers_blobs(covariance_type):
    X, y = blobs(seed=1)
    gm = gaussian_mixture(X, 4, rng=0, covariance_type=covariance_type)
    assert v_measure(y, gm.labels) > 0.95
    assert gm.converged
    assert gm.weights.sum() == pytest.approx(1.0)
    shape = (4, 3, 3) if covariance_type == "full" else (4, 3)
    assert gm.covariances.shape == shape
    np.testing.assert_array_equal(gm.predict(X), gm.labels)
    np.testing.assert_allclose(gm.predict_proba(X).sum(axis=1), 1.0)
    assert gm.score_samples(X).mean() == pytest.approx(gm.log_likelihood)


def test_gaussian_mixture_density_matches_scipy():
    X, _ = blobs(n=300, k=2, d=2, std=1.0, seed=2)
    gm = gaussian_mixture(X, 2, rng=0)
    covs = gm.covariances
    dens = sum(w * multivariate_normal(m, c).pdf(X) for w, m, c in zip(gm.weights, gm.means, covs))
    np.testing.assert_allclose(gm.score_samples(X), np.log(dens), rtol=1e-10)
    gd = gaussian_mixture(X, 2, rng=0, covariance_type="diag")
    dens = sum(w * multivariate_normal(m, np.diag(c)).pdf(X) for w, m, c in zip(gd.weights, gd.means, gd.covariances))
    np.testing.assert_allclose(gd.score_samples(X), np.log(dens), rtol=1e-10)


def test_gaussian_mixture_likelihood_close_to_sklearn():
    mixture = pytest.importorskip("sklearn.mixture")
    X, _ = blobs(n=500, k=3, d=2, std=1.0, seed=5)
    ours = gaussian_mixture(X, 3, rng=0, tol=1e-6, max_iter=500).log_likelihood
    theirs = mixture.GaussianMixture(3, tol=1e-6, max_iter=500, random_state=0).fit(X).score(X)
    assert ours == pytest.approx(theirs, abs=1e-3)


def test_gaussian_mixture_errors():
    X, _ = blobs(n=20)
    with pytest.raises(ValueError, match="covariance_type"):
        gaussian_mixture(X, 2, covariance_type="tied")
    with pytest.warns(RuntimeWarning, match="did not converge"):
        gaussian_mixture(X, 2, max_iter=1, tol=0.0)
