r"""Excess-Mass and Mass-Volume curves computed from scores (the arithmetic behind :mod:`npae.metrics.anomaly`).

Goix (2016), "How to evaluate the quality of unsupervised anomaly detection algorithms?".

.. math:: EM_s(t) = \sup_u\; \mathbb{P}_n(s(X) \ge u) - t\,\mathrm{Leb}(s \ge u),\qquad
          MV_s(\alpha) = \inf_u\; \mathrm{Leb}(s \ge u)\ \text{s.t.}\ \mathbb{P}_n(s(X) \ge u) \ge \alpha

Symbols: ``s_X`` the scores :math:`s(X)` of the n data rows (higher = more normal),
``s_U`` the scores of m uniform points of a box of Lebesgue measure ``volume`` (so
:math:`\mathrm{Leb}(s \ge u) \approx` ``volume`` times the fraction of ``s_U`` :math:`\ge u`),
``t`` the EM levels, ``alpha`` the MV masses.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from .._validation import check_real
from ._common import _CHUNK_ENTRIES


def _trapezoid(y, x):
    """Trapezoidal rule (``np.trapezoid`` is NumPy >= 2 only)."""
    y, x = np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64)
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) * 0.5))


class EMCurve(NamedTuple):
    """Excess-Mass curve of a scorer.

    Attributes
    ----------
    t : ndarray of shape (n_t,)
        The grid of levels ``t >= 0``.
    em : ndarray of shape (n_t,)
        ``EM_s(t)``, non-increasing from ``EM_s(0) = 1``.
    auc : float
        Area under ``em`` over ``[0, t_end]``; higher is better.
    t_end : float
        End of the integration interval (the first grid ``t`` with ``EM_s(t) <= t_max``).
    """

    t: np.ndarray
    em: np.ndarray
    auc: float
    t_end: float


class MVCurve(NamedTuple):
    """Mass-Volume curve of a scorer.

    Attributes
    ----------
    alpha : ndarray of shape (n_alpha,)
        Masses in ``[alpha_min, alpha_max]``.
    mv : ndarray of shape (n_alpha,)
        ``MV_s(alpha)``, the volume of the smallest upper level set of mass ``alpha``.
    auc : float
        Area under ``mv`` over the alpha grid; lower is better.
    """

    alpha: np.ndarray
    mv: np.ndarray
    auc: float


def _em_values(s_X, s_U, volume, t):
    r"""EM_s(t) = max(0, max_u P_n(s(X) >= u) - t Leb(s >= u)) over the data levels u."""
    n, m = s_X.size, s_U.size
    levels = np.unique(s_X)
    mass = (n - np.searchsorted(np.sort(s_X), levels, side="left")) / n
    leb = volume * (m - np.searchsorted(np.sort(s_U), levels, side="left")) / m
    # among levels with the same volume only the largest mass can win
    order = np.lexsort((-mass, leb))
    leb, mass = leb[order], mass[order]
    first = np.r_[True, leb[1:] != leb[:-1]]
    leb, mass = leb[first], mass[first]
    em = np.empty(t.size)
    step = max(1, _CHUNK_ENTRIES // max(leb.size, 1))
    for i in range(0, t.size, step):
        tc = t[i:i + step, None]
        em[i:i + step] = np.max(mass[None, :] - tc * leb[None, :], axis=1)
    return np.maximum(em, 0.0)


def _em_end(em, t_max):
    """Index of the first grid point with EM <= t_max (None if there is none)."""
    hit = np.flatnonzero(em <= t_max)
    return int(hit[0]) if hit.size else None


def _default_t(volume):
    # Goix's grid: np.arange(0, 100 / volume, 0.01 / volume)
    return np.arange(10_000) * (0.01 / volume)


def _check_t(t, volume):
    if t is None:
        return _default_t(volume)
    t = np.asarray(t, dtype=np.float64)
    if t.ndim != 1 or t.size < 2 or not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(np.diff(t) <= 0):
        raise ValueError("t must be a 1-D increasing grid of at least 2 finite values >= 0, "
                         f"got shape {t.shape}")
    return t


def _em_from_scores(s_X, s_U, volume, t, t_max, end=None):
    t = _check_t(t, volume)
    em = _em_values(s_X, s_U, volume, t)
    if end is None:
        if t_max is None:
            end = t.size - 1
        else:
            end = _em_end(em, t_max)
            if end is None:
                warnings.warn(
                    f"the EM curve never falls to t_max={t_max} on the t grid (max t = {t[-1]:g}); "
                    "integrating over the whole grid: pass a longer t grid",
                    RuntimeWarning,
                    stacklevel=3,
                )
                end = t.size - 1
    end = max(int(end), 1)
    auc = float(_trapezoid(em[: end + 1], t[: end + 1]))
    return EMCurve(t, em, auc, float(t[end]))


def _check_alpha(alpha, alpha_range):
    if alpha is None:
        if len(alpha_range) != 2:
            raise ValueError(f"alpha_range must be a pair (alpha_min, alpha_max), got {alpha_range!r}")
        lo = check_real("alpha_min", alpha_range[0], 0.0, 1.0)
        hi = check_real("alpha_max", alpha_range[1], 0.0, 1.0)
        if not 0.0 < lo < hi <= 1.0:
            raise ValueError(f"alpha_range must satisfy 0 < alpha_min < alpha_max <= 1, got {alpha_range!r}")
        n = max(2, int(round((hi - lo) / 1e-4)) + 1)  # Goix's step 0.0001
        return np.linspace(lo, hi, n)
    alpha = np.asarray(alpha, dtype=np.float64)
    if alpha.ndim != 1 or alpha.size < 2 or np.any(alpha <= 0) or np.any(alpha > 1) or np.any(np.diff(alpha) <= 0):
        raise ValueError(f"alpha must be a 1-D increasing grid in (0, 1], got {alpha!r}")
    return alpha


def _mv_from_scores(s_X, s_U, volume, alpha):
    n, m = s_X.size, s_U.size
    s_desc = np.sort(s_X)[::-1]
    # smallest count c with c / n >= alpha (as Goix's loop); the level u is the c-th largest score
    c = np.searchsorted(np.arange(1, n + 1) / n, alpha, side="left") + 1
    u = s_desc[np.minimum(c, n) - 1]
    mv = volume * (m - np.searchsorted(np.sort(s_U), u, side="left")) / m
    return MVCurve(alpha, mv, float(_trapezoid(mv, alpha)))


