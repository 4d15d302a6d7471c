"""benchmarks/clvae_anomaly.py runs end to end in --quick mode (needs scikit-learn)."""

import importlib.util
import os
import re
import subprocess
import sys

import pytest

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks")


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="needs scikit-learn")
def test_clvae_anomaly_quick(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.abspath(os.path.join(BENCH, ".."))] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    md = tmp_path / "c.md"
    run = subprocess.run([sys.executable, os.path.join(BENCH, "clvae_anomaly.py"), "--quick", "--md", str(md)],
                         cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = re.findall(r"^\| (VAE|CL-VAE γ=0.3) \| ([^|]+) \| ([0-9.e-]+) \| ([0-9.e-]+) \| ([0-9.]+) \|",
                      md.read_text(), re.M)
    assert len(rows) == 12
    for _, _, em, mv, rmse in rows:
        assert 0 < float(em) <= 1 and float(mv) > 0 and 0 <= float(rmse) < 1
    assert (tmp_path / "clvae_anomaly_lof.png").stat().st_size > 5000
