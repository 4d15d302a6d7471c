"""The grader shared by every exercise: load a student's file, run each part on
random cases, compare with npae and with central differences, name the usual
mistake, format the report.

An exercise module declares its parts (:class:`Part`); this module does the
rest.  The comparison of an output with the reference is the relative error of
:mod:`npae.gradcheck`, ``‖s − r‖ / max(‖s‖, ‖r‖)``; a gradient output is also
checked against the central differences of npae's *value* (a second oracle
that does not read npae's gradient code).  The report says which output is
wrong, its relative error and, when one is recognised, the usual mistake
behind it.  It never prints a reference value.

Mistakes are recognised two ways:

- a *ratio*: the student's output is a scalar multiple c of the reference
  (c = n: a sum where a mean belongs; c = 2: the ½ of a squared error; c = −1:
  a sign; ...), or the transpose of it;
- an *alternative*: the output equals what a known wrong computation gives
  (f instead of f′, a forgotten chain-rule factor, ...), which the exercise
  computes with npae's own pieces.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..gradcheck import _compare, check_gradient

__all__ = ["Part", "Case", "Hint", "load_student", "grade", "format_report", "StudentFileError",
           "TOL_REFERENCE", "TOL_GRADCHECK", "TOL_MATCH"]

#: An output passes when its relative error to npae's is below this: a float64
#: solution agrees to ~1e-15 however it is written; float32 arithmetic (~1e-8) fails.
TOL_REFERENCE = 1e-9
#: A gradient output passes the central-difference check below this
#: (npae.gradcheck.check_gradient, eps 1e-5, with its round-off floor).
TOL_GRADCHECK = 1e-6
#: A wrong output "is" a recognised mistake when it matches it this closely.
TOL_MATCH = 1e-6


@dataclass
class Case:
    """One random input: the arguments, a label for the report, and the sizes
    that ratio hints refer to (``n`` samples, ``d`` features, ``lam`` ...)."""

    args: tuple
    label: str
    sizes: dict = field(default_factory=dict)


@dataclass
class Hint:
    """A recognised mistake for one output: ``factor`` (student = factor ×
    reference) or ``alt`` (student = this array), and the message."""

    output: str
    message: str
    factor: float | None = None
    alt: object = None


@dataclass
class Part:
    """One student function and how to grade it.

    Attributes
    ----------
    func : str
        Its name in the student's file.
    outputs : tuple of str
        The names of what it returns (one name: a single value, not a tuple).
    reference : callable
        ``reference(*args) -> tuple`` of the outputs, computed with npae's own functions.
    cases : callable
        ``cases(rng) -> list of Case``; ``rng`` is a seeded ``np.random.Generator``.
    objective : callable, optional
        ``objective(*args) -> (params, value)`` for the central differences:
        ``params`` a dict of float64 arrays, ``value(params)`` a float from npae.
    grad_of : dict
        Output name -> key of ``params`` whose gradient that output is.
    hints : callable, optional
        ``hints(case) -> list of Hint``, the exercise's own usual mistakes.
    """

    func: str
    outputs: tuple
    reference: Callable
    cases: Callable
    objective: Callable | None = None
    grad_of: dict = field(default_factory=dict)
    hints: Callable | None = None


class StudentFileError(Exception):
    """The student's file cannot be graded at all (missing: a usage error)."""


# ------------------------------------------------------------------ loading
def load_student(path):
    """Import the student's file as a fresh module.

    Returns ``(module, None)``, or ``(None, message)`` when the file does not
    compile or fails while importing (reported, not raised).  A missing file
    raises :class:`StudentFileError`.
    """
    path = Path(path)
    if not path.is_file():
        raise StudentFileError(f"no such file: {path} (create it with "
                               f"`python -m npae exercise start DIR`, or pass its path)")
    source = path.read_text(encoding="utf-8")
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as exc:
        caret = " " * max((exc.offset or 1) - 1, 0) + "^"
        return None, (f"{path}, line {exc.lineno}: SyntaxError: {exc.msg}\n"
                      f"    {(exc.text or '').rstrip()}\n    {caret}")
    name = f"npae_student_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # Registered (dataclasses and pickling look modules up by name), and the
    # student's folder on the path while importing, so that one exercise can
    # import the student's own earlier ones (``from activations import sigmoid``).
    sys.modules[name] = module
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:
        exec(code, module.__dict__)
    except Exception as exc:  # the student's module-level code failed
        return None, f"importing {path} failed: {_describe(exc, path)}"
    finally:
        sys.path.remove(folder)
    return module, None


def _describe(exc, path):
    """``Type: message (line N: code)``, the line being the last in the student's file."""
    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if Path(frame.filename).resolve() == Path(path).resolve():
            where = f" at line {frame.lineno}: {(frame.line or '').strip()}"
            break
    return f"{type(exc).__name__}: {exc}{where}"


# ------------------------------------------------------------------ grading
@dataclass
class PartResult:
    """The grade of one part: status, cases run, worst relative error, report lines."""

    func: str
    status: str  # "pass", "fail", "error", "todo", "missing"
    n_cases: int = 0
    worst: float = 0.0
    lines: list = field(default_factory=list)


def _as_outputs(result, outputs):
    """The student's return value as a tuple of arrays, or a message saying why not."""
    if result is None:
        return None, "returned None: is a return statement missing?"
    if len(outputs) == 1:
        result = (result,)
    elif not isinstance(result, (tuple, list)) or len(result) != len(outputs):
        got = (f"{len(result)} values" if isinstance(result, (tuple, list))
               else type(result).__name__)
        return None, f"return a tuple ({', '.join(outputs)}); got {got}"
    try:
        return tuple(np.asarray(r, dtype=np.float64) for r in result), None
    except (TypeError, ValueError) as exc:
        return None, f"outputs must be numbers or float arrays ({exc})"


def _rel(s, r):
    return _compare("", s, r, 0.0)[0]


def _near(s, r):
    return s.shape == r.shape and _rel(s, r) < TOL_MATCH


def _recognise(name, s, r, hints):
    """The message of the first recognised mistake for output ``name``, or None."""
    mine = [h for h in hints if h.output == name]
    for h in mine:  # a known wrong computation, whatever its shape
        if h.alt is not None and _near(s, np.asarray(h.alt, dtype=np.float64)):
            return h.message
    if s.shape != r.shape:
        if s.shape == r.T.shape and r.ndim == 2:
            return (f"shape {s.shape} is the transpose of the expected {r.shape}: "
                    "a missing (or extra) transpose")
        if s.size == r.size:
            return (f"shape {s.shape}, expected {r.shape}: the same number of entries — "
                    "a reshape, keepdims or an extra axis")
        return None
    for h in mine:
        if h.factor is not None and h.factor != 1 and _near(s, h.factor * r):
            return h.message
    if r.ndim == 2 and r.shape[0] == r.shape[1] and r.shape[0] > 1 and _near(s, r.T):
        return "you returned the transpose of the expected matrix: a missing transpose"
    if _rel(s, r) < 1e-4:
        return ("close but not within the tolerance: float32 arithmetic, a small constant "
                "added inside a log or a division, or an approximate formula")
    # A generic scalar factor the exercise did not anticipate.
    rr = float(np.vdot(r, r))
    if rr > 0 and r.size > 1:  # any two numbers are a multiple of each other
        c = float(np.vdot(s, r)) / rr
        if abs(c) > 1e-12 and _near(s, c * r):
            generic = {-1.0: "the sign is flipped", 2.0: "twice the expected value (a missing ½?)",
                       0.5: "half the expected value (an extra ½?)"}
            for k, msg in generic.items():
                if abs(c - k) < 1e-6 * abs(k):
                    return msg
            return f"off by a constant factor {c:.4g} (a scaling: ½, n, λ, β, ...?)"
    return None


def _gradcheck(part, args, outs):
    """Relative error of each gradient output against central differences of npae's value."""
    params, value = part.objective(*[np.array(a, copy=True) if isinstance(a, np.ndarray) else a
                                     for a in args])
    grads, errors = {}, {}
    for out_name, p_name in part.grad_of.items():
        s = outs[part.outputs.index(out_name)]
        if s.shape == params[p_name].shape:
            grads[p_name] = s
    if not grads:
        return errors
    report = check_gradient(lambda _: (value(params), grads), {k: params[k] for k in grads},
                            tol=TOL_GRADCHECK, max_entries=60, rng=0)
    for out_name, p_name in part.grad_of.items():
        if p_name in grads:
            row = report[p_name]
            errors[out_name] = (row.rel_error, row.passed)
    return errors


def _copy_args(args):
    return tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)


def grade_part(part, module, path, rng, earlier_failures=0):
    """Run one part on its cases; stop at the first case that does not pass."""
    res = PartResult(part.func, "pass")
    fn = getattr(module, part.func, None)
    if not callable(fn):
        res.status = "missing"
        res.lines.append(f"no function {part.func}() in {path}")
        return res
    for case in part.cases(rng):
        try:
            result = fn(*_copy_args(case.args))
        except NotImplementedError:
            res.status = "todo"
            res.lines.append("not done yet (still raises NotImplementedError)")
            return res
        except (Exception, SystemExit) as exc:  # the student's bug, not the grader's
            res.status = "error"
            res.lines.append(f"case {case.label}: {_describe(exc, path)}")
            return res
        outs, why = _as_outputs(result, part.outputs)
        if outs is None:
            res.status = "fail"
            res.lines.append(f"case {case.label}: {why}")
            return res
        ref = tuple(np.asarray(r, dtype=np.float64) for r in part.reference(*_copy_args(case.args)))
        numeric = _gradcheck(part, case.args, outs) if part.objective is not None else {}
        hints = part.hints(case) if part.hints is not None else []
        res.n_cases += 1
        for name, s, r in zip(part.outputs, outs, ref):
            rel = _rel(s, r) if s.shape == r.shape else np.inf
            res.worst = max(res.worst, rel)
            num = numeric.get(name)
            if rel < TOL_REFERENCE and (num is None or num[1]):
                continue
            res.status = "fail"
            if s.shape != r.shape:
                msg = f"{name}: wrong shape {s.shape}, expected {r.shape}"
            else:
                msg = f"{name}: relative error {rel:.2e} against npae"
            if num is not None:
                msg += f", {num[0]:.2e} against central differences"
            res.lines.append(f"case {case.label}: {msg}")
            hint = _recognise(name, s, r, hints)
            if hint is None:
                hint = ("no usual mistake recognised; check the equation in the docstring "
                        "term by term")
                if earlier_failures:
                    hint += (f" — {earlier_failures} part(s) above do not pass yet: if this "
                             "function uses them, fix those first")
            res.lines.append("  hint: " + hint)
        if res.status == "fail":
            return res
    return res


def grade(parts, module, path, seed=0):
    """Grade every part; one seeded generator per part so parts are independent."""
    results = []
    for i, part in enumerate(parts):
        failures = sum(r.status != "pass" for r in results)
        results.append(grade_part(part, module, path, np.random.default_rng([seed, i]), failures))
    return results


_LABEL = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "todo": "TODO", "missing": "MISSING"}


def format_report(name, results, path):
    """The text report: one block per part, then the verdict and the tolerances."""
    lines = [f"exercise {name}: {path}"]
    for r in results:
        head = f"  [{_LABEL[r.status]:>7}] {r.func}"
        if r.status == "pass":
            head += f": {r.n_cases} cases, worst relative error {r.worst:.1e}"
        lines.append(head)
        lines.extend("            " + line for line in r.lines)
    n_pass = sum(r.status == "pass" for r in results)
    verdict = "PASSED" if n_pass == len(results) else "NOT PASSED"
    lines.append(f"{verdict}: {n_pass}/{len(results)} parts (tolerance {TOL_REFERENCE:.0e} "
                 f"against npae, {TOL_GRADCHECK:.0e} against central differences)")
    return "\n".join(lines)
