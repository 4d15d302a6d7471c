"""The convolution and WTA tutorials run in --quick mode and show what they claim."""

import os
import runpy

HERE = os.path.dirname(os.path.dirname(__file__))  # tests/


def test_convolution_tutorial_quick(tmp_path):
    mod = runpy.run_path(os.path.join(HERE, "..", "tutorials", "convolution.py"))
    res = mod["main"](["--quick", "--quiet", "--out", str(tmp_path)])
    assert res["max_diff"] < 1e-12 and res["adjoint_gap"] < 1e-10 and res["gradcheck"]
    assert (tmp_path / "kernels_conv.png").stat().st_size > 1000
    assert (tmp_path / "reconstructions_conv.png").stat().st_size > 1000


def test_wta_tutorial_quick(tmp_path):
    mod = runpy.run_path(os.path.join(HERE, "..", "tutorials", "wta.py"))
    res = mod["main"](["--quick", "--quiet", "--out", str(tmp_path)])
    assert res["winners_per_unit"] == [7]  # ⌈0.05 · 128⌉ winners for every unit
    assert res["nonzero_code"] <= res["n_maps"]
    assert (tmp_path / "filters_fcwta.png").stat().st_size > 1000
    assert (tmp_path / "filters_convwta.png").stat().st_size > 1000
