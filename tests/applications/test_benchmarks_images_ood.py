"""The issue-21 benchmark scripts run end to end in their --quick modes (seconds each)."""

import os
import subprocess
import sys

import pytest

from test_benchmarks_smoke import BENCH, assert_printed_a_table


@pytest.mark.parametrize("script", ["hash_table.py", "ood_likelihood.py", "images_restore.py",
                                    "compression.py"])
def test_benchmark_quick_mode(script, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.abspath(os.path.join(BENCH, ".."))] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    run = subprocess.run([sys.executable, os.path.join(BENCH, script), "--quick",
                          "--md", str(tmp_path / "out.md")],
                         cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert_printed_a_table(run.stdout)
    assert (tmp_path / "out.md").read_text().startswith("# ")
