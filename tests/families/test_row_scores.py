"""Every family's score_samples is a function of each row alone: the same value
whatever else is in the call and in whatever order (anomaly scores must not
depend on their neighbours).  Equal up to BLAS round-off (a product of one row
and of many rows may sum in a different order), so to 1e-12 relative."""

import numpy as np
import pytest

from npae.estimator.row_seeds import RowSeeds
from npae.estimator.registry import families


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.random((12, 7)), np.arange(12) % 3, rng.random((9, 7))


@pytest.mark.parametrize("key", sorted(families()))
def test_score_of_a_row_does_not_depend_on_the_other_rows(key, data):
    X, y, other = data
    cls = families()[key]
    model = cls(**{**cls._examples[0], "epochs": 2}).fit(X, y if cls._uses_labels else None)
    full = model.score_samples(X)
    alone = np.array([model.score_samples(X[i:i + 1])[0] for i in range(len(X))])
    perm = np.random.default_rng(1).permutation(len(X))
    shuffled = model.score_samples(X[perm])[np.argsort(perm)]
    mixed = model.score_samples(np.vstack([other, X[::-1], other]))[9:21][::-1]
    for version in (alone, shuffled, mixed):
        np.testing.assert_allclose(version, full, rtol=1e-12, atol=1e-12)
    # and it is a score of the row: different rows, different scores
    assert len(np.unique(np.round(full, 12))) > 1


def test_row_seeds_depend_on_the_row_and_the_seed_only():
    X = np.random.default_rng(0).random((4, 3))
    a = RowSeeds(0).normal(X, 5, 2, np.float64)
    b = RowSeeds(0).normal(X[[2, 0]], 5, 2, np.float64)
    np.testing.assert_array_equal(b[:, 0], a[:, 2])
    np.testing.assert_array_equal(b[:, 1], a[:, 0])
    assert not np.array_equal(RowSeeds(1).normal(X, 5, 2, np.float64), a)
    assert not np.array_equal(a[:, 0], a[:, 1])
