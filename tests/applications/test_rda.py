"""Tests for the robust deep autoencoder: proximal operators exactly, the network's gradient on
both paths at L_D, and outlier rows ending up in S."""

import numpy as np
import pytest

import npae
from npae.detection.rda import RobustDeepAutoencoder, prox_l21
from npae.classical.robust_pca import shrink
from helpers import assert_paths_agree


def test_prox_l21_exact_and_optimal():
    A = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])  # row norms 5, 0.5, 0
    np.testing.assert_allclose(prox_l21(A, 1.0), [[2.4, 3.2], [0.0, 0.0], [0.0, 0.0]], atol=1e-15)
    rng = np.random.default_rng(0)
    M, tau = rng.standard_normal((6, 4)), 1.3
    P = prox_l21(M, tau)
    obj = lambda Z: tau * np.linalg.norm(Z, axis=1).sum() + 0.5 * np.sum((Z - M) ** 2)  # noqa: E731
    for _ in range(30):
        assert obj(P) <= obj(P + 1e-3 * rng.standard_normal(M.shape)) + 1e-12
    # l1: the soft threshold is the minimiser of tau |z| + (z - m)^2 / 2 entry-wise
    m = np.linspace(-3, 3, 13)
    grid = np.linspace(-4, 4, 80001)
    brute = grid[np.argmin(tau * np.abs(grid)[None, :] + 0.5 * (grid[None, :] - m[:, None]) ** 2, axis=1)]
    np.testing.assert_allclose(shrink(m, tau), brute, atol=1e-4)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((150, 2)) @ rng.standard_normal((2, 8))
    X[:8] += rng.choice([-4.0, 4.0], (8, 8))  # eight gross outlier rows
    ae = npae.Autoencoder(hidden=(6,), latent_dim=2, activation="tanh", code_activation="identity")
    rda = RobustDeepAutoencoder(autoencoder=ae, lam=0.5, n_outer=8, inner_epochs=10).fit(X)
    return X, rda


def test_rda_gradient_both_paths_at_L(fitted):
    X, rda = fitted
    ae, L = rda.autoencoder_, rda.low_rank_[:10]
    for vectorized in (True, False):
        report = npae.check_gradients(ae, L, vectorized=vectorized)
        assert report.passed and report.max_rel_error < 1e-6, str(report)
    gb = ae.loss_and_grads(L, vectorized=True)[1]
    gr = ae.loss_and_grads(L, vectorized=False)[1]
    assert_paths_agree(gb, gr)
    # negative control: the same loss with the decoder's bias gradient off by 1% is caught
    from npae.gradcheck import check_gradient

    def wrong(params):
        for k, v in params.items():
            ae.params_[k][...] = v
        loss, g = ae.loss_and_grads(L)
        g = {k: (1.01 * v if k.endswith("b") and k.startswith("decoder") else v) for k, v in g.items()}
        return loss, g

    start = {k: v.copy() for k, v in ae.params_.items()}
    assert not check_gradient(wrong, start).passed
    for k, v in start.items():
        ae.params_[k][...] = v


def test_rda_flags_outlier_rows(fitted):
    X, rda = fitted
    y = np.r_[np.ones(8), np.zeros(142)]
    s_train = np.linalg.norm(rda.sparse_, axis=1)
    assert npae.metrics.roc_auc(y, s_train) > 0.95
    assert npae.metrics.roc_auc(y, rda.decision_function(X)) > 0.95
    # X - L_D - S is what the prox step shrank away: at most lam sqrt(d) per row (l21)
    gap = np.linalg.norm(X - rda.low_rank_ - rda.sparse_, axis=1)
    assert np.all(gap <= 0.5 * np.sqrt(8) + 1e-12)
    assert rda.history_["residual"][-1] == pytest.approx(
        np.linalg.norm(X - rda.low_rank_ - rda.sparse_) / np.linalg.norm(X))
    per = rda.reconstruction_error(X[:5], per_feature=True)
    np.testing.assert_allclose(np.sqrt(per.sum(axis=1)), rda.decision_function(X[:5]), rtol=1e-12)
    assert rda.transform(X[:5]).shape == (5, 2)
    det = npae.OutlierDetector(estimator=RobustDeepAutoencoder(n_outer=2, inner_epochs=2),
                               score="reconstruction").fit(X)
    assert det.decision_scores_.shape == (150,)
    # the residual score orders the rows as ||s_i|| wherever s_i != 0 (l21), and breaks its ties
    rda.set_params(score="residual")
    res, sp = rda.decision_function(X), np.linalg.norm(rda.sparse_part(X), axis=1)
    nz = sp > 0
    np.testing.assert_allclose(sp[nz], res[nz] - 0.5 * np.sqrt(8), rtol=1e-10)
    assert np.unique(res).size == len(X) and np.all(res[~nz] <= 0.5 * np.sqrt(8) + 1e-12)
    rda.set_params(score="sparse")
    with pytest.raises(npae.NotFittedError):
        RobustDeepAutoencoder().decision_function(X)
    with pytest.raises(ValueError, match="penalty"):
        RobustDeepAutoencoder(penalty="l2").fit(X)
