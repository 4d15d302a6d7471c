"""Every benchmark script runs end to end in its --quick smoke mode.

The measurements themselves live in benchmarks/RESULTS.md; here we only make
sure the scripts keep working (speed.py is covered in test_cli.py).
"""

import importlib.util
import os
import subprocess
import sys

import pytest

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks")
SCRIPTS = ["contractive.py", "families_regularized.py", "generative_aae_concrete.py",
           "generative_vae.py", "dimreduction.py", "faults.py", "clustering.py", "hashing.py",
           "pretraining.py", "rbm_pretraining.py",
           pytest.param("to_torch_parity.py", marks=pytest.mark.skipif(
               importlib.util.find_spec("torch") is None, reason="needs torch"))]
SCRIPTS += ["adam_split.py", "vae_binarized.py", "vae_student_t.py", "clvae_protocol.py", "aae_defaults.py",
            pytest.param("fashion_pca30.py", marks=pytest.mark.skipif(
                not os.path.isdir("/usr/share/datasets/fashion-mnist"),
                reason="needs the dataset-fashion-mnist package")),
            pytest.param("vae_manifold.py", marks=pytest.mark.skipif(
                importlib.util.find_spec("sklearn") is None, reason="needs scikit-learn")),
            pytest.param("ksparse_classify.py", marks=pytest.mark.skipif(
                importlib.util.find_spec("sklearn") is None, reason="needs scikit-learn")),
            pytest.param("conv_wta.py", marks=pytest.mark.skipif(
                importlib.util.find_spec("sklearn") is None, reason="needs scikit-learn")),
            pytest.param("conv_speed.py", marks=pytest.mark.skipif(
                importlib.util.find_spec("torch") is None, reason="needs torch"))]


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
    assert_printed_a_table(run.stdout)


def assert_printed_a_table(stdout):
    """A Markdown table with a header, a separator and data rows whose numbers are finite."""
    rows = [line for line in stdout.splitlines() if line.startswith("|")]
    seps = [i for i, line in enumerate(rows) if set(line.replace(" ", "")) <= set("|-:")]
    assert seps, "no Markdown table in the output:\n" + stdout[-2000:]
    headers = {s - 1 for s in seps}
    data = [r for i, r in enumerate(rows) if i not in seps and i not in headers]
    assert data, "a table header without data rows:\n" + stdout[-2000:]
    cells = [c.strip().lower() for r in data for c in r.strip("|").split("|")]
    assert not any(c in ("nan", "inf", "-inf") for c in cells), "non-finite figure in:\n" + "\n".join(data)


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


def test_adam_split_over_two_threads_is_adams_step_bit_for_bit(monkeypatch):
    """benchmarks/adam_split.py times a split Adam: it must compute what Adam computes."""
    import numpy as np

    from npae.estimator.optim import Adam

    monkeypatch.syspath_prepend(BENCH)
    from adam_split import SplitAdam

    rng = np.random.default_rng(0)
    for n, dtype in ((7, np.float64), (3 * Adam.CHUNK_BYTES // 8 + 5, np.float64),
                     (Adam.CHUNK_BYTES // 4 + 1, np.float32)):
        theta = rng.standard_normal(n).astype(dtype)
        split_theta = theta.copy()
        adam, split = Adam(), SplitAdam(Adam())
        for _ in range(3):
            g = rng.standard_normal(n).astype(dtype)
            adam.step(theta, g)
            split.step(split_theta, g)
        assert np.array_equal(theta, split_theta)
    # negative control: one step fewer on the split side is seen
    split.adam.t -= 1
    split.step(split_theta, g)
    adam.step(theta, g)
    assert not np.array_equal(theta, split_theta)

