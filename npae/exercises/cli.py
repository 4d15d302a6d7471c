"""``npae exercise list | start DIR | check NAME [PATH]``.

Exit status: 0 passed (or listed / written), 1 the exercise does not pass
(a wrong, unfinished or failing part, or a file that does not compile),
2 a usage error (unknown exercise, missing file, files that would be overwritten).
"""

from __future__ import annotations

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
    c = sub.add_parser("check", help="grade a student's file")
    c.add_argument("name", help="exercise name (see `npae exercise list`)")
    c.add_argument("path", nargs="?", default=None, help="the student's file (default ./NAME.py)")
    c.add_argument("--seed", type=int, default=0, help="seed of the random cases")
    p.set_defaults(run=run)
    return p


def _error(message):
    print(f"npae exercise: {message}", file=sys.stderr)
    return 2


def run(args):
    """Run ``args.exercise_command``; returns the exit status."""
    if args.exercise_command == "list":
        for i, name in enumerate(EXERCISES, 1):
            print(f"{i}. {name:22s} {get_exercise(name).TITLE}")
        return 0
    if args.exercise_command == "start":
        return _start(Path(args.dir), args.force)
    return _check(args.name, args.path, args.seed)


def _start(folder, force):
    targets = {name: folder / f"{name}.py" for name in EXERCISES}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing and not force:
        return _error(f"{len(existing)} starter file(s) already exist ({', '.join(existing)}); "
                      "pass --force to overwrite them (the work in them is lost)")
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in targets.items():
        path.write_text(get_exercise(name).STUB, encoding="utf-8")
    print(f"wrote {len(targets)} exercises to {folder}/: {', '.join(EXERCISES)}\n"
          f"grade one with: python -m npae exercise check NAME {folder}/NAME.py")
    return 0


def _check(name, path, seed):
    from .grader import StudentFileError, format_report, grade, load_student

    try:
        exercise = get_exercise(name)
    except ValueError as exc:
        return _error(str(exc))
    path = Path(path) if path is not None else Path(f"{name}.py")
    try:
        module, problem = load_student(path)
    except StudentFileError as exc:
        return _error(str(exc))
    if module is None:
        print(f"exercise {name}: {path}\n  cannot be graded: {problem}\nNOT PASSED")
        return 1
    results = grade(exercise.PARTS, module, path, seed=seed)
    print(format_report(name, results, path))
    return 0 if all(r.status == "pass" for r in results) else 1
