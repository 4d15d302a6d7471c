"""The RBM tutorial runs end to end in quick mode, writes its figure, reports sane numbers."""

import os
import runpy

import numpy as np

HERE = os.path.dirname(os.path.dirname(__file__))  # tests/


def test_rbm_tutorial_quick(tmp_path):
    mod = runpy.run_path(os.path.join(HERE, "..", "tutorials", "rbm.py"))
    res = mod["main"](["--quick", "--quiet", "--out", str(tmp_path)])
    exact, ais = res["tiny"]
    assert abs(ais - exact) < 0.1
    same, before, after = res["stack"]
    assert same and after < before
    # log-likelihoods of 784 binary pixels: below 0, above the uniform model's 784 log ½
    assert all(784 * np.log(0.5) < res[k] < 0 for k in ("CD-1", "PCD-1"))
    assert res["hash_precision"] > 0.1  # above chance among ten classes
    assert (tmp_path / "filters_rbm.png").stat().st_size > 1000
