"""Tests for npae.metrics: V-measure, EM/MV curves, retrieval, k-means and Gaussian mixtures."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist
from scipy.stats import multivariate_normal

from npae.metrics import (
    binarize_codes,
    em_curve,
    em_mv_scores,
    gaussian_mixture,
    hamming_distances,
    homogeneity_completeness_v_measure,
    kmeans,
    mv_curve,
    precision_at_hamming_radius,
    precision_at_k,
    sample_bounding_box,
    v_measure,
)


# --------------------------------------------------------------------------- #
# V-measure
# --------------------------------------------------------------------------- #
labelings = st.integers(1, 60).flatmap(
    lambda n: st.tuples(st.lists(st.integers(0, 6), min_size=n, max_size=n),
                        st.lists(st.integers(0, 6), min_size=n, max_size=n))
)


@settings(max_examples=60, deadline=None)
@given(labelings, st.sampled_from([0.5, 1.0, 2.0]))
def test_v_measure_matches_sklearn(pair, beta):
    skm = pytest.importorskip("sklearn.metrics")
    a, b = pair
    ours = homogeneity_completeness_v_measure(a, b, beta=beta)
    theirs = skm.homogeneity_completeness_v_measure(a, b, beta=beta)
    np.testing.assert_allclose(ours, theirs, atol=1e-10)
    assert v_measure(a, b, beta) == pytest.approx(theirs[2], abs=1e-10)


def test_v_measure_hand_cases():
    truth = [0, 0, 1, 1, 2, 2]
    assert v_measure(truth, [5, 5, 3, 3, 9, 9]) == pytest.approx(1.0)  # perfect up to renaming
    assert v_measure(["a", "a", "b"], ["x", "x", "y"]) == pytest.approx(1.0)
    # independent: each cluster holds both classes in equal parts -> mutual information 0
    assert v_measure([0, 1, 0, 1], [0, 0, 1, 1]) == pytest.approx(0.0, abs=1e-15)
    rng = np.random.default_rng(0)
    assert v_measure(rng.integers(0, 3, 20000), rng.integers(0, 3, 20000)) < 0.002
    h, c, v = homogeneity_completeness_v_measure(truth, [0] * 6)  # one cluster
    assert (h, c, v) == (pytest.approx(0.0), 1.0, pytest.approx(0.0))
    h, c, _ = homogeneity_completeness_v_measure(truth, range(6))  # singletons
    assert h == pytest.approx(1.0) and c < 1.0


def test_v_measure_errors():
    with pytest.raises(ValueError, match="must have 3 entries"):
        v_measure([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match="empty"):
        v_measure([], [])
    with pytest.raises(ValueError, match="beta"):
        v_measure([0, 1], [0, 1], beta=0.0)
    with pytest.raises(ValueError, match="1-D"):
        v_measure([[0, 1]], [[0, 1]])


# --------------------------------------------------------------------------- #
# clustering
# --------------------------------------------------------------------------- #
def blobs(n=600, k=4, d=3, std=0.6, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-10, 10, (k, d))
    y = rng.integers(0, k, n)
    return centers[y] + std * rng.standard_normal((n, d)), y


def test_kmeans_recovers_blobs():
    X, y = blobs()
    res = kmeans(X, 4, rng=0)
    assert res.labels.shape == (600,) and res.centers.shape == (4, 3)
    assert v_measure(y, res.labels) > 0.95
    np.testing.assert_array_equal(res.predict(X), res.labels)
    d2 = ((X - res.centers[res.labels]) ** 2).sum()
    assert res.inertia == pytest.approx(d2)
    again = kmeans(X, 4, rng=0)
    np.testing.assert_array_equal(again.labels, res.labels)


def test_kmeans_inertia_as_good_as_sklearn():
    cluster = pytest.importorskip("sklearn.cluster")
    X, _ = blobs(n=400, k=6, d=4, std=2.5, seed=3)  # overlapping: local optima exist
    ours = kmeans(X, 6, rng=1, n_init=10).inertia
    theirs = cluster.KMeans(6, n_init=10, random_state=1).fit(X).inertia_
    assert ours <= theirs * 1.01


def test_kmeans_edge_cases():
    X = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    res = kmeans(X, 3, rng=0, n_init=2)  # duplicates: fewer distinct points than clusters
    assert res.inertia == pytest.approx(0.0)
    with pytest.raises(ValueError, match="exceeds"):
        kmeans(X, 4)
    with pytest.raises(ValueError, match="NaN"):
        kmeans(np.array([[np.nan, 0.0], [1.0, 1.0]]), 1)
    with pytest.raises(ValueError, match="2-D"):
        kmeans(np.arange(5.0), 2)


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


# --------------------------------------------------------------------------- #
# EM / MV curves
# --------------------------------------------------------------------------- #
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


# --------------------------------------------------------------------------- #
# retrieval
# --------------------------------------------------------------------------- #
def test_precision_at_k_constructed_case():
    # database on a line: labels 0 at x = 0..4, labels 1 at x = 10..14
    db = np.r_[np.arange(5.0), np.arange(10.0, 15.0)][:, None]
    ydb = np.r_[np.zeros(5, int), np.ones(5, int)]
    q = np.array([[2.0], [11.0], [6.0]])
    yq = np.array([0, 1, 0])
    # query 3 at x=6: nearest are 4, 3, then 2 and 10 tie at distance 4: db order picks 2
    per = precision_at_k(q, yq, db, ydb, k=3, average=False)
    np.testing.assert_allclose(per, [1.0, 1.0, 1.0])
    per = precision_at_k(q, yq, db, ydb, k=4, average=False)
    np.testing.assert_allclose(per, [1.0, 1.0, 0.75])
    per = precision_at_k(q, yq, db, ydb, k=6, average=False)
    # q3: 4, 3 (d 2, 3), then 2 and 10 (d 4), then 1 and 11 (d 5) -> 4 of label 0 in 6
    np.testing.assert_allclose(per, [5 / 6, 5 / 6, 4 / 6])
    assert precision_at_k(q, yq, db, ydb, k=6) == pytest.approx((5 / 6 + 5 / 6 + 4 / 6) / 3)
    # leave-one-out within the database itself: 4 same-label neighbours out of 4
    assert precision_at_k(db, ydb, k=4) == pytest.approx(1.0)
    assert precision_at_k(db, ydb, k=5) == pytest.approx(0.8)


def test_precision_at_k_matches_sort_reference():
    rng = np.random.default_rng(0)
    Q, D = rng.standard_normal((30, 5)), rng.standard_normal((80, 5))
    yq, yd = rng.integers(0, 3, 30), rng.integers(0, 3, 80)
    for metric in ("euclidean", "cosine"):
        dist = cdist(Q, D, metric=metric)
        nn = np.argsort(dist, axis=1, kind="stable")[:, :7]
        ref = (yd[nn] == yq[:, None]).mean(axis=1)
        np.testing.assert_allclose(precision_at_k(Q, yq, D, yd, k=7, metric=metric, average=False), ref)
    bits_q, bits_d = Q > 0, D > 0
    dist = cdist(bits_q, bits_d, metric="hamming")
    nn = np.argsort(dist, axis=1, kind="stable")[:, :7]  # many ties: stable order decides
    ref = (yd[nn] == yq[:, None]).mean(axis=1)
    np.testing.assert_allclose(precision_at_k(bits_q, yq, bits_d, yd, k=7, metric="hamming", average=False), ref)
    # real codes are thresholded at 0.5 for Hamming retrieval
    np.testing.assert_allclose(
        precision_at_k(Q + 0.5, yq, D + 0.5, yd, k=7, metric="hamming", average=False), ref)


def test_hamming_tools():
    rng = np.random.default_rng(1)
    A, B = rng.random((6, 16)) > 0.5, rng.random((9, 16)) > 0.5
    H = hamming_distances(A, B)
    assert H.dtype == np.int64 and H.shape == (6, 9)
    np.testing.assert_array_equal(H, np.rint(cdist(A, B, "hamming") * 16))
    np.testing.assert_array_equal(hamming_distances(A.astype(int)), hamming_distances(A, A))
    np.testing.assert_array_equal(binarize_codes([[0.2, 0.7, 0.5]]), [[False, True, False]])
    with pytest.raises(ValueError, match="binarize_codes"):
        hamming_distances(rng.random((3, 4)))


def test_precision_at_hamming_radius_constructed_case():
    db = np.array([[0, 0, 0, 0], [0, 0, 0, 1], [1, 1, 1, 1], [1, 1, 1, 0], [0, 0, 1, 1]], dtype=bool)
    ydb = np.array([0, 0, 1, 1, 1])
    q = np.array([[0.1, 0.2, 0.3, 0.4], [0.9, 0.9, 0.9, 0.9], [0.1, 0.9, 0.1, 0.9]])
    yq = np.array([0, 1, 0])
    # q0 = 0000: radius 1 -> items 0, 1 (both label 0) -> 1.0
    # q1 = 1111: radius 1 -> items 2, 3 -> 1.0
    # q2 = 0101: radius 1 -> items 1 (0001) label 0 -> 1.0;
    per = precision_at_hamming_radius(q, yq, db, ydb, radius=1, average=False)
    np.testing.assert_allclose(per, [1.0, 1.0, 1.0])
    # radius 2: q0 -> 0,1,4 (4 = 0011 is label 1) -> 2/3; q1 -> 2,3,4 -> 1; q2 -> 0,1,2,4 -> 2/4
    per = precision_at_hamming_radius(q, yq, db, ydb, radius=2, average=False)
    np.testing.assert_allclose(per, [2 / 3, 1.0, 0.5])
    # radius 0 and nothing retrieved counts 0
    per = precision_at_hamming_radius(q, yq, db, ydb, radius=0, average=False)
    np.testing.assert_allclose(per, [1.0, 1.0, 0.0])
    # leave-one-out within db: item 0 (0000) sees item 1 at radius 1, label 0 -> 1
    assert precision_at_hamming_radius(db, ydb, radius=1, average=False)[0] == 1.0


def test_retrieval_errors():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="metric"):
        precision_at_k(X, [0, 0, 1, 1], metric="manhattan")
    with pytest.raises(ValueError, match="larger than"):
        precision_at_k(X, [0, 0, 1, 1], k=4)
    with pytest.raises(ValueError, match="together"):
        precision_at_k(X, [0, 0, 1, 1], X)
    with pytest.raises(ValueError, match="all-zero row"):
        precision_at_k(X, [0, 0, 1, 1], metric="cosine")
    with pytest.raises(ValueError, match="must have 4 entries"):
        precision_at_k(X, [0, 1])


# --------------------------------------------------------------------- roc_auc
def test_roc_auc_hand_cases_and_sklearn():
    from npae.metrics import roc_auc

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
    from npae.metrics import roc_auc

    with pytest.raises(ValueError, match="both"):
        roc_auc([0, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="same length"):
        roc_auc([0, 1], [0.1])
