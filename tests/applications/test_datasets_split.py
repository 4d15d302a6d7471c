"""Tests for npae.datasets.split: the deterministic train/test split."""

import numpy as np
import pytest

from npae.datasets.split import train_test_split


def test_train_test_split():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, rng=3)
    assert Xtr.shape == (15, 2) and Xte.shape == (5, 2)
    np.testing.assert_array_equal(Xtr[:, 0] // 2, ytr)
    assert sorted(np.r_[ytr, yte].tolist()) == list(range(20))
    again = train_test_split(X, y, test_size=0.25, rng=3)
    np.testing.assert_array_equal(again[1], Xte)
    assert train_test_split(X, test_size=3, rng=np.random.default_rng(0))[1].shape == (3, 2)
    assert train_test_split(X, test_size=0.01)[1].shape == (1, 2)  # rounded up
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(X, test_size=1.5)
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(X, test_size=20)
    with pytest.raises(ValueError, match="rows like X"):
        train_test_split(X, y[:-1])
