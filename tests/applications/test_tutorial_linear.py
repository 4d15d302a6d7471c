"""tutorials/linear_pca.py runs end to end in quick mode and its numbers tell the story:
linear AE = PCA subspace, L2 gives the ordered components, a nonlinear AE beats PCA."""

import contextlib
import io
import os
import runpy

import numpy as np
import pytest

HERE = os.path.dirname(os.path.dirname(__file__))  # tests/


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("linear_pca")
    mod = runpy.run_path(os.path.join(HERE, "..", "tutorials", "linear_pca.py"))
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):  # the tutorial runs on one BLAS thread by default
        res = mod["main"](["--quick", "--out", str(out)])
    return res, out, buf.getvalue()


def test_closed_form_and_trained_linear_ae_reach_pca(run):
    r, _, _ = run
    np.testing.assert_allclose(r["closed_form_loss"], r["pca_optimum"], rtol=1e-10)
    assert r["lae_optimum"] * (1 - 1e-12) <= r["lae_loss"] <= r["lae_optimum"] * (1 + 1e-4)
    assert r["max_angle"] < 1e-3
    # the unregularised decoder rows are a mixture of the PCs (some row is not a PC) ...
    C = r["mixing_cos"]
    assert C.shape == (3, 3) and np.all((C >= 0) & (C <= 1 + 1e-12))
    assert np.min(np.max(C, axis=1)) < 0.99
    # ... which PCA inside the learned subspace unmixes (Plaut 2018)
    assert np.all(r["plaut_cos"] >= 0.999)


def test_weight_decay_gives_the_ordered_components(run):
    r, _, _ = run
    assert np.all(r["l2_cos"] >= 0.999)
    np.testing.assert_allclose(r["l2_s"], r["l2_predicted"], atol=1e-3)
    assert np.all(np.diff(r["l2_s"]) < 0)  # ordered by decreasing singular value
    assert np.all((r["l2_predicted"] > 0) & (r["l2_predicted"] < 1))


def test_nonlinear_comparison_numbers(run):
    r, _, _ = run
    ks = r["ks"]
    assert ks == [2, 10]
    for k in ks:
        assert 0 < r["pca_err"][k] < 784 and 0 < r["ae_err"][k] < 784
        assert 0.1 < r["pca_knn"][k] <= 1 and 0 <= r["ae_knn"][k] <= 1
    assert r["pca_err"][10] < r["pca_err"][2]  # more components, smaller error
    # the story's claim, with a wide margin in quick mode (about 27.3 vs 23.1 here)
    assert r["ae_err"][10] < 0.95 * r["pca_err"][10]


def test_narration_prints_the_numbers(run):
    r, _, text = run
    for phrase in ("== 1.", "== 2.", "== 3.", "== 4.", "principal angles", "half the discarded"):
        assert phrase in text
    assert f"{r['pca_err'][10]:.2f}" in text and f"{r['ae_err'][10]:.2f}" in text


def test_figures_written(run):
    r, out, _ = run
    names = {"components.png", "codes_2d.png", "reconstructions_k2.png",
             "reconstructions_k10.png", "error_vs_k.png"}
    assert {os.path.basename(p) for p in r["figures"]} == names
    for name in names:
        assert (out / name).stat().st_size > 1000, name
