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
