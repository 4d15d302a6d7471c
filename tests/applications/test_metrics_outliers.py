"""Tests for the labelled outlier metrics (AP, precision@n) and Goix's EM/MV oracle and
high-dimensional protocol."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from npae.metrics import (average_precision, em_curve, em_mv_feature_subsets, mv_curve,
                          precision_at_n, roc_auc)


def _ap_brute_force(y, s):
    """AP = sum over distinct thresholds u (descending) of (R(u) - R(u_prev)) P(u)."""
    y = np.asarray(y, bool)
    ap, prev_recall = 0.0, 0.0
    for u in np.unique(s)[::-1]:
        flagged = s >= u
        precision = (y & flagged).sum() / flagged.sum()
        recall = (y & flagged).sum() / y.sum()
        ap += (recall - prev_recall) * precision
        prev_recall = recall
    return ap


def _random_labels_scores(seed, n=300, ties=True):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(int)
    y[:2] = (0, 1)
    s = rng.normal(size=n) + 1.2 * y
    return y, (np.round(s, 1) if ties else s)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_average_precision_brute_force_and_sklearn(seed):
    y, s = _random_labels_scores(seed)
    assert average_precision(y, s) == pytest.approx(_ap_brute_force(y, s), abs=1e-12)
    assert average_precision([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    # ranks 1..4 hold outlier, inlier, outlier, inlier: (1/1 + 2/3) / 2
    assert average_precision([1, 0, 1, 0], [4, 3, 2, 1]) == pytest.approx((1 + 2 / 3) / 2)
    sk = pytest.importorskip("sklearn.metrics")
    assert average_precision(y, s) == pytest.approx(sk.average_precision_score(y, s), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 3])
def test_precision_at_n_brute_force_and_sklearn(seed):
    y, s = _random_labels_scores(seed, ties=False)
    n = y.sum()
    top = np.argsort(-s)[:n]  # no ties: exactly the n highest scores
    assert precision_at_n(y, s) == pytest.approx(y[top].mean(), abs=1e-12)
    assert precision_at_n(y, s, n=10) == pytest.approx(y[np.argsort(-s)[:10]].mean(), abs=1e-12)
    assert precision_at_n([0, 0, 1, 1], [0.1, 0.95, 0.8, 0.9]) == 0.5
    # with ties PyOD flags every row at or above the percentile threshold
    y, s = _random_labels_scores(seed, ties=True)
    sk = pytest.importorskip("sklearn.metrics")
    flagged = s >= np.percentile(s, 100 * (1 - y.sum() / len(y)))
    assert precision_at_n(y, s) == pytest.approx(sk.precision_score(y, flagged), abs=1e-12)


def test_outlier_metrics_bad_input():
    for metric in (average_precision, precision_at_n, roc_auc):
        with pytest.raises(ValueError, match="labels|same length"):
            metric([0, 1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="both"):
        average_precision([0, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="0/1"):
        precision_at_n([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="NaN"):
        average_precision([0, 1], [0.1, np.nan])
    with pytest.raises(ValueError, match="1-D"):
        precision_at_n([[0], [1]], [0.1, 0.2])
    with pytest.raises(ValueError, match="n must be <="):
        precision_at_n([0, 1], [0.1, 0.2], n=3)


# ----------------------------------------------------------- EM/MV oracle
# A 2-D standard normal scored by its own density: the level set {f >= lam} is the disc
# r^2 <= -2 ln(2 pi lam), of mass 1 - 2 pi lam and area -2 pi ln(2 pi lam). Hence
# MV(alpha) = -2 pi ln(1 - alpha) and EM(t) = 1 - 2 pi t + 2 pi t ln(2 pi t) (t <= 1/(2 pi)).
DENSITY = multivariate_normal(np.zeros(2)).logpdf
BOX = (np.full(2, -6.0), np.full(2, 6.0))  # holds every level set measured here


def _mv_exact(alpha):
    return -2 * np.pi * np.log1p(-np.asarray(alpha))


def _em_exact(t):
    a = 2 * np.pi * np.asarray(t)
    return 1 - a + a * np.log(a)


@pytest.fixture(scope="module")
def normal_sample():
    return np.random.default_rng(0).standard_normal((40_000, 2))


def test_mv_curve_analytic_oracle(normal_sample):
    alpha = np.array([0.5, 0.8, 0.9, 0.95])
    mv = mv_curve(DENSITY, normal_sample, alpha=alpha, n_generated=200_000, bounds=BOX, rng=1).mv
    assert _mv_exact(0.9) == pytest.approx(14.467, abs=1e-3)
    np.testing.assert_allclose(mv, _mv_exact(alpha), rtol=0.03)


def test_em_curve_analytic_oracle(normal_sample):
    t = np.array([0.0, 0.01, 0.03, 0.06, 0.1, 0.14])
    em = em_curve(DENSITY, normal_sample, t=t, t_max=None, n_generated=200_000, bounds=BOX, rng=2).em
    assert em[0] == 1.0
    np.testing.assert_allclose(em[1:], _em_exact(t[1:]), rtol=0.03)
    # a shifted density's level sets are worse: its curve lies below (where EM is not ~0)
    shifted = multivariate_normal(np.ones(2)).logpdf
    em_bad = em_curve(shifted, normal_sample, t=t, t_max=None, n_generated=200_000, bounds=BOX, rng=2).em
    assert np.all(em_bad[1:4] < em[1:4] - 0.02) and np.all(em_bad <= em + 1e-3)


def test_feature_subsets_protocol_matches_oracle_and_ranks_detectors():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((8000, 6))  # independent features: every 2-subset is the oracle
    truth = lambda Xs: multivariate_normal(np.zeros(Xs.shape[1])).logpdf  # noqa: E731
    flat = lambda Xs: (lambda A: np.zeros(len(A)))  # noqa: E731
    res = em_mv_feature_subsets({"truth": truth, "flat": flat}, X[:4000], X[4000:],
                                n_features=2, n_subsets=4, n_generated=30_000, alpha_range=(0.5, 0.9))
    assert len(res["truth"]["subsets"]) == 4 and all(len(f) == 2 for f in res["truth"]["subsets"])
    # integral of -2 pi ln(1 - a) over [0.5, 0.9] = 2 pi [u - u ln u] from u = 0.1 to 0.5
    exact = 2 * np.pi * ((0.5 - 0.5 * np.log(0.5)) - (0.1 - 0.1 * np.log(0.1)))
    assert res["truth"]["mv"] == pytest.approx(exact, rel=0.05)
    assert res["truth"]["mv"] < res["flat"]["mv"] and res["truth"]["em"] > res["flat"]["em"]
    # same seed, same subsets and numbers; d <= n_features: one pass on all features
    again = em_mv_feature_subsets(truth, X[:4000], X[4000:], n_features=2, n_subsets=4,
                                  n_generated=30_000, alpha_range=(0.5, 0.9))
    assert again["mv"] == res["truth"]["mv"]
    one = em_mv_feature_subsets(truth, X[:2000, :3], n_features=5, n_generated=5000)
    assert len(one["subsets"]) == 1 and one["em_per_subset"].shape == (1,)
    with pytest.raises(ValueError, match="flat"):
        em_mv_feature_subsets(truth, np.ones((100, 2)), n_generated=100)
    with pytest.raises(TypeError, match="function"):
        em_mv_feature_subsets({"a": 3}, X[:100])
