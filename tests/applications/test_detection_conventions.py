"""OutlierDetector's PyOD conventions (issue 22) and its kNN / combined scores against brute force."""

import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import npae
from npae.datasets import make_anomalies
from npae.detection import KNNScore, ParzenScore, ScoreCombiner
from npae.detection.neighbors import KDTREE_MAX_DIM
from npae.detection.proba import outlier_probability, prediction_confidence


@pytest.fixture(scope="module")
def planted():
    """500 rows, 50 features, 30 planted outliers (the case of the issue)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 50))
    X[:30] += rng.choice([-4.0, 4.0], size=(30, 50)) * (rng.random((30, 50)) < 0.2)
    return X


def _brute_knn(R, Z, k, self_index):
    D = np.sqrt(((Z[:, None, :] - R[None, :, :]) ** 2).sum(-1))  # (n, m)
    for i, j in enumerate(self_index):
        if j >= 0:
            D[i, j] = np.inf
    return np.sort(D, axis=1)[:, :k]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), d=st.sampled_from([2, KDTREE_MAX_DIM + 4]),
       k=st.integers(1, 6), dup=st.booleans())
def test_knn_matches_brute_force(seed, d, k, dup):
    rng = np.random.default_rng(seed)
    R = rng.standard_normal((40, d))
    if dup:  # exact duplicates: a row's own copy must be the one left out
        R[10:15] = R[5]
    Z = np.vstack([R, rng.standard_normal((7, d))])
    own = np.concatenate([np.arange(40), -np.ones(7, dtype=int)])
    knn = KNNScore(R, n_neighbors=k)
    ref = _brute_knn(R, Z, k, own)
    # blocked products: |a|^2 - 2 a.r + |r|^2 loses ~sqrt(eps) at distance 0 (duplicates)
    tol = dict(rtol=1e-9, atol=1e-9 if d <= KDTREE_MAX_DIM else 1e-6)
    np.testing.assert_allclose(knn.distances(Z, own), ref, **tol)
    np.testing.assert_allclose(knn(Z, own), ref[:, -1], **tol)
    np.testing.assert_allclose(KNNScore(R, k, method="mean")(Z, own), ref.mean(1), **tol)
    # negative control: without leaving itself out a reference row's first neighbour is itself
    assert np.all(knn.distances(R)[:, 0] < 1e-6) and np.all(ref[:40, 0] >= 0)
    assert not np.allclose(knn.distances(R)[:, 0], ref[:40, 0], atol=1e-6) or dup


def test_parzen_self_index_is_leave_one_out():
    Z = np.random.default_rng(3).standard_normal((60, 3))
    p = ParzenScore(Z, "scott")
    np.testing.assert_allclose(p(None, training=True), p(Z, self_index=np.arange(60)), rtol=1e-12)
    assert not np.allclose(p(Z), p(Z, self_index=np.arange(60)))  # own kernel changes it


def test_combiner_against_direct_formulas():
    rng = np.random.default_rng(1)
    S, T = rng.standard_normal((50, 3)) * [1, 10, 100], rng.standard_normal((8, 3))
    z = (T - S.mean(0)) / S.std(0)
    np.testing.assert_allclose(ScoreCombiner(S, "mean")(T), z.mean(1))
    np.testing.assert_allclose(ScoreCombiner(S, "median")(T), np.median(z, 1))
    ranks = np.stack([(S[:, j][None, :] <= T[:, j][:, None]).mean(1) for j in range(3)], 1)
    np.testing.assert_allclose(ScoreCombiner(S, "rank")(T), ranks.mean(1))
    flat = np.hstack([S[:, :1], np.ones((50, 1))])  # a constant score contributes 0, not nan
    assert np.all(np.isfinite(ScoreCombiner(flat)(T[:, :2])))


@pytest.mark.parametrize("score", [None, "input:knn", ("reconstruction", "knn"), "kde"])
def test_predict_on_training_rows_equals_labels(planted, score):
    X = planted
    kw = {} if score is None else {"score": score}
    if score == "kde":
        kw["estimator"] = "input"
    det = npae.OutlierDetector(contamination=0.1, **kw).fit(X)
    assert abs(det.labels_.mean() - 0.1) <= 1.0 / len(X)
    np.testing.assert_array_equal(det.predict(X), det.labels_)
    np.testing.assert_array_equal(det.predict(X.copy()), det.labels_)  # same bytes, new array
    # a different array of the same shape is scored, not recognised
    other = X + 1e-9
    assert not np.array_equal(det.decision_function(other), det.decision_scores_) or score is None


def test_default_catches_planted_outliers(planted):
    det = npae.OutlierDetector(contamination=0.1).fit(planted)
    assert det.predict(planted)[:30].mean() >= 0.8  # the default caught 0 of 30


def test_predict_proba_and_confidence(planted):
    X = planted
    det = npae.OutlierDetector(score="input:knn").fit(X[50:])
    s = det.decision_function(X[:50])
    for method in ("linear", "unify"):
        P = det.predict_proba(X[:50], method=method)
        assert P.shape == (50, 2) and np.all((P >= 0) & (P <= 1))
        np.testing.assert_allclose(P.sum(1), 1.0)
        order = np.argsort(s)
        assert np.all(np.diff(P[order, 1]) >= 0)  # monotone in the score
    P, conf = det.predict_proba(X[:50], return_confidence=True)
    labels, conf2 = det.predict(X[:50], return_confidence=True)
    np.testing.assert_array_equal(conf, conf2)
    assert np.all((conf >= 0) & (conf <= 1)) and labels.shape == (50,)
    with pytest.raises(ValueError, match="method"):
        det.predict_proba(X, method="softmax")


def test_proba_and_confidence_match_pyod():
    pytest.importorskip("pyod")
    from pyod.models.knn import KNN

    rng = np.random.default_rng(2)
    X, A = rng.standard_normal((200, 3)), rng.standard_normal((30, 3)) * 2
    pyod = KNN().fit(X)
    t, s = pyod.decision_scores_, pyod.decision_function(A)
    for method in ("linear", "unify"):
        np.testing.assert_allclose(outlier_probability(s, t, method), pyod.predict_proba(A, method=method),
                                   atol=1e-12)
    np.testing.assert_allclose(prediction_confidence(s, t, 0.1, pyod.threshold_),
                               pyod.predict_confidence(A), atol=1e-12)
    # and the detector's kNN is PyOD's (k = 5, largest; training rows leave themselves out)
    det = npae.OutlierDetector(estimator="input", score="knn", standardize=False).fit(X)
    np.testing.assert_allclose(det.decision_scores_, t, rtol=1e-10)
    np.testing.assert_allclose(det.decision_function(A), s, rtol=1e-10)


def test_y_warns_and_mixture_beyond_the_data_raises(planted):
    X = planted[:50, :3]
    with pytest.warns(UserWarning, match="y is ignored"):
        npae.OutlierDetector(score="input:knn").fit(X, np.zeros(50))
    with pytest.warns(UserWarning, match="y is ignored"):
        npae.OutlierDetector(score="input:knn").fit_predict(X, np.zeros(50))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        npae.OutlierDetector(score="input:knn").fit(X)  # no y: no warning
    with pytest.raises(ValueError, match="n_components=60"):
        npae.OutlierDetector(estimator="input", score="gmm", n_components=60).fit(X)
    with pytest.raises(ValueError, match="score"):
        npae.OutlierDetector(score=("knn", "knn")).fit(X)


def test_default_never_builds_an_n_by_n_matrix():
    X, _ = make_anomalies(50_000, 4, contamination=0.02, rng=0)
    det = npae.OutlierDetector()
    tracemalloc.start()
    det.fit(X)
    det.decision_function(X[:20_000])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # an n × n float64 matrix would be 20 GB, and one row per reference row 4 GB
    assert peak < 300e6, peak / 1e6
    assert det.n_reference_ == 10_000


def test_autoencoder_ensemble_is_the_median_of_standardised_member_errors():
    from npae.detection import AutoencoderEnsemble

    X, _ = make_anomalies(120, 4, contamination=0.05, rng=1)
    ens = AutoencoderEnsemble(n_estimators=3, epochs=2, random_state=0).fit(X)
    E = np.stack([ae.reconstruction_error(X[:10]) for ae in ens.estimators_], axis=1)
    Etr = np.stack([ae.reconstruction_error(X) for ae in ens.estimators_], axis=1)
    ref = np.median((E - Etr.mean(0)) / Etr.std(0), axis=1)
    np.testing.assert_allclose(ens.reconstruction_error(X[:10]), ref, rtol=1e-12)
    sizes = {ae.n_features_in_ for ae in ens.estimators_}
    assert sizes == {4} and ens.transform(X[:5]).shape == (5, 3 * 2)
    # members see different subsamples, so they differ
    assert not np.allclose(E[:, 0], E[:, 1])
    det = npae.OutlierDetector(estimator=ens, score="reconstruction").fit(X)
    np.testing.assert_array_equal(det.predict(X), det.labels_)


def test_load_adbench_names_and_errors(tmp_path):
    from npae.datasets import load_adbench

    X = np.arange(12.0).reshape(4, 3)
    np.savez(tmp_path / "45_wine.npz", X=X.astype(np.int64), y=np.array([0, 1, 0, 0]))
    for name in ("wine", "45_wine", "45_wine.npz"):
        A, y = load_adbench(name, data_dir=tmp_path)
        assert A.dtype == np.float64 and np.array_equal(A, X) and y.tolist() == [0, 1, 0, 0]
    np.savez(tmp_path / "bad.npz", X=X, y=np.array([0, 2, 0, 0]))
    with pytest.raises(ValueError, match="0 \\(inlier\\) and 1"):
        load_adbench(tmp_path / "bad.npz")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_adbench("donors", data_dir=tmp_path)
