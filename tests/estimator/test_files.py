"""Files (issue 23): stale temporary files of killed saves cleaned by the next save into
the folder, only those npae can show are its own and abandoned; saved files follow the
umask; the command line refuses to overwrite without --force."""

import os
import subprocess
import sys

import numpy as np
import pytest

import npae
from npae.estimator import _atomic


def _model():
    return npae.Autoencoder(hidden=(), latent_dim=2, epochs=1).fit(
        np.random.default_rng(0).random((10, 4)))


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # exited and reaped: its id names no process
    return proc.pid


def test_the_next_save_removes_only_abandoned_npae_temporaries(tmp_path):
    host, dead = _atomic._HOST, _dead_pid()
    stale = tmp_path / f".npae-{host}-{dead}-abc123.tmp"
    keep = [tmp_path / f".npae-{host}-{os.getpid()}-live99.tmp",  # a live writer's
            tmp_path / f".npae-otherhost-{dead}-abc123.tmp",     # another host's
            tmp_path / ".npae-legacy8x.tmp",                     # no process id: cannot tell
            tmp_path / f"npae-{host}-{dead}-abc123.tmp",          # not our pattern
            tmp_path / "notes.tmp"]
    for f in [stale, *keep]:
        f.write_bytes(b"PK\x03\x04 partial")
    _model().save(tmp_path / "m.npz")
    assert not stale.exists()
    assert all(f.exists() for f in keep)
    assert npae.load(tmp_path / "m.npz").n_features_in_ == 4
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["m.npz", *(f.name for f in keep)])


def test_a_killed_save_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    # A child saves with its own process id in the temporary name and is killed mid-write
    # (simulated: it creates the temporary as write_atomic does, then exits abruptly).
    code = ("import os, tempfile, sys; sys.path.insert(0, %r); from npae.estimator import _atomic;"
            "fd, p = tempfile.mkstemp(prefix=f'.npae-{_atomic._HOST}-{os.getpid()}-', "
            "suffix='.tmp', dir=%r); os.write(fd, b'PK'); os._exit(9)") % (
        os.path.dirname(os.path.dirname(npae.__file__)), str(tmp_path))
    subprocess.run([sys.executable, "-c", code], check=False)
    orphans = list(tmp_path.glob(".npae-*.tmp"))
    assert len(orphans) == 1
    _model().save(tmp_path / "m.npz")
    assert list(tmp_path.glob(".npae-*.tmp")) == []


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_saved_files_follow_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        _model().save(tmp_path / "m.npz")
    finally:
        os.umask(old)
    assert (os.stat(tmp_path / "m.npz").st_mode & 0o777) == 0o666 & ~mask


def test_the_cli_refuses_to_overwrite_without_force(tmp_path, capsys):
    from npae import cli

    out = tmp_path / "m.npz"
    out.write_bytes(b"precious")
    argv = ["fit", "autoencoder", "--n", "30", "--set", "latent_dim=2", "--set", "epochs=1",
            "--set", "verbose=False", "--out", str(out)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "exists; pass --force to overwrite it" in err and out.read_bytes() == b"precious"
    assert cli.main(argv + ["--force"]) == 0
    assert npae.load(out).n_features_in_ == 784
