"""The one-class tutorial runs end to end in quick mode, writes its figures, reports sane numbers."""

import os
import runpy

import pytest

HERE = os.path.dirname(os.path.dirname(__file__))  # tests/


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("one_class")
    mod = runpy.run_path(os.path.join(HERE, "..", "tutorials", "one_class.py"))
    return mod["main"](["--quick", "--quiet", "--out", str(out)]), out


def test_reports_every_method(results):
    res, _ = results
    assert len(res["digits"]) == 6 and all(0 <= v <= 1 for v in res["digits"].values())
    two = res["two_d"]
    assert all(0 <= v <= 1 for v in two.values())
    # the density methods need no training: even in quick mode they rank the uniform outliers well
    assert two["density: mixture (EM, 3)"] > 0.9 and two["density: Parzen (Scott)"] > 0.9


def test_figures_written(results):
    _, out = results
    for name in ("regions.png", "score_histograms.png", "roc_curves.png"):
        assert (out / name).stat().st_size > 5000


def test_part_three_default_conventions(results):
    res, _ = results
    assert res["default"]["predict_equals_labels"] is True
    assert 0.5 < res["default"]["roc_auc"] <= 1
