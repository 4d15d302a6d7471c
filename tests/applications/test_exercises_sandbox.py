"""Grading a submission in its own process: each attack of issue 19 is a real
submission file (tests/exercise_attacks/) that ends "not graded" or failed,
with its reason, in bounded time; a correct file still passes, as .py and as
.ipynb.  Limits are kept small so that the whole file runs in seconds."""

import json
import shutil
from pathlib import Path

import pytest

from npae.cli import main
from npae.exercises import get_exercise
from npae.exercises.marking import grade_file
from npae.exercises.notebook import starter_notebook
from npae.exercises.sandbox import MARK_ENV, Limits

ATTACKS = Path(__file__).parent.parent / "exercise_attacks"
SOLUTIONS = Path(__file__).parent.parent / "exercise_solutions"
#: generous enough for a loaded machine (a submission that returns takes well under a
#: second); only the infinite loop's test waits for its own, short, limit
LIMITS = ["--time-limit", "20", "--memory-limit", "1024"]


def check(capsys, path, *extra, name="dense_backward"):
    # a later --time-limit (in ``extra``) overrides the one of LIMITS
    status = main(["exercise", "check", name, str(path), *LIMITS, *extra])
    return status, capsys.readouterr().out


@pytest.mark.parametrize("attack, reason", [
    ("os_exit_module.py", "exited without writing its results"),
    ("os_exit_in_function.py", "exited without writing its results"),
    ("sys_exit_module.py", "SystemExit: 0"),
    ("import_npae.py", "import npae.nn.batch is refused while marking"),
    ("exec_npae_source.py", "reading npae's files is refused while marking"),
    ("infinite_loop.py", "time limit of 3 s reached"),
    ("write_outside.py", "is refused while grading"),
    ("start_program.py", "starting programs is refused"),
])
def test_an_attack_is_not_graded_with_its_reason(capsys, monkeypatch, tmp_path, attack, reason):
    monkeypatch.setenv("NPAE_TEST_ESCAPE", str(tmp_path / "escaped.txt"))
    limit = ["--time-limit", "3"] if attack == "infinite_loop.py" else []
    status, out = check(capsys, ATTACKS / attack, "--mark", *limit)
    assert status == 1, out
    assert "NOT GRADED" in out and reason in out, out
    assert "npae-grade-" not in out  # the student's own path, not the temporary copy
    assert "PASSED: 1/1" not in out
    assert not (tmp_path / "escaped.txt").exists()


def test_patching_the_tolerances_changes_nothing_in_the_grader(capsys):
    # Without --mark the import works, but in the student's process only.
    status, out = check(capsys, ATTACKS / "tolerance_patch.py")
    assert status == 1
    assert "[   FAIL] dense_backward" in out and "relative error 1.00e+00 against npae" in out
    # With --mark the import itself is refused.
    status, out = check(capsys, ATTACKS / "tolerance_patch.py", "--mark")
    assert status == 1 and "NOT GRADED" in out and "refused while marking" in out


def test_a_memory_hog_fails_at_the_memory_limit(capsys):
    status, out = check(capsys, ATTACKS / "memory_hog.py", "--mark")
    assert status == 1
    assert "[  ERROR] dense_backward" in out and "MemoryError" in out
    assert "memory limit" in out


def test_marking_mode_from_the_environment(capsys, monkeypatch, tmp_path):
    path = tmp_path / "dense_backward.py"
    path.write_text((SOLUTIONS / "dense_backward.py").read_text()
                    .replace("import numpy as np", "import numpy as np\nimport npae"))
    monkeypatch.setenv(MARK_ENV, "1")
    status, out = check(capsys, path)
    assert status == 1 and "import npae is refused while marking" in out
    monkeypatch.delenv(MARK_ENV)
    status, out = check(capsys, path)
    assert status == 0, out  # a student may use npae (its gradcheck) while practising


def test_a_correct_file_passes_in_its_own_process_and_may_import_its_siblings(capsys, tmp_path):
    shutil.copy(SOLUTIONS / "activations.py", tmp_path / "activations.py")
    source = (SOLUTIONS / "autoencoder_backward.py").read_text()
    source = source.replace("def sigmoid(a):\n    return 1.0 / (1.0 + np.exp(-a))\n",
                            "from activations import sigmoid\n")
    assert "from activations import sigmoid" in source
    (tmp_path / "autoencoder_backward.py").write_text(source)
    status, out = check(capsys, tmp_path / "autoencoder_backward.py", "--mark",
                        name="autoencoder_backward")
    assert status == 0 and "PASSED: 1/1 parts, 4/4 points" in out, out


def notebook_of(source):
    """A notebook whose code cell is ``source`` (and a magic line, as Jupyter users write)."""
    nb = json.loads(starter_notebook(get_exercise("losses").STUB))
    nb["cells"][1]["source"] = ["%matplotlib inline\n", *source.splitlines(keepends=True)]
    return json.dumps(nb)


def test_a_notebook_is_graded_directly(capsys, tmp_path):
    path = tmp_path / "losses.ipynb"
    path.write_text(notebook_of((SOLUTIONS / "losses.py").read_text()))
    status, out = check(capsys, path, "--mark", name="losses")
    assert status == 0 and "PASSED: 2/2 parts" in out, out
    path.write_text(notebook_of((SOLUTIONS / "losses.py").read_text()
                                .replace("0.5 * np.sum(diff ** 2) / n", "np.sum(diff ** 2) / n")))
    status, out = check(capsys, path, name="losses")
    assert status == 1 and "the ½ of the squared" in out
    # An error names the notebook's cell and line (the magic is line 1 of cell 2).
    nb = json.loads(notebook_of((SOLUTIONS / "losses.py").read_text()
                                .replace("diff = X_hat - X", "diff = X_hat - X + oops")))
    path.write_text(json.dumps(nb))
    status, out = check(capsys, path, name="losses")
    line = 2 + (SOLUTIONS / "losses.py").read_text().splitlines().index("    diff = X_hat - X")
    assert status == 1, out
    assert f"NameError: name 'oops' is not defined at cell 2, line {line}" in out, out


def test_start_writes_valid_notebooks(tmp_path, capsys):
    nbformat = pytest.importorskip("nbformat")
    assert main(["exercise", "start", str(tmp_path), "--format", "ipynb"]) == 0
    capsys.readouterr()
    path = tmp_path / "vae.ipynb"
    nbformat.validate(nbformat.read(path, as_version=4))
    status, out = check(capsys, path, name="vae")
    assert status == 1 and out.count("not done yet") == len(get_exercise("vae").PARTS)


@pytest.mark.parametrize("name, parts", [("conv_backward", 4), ("rbm_cd1", 3)])
def test_a_solution_passes_as_py_and_in_its_started_notebook(tmp_path, capsys, name, parts):
    status, out = check(capsys, SOLUTIONS / f"{name}.py", "--mark", name=name)
    assert status == 0 and f"PASSED: {parts}/{parts} parts" in out, out
    assert main(["exercise", "start", str(tmp_path), "--format", "ipynb"]) == 0
    capsys.readouterr()
    path = tmp_path / f"{name}.ipynb"
    nb = json.loads(path.read_text())
    assert "raise NotImplementedError" in "".join(nb["cells"][1]["source"])
    nb["cells"][1]["source"] = (SOLUTIONS / f"{name}.py").read_text().splitlines(keepends=True)
    path.write_text(json.dumps(nb))
    status, out = check(capsys, path, "--mark", "--seed", "12345", name=name)
    assert status == 0 and f"PASSED: {parts}/{parts} parts" in out, out


def test_grade_file_reports_a_missing_file_and_never_the_expected_values(tmp_path):
    g = grade_file("losses", tmp_path / "losses.py", limits=Limits(time=20, memory_mb=1024))
    assert g.status == "missing" and g.points == 0 and g.max_points == 3
    path = tmp_path / "losses.py"
    path.write_text("import numpy as np\n\ndef squared_error(X_hat, X):\n"
                    "    return 0.0, np.zeros_like(X)\n\n"
                    "def bernoulli_cross_entropy(logits, X):\n    return 0.0, np.zeros_like(X)\n")
    g = grade_file("losses", path, seed=12345, limits=Limits(time=20, memory_mb=1024))
    assert g.status == "graded" and g.points == 0
    assert "[" not in g.report.replace("[   FAIL]", "")  # no array printed


def test_limits_are_validated(capsys):
    assert main(["exercise", "check", "losses", str(SOLUTIONS / "losses.py"),
                 "--time-limit", "0"]) == 2
    assert "Limits.time must be a positive number" in capsys.readouterr().err
