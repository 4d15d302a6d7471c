"""The command line: the README's main job and the teaching tools run end to end."""

import os
import re

import numpy as np
import pytest

from npae import cli


def test_demo_quick_writes_figures_and_compares_with_pca(tmp_path, capsys):
    out = tmp_path / "demo"
    table = cli.demo(out=str(out), quick=True, verbose=True)
    assert set(table) == {2, 30}
    for pca_err, ae_err in table.values():
        assert np.isfinite(pca_err) and np.isfinite(ae_err) and pca_err > 0 and ae_err > 0
    # PCA with more components always reconstructs better.
    assert table[30][0] < table[2][0]
    for name in ("reconstructions.png", "codes_2d.png", "loss_curve.png", "autoencoder30.npz"):
        assert (out / name).stat().st_size > 1000
    text = capsys.readouterr().out
    assert "PCA" in text and "autoencoder" in text


def test_main_demo_entry_point(tmp_path):
    assert cli.main(["demo", "--quick", "--out", str(tmp_path / "d")]) == 0


def test_gradcheck_command_passes_and_prints_report(capsys):
    code = cli.main(["gradcheck", "autoencoder", "--set", "hidden=(6,)", "--set", "latent_dim=3", "--n-samples", "4"])
    out = capsys.readouterr().out
    assert code == 0
    assert "PASSED" in out and "encoder.0.W" in out


def test_gradcheck_reference_path(capsys):
    code = cli.main(["gradcheck", "autoencoder", "--reference", "--set", "latent_dim=5",
                     "--set", "loss='bce'", "--n-samples", "3"])
    assert code == 0
    assert "reference" in capsys.readouterr().out


def test_fit_command_saves_a_loadable_model(tmp_path, capsys):
    import npae

    path = tmp_path / "m.npz"
    cli.main(["fit", "autoencoder", "--n", "300", "--set", "latent_dim=16",
              "--set", "epochs=2", "--set", "verbose=False", "--out", str(path)])
    model = npae.load(path)
    assert model.params_["encoder.0.W"].shape == (784, 16)
    out = capsys.readouterr().out
    assert "saved" in out and "epoch" not in out


def test_fit_command_trains_from_a_npy_file_out_of_core(tmp_path, capsys):
    import npae

    data = tmp_path / "X.npy"
    np.save(data, np.random.default_rng(0).random((50, 6)).astype(np.float32))
    cli.main(["fit", "autoencoder", "--data", str(data), "--set", "latent_dim=3",
              "--set", "epochs=2", "--set", "verbose=0", "--out", str(tmp_path / "m.npz")])
    assert "on 50 x 6" in capsys.readouterr().out
    direct = npae.Autoencoder(hidden=(), latent_dim=3, epochs=2).fit(np.load(data))
    assert np.array_equal(npae.load(tmp_path / "m.npz").params_["encoder.0.W"],
                          direct.params_["encoder.0.W"])


def test_fit_command_shows_progress_by_default(tmp_path, capsys):
    cli.main(["fit", "autoencoder", "--n", "100", "--set", "latent_dim=4",
              "--set", "epochs=2", "--out", str(tmp_path / "m.npz")])
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("epoch")]
    assert len(lines) == 2 and all("½‖x−x̂‖²/sample" in ln for ln in lines)


def test_bad_setting_is_a_clear_error(capsys):
    assert cli.main(["gradcheck", "autoencoder", "--set", "no_such_option=3"]) == 2
    assert "bad setting" in capsys.readouterr().err
    assert cli.main(["fit", "autoencoder", "--set", "epochs"]) == 2
    assert "key=value" in capsys.readouterr().err


def test_speed_benchmark_smoke(tmp_path, monkeypatch):
    import runpy
    import sys

    path = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "speed.py")
    # as `python benchmarks/speed.py` would: its folder first on the path, for its _common
    monkeypatch.syspath_prepend(os.path.dirname(os.path.abspath(path)))
    argv = sys.argv
    sys.argv = [path, "--quick", "--out", str(tmp_path / "speed.md")]
    try:
        runpy.run_path(path, run_name="__main__")
    finally:
        sys.argv = argv
    text = (tmp_path / "speed.md").read_text()
    assert "float32" in text and "float64" in text
    # PyTorch's fastest CPU setting is a row of the same run (when torch is installed),
    # and the table records the commit and date that produced it
    assert "PyTorch CPU, fused Adam" in text and "batch / PyTorch fastest" in text
    assert re.search(r"Produced by: commit (\w{12}|unknown).*, \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)


@pytest.mark.parametrize("model", list(cli.FAMILIES))
def test_gradcheck_command_for_every_family(model, capsys):
    """Every family passes the command-line gradient check on real digits."""
    code = cli.main(["gradcheck", model, "--n-samples", "3", "--max-entries", "15"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASSED" in out
