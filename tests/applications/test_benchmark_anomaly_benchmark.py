"""benchmarks/anomaly_benchmark.py runs end to end in --quick mode; the leave-one-dataset-out choice."""

import importlib.util
import os
import re
import subprocess
import sys

import pytest

from npae.datasets.adbench import adbench_dir
from npae.datasets.odds import odds_dir

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks")
HAVE_DATA = (odds_dir() is not None and os.path.isfile(os.path.join(odds_dir(), "glass.mat"))
             and adbench_dir() is not None and os.path.isfile(os.path.join(adbench_dir(), "45_wine.npz")))


def _lodo():
    sys.path.insert(0, os.path.abspath(BENCH))
    try:
        import _lodo
    finally:
        sys.path.pop(0)
    return _lodo


def test_leave_one_dataset_out_never_sees_the_held_out_set():
    lodo = _lodo()
    # "a" is best on average only thanks to set 3; held out, set 3 must get "b"'s choice
    auc = {"a": {1: 0.6, 2: 0.6, 3: 1.0}, "b": {1: 0.7, 2: 0.7, 3: 0.2}}
    picks = lodo.leave_one_dataset_out(auc, ["a", "b"], [1, 2, 3])
    assert lodo.choose(auc, ["a", "b"], [1, 2, 3]) == "a"
    assert picks[3] == ("b", 0.2) and picks[1] == ("a", 0.6) and picks[2] == ("a", 0.6)
    eligible, other = lodo.candidates()
    assert all({"reconstruction", "knn", "mahalanobis"} & set(c) for c, _ in eligible.values())
    assert all(not {"reconstruction", "knn", "mahalanobis"} & set(c) for c, _ in other.values())


@pytest.mark.skipif(not HAVE_DATA, reason="the ODDS and ADBench copies ($NPAE_ODDS_DIR, $NPAE_ADBENCH_DIR) "
                    "are absent")
@pytest.mark.skipif(importlib.util.find_spec("pyod") is None, reason="needs pyod (the bench extra)")
def test_anomaly_benchmark_quick(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               NPAE_ODDS_DIR=odds_dir(), NPAE_ADBENCH_DIR=adbench_dir())
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.abspath(os.path.join(BENCH, ".."))] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    md = tmp_path / "bench.md"
    run = subprocess.run([sys.executable, os.path.join(BENCH, "anomaly_benchmark.py"), "--quick",
                          "--only", "npae components", "npae default", "PyOD IForest",
                          "--json", str(tmp_path / "c.json"), "--md", str(md)],
                         cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    text = md.read_text()
    assert "leave-one-dataset-out" in text and "PyOD IForest" in text
    # the measured default row equals its candidate row (same seed, same scores)
    from npae.detection import DEFAULT_SCORE
    name = " + ".join(DEFAULT_SCORE) + " [mean]"
    default = re.search(r"^\| npae default \| ([0-9.]+) \| ([0-9.]+) \|", text, re.M)
    cand = re.search(r"^\| " + re.escape(name) + r" \| ([0-9.]+) \| ([0-9.]+) \|", text, re.M)
    shipped = re.search(r"^\| npae default, in-sample \(([^)]*)\) \| ([0-9.]+) \| ([0-9.]+) \|", text, re.M)
    assert default
    got = cand.groups() if cand else (shipped.groups()[1:] if shipped and shipped.group(1) == name else None)
    assert got == default.groups(), text[:3000]
