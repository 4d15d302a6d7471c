"""The images and likelihoods tutorials run end to end in quick mode and report sane numbers."""

import os
import runpy

HERE = os.path.dirname(os.path.dirname(__file__))  # tests/


def _run(name, tmp_path):
    mod = runpy.run_path(os.path.join(HERE, "..", "tutorials", f"{name}.py"))
    return mod["main"](["--quick", "--quiet", "--out", str(tmp_path)])


def test_images_tutorial(tmp_path):
    res = _run("images", tmp_path)
    # a Gaussian filter chosen on validation images does remove some noise
    assert res["denoise_gaussian"][0] > res["denoise_noisy"][0]
    assert 0 < res["sr_bicubic"][1] <= 1 and 0 < res["sr_mlp"][1] <= 1
    jpeg = sorted(res["rd"]["JPEG (scan only)"])
    assert all(b[1] > a[1] for a, b in zip(jpeg, jpeg[1:]))  # more bits, more PSNR
    for name in ("denoising.png", "super_resolution.png", "rate_distortion.png"):
        assert (tmp_path / name).stat().st_size > 1000


def test_likelihoods_tutorial(tmp_path):
    res = _run("likelihoods", tmp_path)
    assert set(res["aurocs"]) == {"−log p(x)", "likelihood regret", "input complexity",
                                  "likelihood ratio"}
    assert all(0.0 <= a <= 1.0 for a in res["aurocs"].values())
    assert res["nll_in"] > 0 and res["nll_out"] > 0
    for name in ("nll_histogram.png", "scores.png"):
        assert (tmp_path / name).stat().st_size > 1000
