"""Tests for npae.datasets.synthetic: the review's toy example, low-rank data, anomalies."""

import numpy as np
import pytest

from npae.datasets.synthetic import make_anomalies, make_low_rank, make_review_example


def test_review_example():
    X = make_review_example()
    assert X.shape == (10, 2) and X.dtype == np.float64
    np.testing.assert_allclose(X.mean(axis=0), [2.5, 2.3])
    assert np.corrcoef(X.T)[0, 1] > 0.9
    X[0, 0] = 99.0
    assert make_review_example()[0, 0] == 0.5


def test_make_low_rank_subspace_and_gap():
    X, U = make_low_rank(400, 12, 3, noise=0.05, mean=2.0, return_basis=True, rng=4)
    assert X.shape == (400, 12) and U.shape == (12, 3)
    np.testing.assert_allclose(U.T @ U, np.eye(3), atol=1e-12)
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    ev = s**2 / (len(X) - 1)
    assert ev[2] > 50 * ev[3]  # clear eigengap after rank directions
    cos = np.linalg.svd(U.T @ Vt[:3].T, compute_uv=False)  # cosines of the principal angles
    assert cos.min() > 0.999
    assert abs(X.mean() - 2.0) < 0.5
    X0 = make_low_rank(50, 6, 2, rng=0)
    assert np.linalg.matrix_rank(X0) == 2
    np.testing.assert_array_equal(X0, make_low_rank(50, 6, 2, rng=0))
    with pytest.raises(ValueError, match="rank"):
        make_low_rank(10, 3, 4)
    with pytest.raises(ValueError, match="decreasing"):
        make_low_rank(10, 3, 2, scales=[1.0, 2.0])


def test_make_anomalies():
    X, out = make_anomalies(200, 3, contamination=0.1, n_clusters=2, rng=0)
    assert X.shape == (200, 3) and out.dtype == bool and out.sum() == 20
    with pytest.raises(ValueError, match="contamination"):
        make_anomalies(contamination=0.7)
