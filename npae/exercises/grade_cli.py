"""``npae exercise grade SUBMISSIONS_DIR --seed S --out grades.csv``: a class in one command.

One folder per student (any subset of the exercises, ``NAME.py`` or
``NAME.ipynb``), each file graded in its own limited process and in marking
mode (``import npae`` refused).  Writes the sheet in nbgrader's CSV shape,
optionally otter-grader's ``final_grades.csv`` and Gradescope's
``results.json``, and one feedback file per student.  Prints one line per
student.  Exit status: 0 when the sheet was written and every student passed
every exercise graded, 1 when it was written and someone did not, 2 for a
usage error (nothing written).
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import EXERCISES
from .exports import write_gradescope, write_nbgrader, write_otter
from .marking import find_submission, grade_class

__all__ = ["grade_command"]


def _error(message):
    print(f"npae exercise grade: {message}", file=sys.stderr)
    return 2


def _exercises(args, folders):
    if args.exercises:
        names = [n.strip() for n in args.exercises.split(",") if n.strip()]
        unknown = [n for n in names if n not in EXERCISES]
        if unknown:
            raise ValueError(f"unknown exercise(s) {', '.join(unknown)}; expected some of "
                             f"{', '.join(EXERCISES)}")
        return names
    # By default, the assignment is what the class handed in.
    return [n for n in EXERCISES if any(find_submission(f, n) for f in folders)]


def grade_command(args, limits):
    root = Path(args.submissions)
    if not root.is_dir():
        return _error(f"no such folder: {root}")
    folders = [root] if args.single else sorted(p for p in root.iterdir() if p.is_dir())
    if not folders:
        return _error(f"{root} holds no student folder (one folder per student; "
                      "--single for one student's folder)")
    if args.gradescope and len(folders) != 1:
        return _error(f"--gradescope writes one student's results.json; {root} holds "
                      f"{len(folders)} student folders (grade one folder with --single)")
    try:
        names = _exercises(args, folders)
    except ValueError as exc:
        return _error(str(exc))
    if not names:
        return _error(f"no exercise file (NAME.py or NAME.ipynb) in any folder of {root}")

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    feedback = Path(args.feedback) if args.feedback else out.parent / "feedback"
    feedback.mkdir(parents=True, exist_ok=True)
    grades = []
    for folder in folders:  # one line per student as soon as it is graded
        g = grade_class(folder, seed=args.seed, exercises=names, mark=True, limits=limits,
                        single=True)[0]
        grades.append(g)
        (feedback / f"{g.student}.txt").write_text(g.feedback(), encoding="utf-8")
        states = ", ".join(f"{e.exercise} {e.points:g}/{e.max_points:g}"
                           + ("" if e.status == "graded" else f" ({e.status})")
                           for e in g.exercises)
        print(f"{g.student}: {g.points:g}/{g.max_points:g} [{states}]", flush=True)
    write_nbgrader(grades, out)
    if args.otter:
        write_otter(grades, args.otter)
    if args.gradescope:
        write_gradescope(grades[0], args.gradescope)
    print(f"wrote {out} ({len(grades)} students, {len(names)} exercises, seed {args.seed}); "
          f"feedback in {feedback}/")
    return 0 if all(e.passed for g in grades for e in g.exercises) else 1
