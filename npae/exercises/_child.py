"""The student's side of grading: load the student's file, call its functions
on the inputs the grader sent, write what they returned.

This file imports the standard library and NumPy only, never npae: the
grader runs it as a *script* in a separate process (``python _child.py``), so
that nothing of npae — its reference functions, its tolerances — is loaded
where the student's code runs.  The grader process imports the same file as
``npae.exercises._child`` for the helpers both sides share (the exchange
format, calling a student function, describing a student's exception), so
that a submission graded in-process (the tests' quick path) and one graded in
its own process are described by the same code.

The exchange, in two ``.npz`` files (``allow_pickle=False`` both ways):

- ``inputs.npz``: ``manifest`` (JSON: the student's file, the functions, the
  number of outputs of each, whether each argument is a Python scalar) and
  the arguments ``p{part}_c{case}_a{arg}``;
- ``results.npz``: ``manifest`` (JSON: the nonce the grader sent on stdin, an
  import failure, one answer per part and case) and the outputs
  ``p{part}_c{case}_o{output}``.

The results file is written last: a process that exits, dies or is killed
before that leaves none (or one that does not read), and the grader reports
"not graded".
"""

from __future__ import annotations

import json
import os
import sys
import traceback

import numpy as np

#: the answer statuses: the function returned ("ok"), raised NotImplementedError
#: ("todo"), raised anything else ("error"), does not exist ("missing"), or
#: returned something that is not the declared outputs ("bad").
STATUSES = ("ok", "todo", "error", "missing", "bad")


# ------------------------------------------------------------------ shared helpers
#: notebook path -> (its joined code, (cell, line) of each line): see notebook_source
_NOTEBOOK_LINES = {}


def _where(path, lineno, text=""):
    """``line N: code``, or ``cell C, line N: code`` in a notebook (whose lines
    Python's traceback cannot read: the file is JSON)."""
    source, cells = _NOTEBOOK_LINES.get(os.path.realpath(str(path)), ("", None))
    if cells and lineno and 0 < lineno <= len(cells):
        code = source.splitlines()[lineno - 1].strip()
        return "cell {}, line {}: {}".format(*cells[lineno - 1], code)
    return f"line {lineno}: {text}"


def describe(exc, path):
    """``Type: message at line N: code``, the line being the last one in the student's file."""
    where = ""
    target = os.path.realpath(str(path))
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if os.path.realpath(frame.filename) == target:
            where = f" at {_where(path, frame.lineno, (frame.line or '').strip())}"
            break
    message = f"{type(exc).__name__}: {exc}{where}"
    if isinstance(exc, MemoryError):
        message += " (the grader's memory limit was reached)"
    return message


def as_outputs(result, n_outputs, names=None):
    """The student's return value as a tuple of float64 arrays, or ``(None, why)``.

    ``n_outputs`` is the number of declared outputs (1: a single value, not a tuple).
    """
    names = names or [f"output {k}" for k in range(n_outputs)]
    if result is None:
        return None, "returned None: is a return statement missing?"
    if n_outputs == 1:
        result = (result,)
    elif not isinstance(result, (tuple, list)) or len(result) != n_outputs:
        got = (f"{len(result)} values" if isinstance(result, (tuple, list))
               else type(result).__name__)
        return None, f"return a tuple ({', '.join(names)}); got {got}"
    try:
        return tuple(np.asarray(r, dtype=np.float64) for r in result), None
    except (TypeError, ValueError) as exc:
        return None, f"outputs must be numbers or float arrays ({exc})"


def call(fn, args, path, n_outputs, names=None):
    """Call a student's function on copies of ``args``: ``(status, outputs, message)``."""
    args = tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)
    try:
        result = fn(*args)
    except NotImplementedError:
        return "todo", None, "not done yet (still raises NotImplementedError)"
    except (Exception, SystemExit) as exc:  # the student's bug, not the grader's
        return "error", None, describe(exc, path)
    outs, why = as_outputs(result, n_outputs, names)
    if outs is None:
        return "bad", None, why
    return "ok", outs, None


def answer_part(fn, cases, path, outputs):
    """``call`` on each case in turn, up to the first that does not return its outputs
    (the grader stops a part there): a list of ``(status, outputs, message)``."""
    if not callable(fn):
        return [("missing", None, None)]
    answers = []
    for args in cases:
        answers.append(call(fn, args, path, len(outputs), outputs))
        if answers[-1][0] != "ok":
            break
    return answers


def notebook_source(path):
    """The code cells of a Jupyter notebook, joined; shell and magic lines commented out.

    Returns ``(source, cell_of_line)``: ``cell_of_line[k]`` is ``(cell, line)``
    of line k + 1 of the joined source, so errors can name the cell.
    """
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    lines, where = [], []
    for i, cell in enumerate(nb.get("cells", []), 1):  # numbered as Jupyter shows them
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        for j, line in enumerate(src.splitlines(), 1):
            # %magics and !shell lines are IPython, not Python: kept as comments.
            lines.append("# " + line if line.lstrip().startswith(("%", "!")) else line)
            where.append((i, j))
    return "\n".join(lines) + "\n", where


def load(path, block_npae=False):
    """Execute the student's file (``.py`` or ``.ipynb``) as a fresh module.

    Returns ``(module, None)`` or ``(None, message)`` when it does not compile
    or fails while importing.  The student's folder is on ``sys.path`` while
    importing, so that one exercise imports the student's earlier ones.
    """
    import types

    path = str(path)
    if path.endswith(".ipynb"):
        _NOTEBOOK_LINES[os.path.realpath(path)] = notebook_source(path)
        source = _NOTEBOOK_LINES[os.path.realpath(path)][0]
    else:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    try:
        code = compile(source, path, "exec")
    except SyntaxError as exc:
        caret = " " * max((exc.offset or 1) - 1, 0) + "^"
        return None, (f"{path}, {_where(path, exc.lineno).split(':')[0]}: SyntaxError: {exc.msg}\n"
                      f"    {(exc.text or '').rstrip()}\n    {caret}")
    stem = os.path.splitext(os.path.basename(path))[0]
    module = types.ModuleType(f"npae_student_{stem}")
    module.__file__ = path
    # Registered (dataclasses and pickling look modules up by name).
    sys.modules[module.__name__] = module
    folder = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, folder)
    try:
        exec(code, module.__dict__)
    except (Exception, SystemExit) as exc:  # the student's module-level code failed
        return None, f"importing {path} failed: {describe(exc, path)}"
    finally:
        sys.path.remove(folder)
    return module, None


# ------------------------------------------------------------------ exchange format
def write_inputs(path, student_file, parts):
    """``parts``: list of ``(func, output names, list of argument tuples)``."""
    arrays, manifest = {}, {"file": str(student_file), "parts": []}
    for i, (func, outputs, cases) in enumerate(parts):
        scalars = []
        for j, args in enumerate(cases):
            # A Python scalar argument (rho, beta, ...) goes back to the student as one.
            scalars.append([not isinstance(a, np.ndarray) for a in args])
            for k, a in enumerate(args):
                arrays[f"p{i}_c{j}_a{k}"] = np.asarray(a)
        manifest["parts"].append({"func": func, "outputs": list(outputs), "scalars": scalars})
    np.savez(path, manifest=np.array(json.dumps(manifest)), **arrays)


def read_inputs(path):
    with np.load(path, allow_pickle=False) as z:
        manifest = json.loads(str(z["manifest"]))
        parts = []
        for i, p in enumerate(manifest["parts"]):
            cases = [tuple(z[f"p{i}_c{j}_a{k}"].item() if s else z[f"p{i}_c{j}_a{k}"]
                           for k, s in enumerate(flags)) for j, flags in enumerate(p["scalars"])]
            parts.append((p["func"], p["outputs"], cases))
    return manifest["file"], parts


def read_results(path):
    """``(manifest, arrays)`` of a results file (the grader checks the nonce)."""
    with np.load(path, allow_pickle=False) as z:
        return json.loads(str(z["manifest"])), {k: z[k] for k in z.files if k != "manifest"}


# ------------------------------------------------------------------ the child process
def _npae_refused(name):
    return ImportError(f"import {name} is refused while marking: write the computation "
                       "yourself (your own files in this folder stay importable)")


def _confine(folder, allowed_files, hidden=None):
    """An audit hook refusing writes outside ``folder`` and starting programs;
    with ``hidden`` (marking mode: npae's folder), also importing npae and
    reading any file in that folder (npae's source run by hand).

    Audit hooks cannot be removed once added.  This stops a careless or
    curious submission, not a determined one (ctypes, for one, goes around
    it): hostile code belongs in a container.
    """
    hidden = os.path.realpath(hidden) + os.sep if hidden else None
    folder = os.path.realpath(folder) + os.sep
    allowed = {os.path.realpath(f) for f in allowed_files}
    write = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    mutating = {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.symlink",
                "os.link", "os.truncate", "shutil.rmtree", "shutil.move", "os.chown"}
    spawning = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                "os.fork", "os.forkpty", "pty.spawn"}

    def outside(p):
        if isinstance(p, int):
            return False  # an already open descriptor
        p = os.path.realpath(os.fsdecode(p))
        return not (p + os.sep).startswith(folder) and p not in allowed

    def hook(event, args):
        if hidden and event == "import" and (args[0] == "npae" or args[0].startswith("npae.")):
            raise _npae_refused(args[0])
        if (hidden and event == "open" and not isinstance(args[0], int)
                and (os.path.realpath(os.fsdecode(args[0])) + os.sep).startswith(hidden)):
            raise PermissionError(f"reading npae's files is refused while marking: {args[0]!r}")
        if event == "open" and args[2] & write and outside(args[0]):
            raise PermissionError(f"writing {args[0]!r} is refused while grading: a submission "
                                  "may only write inside its own (temporary) folder")
        if event in mutating and args and outside(args[0]):
            raise PermissionError(f"{event} on {args[0]!r} is refused while grading")
        if event in spawning:
            raise PermissionError(f"{event}: starting programs is refused while grading")

    sys.addaudithook(hook)


class _RefuseNpae:
    """A meta-path finder that refuses ``import npae`` in marking mode."""

    def find_spec(self, name, path=None, target=None):
        if name == "npae" or name.startswith("npae."):
            raise _npae_refused(name)
        return None


def main(argv):
    """``_child.py STUDENT_FILE IO_DIR [--mark]``; the nonce comes on stdin."""
    student, io_dir, mark = argv[0], argv[1], "--mark" in argv[2:]
    nonce = sys.stdin.readline().strip()
    # The script's own folder (npae/exercises) must not shadow the student's files.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    _, parts = read_inputs(os.path.join(io_dir, "inputs.npz"))
    results_path = os.path.join(io_dir, "results.npz")
    if mark:
        sys.meta_path.insert(0, _RefuseNpae())
    npae_folder = os.path.dirname(here) if mark else None  # npae/exercises -> npae
    _confine(os.path.dirname(os.path.abspath(student)), [results_path], npae_folder)
    manifest = {"nonce": nonce, "import_error": None, "answers": []}
    arrays = {}
    module, problem = load(student)
    if module is None:
        manifest["import_error"] = problem
    else:
        for i, (func, outputs, cases) in enumerate(parts):
            answers = answer_part(getattr(module, func, None), cases, student, outputs)
            manifest["answers"].append([{"status": st, "message": msg} for st, _, msg in answers])
            for j, (_, outs, _) in enumerate(answers):
                arrays.update({f"p{i}_c{j}_o{k}": o for k, o in enumerate(outs or ())})
    # Killed half-way, this leaves a file that does not read: "not graded" too.
    np.savez(results_path, manifest=np.array(json.dumps(manifest)), **arrays)
    # Flush and leave without running the student's atexit handlers or finalizers.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
