"""The command line's user errors: one line on stderr and exit status 2 (3 for a
diverged run, which saves nothing); --debug shows the traceback; --out is
checked before training; --version; negative counts refused by the parser."""

import os
import subprocess
import sys

import pytest

import npae
from npae import cli


def run(argv, capsys):
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("argv,message", [
    (["fit", "autoencoder", "--set", "learning_rate=-1", "--n", "20"],
     "learning_rate must be a finite number > 0, got -1"),
    (["fit", "autoencoder", "--set", "tied='False'", "--n", "20"], "tied must be a bool"),
    (["fit", "autoencoder", "--set", "epochs=1", "--data", "/no/such/folder"], "/no/such/folder"),
    (["gradcheck", "autoencoder", "--set", "hidden='wide'"], "hidden must be"),
    (["fit", "autoencoder", "--set", "nonsense=1"], "unexpected keyword argument"),
])
def test_user_errors_print_one_line_and_exit_2(argv, message, capsys, tmp_path):
    code, out, err = run(argv + (["--out", str(tmp_path / "m.npz")] if argv[0] == "fit" else []),
                         capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("npae: error: ") and message in lines[0]
    assert "Traceback" not in err and not (tmp_path / "m.npz").exists()


def test_debug_shows_the_traceback(capsys):
    with pytest.raises(npae.InvalidParameterError, match="learning_rate"):
        cli.main(["--debug", "fit", "autoencoder", "--set", "learning_rate=-1"])


@pytest.mark.parametrize("out,message", [
    ("missing/m.npz", "does not exist; create it first"),
    (".", "it is a directory"),
])
def test_out_is_checked_before_training(out, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr(npae.Autoencoder, "fit", lambda self, *a: calls.append(1))
    code, _, err = run(["fit", "autoencoder", "--n", "20", "--out", out], capsys)
    assert code == 2 and message in err and calls == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can write to read-only folders")
def test_unwritable_out_folder(capsys, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    code, _, err = run(["fit", "autoencoder", "--n", "20", "--out", str(ro / "m.npz")], capsys)
    assert code == 2 and "not writable" in err


@pytest.mark.parametrize("argv", [
    ["fit", "autoencoder", "--n", "-5"], ["fit", "autoencoder", "--n", "0"],
    ["gradcheck", "autoencoder", "--n-samples", "-1"], ["gradcheck", "vae", "--max-entries", "0"],
    ["demo", "--epochs", "-3"],
])
def test_negative_counts_are_refused_by_the_parser(argv, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2 and "must be >= 1" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"npae {npae.__version__}"


def test_a_diverged_run_exits_non_zero_and_saves_nothing(capsys, tmp_path):
    out = tmp_path / "m.npz"
    code, _, err = run(["fit", "autoencoder", "--n", "200", "--set", "latent_dim=8",
                        "--set", "optimizer='sgd'", "--set", "learning_rate=1e8",
                        "--set", "epochs=30", "--set", "verbose=False", "--out", str(out)],
                       capsys)
    assert code == 3
    assert "training loss" in err and "nothing was saved" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_the_installed_entry_point_exits_2_on_a_user_error():
    proc = subprocess.run([sys.executable, "-m", "npae", "fit", "mystery"], capture_output=True,
                          text=True, cwd=os.path.dirname(os.path.dirname(npae.__file__)))
    assert proc.returncode == 2 and "invalid choice: 'mystery'" in proc.stderr
