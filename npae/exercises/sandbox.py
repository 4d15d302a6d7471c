"""Grading a submission in its own process, with time and memory limits.

The grader (this process) draws the cases, holds npae's reference and the
tolerances; the student's process (``_child.py`` run as a script, which
imports NumPy and never npae) receives the inputs in a ``.npz`` file, calls
the student's functions and writes what they returned to another ``.npz``
(no pickle either way).  The student's process works in a temporary copy of
the student's folder, under ``resource.setrlimit`` limits:

- wall clock: ``time`` seconds (killed, with everything it started);
- memory: ``memory_mb`` MB of address space (``RLIMIT_AS``: an allocation
  beyond it raises MemoryError in the student's code);
- files: ``file_mb`` MB per written file (``RLIMIT_FSIZE``), which also bounds
  what it prints (its output goes to files, read back truncated).

Exit status and report are one contract: the grade exists only when the
student's process exited 0 *and* left a results file carrying the nonce
this process sent it.  Anything else — it died, exited early (``sys.exit``,
``os._exit``), was killed at the limit, printed nothing — is
:class:`NotGraded`, with the reason.

This is a teaching tool's isolation, not a security boundary: code written
to attack the machine (ctypes, reading other users' files) needs a container.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _child

__all__ = ["Limits", "NotGraded", "run_student", "MARK_ENV"]

#: Set to 1 to grade in marking mode (the same as ``--mark``).
MARK_ENV = "NPAE_MARK"
#: The files of the student's folder copied next to the graded one: the
#: student's own earlier exercises (``from activations import sigmoid``) and
#: small data — not subfolders, so that grading ``./losses.py`` in a home
#: directory does not copy the home directory.
COPIED_SUFFIXES = (".py", ".ipynb", ".npy", ".npz", ".txt", ".json", ".csv")
_CHILD = Path(_child.__file__)


@dataclass(frozen=True)
class Limits:
    """Per-exercise limits of the student's process (instructor-settable)."""

    time: float = 30.0
    memory_mb: int = 2048
    file_mb: int = 64

    def __post_init__(self):
        for name in ("time", "memory_mb", "file_mb"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and value > 0):
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}")


class NotGraded(Exception):
    """The student's process produced no complete results; ``str`` is the reason."""


def _set_limits(limits):
    import resource

    def apply():  # runs in the child between fork and exec
        mem = int(limits.memory_mb) * 2 ** 20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        size = int(limits.file_mb) * 2 ** 20
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        cpu = int(np.ceil(limits.time)) + 1  # a backstop; the wall clock is enforced below
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    return apply


def _kill(proc, posix):
    try:
        if posix:
            os.killpg(proc.pid, signal.SIGKILL)
        elif proc.poll() is None:
            proc.kill()
    except ProcessLookupError:
        pass


def _copy_folder(student_file, work):
    folder = student_file.parent
    for p in folder.iterdir():
        if p.is_file() and p.suffix in COPIED_SUFFIXES:
            shutil.copy2(p, work / p.name)
    if not (work / student_file.name).exists():  # an unusual suffix: still graded
        shutil.copy2(student_file, work / student_file.name)


def _tail(path, limit=2000):
    """The end of what the student's process printed (for a NotGraded reason)."""
    try:
        text = path.read_bytes()[-limit:].decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return f"; its last output: {text[-300:]!r}" if text else ""


def _explain(code, limits, err_file):
    if code < 0:
        sig = signal.Signals(-code).name
        why = {"SIGKILL": "killed (the memory limit, or the system)",
               "SIGXCPU": f"CPU time limit of about {limits.time:g} s reached",
               "SIGXFSZ": f"a file or its printed output exceeded {limits.file_mb} MB",
               "SIGSEGV": "crashed (segmentation fault)"}.get(sig, "killed")
        return f"the student's process was {why} ({sig})" + _tail(err_file)
    return (f"the student's process exited with status {code} before reporting results "
            "(sys.exit, os._exit or a crash in the student's code?)" + _tail(err_file))


def run_student(student_file, parts, cases, *, mark=False, limits=Limits(), python=None):
    """Run the student's functions on ``cases`` in a separate, limited process.

    Parameters
    ----------
    student_file : path
        The student's ``.py`` or ``.ipynb`` file.
    parts : list of Part
        The exercise's parts (only ``func`` and ``outputs`` leave this process).
    cases : list of list of Case
        The cases of each part (:func:`npae.exercises.grader.draw_cases`).
    mark : bool
        Marking mode: ``import npae`` is refused in the student's process.
    limits : Limits
    python : str, optional
        The interpreter (default: this one).

    Returns
    -------
    answers : list of list of (status, outputs, message)
        Per part, per case, as :func:`npae.exercises._child.answer_part` gives them.

    Raises
    ------
    NotGraded
        When the student's process did not report complete results.
    """
    student_file = Path(student_file)
    with tempfile.TemporaryDirectory(prefix="npae-grade-") as tmp:
        work, io = Path(tmp, "work"), Path(tmp, "io")
        work.mkdir()
        io.mkdir()
        _copy_folder(student_file, work)
        target = work / student_file.name
        exchanged = [(p.func, p.outputs, [c.args for c in cs]) for p, cs in zip(parts, cases)]
        _child.write_inputs(io / "inputs.npz", target, exchanged)
        nonce = secrets.token_hex(16)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", TMPDIR=str(work), HOME=str(work),
                   OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        argv = [python or sys.executable, "-B", str(_CHILD), str(target), str(io)]
        argv += ["--mark"] if mark else []
        out_file, err_file = io / "stdout.txt", io / "stderr.txt"
        with open(out_file, "wb") as out, open(err_file, "wb") as err:
            # POSIX: resource limits, and its own process group (killed as a whole).
            # Elsewhere (Windows) only the wall-clock limit holds.
            posix = os.name == "posix"
            proc = subprocess.Popen(argv, cwd=work, env=env, stdin=subprocess.PIPE, stdout=out,
                                    stderr=err, preexec_fn=_set_limits(limits) if posix else None,
                                    start_new_session=posix)
            try:
                proc.communicate((nonce + "\n").encode(), timeout=limits.time)
            except subprocess.TimeoutExpired:
                _kill(proc, posix)
                proc.wait()
                raise NotGraded(f"time limit of {limits.time:g} s reached (an infinite loop, "
                                "or far too slow): the student's process was stopped") from None
            finally:
                _kill(proc, posix)  # anything it left running in its group goes too
        if proc.returncode != 0:
            raise NotGraded(_explain(proc.returncode, limits, err_file))
        try:
            manifest, arrays = _child.read_results(io / "results.npz")
        except (OSError, ValueError, KeyError) as exc:
            raise NotGraded("the student's process exited without writing its results "
                            f"(os._exit or sys.exit in the student's code?) [{type(exc).__name__}]"
                            + _tail(err_file)) from None
    # Messages name the student's own file, not the temporary copy that ran.
    def here(message):
        return message.replace(str(target), str(student_file)) if message else message

    if manifest.get("nonce") != nonce:
        raise NotGraded("the results file was not written by the grader's own runner")
    if manifest.get("import_error"):
        raise NotGraded(here(manifest["import_error"]))
    if len(manifest.get("answers", ())) != len(parts):
        raise NotGraded("the student's process reported results for only some parts")
    answers = []
    for i, (part, per_case) in enumerate(zip(parts, manifest["answers"])):
        row = []
        for j, a in enumerate(per_case):
            outs = None
            if a["status"] == "ok":
                outs = tuple(arrays[f"p{i}_c{j}_o{k}"] for k in range(len(part.outputs)))
            row.append((a["status"], outs, here(a["message"])))
        answers.append(row)
    return answers
