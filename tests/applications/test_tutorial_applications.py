"""The applications tutorial runs end to end in quick mode and reports sane numbers."""

import os
import runpy

import pytest

HERE = os.path.dirname(os.path.dirname(__file__))  # tests/


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("applications")
    mod = runpy.run_path(os.path.join(HERE, "..", "tutorials", "applications.py"))
    return mod["main"](["--quick", "--quiet", "--out", str(out), "--novel-digit", "3",
                        "--code-size", "8"]), out


def test_every_measure_is_reported_in_range(results):
    res, _ = results
    for key in ("auc_ae", "auc_pca", "vmeasure_autoencoder", "vmeasure_PCA", "p10_autoencoder",
                "p10_PCA", "hash_p10_ae", "hash_p10_pca", "hash_r2_ae", "acc_autoencoder",
                "vmeasure_dec", "acc_dec", "vmeasure_vade", "acc_vade", "hash_map_ITQ",
                "hash_map_LSH", "between_raw pixels", "vmeasure_ae_standardised"):
        assert 0.0 <= res[key] <= 1.0, key
    assert res["mse_all"] > 0 and res["mse_inliers"] > 0
    # Nearest neighbours in pixel or PCA space are far better than chance (0.1 for 10 digits).
    assert res["p10_PCA"] > 0.5 and res["p10_raw pixels"] > 0.5
    # ITQ's rotation quantises the PCA directions better than their plain signs
    assert res["hash_map_ITQ"] > res["hash_map_PCA signs"]
    assert res["ae_std_ratio"] >= 1.0
    # the hash table's balls grow with the radius: recall cannot fall
    assert res["table_recall_r0"] <= res["table_recall_r1"] <= res["table_recall_r2"] <= 1.0


def test_figures_written(results):
    _, out = results
    for name in ("anomalies_worst.png", "clustering_v_curves.png", "dec_codes.png",
                 "vade_codes.png", "hashing_code_values.png", "hashing_precision.png"):
        assert (out / name).stat().st_size > 1000
