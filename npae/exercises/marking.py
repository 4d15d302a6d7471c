"""Marking: one file, or a class folder, graded in separate processes.

``grade_file`` grades one student file for one exercise (its process,
:mod:`npae.exercises.sandbox`; the comparison, :mod:`npae.exercises.grader`).
``grade_class`` grades a folder of students — one folder per student, each
holding any subset of the exercises as ``NAME.py`` or ``NAME.ipynb`` — into
records that :mod:`npae.exercises.exports` writes as sheets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import EXERCISES, get_exercise
from .grader import draw_cases, format_report, judge
from .sandbox import Limits, NotGraded, run_student

__all__ = ["ExerciseGrade", "StudentGrade", "grade_file", "grade_class", "find_submission"]


@dataclass
class ExerciseGrade:
    """One student's grade on one exercise.

    ``status`` is "graded" (``results`` holds one PartResult per part),
    "not graded" (``reason`` says why: the process died, timed out, the file
    did not import, ...) or "missing" (no file).  Points come from passed parts only.
    """

    exercise: str
    path: Path | None
    status: str
    results: list = field(default_factory=list)
    reason: str = ""
    report: str = ""

    @property
    def max_points(self):
        return float(sum(p.points for p in get_exercise(self.exercise).PARTS))

    @property
    def points(self):
        return float(sum(r.points for r in self.results))

    @property
    def passed(self):
        return self.status == "graded" and all(r.status == "pass" for r in self.results)


@dataclass
class StudentGrade:
    """All the exercises of one student's folder."""

    student: str
    exercises: list

    @property
    def points(self):
        return sum(e.points for e in self.exercises)

    @property
    def max_points(self):
        return sum(e.max_points for e in self.exercises)

    def feedback(self):
        """The student's feedback: every exercise's report, then the total."""
        blocks = [e.report for e in self.exercises]
        blocks.append(f"total for {self.student}: {self.points:g}/{self.max_points:g} points")
        return "\n\n".join(blocks) + "\n"


def grade_file(name, path, *, seed=0, mark=False, limits=Limits()):
    """Grade ``path`` for exercise ``name`` in a separate process: an ExerciseGrade.

    The report (``.report``) never prints a reference value.
    """
    exercise = get_exercise(name)
    path = Path(path)
    if not path.is_file():
        return ExerciseGrade(name, None, "missing", reason=f"no file {name}.py or {name}.ipynb",
                             report=f"exercise {name}: not submitted (0 points)")
    cases = draw_cases(exercise.PARTS, seed)
    try:
        answers = run_student(path, exercise.PARTS, cases, mark=mark, limits=limits)
    except NotGraded as exc:
        return ExerciseGrade(name, path, "not graded", reason=str(exc),
                             report=f"exercise {name}: {path}\n  NOT GRADED: {exc}\n"
                                    f"NOT PASSED: 0 points")
    results = judge(exercise.PARTS, cases, answers, path)
    return ExerciseGrade(name, path, "graded", results, report=format_report(name, results, path))


def find_submission(folder, name):
    """``folder/NAME.py``, else ``folder/NAME.ipynb``, else None."""
    for suffix in (".py", ".ipynb"):
        p = Path(folder) / f"{name}{suffix}"
        if p.is_file():
            return p
    return None


def grade_class(submissions, *, seed=0, exercises=EXERCISES, mark=True, limits=Limits(),
                single=False):
    """Grade every student folder of ``submissions`` (sorted by name).

    ``single=True``: ``submissions`` is one student's folder (Gradescope's
    ``/autograder/submission``).  Returns a list of StudentGrade.
    """
    submissions = Path(submissions)
    folders = [submissions] if single else sorted(p for p in submissions.iterdir() if p.is_dir())
    grades = []
    for folder in folders:
        done = []
        for name in exercises:
            path = find_submission(folder, name)
            g = grade_file(name, path if path is not None else folder / f"{name}.py",
                           seed=seed, mark=mark, limits=limits)
            done.append(g)
        grades.append(StudentGrade(folder.name, done))
    return grades
