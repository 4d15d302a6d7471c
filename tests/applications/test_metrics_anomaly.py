"""Tests for npae.metrics.anomaly: EM/MV curves and ROC AUC."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from npae.metrics.anomaly import em_curve, em_mv_scores, mv_curve, roc_auc, sample_bounding_box


@pytest.fixture(scope="module")
def gaussian_data():
    return np.random.default_rng(0).standard_normal((800, 2))


DENSITY = multivariate_normal(np.zeros(2)).logpdf


def test_true_density_beats_constant_and_negated(gaussian_data):
    X = gaussian_data
    scorers = {"density": DENSITY, "constant": lambda A: np.zeros(len(A)), "negated": lambda A: -DENSITY(A)}
    res = em_mv_scores(scorers, X, n_generated=30_000, rng=1)
    for other in ("constant", "negated"):
        assert res["density"]["em"] > res[other]["em"]
        assert res["density"]["mv"] < 0.6 * res[other]["mv"]
    # on a common grid the density's curves dominate pointwise
    em_d, em_n = res["density"]["em_curve"].em, res["negated"]["em_curve"].em
    assert np.all(em_d >= em_n - 1e-12) and np.any(em_d > em_n + 0.05)
    assert np.all(res["density"]["mv_curve"].mv <= res["negated"]["mv_curve"].mv)
    # the constant scorer's EM curve is the baseline 1 - t * volume
    c = res["constant"]["em_curve"]
    np.testing.assert_allclose(c.em, np.maximum(1 - c.t * res["constant"]["volume"], 0), atol=1e-12)
    assert res["constant"]["mv"] == pytest.approx(res["constant"]["volume"] * (0.999 - 0.9))


def _em_mv_by_loops(s_X, s_U, volume, t, alpha):
    """Goix's reference loops (with >= for the mass, as in the definition)."""
    n, m = len(s_X), len(s_U)
    em = np.zeros(len(t))
    for u in np.unique(s_X):
        em = np.maximum(em, (s_X >= u).sum() / n - t * (s_U >= u).sum() / m * volume)
    order = np.argsort(s_X)
    mv, mass, cpt = np.zeros(len(alpha)), 0.0, 0
    u = s_X[order[-1]]
    for i, a in enumerate(alpha):
        while mass < a:
            cpt += 1
            u = s_X[order[-cpt]]
            mass = cpt / n
        mv[i] = (s_U >= u).sum() / m * volume
    return em, mv


def test_em_mv_match_reference_loops():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((150, 2))
    score = lambda A: np.round(DENSITY(A), 2)  # rounding creates ties  # noqa: E731
    U, vol = sample_bounding_box(X, 4000, rng=3)
    t = np.linspace(0, 2.0 / vol, 300)
    alpha = np.linspace(0.5, 0.999, 200)
    em_ref, mv_ref = _em_mv_by_loops(score(X), score(U), vol, t, alpha)
    em = em_curve(score, X, t=t, n_generated=4000, rng=3, t_max=None)
    mv = mv_curve(score, X, alpha=alpha, n_generated=4000, rng=3)
    np.testing.assert_allclose(em.em, em_ref, atol=1e-12)
    np.testing.assert_allclose(mv.mv, mv_ref, atol=1e-12)
    assert em.em[0] == pytest.approx(1.0)
    # precomputed scores give the same curves
    em2 = em_curve(score(X), scores_uniform=score(U), volume=vol, t=t, t_max=None)
    np.testing.assert_allclose(em2.em, em.em)
    assert em2.auc == pytest.approx(em.auc)
    mv2 = mv_curve(score(X), scores_uniform=score(U), volume=vol, alpha=alpha)
    np.testing.assert_allclose(mv2.mv, mv.mv)


def test_em_curve_interval_and_single_scorer(gaussian_data):
    res = em_mv_scores(DENSITY, gaussian_data, n_generated=20_000)
    em = res["em_curve"]
    k = np.searchsorted(em.t, em.t_end)
    assert em.em[k] <= 0.9 < em.em[k - 1]
    assert em_curve(DENSITY, gaussian_data, n_generated=20_000).auc == pytest.approx(res["em"])


class _Estimator:
    def score_samples(self, A):
        return DENSITY(A)


def test_em_mv_accept_estimators_and_check_input(gaussian_data):
    X = gaussian_data
    a = em_mv_scores(_Estimator(), X, n_generated=5000)
    b = em_mv_scores(DENSITY, X, n_generated=5000)
    assert a["em"] == b["em"] and a["mv"] == b["mv"]
    with pytest.raises(ValueError, match="one score per row"):
        em_curve(lambda A: np.zeros(3), X, n_generated=100)
    with pytest.raises(TypeError, match="scores_uniform"):
        em_curve(np.zeros(5))
    with pytest.raises(ValueError, match="flat"):
        em_curve(DENSITY, np.c_[X[:, 0], np.ones(len(X))], n_generated=100)
    with pytest.raises(ValueError, match="NaN"):
        mv_curve(lambda A: np.full(len(A), np.nan), X, n_generated=100)
    with pytest.warns(RuntimeWarning, match="never falls"):
        em_curve(DENSITY, X, t=[0.0, 1e-9], n_generated=100)


def test_roc_auc_hand_cases_and_sklearn():
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert roc_auc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert roc_auc([0, 1], [0.5, 0.5]) == 0.5  # a tie counts half
    # pairs (pos, neg): (0.4 > 0.3) yes, (0.4 > 0.6) no, (0.7 > 0.3) yes, (0.7 > 0.6) yes -> 3/4
    assert roc_auc([0, 1, 0, 1], [0.3, 0.4, 0.6, 0.7]) == 0.75
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    y = rng.random(200) < 0.3
    s = np.round(rng.normal(size=200) + y, 1)  # rounding makes ties
    assert abs(roc_auc(y, s) - sk.roc_auc_score(y, s)) < 1e-12


def test_roc_auc_errors():
    with pytest.raises(ValueError, match="both"):
        roc_auc([0, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="same length"):
        roc_auc([0, 1], [0.1])
