"""Tests for the ODDS loader: on a .mat file written here, and on the shared copy when present."""

import os

import numpy as np
import pytest

from npae.datasets import ODDS_SETS, load_odds
from npae.datasets.odds import odds_dir


def _write(path, X, y):
    from scipy.io import savemat
    savemat(path, {"X": X, "y": y})


def test_load_odds_from_path_name_and_env(tmp_path, monkeypatch):
    X = np.arange(12.0).reshape(4, 3)
    _write(tmp_path / "toy.mat", X, np.array([[0], [1], [0], [0]], dtype=np.uint8))
    Xl, yl = load_odds(tmp_path / "toy.mat")
    np.testing.assert_array_equal(Xl, X)
    assert yl.tolist() == [0, 1, 0, 0] and yl.dtype == np.int64 and Xl.dtype == np.float64
    assert load_odds("toy", data_dir=tmp_path)[1].tolist() == [0, 1, 0, 0]
    monkeypatch.setenv("NPAE_ODDS_DIR", str(tmp_path))
    assert odds_dir() == str(tmp_path)
    np.testing.assert_array_equal(load_odds("toy.mat")[0], X)


def test_load_odds_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("NPAE_ODDS_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_odds("cardio")
    _write(tmp_path / "bad.mat", np.ones((3, 2)), np.array([0, 2, 1]))
    with pytest.raises(ValueError, match="0 .inlier. and 1"):
        load_odds("bad")
    _write(tmp_path / "short.mat", np.ones((3, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="labels"):
        load_odds("short")
    from scipy.io import savemat
    savemat(tmp_path / "other.mat", {"A": np.ones(2)})
    with pytest.raises(ValueError, match="not an ODDS file"):
        load_odds("other")
    with pytest.raises(TypeError, match="name"):
        load_odds(3)


SHARED = odds_dir()


@pytest.mark.skipif(SHARED is None or not os.path.isfile(os.path.join(SHARED, "cardio.mat")),
                    reason="the ODDS copy (../shared/data/odds or $NPAE_ODDS_DIR) is absent")
def test_shared_odds_sets_shapes():
    expected = {"cardio": (1831, 21, 176), "glass": (214, 9, 9), "pima": (768, 8, 268)}
    for name, (n, d, n_out) in expected.items():
        X, y = load_odds(name)
        assert X.shape == (n, d) and int(y.sum()) == n_out
    assert len(ODDS_SETS) == 11
