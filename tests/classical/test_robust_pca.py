"""Tests for robust PCA (principal component pursuit by the inexact ALM)."""

import numpy as np
import pytest

import npae
from npae.classical.robust_pca import (RobustPCA, principal_component_pursuit, shrink,
                                       singular_value_threshold)


def test_proximal_operators_exact():
    A = np.array([[3.0, -0.5], [0.2, -2.0]])
    np.testing.assert_array_equal(shrink(A, 1.0), [[2.0, 0.0], [0.0, -1.0]])
    rng = np.random.default_rng(0)
    U, _ = np.linalg.qr(rng.standard_normal((6, 3)))
    V, _ = np.linalg.qr(rng.standard_normal((4, 3)))
    M = (U * [5.0, 2.0, 0.5]) @ V.T
    T, r = singular_value_threshold(M, 1.0)
    assert r == 2
    np.testing.assert_allclose(T, (U[:, :2] * [4.0, 1.0]) @ V[:, :2].T, atol=1e-12)
    # prox property: T minimises tau ||T||_* + 1/2 ||T - M||^2; perturbations never do better
    obj = lambda Z: np.linalg.svd(Z, compute_uv=False).sum() + 0.5 * np.sum((Z - M) ** 2)  # noqa: E731
    for _ in range(20):
        assert obj(T) <= obj(T + 1e-3 * rng.standard_normal(M.shape)) + 1e-12


def test_recovers_planted_low_rank_plus_sparse():
    rng = np.random.default_rng(0)
    n, d, r = 120, 100, 4
    L0 = rng.standard_normal((n, r)) @ rng.standard_normal((r, d)) / np.sqrt(r)
    S0 = np.zeros((n, d))
    mask = rng.random((n, d)) < 0.05
    S0[mask] = rng.choice([-5.0, 5.0], mask.sum())
    L, S, info = principal_component_pursuit(L0 + S0, tol=1e-10)
    assert info["converged"] and info["rank"] == r
    assert np.linalg.norm(L - L0) / np.linalg.norm(L0) < 1e-6
    assert np.linalg.norm(S - S0) / np.linalg.norm(S0) < 1e-6


def test_robust_pca_estimator_scores_outlying_rows():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 2)) @ rng.standard_normal((2, 10))
    X[:10] += rng.normal(0, 3, (10, 10))  # ten rows off the plane
    y = np.r_[np.ones(10), np.zeros(190)]
    det = npae.OutlierDetector(estimator=RobustPCA(), score="reconstruction", contamination=0.05).fit(X)
    assert npae.metrics.roc_auc(y, det.decision_scores_) > 0.99
    rp = det.estimator_
    per = rp.reconstruction_error(X[:5], per_feature=True)
    np.testing.assert_allclose(per.mean(axis=1), rp.reconstruction_error(X[:5]))
    assert rp.transform(X).shape == (200, rp.rank_)
    with pytest.raises(npae.NotFittedError):
        RobustPCA().transform(X)
    with pytest.raises(ValueError, match="lam"):
        RobustPCA(lam=-1.0).fit(X)
    with pytest.warns(RuntimeWarning, match="max_iter"):
        principal_component_pursuit(X, max_iter=2)
