"""A class in one command: six students (correct, wrong, partial, crashing,
empty, timing out) give the right sheet in nbgrader's, otter-grader's and
Gradescope's shapes, with one feedback file each and no expected value."""

import csv
import json
import shutil
from pathlib import Path

import pytest

from npae.cli import main
from npae.exercises.exports import NBGRADER_COLUMNS

HERE = Path(__file__).parent.parent  # tests/
SOLUTIONS = HERE / "exercise_solutions"
#: frank's loop waits for the time limit: short, yet ample for a submission that returns
#: (well under a second) on a loaded machine
LIMITS = ["--time-limit", "6", "--memory-limit", "1024"]

#: student -> (losses.squared_error, losses.bernoulli_cross_entropy, dense_backward) points;
#: losses' parts are worth 1 and 2 points, dense_backward 3.
EXPECTED = {
    "alice": (1, 2, 3),  # both files correct
    "bob": (0, 0, 0),    # both wrong
    "carol": (1, 0, 3),  # one part of losses wrong; dense_backward correct
    "dave": (0, 0, 0),   # losses crashes on import; no dense_backward
    "erin": (0, 0, 0),   # an empty losses.py; no dense_backward
    "frank": (0, 0, 3),  # losses never returns (time limit); dense_backward correct
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    shutil.copytree(HERE / "exercise_class", root / "submissions")
    subs = root / "submissions"
    (subs / "alice").mkdir()
    for name in ("losses", "dense_backward"):
        shutil.copy(SOLUTIONS / f"{name}.py", subs / "alice" / f"{name}.py")
    for student in ("carol", "frank"):
        shutil.copy(SOLUTIONS / "dense_backward.py", subs / student / "dense_backward.py")
    status = main(["exercise", "grade", str(subs), "--seed", "12345", "--out",
                   str(root / "grades.csv"), "--otter", str(root / "final_grades.csv"), *LIMITS])
    return root, status


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_the_command_exits_1_when_someone_did_not_pass(graded):
    assert graded[1] == 1


def test_nbgrader_sheet(graded):
    root, _ = graded
    with open(root / "grades.csv", newline="") as f:
        assert next(csv.reader(f)) == list(NBGRADER_COLUMNS)
    rows = read_csv(root / "grades.csv")
    got = {(r["student_id"], r["assignment"]): (float(r["score"]), float(r["max_score"]))
           for r in rows}
    assert len(rows) == 12
    for student, (se, bce, dense) in EXPECTED.items():
        assert got[(student, "losses")] == (se + bce, 3.0)
        assert got[(student, "dense_backward")] == (dense, 3.0)


def test_otter_sheet(graded):
    root, _ = graded
    rows = read_csv(root / "final_grades.csv")
    assert list(rows[0]) == ["file", "losses.squared_error", "losses.bernoulli_cross_entropy",
                             "dense_backward.dense_backward", "total", "possible"]
    for row in rows:
        points = tuple(float(row[k]) for k in list(row)[1:4])
        assert points == EXPECTED[row["file"]], row
        assert float(row["total"]) == sum(points) and float(row["possible"]) == 6.0
    assert sorted(r["file"] for r in rows) == sorted(EXPECTED)


def test_feedback_names_each_students_problem(graded):
    root, _ = graded
    feedback = {p.stem: p.read_text() for p in (root / "feedback").iterdir()}
    assert sorted(feedback) == sorted(EXPECTED)
    assert "total for alice: 6/6 points" in feedback["alice"]
    assert "you used the logits" in feedback["carol"]
    assert "NameError" in feedback["dave"] and "NOT GRADED" in feedback["dave"]
    assert "dense_backward: not submitted" in feedback["dave"]
    assert "[MISSING] squared_error" in feedback["erin"]
    assert "time limit of 6 s reached" in feedback["frank"]
    assert "total for frank: 3/6 points" in feedback["frank"]
    for text in feedback.values():  # points and reports only: no array is ever printed
        assert "[[" not in text and "array(" not in text


@pytest.mark.parametrize("student", ["carol", "dave"])
def test_gradescope_results(graded, tmp_path, student):
    root, _ = graded
    out = tmp_path / "results.json"
    status = main(["exercise", "grade", str(root / "submissions" / student), "--single",
                   "--seed", "12345", "--out", str(tmp_path / "grades.csv"),
                   "--exercises", "losses,dense_backward", "--gradescope", str(out), *LIMITS])
    assert status == 1
    results = json.loads(out.read_text())
    scores = [t["score"] for t in results["tests"]]
    assert scores == list(EXPECTED[student])
    assert [t["max_score"] for t in results["tests"]] == [1, 2, 3]
    assert results["score"] == sum(EXPECTED[student])
    assert [t["name"] for t in results["tests"]] == [
        "losses: squared_error", "losses: bernoulli_cross_entropy",
        "dense_backward: dense_backward"]
    assert all(t["status"] in ("passed", "failed") and t["output"] for t in results["tests"])


def test_usage_errors(tmp_path, capsys):
    assert main(["exercise", "grade", str(tmp_path / "nowhere"), "--out", "x.csv"]) == 2
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert main(["exercise", "grade", str(tmp_path), "--out", str(tmp_path / "g.csv"),
                 "--gradescope", str(tmp_path / "r.json")]) == 2
    assert "--single" in capsys.readouterr().err
    assert main(["exercise", "grade", str(tmp_path), "--out", str(tmp_path / "g.csv"),
                 "--exercises", "losses,nope"]) == 2
    assert "unknown exercise(s) nope" in capsys.readouterr().err
    assert main(["exercise", "grade", str(tmp_path), "--out", str(tmp_path / "g.csv")]) == 2
    assert "no exercise file" in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()
