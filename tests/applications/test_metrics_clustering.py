"""Tests for npae.metrics.clustering: homogeneity, completeness, V-measure."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npae.metrics.clustering import homogeneity_completeness_v_measure, v_measure


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


# ------------------------------------------------- accuracy with Hungarian matching
def brute_force_accuracy(a, b):
    """Best one-to-one cluster -> class map by trying every injective assignment."""
    import itertools

    classes, clusters = sorted(set(a)), sorted(set(b))
    best = 0
    if len(clusters) <= len(classes):
        maps = (dict(zip(clusters, p)) for p in itertools.permutations(classes, len(clusters)))
    else:  # more clusters than classes: choose which clusters get a class
        maps = (dict(zip(p, classes)) for p in itertools.permutations(clusters, len(classes)))
    for m in maps:
        best = max(best, sum(m.get(k) == c for c, k in zip(a, b)))
    return best / len(a)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 40).flatmap(
    lambda n: st.tuples(st.lists(st.integers(0, 4), min_size=n, max_size=n),
                        st.lists(st.integers(0, 5), min_size=n, max_size=n))))
def test_clustering_accuracy_equals_brute_force_over_permutations(pair):
    from npae.metrics import clustering_accuracy

    a, b = pair
    assert clustering_accuracy(a, b) == pytest.approx(brute_force_accuracy(a, b), abs=1e-12)


def test_clustering_accuracy_hand_cases():
    from npae.metrics import clustering_accuracy, contingency_table

    assert clustering_accuracy([0, 0, 1, 1, 2], ["b", "b", "a", "a", "c"]) == 1.0
    # a greedy "largest cell first" map is beaten: the optimum matches 7 of 9
    a = [0, 0, 0, 1, 1, 1, 1, 2, 2]
    b = [0, 0, 1, 1, 1, 1, 0, 2, 2]
    assert clustering_accuracy(a, b) == pytest.approx(7 / 9)
    # one cluster for everything: only the largest class counts
    assert clustering_accuracy([0, 1, 1, 2], [5, 5, 5, 5]) == pytest.approx(0.5)
    np.testing.assert_array_equal(contingency_table([0, 1, 1], [2, 2, 3]), [[1, 0], [1, 1]])
    with pytest.raises(ValueError, match="3 entries"):
        clustering_accuracy([0, 1, 2], [0, 1])


# ------------------------------------------ V-measure against the number of clusters
def test_v_measure_curve_peaks_at_the_true_number_of_blobs():
    from helpers import blobs
    from npae.metrics import v_measure_curve

    X, y = blobs(n=300, k=4, d=2, std=0.3)
    for method in ("kmeans", "gmm"):
        c = v_measure_curve(X, y, n_clusters=range(2, 8), method=method, rng=0, n_init=2)
        assert c.n_clusters.tolist() == [2, 3, 4, 5, 6, 7] and c.v.shape == (6,)
        assert c.best_n_clusters == 4 and c.best_v == pytest.approx(1.0)
        assert c.best_v == c.v.max() and np.all((c.v >= 0) & (c.v <= 1))
    # same seed, same curve
    c1 = v_measure_curve(X, y, n_clusters=[3, 5], rng=1)
    c2 = v_measure_curve(X, y, n_clusters=[3, 5], rng=1)
    np.testing.assert_array_equal(c1.v, c2.v)


def test_v_measure_curve_gmm_is_the_em_protocol():
    # the curve at k is the V of the EM clustering drawn with the same generator
    # state, the best is the argmax, and .at(k) reads the curve
    from helpers import blobs
    from npae.classical import gaussian_mixture
    from npae.metrics import v_measure, v_measure_curve

    X, y = blobs(n=240, k=3, d=2, std=1.2)
    c = v_measure_curve(X, y, n_clusters=[2, 3, 5], method="gmm", rng=7, n_init=2)
    gen = np.random.default_rng(7)
    direct = [v_measure(y, gaussian_mixture(X, k, rng=gen, n_init=2).labels) for k in (2, 3, 5)]
    np.testing.assert_allclose(c.v, direct)
    assert c.method == "gmm" and c.best_n_clusters == [2, 3, 5][int(np.argmax(direct))]
    assert c.at(5) == pytest.approx(direct[2]) and c.at(c.best_n_clusters) == c.best_v
    with pytest.raises(ValueError, match="not on the curve"):
        c.at(4)


def test_v_measure_curve_bad_input():
    from npae.metrics import v_measure_curve

    X = np.random.default_rng(0).random((10, 2))
    y = np.arange(10) % 2
    with pytest.raises(ValueError, match="kmeans"):
        v_measure_curve(X, y, method="dbscan")
    with pytest.raises(ValueError, match="<= 10"):
        v_measure_curve(X, y, n_clusters=[2, 11])
    with pytest.raises(ValueError, match="empty"):
        v_measure_curve(X, y, n_clusters=[])
    with pytest.raises(TypeError, match="integer"):
        v_measure_curve(X, y, n_clusters=[2.5])


def test_v_measure_curves_figure(tmp_path):
    from npae import plot
    from npae.metrics import v_measure_curve

    X = np.random.default_rng(0).random((40, 2))
    c = v_measure_curve(X, np.arange(40) % 3, n_clusters=range(2, 5))
    path = tmp_path / "v.png"
    plot.v_measure_curves({"random": c}, path=path)
    assert path.stat().st_size > 1000
