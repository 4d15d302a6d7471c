"""Grade sheets in the shapes the course tools read.

- **nbgrader** (``nbgrader export``'s CSV): one row per student and
  assignment (here: exercise), columns ``assignment, duedate, timestamp,
  student_id, last_name, first_name, email, raw_score,
  late_submission_penalty, score, max_score``; the columns npae does not know
  (dates, names, e-mail) are left empty, the penalty is 0.
- **otter-grader** (``otter grade``'s ``final_grades.csv``): one row per
  submission, ``file``, one column per question (here ``exercise.part``, the
  points scored), ``total`` and ``possible``.
- **Gradescope** (the ``results.json`` an autograder writes to
  ``/autograder/results/``): ``score``, ``output`` and one test per part with
  ``name``, ``score``, ``max_score``, ``status``, ``output``; one student.

No export ever holds an expected value: only points and the reports.
"""

from __future__ import annotations

import csv
import json

from . import get_exercise

__all__ = ["NBGRADER_COLUMNS", "write_nbgrader", "write_otter", "gradescope_results",
           "write_gradescope"]

NBGRADER_COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name",
                    "first_name", "email", "raw_score", "late_submission_penalty", "score",
                    "max_score")


def _rows_nbgrader(grades):
    for student in grades:
        for e in student.exercises:
            yield {"assignment": e.exercise, "duedate": "", "timestamp": "",
                   "student_id": student.student, "last_name": "", "first_name": "", "email": "",
                   "raw_score": e.points, "late_submission_penalty": 0.0, "score": e.points,
                   "max_score": e.max_points}


def write_nbgrader(grades, path):
    """nbgrader's CSV shape: one row per (exercise, student)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, NBGRADER_COLUMNS)
        w.writeheader()
        w.writerows(_rows_nbgrader(grades))


def _questions(grades):
    """``exercise.part`` for every part of the exercises graded, in order."""
    names = dict.fromkeys(e.exercise for s in grades for e in s.exercises)
    return [(n, p.func) for n in names for p in get_exercise(n).PARTS]


def write_otter(grades, path):
    """otter-grader's ``final_grades.csv``: file, one column per question, total, possible."""
    questions = _questions(grades)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", *(f"{n}.{func}" for n, func in questions), "total", "possible"])
        for s in grades:
            scored = {(e.exercise, r.func): r.points for e in s.exercises for r in e.results}
            w.writerow([s.student, *(scored.get(q, 0.0) for q in questions), s.points,
                        s.max_points])


def gradescope_results(student):
    """Gradescope's ``results.json`` content (a dict) for one StudentGrade."""
    tests = []
    for e in student.exercises:
        parts = get_exercise(e.exercise).PARTS
        by_func = {r.func: r for r in e.results}
        for p in parts:
            r = by_func.get(p.func)
            if r is not None:
                output = "\n".join([r.status.upper(), *r.lines])
            else:  # the whole exercise was missing or not graded
                output = e.reason
            tests.append({"name": f"{e.exercise}: {p.func}", "score": r.points if r else 0.0,
                          "max_score": p.points,
                          "status": "passed" if r is not None and r.status == "pass" else "failed",
                          "output": output})
    return {"score": student.points, "output": student.feedback(), "tests": tests,
            "visibility": "visible", "stdout_visibility": "hidden"}


def write_gradescope(student, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(gradescope_results(student), f, indent=2)
