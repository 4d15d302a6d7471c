"""benchmarks/anomaly_odds.py runs end to end in --quick mode (needs the ODDS copy and scikit-learn)."""

import importlib.util
import os
import re
import subprocess
import sys

import pytest

from npae.datasets.odds import odds_dir

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks")
HAVE_ODDS = odds_dir() is not None and os.path.isfile(os.path.join(odds_dir(), "glass.mat"))


@pytest.mark.skipif(not HAVE_ODDS, reason="the ODDS copy (../shared/data/odds or $NPAE_ODDS_DIR) is absent")
@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="needs scikit-learn")
def test_anomaly_odds_quick(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               NPAE_ODDS_DIR=odds_dir())
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.abspath(os.path.join(BENCH, ".."))] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    md = tmp_path / "odds.md"
    run = subprocess.run([sys.executable, os.path.join(BENCH, "anomaly_odds.py"), "--quick", "--md", str(md)],
                         cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    text = md.read_text()
    row = re.search(r"^\| npae default \| ([0-9.]+) \| ([0-9.]+) \| \*\*([0-9.]+)\*\* \|$", text, re.M)
    assert row, text[:2000]
    glass, lympho, mean = map(float, row.groups())
    assert 0.5 < glass <= 1 and 0.5 < lympho <= 1 and abs(mean - (glass + lympho) / 2) < 1e-3
    assert "sklearn IsolationForest" in text and "PyOD published: IForest | 0.702 | 0.991" in text
