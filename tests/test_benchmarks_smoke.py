"""Every benchmark script runs end to end in its --quick smoke mode.

The measurements themselves live in benchmarks/RESULTS.md; here we only make
sure the scripts keep working (speed.py is covered in test_cli.py).
"""

import os
import subprocess
import sys

import pytest

BENCH = os.path.join(os.path.dirname(__file__), "..", "benchmarks")
SCRIPTS = ["contractive.py", "families_regularized.py", "generative_aae_concrete.py",
           "generative_vae.py", "dimreduction.py"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_quick_mode(script, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    run = subprocess.run([sys.executable, os.path.join(BENCH, script), "--quick"], cwd=tmp_path,
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "|" in run.stdout  # printed a table


def test_memory_benchmark_quick_mode_bounds_the_memory_mapped_epoch(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    run = subprocess.run([sys.executable, os.path.join(BENCH, "memory.py"), "--quick",
                          "--tmp", str(tmp_path), "--out", str(tmp_path / "memory.md")],
                         cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    text = (tmp_path / "memory.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| memory-mapped")]
    assert len(rows) == 2 and "(met)" in rows[0]  # under 500 MB with 20,000 rows
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("npae-memory-")]  # deleted
