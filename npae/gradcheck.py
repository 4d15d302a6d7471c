r"""Numerical gradient checking: the public tool a course can hand to students.

Central differences,

.. math:: \frac{\partial f}{\partial\theta_k} \approx
          \frac{f(\theta + \varepsilon e_k) - f(\theta - \varepsilon e_k)}{2\varepsilon},

have error :math:`O(\varepsilon^2)` from truncation plus :math:`O(u |f| / \varepsilon)` from
round-off (u ≈ 2.2e-16
the float64 machine epsilon).  The default ε = 1e-5 balances the two for
losses of the size autoencoders have (``|f|`` up to a few hundred nats on 784
pixels: round-off ≈ 1e-11 ``|f|``, truncation ≈ 1e-10): a correct analytic
gradient then agrees to about 1e-8 relative or better, and a wrong one is off
by O(1).  Always check in float64.

Three entry points:

- :func:`numerical_gradient` — the finite-difference gradient of any scalar
  function of an array;
- :func:`check_gradient` — compare *your* function's analytic gradient with
  it: a function in, a report out (use it on a layer you wrote yourself);
- :func:`check_gradients` — the same for an npae model's ``loss_and_grads``,
  with every random draw held fixed.

The reported error of a tensor is
:math:`\lVert g_a - g_n \rVert / \max(\lVert g_a \rVert, \lVert g_n \rVert)` (:math:`g_a` the
analytic, :math:`g_n` the numerical gradient) over the entries checked (Ng's exercise uses
the similar :math:`\lVert a - n \rVert / \lVert a + n \rVert`).  A tensor passes when that
error is below ``tol``, or when :math:`\lVert g_a - g_n \rVert` is within the round-off floor
of the finite differences, :func:`roundoff_floor` = :math:`32\, u\, s \sqrt m / \varepsilon`
for m entries
checked, where ``s`` is the magnitude of the loss (``|f|``, or the ``scale``
given: the sum of the magnitudes of the terms, for a loss whose terms of either
sign cancel): a gradient that is tiny next to the loss (a saturated unit, a loss
with a large constant part such as the BCE of grey-level pixels) cannot be
resolved more finely, and the table marks such rows "ok (round-off)".  A tensor that
fails both is checked once more at step 2ε: the change of the differences measures their
truncation error (:func:`truncation_estimate`), and a difference within the round-off floor
plus that error passes, marked "ok (truncation)" (a gradient that vanishes where the third
derivative does not, as a KL penalty's at its target).  An O(1) error in any gradient
larger than those floors still fails.  This is the one rule:
a test of a gradient asserts ``report.passed``, not a relative error of its own.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from ._validation import check_rng

__all__ = ["numerical_gradient", "check_gradient", "check_gradients", "GradCheckReport",
           "roundoff_floor", "truncation_estimate"]


def numerical_gradient(f, x, eps=1e-5, indices=None):
    """Central-difference gradient of a scalar function ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        ``f()`` or ``f(x)`` returning a float; ``x`` is perturbed *in place*
        (and restored), so ``f`` may read it from a closure or a model.
    x : ndarray (float64)
    eps : float
    indices : sequence of flat indices, optional
        Only these entries (default: all).

    Returns
    -------
    ndarray
        Same shape as ``x`` when ``indices`` is None, else one value per index.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"check gradients in float64 (got {getattr(x, 'dtype', type(x).__name__)}): "
                        "round-off in lower precision swamps the finite differences")
    eps = _check_eps(eps)
    call = _caller(f, x)
    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be a contiguous array so that it can be perturbed in place")
    idx = range(flat.size) if indices is None else indices
    out = np.empty(len(idx), dtype=np.float64)
    for j, k in enumerate(idx):
        old = flat[k]
        flat[k] = old + eps
        fp = call()
        flat[k] = old - eps
        fm = call()
        flat[k] = old
        out[j] = (fp - fm) / (2.0 * eps)
    return out.reshape(x.shape) if indices is None else out


def _check_eps(eps):
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, numbers.Real) \
            or not np.isfinite(eps) or eps <= 0:
        raise ValueError(f"eps must be a finite step > 0 (e.g. 1e-5), got {eps!r}")
    return float(eps)


def _scalar(value, what="f"):
    """A function's value as a float; arrays of more than one number are an error."""
    arr = np.asarray(value)
    if arr.size != 1 or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise TypeError(f"{what} must return one real number (a scalar loss), got "
                        f"{type(value).__name__} of shape {arr.shape}; sum or average the "
                        "terms, or check each output separately")
    return float(arr.reshape(()))


def _caller(f, x):
    import inspect
    try:
        n_args = len(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        n_args = 1
    return (lambda: _scalar(f(x))) if n_args >= 1 else (lambda: _scalar(f()))


@dataclass
class GradCheckRow:
    name: str
    shape: tuple
    n_checked: int
    rel_error: float
    max_abs_error: float
    passed: bool
    #: round-off floor of the central differences for this tensor (see check_gradient)
    floor: float = 0.0
    tol: float = 1e-7
    #: measured truncation error of the differences (0: not needed; see truncation_estimate)
    truncation: float = 0.0

    @property
    def verdict(self):
        """"ok", "ok (round-off)" (passed by the round-off floor), "ok (truncation)" (by the
        measured truncation error too) or "FAIL"."""
        if not self.passed:
            return "FAIL"
        if self.rel_error < self.tol:
            return "ok"
        return "ok (truncation)" if self.truncation else "ok (round-off)"


@dataclass
class GradCheckReport:
    """Per-tensor comparison of analytic and numerical gradients.

    ``report.passed`` is the verdict; ``print(report)`` shows the table;
    ``report.max_rel_error`` the worst tensor.
    """

    rows: list = field(default_factory=list)
    tol: float = 1e-7
    eps: float = 1e-5

    @property
    def passed(self):
        """True when at least one entry was checked and every tensor passed."""
        return sum(r.n_checked for r in self.rows) > 0 and all(r.passed for r in self.rows)

    @property
    def max_rel_error(self):
        return max((r.rel_error for r in self.rows), default=0.0)

    def __getitem__(self, name):
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def __str__(self):
        w = max([len(r.name) for r in self.rows] + [9])
        lines = [f"{'parameter':<{w}}  {'shape':<14} {'checked':>7}  {'rel. error':>10}  "
                 f"{'max |diff|':>10}  verdict"]
        for r in self.rows:
            lines.append(f"{r.name:<{w}}  {str(r.shape):<14} {r.n_checked:>7}  "
                         f"{r.rel_error:10.2e}  {r.max_abs_error:10.2e}  {r.verdict}")
        verdict = "PASSED" if self.passed else "FAILED"
        lines.append(f"{verdict}: worst relative error {self.max_rel_error:.2e} "
                     f"(tolerance {self.tol:.0e}, eps {self.eps:.0e})")
        if any(r.verdict == "ok (round-off)" for r in self.rows):
            lines.append("ok (round-off): the difference is within the round-off floor of the "
                         "finite differences (~u |f| / eps); the gradient is too small relative "
                         "to the loss for a relative test")
        if any(r.verdict == "ok (truncation)" for r in self.rows):
            lines.append("ok (truncation): the difference is within the finite differences' own "
                         "error, measured by repeating them at step 2 eps; the gradient is too "
                         "small next to that error for a relative test")
        return "\n".join(lines)

    __repr__ = __str__


def _compare(name, analytic, numeric, tol, floor=0.0):
    analytic = np.asarray(analytic, dtype=np.float64).ravel()
    numeric = np.asarray(numeric, dtype=np.float64).ravel()
    diff = np.linalg.norm(analytic - numeric)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    # Both (near) zero: compare absolutely against the same tolerance.
    rel = diff / scale if scale > 1e-12 else diff
    max_abs = float(np.max(np.abs(analytic - numeric))) if analytic.size else 0.0
    return rel, max_abs, bool(rel < tol or diff <= floor)


#: float64 unit round-off, and the safety factor on the round-off floor: on
#: small autoencoders the measured max |diff| of correct gradients stays below
#: ~10 u |f| / eps, so 32 leaves room while any O(1) error of a gradient larger
#: than the floor still fails.
_U = float(np.finfo(np.float64).eps)
_ROUNDOFF_SAFETY = 32.0


def roundoff_floor(scale, eps, n_checked):
    r"""The absolute difference that central differences cannot resolve.

    :math:`32\, u\, s \sqrt m / \varepsilon` (s = ``scale``): the round-off of each loss evaluation (u ``scale``,
    u the float64 unit round-off) divided by the step, over ``m`` entries
    checked, with a safety factor of 32.  :func:`check_gradient` passes a
    tensor whose :math:`\lVert g_a - g_n \rVert` is within it.

    Parameters
    ----------
    scale : float
        Magnitude of the loss's value (``|f|``), or of the terms summed into
        it when they cancel.
    eps : float
        Finite-difference step.
    n_checked : int
        Entries compared.

    Returns
    -------
    float
    """
    return _ROUNDOFF_SAFETY * _U * abs(float(scale)) / float(eps) * np.sqrt(n_checked)


def truncation_estimate(num, num2):
    r"""The error of central differences at step ε, measured from those at step 2ε.

    A central difference is :math:`D_\varepsilon = f' + c\,\varepsilon^2 + O(\varepsilon^4)`
    (plus round-off), so :math:`D_{2\varepsilon} - D_\varepsilon = 3 c\,\varepsilon^2`: a
    third of it is the truncation error of :math:`D_\varepsilon` (Richardson); with a
    safety factor of 3 the estimate is :math:`\lVert D_{2\varepsilon} - D_\varepsilon \rVert`.
    Where the gradient vanishes but the third derivative does not (a KL penalty at
    :math:`\hat\rho = \rho`), that error is all a relative test sees.

    Parameters
    ----------
    num, num2 : ndarray
        Central differences at steps ε and 2ε, at the same entries.

    Returns
    -------
    float
    """
    return float(np.linalg.norm(np.asarray(num2, np.float64) - np.asarray(num, np.float64)))


def _pick(size, max_entries, rng):
    if size <= max_entries:
        return np.arange(size)
    return np.sort(rng.choice(size, size=max_entries, replace=False))


def check_gradient(fun, params, eps=1e-5, tol=1e-7, max_entries=200, rng=0, scale=None):
    """Check an analytic gradient against central differences.

    Parameters
    ----------
    fun : callable
        ``fun(params) -> (value, grads)``.  ``params`` is a float64 array or a
        dict name -> float64 array; ``grads`` has the same structure.
    params : ndarray or dict of ndarray
        The point at which to check (perturbed in place and restored).
    eps : float
        Finite-difference step.
    tol : float
        Largest relative error that passes (a tensor whose absolute error is
        within the round-off floor of the differences passes too; see the
        module docstring).
    max_entries : int
        Tensors larger than this are checked at that many random entries.
    rng : int or Generator
        Chooses the sampled entries.
    scale : float, optional
        The magnitude that sets the round-off floor (:func:`roundoff_floor`);
        default ``|f(params)|``.  Give the sum of the magnitudes of the terms
        of a loss whose terms cancel (e.g. ``np.sum(np.abs(R * H))`` for
        ``f = np.sum(R * H)``): its round-off is that of the terms.

    Returns
    -------
    GradCheckReport

    Examples
    --------
    >>> import numpy as np
    >>> from npae.gradcheck import check_gradient
    >>> def f(w):
    ...     return np.sum(np.tanh(w) ** 2), 2 * np.tanh(w) * (1 - np.tanh(w) ** 2)
    >>> check_gradient(f, np.linspace(-1, 1, 5)).passed
    True
    """
    rng = check_rng(rng)
    eps = _check_eps(eps)
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, numbers.Real) or not tol > 0:
        raise ValueError(f"tol must be a number > 0 (e.g. 1e-7), got {tol!r}")
    if isinstance(max_entries, (bool, np.bool_)) or not isinstance(max_entries, numbers.Integral) \
            or max_entries < 1:
        raise ValueError(f"max_entries must be an int >= 1 (entries checked per tensor), got "
                         f"{max_entries!r}: checking nothing cannot pass")
    if scale is not None and (isinstance(scale, (bool, np.bool_)) or not isinstance(
            scale, numbers.Real) or not np.isfinite(scale) or scale < 0):
        raise ValueError(f"scale must be a finite number >= 0 (the loss's magnitude), got {scale!r}")
    single = isinstance(params, np.ndarray)
    named = {"x": params} if single else params
    if not isinstance(named, dict) or not named:
        raise ValueError("params must be a float64 array or a non-empty dict name -> array; "
                         f"got {type(params).__name__}{'' if named else ' (empty)'}: "
                         "nothing to check")
    out = fun(params)
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"fun(params) must return (value, grads), got {type(out).__name__}")
    f0, grads = _scalar(out[0], "fun"), out[1]
    grads = {"x": grads} if single else grads
    # Copy now: ``fun`` may reuse its gradient buffers, which the
    # finite-difference calls below would overwrite.
    grads = {k: np.array(v, dtype=np.float64, copy=True) for k, v in grads.items()}
    report = GradCheckReport(tol=tol, eps=eps)
    for name, value in named.items():
        if name not in grads:
            raise KeyError(f"fun returned no gradient for {name!r}")
        g = np.asarray(grads[name])
        if g.shape != value.shape:
            raise ValueError(f"gradient of {name!r} has shape {g.shape}, parameter {value.shape}")
        if value.size == 0:  # nothing to compare; the report passes only if others were checked
            report.rows.append(GradCheckRow(name, value.shape, 0, 0.0, 0.0, True, 0.0, tol))
            continue
        idx = _pick(value.size, max_entries, rng)
        num = numerical_gradient(lambda: fun(params)[0], value, eps=eps, indices=idx)
        floor = roundoff_floor(max(abs(f0), 0.0 if scale is None else scale), eps, len(idx))
        rel, max_abs, ok = _compare(name, g.ravel()[idx], num, tol, floor)
        truncation = 0.0
        if not ok:  # measure the differences' own error before calling it a failure
            num2 = numerical_gradient(lambda: fun(params)[0], value, eps=2 * eps, indices=idx)
            truncation = truncation_estimate(num, num2)
            rel, max_abs, ok = _compare(name, g.ravel()[idx], num, tol, floor + truncation)
        report.rows.append(GradCheckRow(name, value.shape, len(idx), rel, max_abs, ok,
                                        floor, tol, truncation))
    return report


def check_gradients(model, X, y=None, rng=0, vectorized=True, eps=1e-5, tol=1e-7,
                    max_entries=200, params=None):
    """Check ``model.loss_and_grads`` for every parameter tensor of an npae model.

    The model must be initialized (``model.initialize(X)`` or fitted) with
    ``dtype="float64"``.  The same seed ``rng`` is used for every loss
    evaluation, so noise, ε of a VAE and Gumbel draws are held fixed.

    Parameters
    ----------
    model : npae estimator
    X, y : data (and labels) for the loss
    rng : int
        Seed for the loss's random draws (not None, not a Generator: every
        evaluation must see the same draws).
    vectorized : bool
        Check the batch path (True) or the per-example reference path.
    eps, tol, max_entries : see :func:`check_gradient`
    params : list of str, optional
        Only these parameter tensors.

    Returns
    -------
    GradCheckReport
    """
    if not hasattr(model, "params_"):
        raise ValueError("initialize the model first: model.initialize(X) (or fit it)")
    if rng is None or isinstance(rng, np.random.Generator):
        # A Generator advances and None draws fresh entropy at every loss
        # evaluation: the finite differences would compare different noise.
        raise TypeError(f"pass an int seed so that every evaluation sees the same draws, "
                        f"got {type(rng).__name__}")
    names = list(model.params_) if params is None else \
        [params] if isinstance(params, str) else list(params)
    unknown = [n for n in names if n not in model.params_]
    if unknown or not names:
        what = f"unknown parameter name(s) {unknown}" if unknown else \
            "params is empty: nothing to check"
        raise ValueError(f"{what}; the model's parameters are {list(model.params_)}")

    return check_gradient(lambda _: model.loss_and_grads(X, y, rng=rng, vectorized=vectorized),
                          {k: model.params_[k] for k in names}, eps=eps, tol=tol,
                          max_entries=max_entries, rng=0)
