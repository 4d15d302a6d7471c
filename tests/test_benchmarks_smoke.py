"""Every benchmark script runs end to end in its --quick smoke mode.

The measurements themselves live in benchmarks/RESULTS.md; here we only make
sure the scripts keep working (speed.py is covered in test_cli.py).
"""

import importlib.util
import os
import subprocess
import sys

import pytest

BENCH = os.path.join(os.path.dirname(__file__), "..", "benchmarks")
SCRIPTS = ["contractive.py", "families_regularized.py", "generative_aae_concrete.py",
           "generative_vae.py", "dimreduction.py",
           pytest.param("to_torch_parity.py", marks=pytest.mark.skipif(
               importlib.util.find_spec("torch") is None, reason="needs torch"))]
SCRIPTS += ["vae_binarized.py", "vae_student_t.py", "clvae_protocol.py", "aae_defaults.py",
            pytest.param("fashion_pca30.py", marks=pytest.mark.skipif(
                not os.path.isdir("/usr/share/datasets/fashion-mnist"),
                reason="needs the dataset-fashion-mnist package")),
            pytest.param("vae_manifold.py", marks=pytest.mark.skipif(
                importlib.util.find_spec("sklearn") is None, reason="needs scikit-learn")),
            pytest.param("ksparse_classify.py", marks=pytest.mark.skipif(
                importlib.util.find_spec("sklearn") is None, reason="needs scikit-learn"))]


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_quick_mode(script, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    # The scripts import the installed npae (pip install -e .); put this checkout first so
    # that the suite exercises the code under test even when another copy is installed.
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.abspath(os.path.join(BENCH, ".."))] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    run = subprocess.run([sys.executable, os.path.join(BENCH, script), "--quick"], cwd=tmp_path,
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "|" in run.stdout  # printed a table
