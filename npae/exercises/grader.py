r"""The grader shared by every exercise: load a student's file, run each part on
random cases, compare with npae and with central differences, name the usual
mistake, format the report.

An exercise module declares its parts (:class:`Part`); this module does the
rest.  The comparison of an output with the reference is the relative error of
:mod:`npae.gradcheck`, :math:`\lVert s - r \rVert / \max(\lVert s \rVert, \lVert r \rVert)`; a gradient output is also
checked against the central differences of npae's *value* (a second oracle
that does not read npae's gradient code).  The report says which output is
wrong, its relative error and, when one is recognised, the usual mistake
behind it.  It never prints a reference value.

Mistakes are recognised two ways:

- a *ratio*: the student's output is a scalar multiple c of the reference
  (:math:`c = n`: a sum where a mean belongs; :math:`c = 2`: the ½ of a squared error; :math:`c = -1`:
  a sign; ...), or the transpose of it;
- an *alternative*: the output equals what a known wrong computation gives
  (f instead of f′, a forgotten chain-rule factor, ...), which the exercise
  computes with npae's own pieces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..gradcheck import _compare, check_gradient
from . import _child

__all__ = ["Part", "Case", "Hint", "load_student", "grade", "format_report", "StudentFileError",
           "TOL_REFERENCE", "TOL_GRADCHECK", "TOL_MATCH"]

#: An output passes when its relative error to npae's is below this: a float64
#: solution agrees to ~1e-15 however it is written; float32 arithmetic (~1e-8) fails.
TOL_REFERENCE = 1e-9
#: A gradient output passes the central-difference check below this
#: (npae.gradcheck.check_gradient, eps 1e-5, its round-off floor and truncation error).
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
    points : float
        What the part is worth when it passes (partial credit is by part).
    """

    func: str
    outputs: tuple
    reference: Callable
    cases: Callable
    objective: Callable | None = None
    grad_of: dict = field(default_factory=dict)
    hints: Callable | None = None
    points: float = 1.0


class StudentFileError(Exception):
    """The student's file cannot be graded at all (missing: a usage error)."""


# ------------------------------------------------------------------ loading
def load_student(path):
    """Import the student's file (``.py`` or ``.ipynb``) as a fresh module, in this process.

    Returns ``(module, None)``, or ``(None, message)`` when the file does not
    compile or fails while importing (reported, not raised).  A missing file
    raises :class:`StudentFileError`.  This is the quick path of the tests;
    ``check`` and ``grade`` run the student's file in its own process
    (:mod:`npae.exercises.sandbox`).
    """
    path = Path(path)
    if not path.is_file():
        raise StudentFileError(f"no such file: {path} (create it with "
                               f"`python -m npae exercise start DIR`, or pass its path)")
    return _child.load(path)


# ------------------------------------------------------------------ grading
@dataclass
class PartResult:
    """The grade of one part: status, cases run, worst relative error, report lines, points."""

    func: str
    status: str  # "pass", "fail", "error", "todo", "missing"
    n_cases: int = 0
    worst: float = 0.0
    lines: list = field(default_factory=list)
    points: float = 0.0
    max_points: float = 1.0


def _rel(s, r):
    return _compare("", s, r, 0.0)[0]


def _near(s, r):
    return s.shape == r.shape and _rel(s, r) < TOL_MATCH


def _either(messages):
    """The distinct messages, in order, joined as alternatives ("" for none)."""
    return " — or: ".join(dict.fromkeys(messages))


def _recognise(name, s, r, hints):
    """The message of the recognised mistake for output ``name``, or None.

    When a case cannot tell two of the exercise's mistakes apart (they give the
    same output there), both are named rather than one picked at random.
    """
    mine = [h for h in hints if h.output == name]
    # A known wrong computation, whatever its shape.
    found = _either([h.message for h in mine
                     if h.alt is not None and _near(s, np.asarray(h.alt, dtype=np.float64))])
    if found:
        return found
    if not np.all(np.isfinite(s)):
        return ("the output holds inf or nan: an overflow or underflow (exp of a large "
                "number, log of 0?) — subtract the maximum first (log-sum-exp)")
    if s.shape != r.shape:
        if s.shape == r.T.shape and r.ndim == 2:
            return (f"shape {s.shape} is the transpose of the expected {r.shape}: "
                    "a missing (or extra) transpose")
        if s.size == r.size:
            return (f"shape {s.shape}, expected {r.shape}: the same number of entries — "
                    "a reshape, keepdims or an extra axis")
        return None
    found = _either([h.message for h in mine
                     if h.factor is not None and h.factor != 1 and _near(s, h.factor * r)])
    if found:
        return found
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


def draw_cases(parts, seed=0):
    """The cases of every part: one generator ``default_rng([seed, part index])`` per part,
    so that parts are independent and the same seed gives the same cases."""
    return [part.cases(np.random.default_rng([seed, i])) for i, part in enumerate(parts)]


def _judge_outputs(part, case, outs, ref, numeric, hints, res, earlier_failures):
    """Compare each output of one case with npae's; a failing one gets its report lines."""
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
    return res


def judge_part(part, cases, answers, path, earlier_failures=0):
    """Grade one part from the student's answers (``(status, outputs, message)`` per
    case, as :func:`npae.exercises._child.answer_part` gives them), in case order;
    stop at the first case that does not pass.  Every reference value is computed
    here, in the grader's process."""
    res = PartResult(part.func, "pass", max_points=float(part.points))
    for case, (status, outs, message) in zip(cases, answers):
        if status == "missing":
            res.status = "missing"
            res.lines.append(f"no function {part.func}() in {path}")
            return res
        if status == "todo":
            res.status = "todo"
            res.lines.append(message)
            return res
        if status != "ok":
            res.status = "error" if status == "error" else "fail"
            res.lines.append(f"case {case.label}: {message}")
            return res
        ref = tuple(np.asarray(r, dtype=np.float64) for r in part.reference(*_copy_args(case.args)))
        hints = part.hints(case) if part.hints is not None else []
        res.n_cases += 1
        # A student's inf or nan is compared, not warned about (the hint names it).
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            numeric = _gradcheck(part, case.args, outs) if part.objective is not None else {}
            res = _judge_outputs(part, case, outs, ref, numeric, hints, res, earlier_failures)
        if res.status == "fail":
            return res
    if res.n_cases < len(cases):  # answers stopped early without saying why
        res.status = "error"
        res.lines.append(f"no answer for case {cases[res.n_cases].label}")
        return res
    res.points = float(part.points)
    return res


def judge(parts, cases, answers, path):
    """Every part, from the answers of each; parts after a failing one are told so in hints."""
    results = []
    for part, c, a in zip(parts, cases, answers):
        failures = sum(r.status != "pass" for r in results)
        results.append(judge_part(part, c, a, path, failures))
    return results


def grade(parts, module, path, seed=0):
    """Grade a module already imported in this process (the tests' quick path)."""
    cases = draw_cases(parts, seed)
    answers = [_child.answer_part(getattr(module, part.func, None), [c.args for c in cs], path,
                                  part.outputs) for part, cs in zip(parts, cases)]
    return judge(parts, cases, answers, path)


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
    points = sum(r.points for r in results)
    total = sum(r.max_points for r in results)
    lines.append(f"{verdict}: {n_pass}/{len(results)} parts, {points:g}/{total:g} points "
                 f"(tolerance {TOL_REFERENCE:.0e} against npae, {TOL_GRADCHECK:.0e} against "
                 "central differences)")
    return "\n".join(lines)
