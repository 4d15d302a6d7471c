"""The first tutorial: hand computation == npae, the checker catches the student's bug."""

import os
import runpy

import pytest

HERE = os.path.dirname(os.path.dirname(__file__))  # tests/


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    out = tmp_path_factory.mktemp("first")
    mod = runpy.run_path(os.path.join(HERE, "..", "tutorials", "first_autoencoder.py"))
    return mod["main"](["--quick", "--quiet", "--out", str(out)]), out


def test_hand_computation_matches_npae(res):
    r, _ = res
    assert r["hand_vs_npae"] < 1e-14
    assert r["loss1"] < r["loss0"]  # one gradient step lowers the loss


def test_gradient_check_verdicts(res):
    r, _ = res
    assert r["report"].passed
    assert not r["buggy"].passed and r["buggy"].max_rel_error > 1e-2
    assert r["fixed"].passed


def test_training_lowers_losses_and_writes_filters(res):
    r, out = res
    for model in (r["toy"], r["digits"]):
        assert model.history_["loss"][-1] < model.history_["loss"][0]
    assert (out / "filters.png").stat().st_size > 1000
