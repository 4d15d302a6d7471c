"""Tests for npae.classical.kmeans: k-means."""

import numpy as np
import pytest

from helpers import blobs
from npae.classical.kmeans import kmeans
from npae.metrics.clustering import v_measure


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
