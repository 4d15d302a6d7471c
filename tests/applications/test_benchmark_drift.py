"""The drift check of benchmarks/collect_results.py (its logic in benchmarks/_drift.py):
a fingerprint that matches, one that drifted, one missing or stale, timings ignored.
The check over every benchmark is a maintainers' command; here the runs are faked."""

import importlib.util
import os
import subprocess
import sys

import pytest

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks")


@pytest.fixture()
def drift(tmp_path, monkeypatch):
    """benchmarks/_drift.py with its results folder in ``tmp_path``."""
    monkeypatch.syspath_prepend(BENCH)
    spec = importlib.util.spec_from_file_location("bench_drift", os.path.join(BENCH, "_drift.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "results" / "quick").mkdir(parents=True)
    monkeypatch.setattr(module, "HERE", str(tmp_path))
    monkeypatch.setattr(module, "QUICK_DIR", str(tmp_path / "results" / "quick"))
    return module


TABLE = """# Semantic hashing

Command: `python benchmarks/hashing.py --md benchmarks/results/hashing.md`

Produced by: commit 0123456789ab, 2026-12-06 18:00 UTC

| method | 16 bits | seconds |
|---|---:|---:|
| semantic hashing | 0.608 / 0.383 | 10.1 |
"""

QUICK = """('semantic hashing', 0.099, {seconds})
Database: 600 training rows; networks trained 2 epochs ({seconds} s in all).

**digits**

| method | 16 bits | seconds | attempts |
|---|---:|---:|---:|
| semantic hashing | 0.099 / {map} | {seconds} | {attempts} |
| ITQ | 0.309 / 0.401 | 0.5 | 12 |

- machine: x86_64, Python 3.11.7; BLAS: openblas threads={threads}; total {seconds} min

Training time (s):

| method | k = 2 |
|---|---:|
| ITQ | {seconds} |

## Held-out error (the units in parentheses are not times)

| method | k = 2 |
|---|---:|
| PCA | 43.81 |

## One epoch (seconds)

| dtype | npae | PyTorch | ratio |
|---|---:|---:|---:|
| float32 | {seconds} | {seconds} | {seconds} |

## Where the epoch goes

| phase | ms / step | share |
|---|---:|---:|
| GEMMs | {seconds} | {seconds} |
"""


def write(tmp_path, drift, commit="0123456789ab", **today):
    (tmp_path / "results" / "hashing.md").write_text(TABLE)
    fp = QUICK.format(map="0.110", seconds="0.1", attempts=329, threads=1)
    (tmp_path / "results" / "quick" / "hashing.md").write_text(
        f"# Quick-mode fingerprint of hashing.md\n\nTable: `benchmarks/results/hashing.md`, "
        f"produced by commit {commit}\n\nQuick command: `python benchmarks/hashing.py --quick`\n\n"
        f"~~~text\n{fp}~~~\n")
    values = dict(map="0.110", seconds="0.1", attempts=329, threads=1)
    values.update(today)
    return QUICK.format(**values)


def fake_run(monkeypatch, drift, stdout):
    calls = []

    def run(command, root=None, timeout=None):
        calls.append(command)
        return subprocess.CompletedProcess(command, 0, stdout, "")

    monkeypatch.setattr(drift, "run", run)
    return calls


def test_a_matching_fingerprint_reproduces_and_timings_are_ignored(tmp_path, drift, monkeypatch):
    # other seconds in a column, in prose and on the machine line, other threads: noise
    calls = fake_run(monkeypatch, drift, write(tmp_path, drift, seconds="57.3", threads=2))
    status, detail = drift.check_table("hashing.md")
    assert (status, calls) == ("reproduces", ["python benchmarks/hashing.py --quick"])
    labels = [label for label, _ in drift.figures(QUICK.format(map="0.110", seconds="57.3",
                                                                attempts=1, threads=2))]
    assert not any("seconds" in label or "machine" in label for label in labels)
    assert "digits | ITQ | 16 bits [2]" in labels and "digits | ITQ | attempts" in labels
    # a heading in time units, even in parentheses, makes its tables timings; the next
    # heading that is not ends that
    assert not any(label.startswith(("One epoch", "Where")) for label in labels)
    # a progress line printed as a tuple: its figures are in the table, its time is unnamed
    assert not any("semantic hashing, #" in label for label in labels)
    assert "Held-out error | PCA | k = 2" in labels


def test_a_moved_figure_is_named_and_the_last_digit_may_round_either_way(tmp_path, drift,
                                                                         monkeypatch):
    fake_run(monkeypatch, drift, write(tmp_path, drift, map="0.383"))
    status, detail = drift.check_table("hashing.md")
    assert status == "DRIFTED"
    assert detail == "1 moved (digits | semantic hashing | 16 bits [2]: 0.110 → 0.383)"
    fake_run(monkeypatch, drift, write(tmp_path, drift, map="0.111"))  # one unit: rounding
    assert drift.check_table("hashing.md")[0] == "reproduces"
    fake_run(monkeypatch, drift, write(tmp_path, drift, attempts=330))  # integers: exact
    assert drift.check_table("hashing.md") == (
        "DRIFTED", "1 moved (digits | semantic hashing | attempts: 329 → 330)")


def test_a_renamed_heading_alone_is_not_drift(drift):
    before = drift.figures("Pool: 2 sets.\n\n| method | k = 2 |\n|---|---:|\n| PCA | 43.81 |\n")
    after = drift.figures("## Dimensionality reduction\n\nPool: 2 sets.\n\n"
                          "| method | k = 2 |\n|---|---:|\n| PCA | 43.81 |\n")
    assert [label for label, _ in before] != [label for label, _ in after]
    assert drift.verdict(drift.compare(before, after), len(before)) == "reproduces"
    moved = [(label, "43.82" if "PCA" in label else v) for label, v in after]
    diff = drift.compare(before, moved)  # the same row under it with another value: drift
    assert drift.verdict(diff, len(before)) == "DRIFTED"
    assert diff["missing"] == [" | PCA | k = 2"] and diff["new"] == ["Dimensionality reduction | PCA | k = 2"]


def test_a_row_no_longer_printed_is_drift(drift):
    before = drift.figures(QUICK.format(map="0.110", seconds="1", attempts=1, threads=1))
    after = [f for f in before if "ITQ" not in f[0]]
    diff = drift.compare(before, after)
    assert drift.verdict(diff, len(before)) == "DRIFTED"
    assert diff["missing"] == ["digits | ITQ | 16 bits", "digits | ITQ | 16 bits [2]",
                               "digits | ITQ | attempts"]
    assert drift.describe(diff) == "3 no longer printed (e.g. digits | ITQ | 16 bits)"


def test_missing_stale_and_unnameable_fingerprints(tmp_path, drift, monkeypatch):
    calls = fake_run(monkeypatch, drift, "")
    (tmp_path / "results" / "hashing.md").write_text(TABLE)
    assert drift.check_table("hashing.md") == (
        "no fingerprint", "its commit 0123456789ab is not in this repository")
    head = drift.git("rev-parse", "--short=12", "HEAD").strip()
    (tmp_path / "results" / "hashing.md").write_text(TABLE.replace("0123456789ab", head))
    assert drift.check_table("hashing.md") == (
        "no fingerprint", "no fingerprint recorded: run --fingerprint")
    write(tmp_path, drift, commit="fedcba987654")  # the table was regenerated since
    status, detail = drift.check_table("hashing.md")
    assert status == "no fingerprint" and "run --fingerprint hashing.md" in detail
    (tmp_path / "results" / "hashing.md").write_text(TABLE.replace(", 2026", " + uncommitted "
                                                                   "changes, 2026"))
    assert drift.record_fingerprint("hashing.md") == (
        "hashing.md: not fingerprinted (the table was produced with uncommitted changes)")
    (tmp_path / "results" / "hashing.md").write_text(TABLE.replace("Produced by", "Made"))
    assert "records no commit" in drift.check_table("hashing.md")[1]
    assert calls == []  # nothing was run without a fingerprint of the table's commit


def test_the_quick_command_of_a_recorded_command(drift):
    assert drift.quick_command("OMP_NUM_THREADS=1 python benchmarks/generative_vae.py --out "
                               "benchmarks/results/vae.md --seeds 1") == \
        "OMP_NUM_THREADS=1 python benchmarks/generative_vae.py --seeds 1 --quick"
    # a report rebuilt from a cache of runs: the quick run computes its own
    assert drift.quick_command("python benchmarks/anomaly_benchmark.py --report-only --json "
                               "r.json --md r.md") == \
        "python benchmarks/anomaly_benchmark.py --quick"
    assert drift.split_command("env -u OPENBLAS_CORETYPE python benchmarks/speed.py") == (
        {"OPENBLAS_CORETYPE": None}, ["python", "benchmarks/speed.py"])
    assert sys.executable  # the runs use this interpreter


def test_check_records_each_status_and_results_shows_it(tmp_path, monkeypatch):
    """--check keeps the last status of each table (merged, not overwritten) and the collected
    RESULTS.md says under a drifted table's heading that today's code no longer gives it."""
    monkeypatch.syspath_prepend(BENCH)
    spec = importlib.util.spec_from_file_location("bench_collect",
                                                  os.path.join(BENCH, "collect_results.py"))
    collect = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(collect)
    monkeypatch.setattr(collect, "STATUS", str(tmp_path / "STATUS.json"))
    collect.write_status([("a.md", "reproduces", "12 figures", "3")], "abc123")
    collect.write_status([("b.md", "DRIFTED", "2 of 9 figures moved: 0.31 → 0.28", "4")], "def456")
    status = collect.read_status()
    assert status["a.md"]["status"] == "reproduces" and status["a.md"]["commit"] == "abc123"
    assert status["b.md"]["commit"] == "def456"
    drifted, fine = collect.status_line(status["b.md"]), collect.status_line(status["a.md"])
    assert "**DRIFTED**" in drifted and "no longer gives these figures" in drifted
    assert "0.31 → 0.28" in drifted and "def456" in drifted
    assert "**reproduces**" in fine and "no longer" not in fine
    reshaped = collect.status_line({"status": "DRIFTED", "detail": "3 newly printed (e.g. a note)",
                                    "commit": "abc", "date": "today"})
    assert "No recorded figure moved" in reshaped and "no longer gives" not in reshaped
