"""``npae exercise list | start DIR | check NAME [PATH] | grade SUBMISSIONS_DIR``.

Exit status: 0 passed (or listed / written / a sheet written), 1 the
exercise does not pass or was not graded (a wrong, unfinished or failing
part, a file that does not compile, a process that died, exited early or
ran out of time or memory), 2 a usage error (unknown exercise, missing
file, files that would be overwritten).  ``check`` exits 0 only when a
complete report was produced and every part passed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import EXERCISES, get_exercise

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    """Register ``exercise`` on the ``npae`` command's subparsers."""
    p = subparsers.add_parser("exercise", help="gradient-check exercises for students, graded")
    sub = p.add_subparsers(dest="exercise_command", required=True)
    sub.add_parser("list", help="the exercises, in the order of the review")
    s = sub.add_parser("start", help="write one starter file per exercise into DIR")
    s.add_argument("dir")
    s.add_argument("--force", action="store_true", help="overwrite existing starter files")
    s.add_argument("--format", choices=("py", "ipynb"), default="py",
                   help="Python files (default) or Jupyter notebooks")
    c = sub.add_parser("check", help="grade a student's file (.py or .ipynb)")
    c.add_argument("name", help="exercise name (see `npae exercise list`)")
    c.add_argument("path", nargs="?", default=None,
                   help="the student's file (default ./NAME.py, else ./NAME.ipynb)")
    _grading_options(c)
    g = sub.add_parser("grade", help="grade a class: one folder per student, into a sheet")
    g.add_argument("submissions", help="folder of student folders (or one, with --single)")
    g.add_argument("--out", required=True, help="the sheet, in nbgrader's CSV shape")
    g.add_argument("--otter", help="also write otter-grader's final_grades.csv here")
    g.add_argument("--gradescope", help="also write Gradescope's results.json here "
                                        "(one student: use --single)")
    g.add_argument("--feedback", help="folder for one feedback file per student "
                                      "(default: next to --out, feedback/)")
    g.add_argument("--exercises", help="comma-separated exercise names (default: every "
                                       "exercise that some student submitted)")
    g.add_argument("--single", action="store_true",
                   help="SUBMISSIONS is one student's folder (Gradescope's submission)")
    _grading_options(g, marking_default=True)
    p.set_defaults(run=run)
    return p


def _grading_options(p, marking_default=False):
    from .sandbox import MARK_ENV, Limits

    d = Limits()
    p.add_argument("--seed", type=int, default=0, help="seed of the random cases (inputs and "
                   "shapes); an instructor marks with a seed the students have not seen")
    if marking_default:
        p.set_defaults(mark=True)
    else:
        p.add_argument("--mark", action="store_true", default=os.environ.get(MARK_ENV) == "1",
                       help=f"marking mode: refuse `import npae` in the student's code "
                            f"(also: {MARK_ENV}=1)")
    p.add_argument("--time-limit", type=float, default=d.time,
                   help=f"wall-clock seconds per exercise (default {d.time:g})")
    p.add_argument("--memory-limit", type=int, default=d.memory_mb,
                   help=f"MB of memory per exercise (default {d.memory_mb})")


def _limits(args):
    from .sandbox import Limits

    return Limits(time=args.time_limit, memory_mb=args.memory_limit)


def _error(message):
    print(f"npae exercise: {message}", file=sys.stderr)
    return 2


def run(args):
    """Run ``args.exercise_command``; returns the exit status."""
    if args.exercise_command == "list":
        for i, name in enumerate(EXERCISES, 1):
            exercise = get_exercise(name)
            points = sum(p.points for p in exercise.PARTS)
            print(f"{i}. {name:22s} {points:>2g} points  {exercise.TITLE}")
        return 0
    if args.exercise_command == "start":
        return _start(Path(args.dir), args.force, args.format)
    try:
        limits = _limits(args)
    except ValueError as exc:
        return _error(str(exc))
    if args.exercise_command == "grade":
        from .grade_cli import grade_command

        return grade_command(args, limits)
    return _check(args.name, args.path, args.seed, args.mark, limits)


def _start(folder, force, fmt="py"):
    from .notebook import starter_notebook

    targets = {name: folder / f"{name}.{fmt}" for name in EXERCISES}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing and not force:
        return _error(f"{len(existing)} starter file(s) already exist ({', '.join(existing)}); "
                      "pass --force to overwrite them (the work in them is lost)")
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in targets.items():
        stub = get_exercise(name).STUB
        path.write_text(stub if fmt == "py" else starter_notebook(stub), encoding="utf-8")
    print(f"wrote {len(targets)} exercises to {folder}/: {', '.join(EXERCISES)}\n"
          f"grade one with: python -m npae exercise check NAME {folder}/NAME.{fmt}")
    return 0


def _check(name, path, seed, mark, limits):
    from .marking import find_submission, grade_file

    try:
        get_exercise(name)
    except ValueError as exc:
        return _error(str(exc))
    if path is None:
        path = find_submission(".", name) or Path(f"{name}.py")
    path = Path(path)
    if not path.is_file():
        return _error(f"no such file: {path} (create it with "
                      "`python -m npae exercise start DIR`, or pass its path)")
    result = grade_file(name, path, seed=seed, mark=mark, limits=limits)
    print(result.report)
    return 0 if result.passed else 1
