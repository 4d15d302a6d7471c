r"""Anomaly detection scores: EM/MV curves without labels, ROC AUC with labels.

Without anomaly labels (Goix 2016; Norlander & Sopasakis 2019, §2.2):
:func:`em_curve`, :func:`mv_curve` and :func:`em_mv_scores` evaluate an anomaly
*scorer* :math:`s` through its Excess-Mass and Mass-Volume curves,

.. math:: EM_s(t) = \sup_u\; \mathbb{P}_n(s(X) \ge u) - t\,\mathrm{Leb}(s \ge u),

volumes estimated by Monte Carlo on a uniform sample of the bounding box of the
data (:func:`sample_bounding_box`). Convention, as scikit-learn's
``score_samples``: **higher score = more normal**.

With labels (Caron's review §4.3; the h2o chapter §19.5): :func:`roc_auc`, the area
under the ROC curve of an anomaly score (higher = more anomalous), in rank form.

Symbols: :math:`\mathbb{P}_n` the empirical mass of the data ``X``,
:math:`\mathrm{Leb}` the Lebesgue measure (volume), ``t`` the EM levels, ``alpha``
the MV masses.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from .._validation import check_array, check_int, check_real
from ._em_mv import (EMCurve, MVCurve, _check_alpha, _check_t, _em_end, _em_from_scores,
                     _em_values, _mv_from_scores)

__all__ = ["roc_auc", "sample_bounding_box", "em_curve", "mv_curve", "em_mv_scores", "EMCurve",
           "MVCurve"]


def sample_bounding_box(X, n_generated=100_000, rng=0, bounds=None):
    """Uniform points in the bounding box of ``X``, for Monte-Carlo volumes.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    n_generated : int, default 100000
    rng : int, np.random.Generator or None, default 0
    bounds : tuple (low, high) of array_like of shape (n_features,), optional
        The box; default the per-feature minimum and maximum of ``X``.

    Returns
    -------
    U : ndarray of shape (n_generated, n_features)
    volume : float
        Lebesgue measure of the box.
    """
    X = check_array(X, name="X")
    n_generated = check_int("n_generated", n_generated, minimum=1)
    if bounds is None:
        low, high = X.min(axis=0), X.max(axis=0)
    else:
        try:
            low, high = (np.asarray(b, dtype=np.float64) for b in bounds)
        except (TypeError, ValueError) as exc:
            raise TypeError("bounds must be a pair (low, high) of arrays of shape (n_features,)") from exc
        low = np.broadcast_to(low, (X.shape[1],)).copy()
        high = np.broadcast_to(high, (X.shape[1],)).copy()
    if np.any(high <= low):
        bad = np.flatnonzero(high <= low).tolist()
        raise ValueError(
            f"the bounding box is flat along feature(s) {bad} (low >= high), so its volume is 0; "
            "drop constant features before computing EM/MV curves"
        )
    volume = float(np.prod(high - low))
    if not 0.0 < volume < np.inf:
        raise ValueError(f"the bounding box's volume is {volume} in float64 (side lengths "
                         f"{np.min(high - low):.3g} to {np.max(high - low):.3g}); rescale X "
                         "(e.g. standardise it) before computing EM/MV curves")
    U = np.random.default_rng(rng).uniform(low, high, size=(n_generated, X.shape[1]))
    return U, volume


def _score(scorer, A, what):
    """Scores of the rows of ``A`` by a callable or an object with ``score_samples``."""
    fn = scorer.score_samples if hasattr(scorer, "score_samples") else scorer
    s = np.asarray(fn(A), dtype=np.float64)
    if s.size != A.shape[0] or (s.ndim > 1 and s.shape[0] != A.shape[0]):
        raise ValueError(f"the scorer must return one score per row of {what}: expected shape "
                         f"({A.shape[0]},), got {s.shape}")
    s = s.reshape(-1)
    if not np.all(np.isfinite(s)):
        raise ValueError(f"the scorer returned NaN or inf on {what}; EM/MV curves need finite scores")
    return s


def _prepare(scorer, X, scores_uniform, volume, n_generated, bounds, rng):
    """-> (scores of the data, scores of uniform points in the box, volume of the box)."""
    if callable(scorer) or hasattr(scorer, "score_samples"):
        if X is None:
            raise ValueError("X is required when scorer is a function or an estimator")
        if scores_uniform is not None or volume is not None:
            raise ValueError(
                "scores_uniform and volume are only for precomputed scores; with a scorer "
                "function the uniform sample is drawn here (use n_generated, bounds, rng)"
            )
        X = check_array(X, name="X")
        U, volume = sample_bounding_box(X, n_generated, rng, bounds)
        return _score(scorer, X, "X"), _score(scorer, U, "the uniform sample"), volume
    if scores_uniform is None or volume is None:
        raise TypeError(
            "scorer must be a function of X, an object with score_samples, or an array of scores; "
            "with an array of scores also pass scores_uniform (the scores of "
            "U, volume = sample_bounding_box(X, ...)) and volume"
        )
    if X is not None:
        raise ValueError("pass either a scorer function with X, or precomputed scores without X, not both")
    s_X = np.asarray(scorer, dtype=np.float64)
    s_U = np.asarray(scores_uniform, dtype=np.float64)
    for name, s in (("scores", s_X), ("scores_uniform", s_U)):
        if s.ndim != 1 or s.size == 0:
            raise ValueError(f"{name} must be a non-empty 1-D array, got shape {s.shape}")
        if not np.all(np.isfinite(s)):
            raise ValueError(f"{name} contains NaN or inf")
    volume = check_real("volume", volume, low=0.0, low_open=True)
    return s_X, s_U, volume


def em_curve(scorer, X=None, *, scores_uniform=None, volume=None, t=None, t_max=0.9,
             n_generated=100_000, bounds=None, rng=0):
    r"""Excess-Mass curve of an anomaly scorer (Goix 2016), with no anomaly labels.

    For a scoring function :math:`s` (**higher = more normal**),

    .. math:: EM_s(t) = \sup_{u} \; \mathbb{P}_n(s(X) \ge u) - t\, \mathrm{Leb}(s \ge u),

    with :math:`\mathbb{P}_n` the empirical mass of the data ``X`` and the volume
    :math:`\mathrm{Leb}` estimated by Monte Carlo: the fraction of ``n_generated``
    uniform points of the bounding box of ``X`` with score :math:`\ge u`, times the
    box's volume. The supremum runs over the data's scores (and the empty set,
    giving 0), so :math:`EM_s(0) = 1`. The summary is the area under the curve on
    :math:`[0, t_{end}]`, :math:`t_{end}` the first grid point where
    :math:`EM_s \le` ``t_max`` (0.9 as Goix and Norlander & Sopasakis 2019, §2.2).
    **Higher is better**; the true density maximises the curve at every ``t``.
    Goix's code counts mass with ``s > u``; the definition (and npae) uses
    ``s >= u``, a difference of order 1/n.

    The Monte-Carlo volume is only reliable in low dimension (Goix averages over
    random subsets of at most 5 features); score a low-dimensional latent space.

    Parameters
    ----------
    scorer : callable, estimator with ``score_samples``, or array_like of shape (n_samples,)
        A function mapping ``(m, n_features)`` to ``(m,)`` scores, an object with a
        ``score_samples`` method (npae and scikit-learn estimators), or the scores
        of the data already computed (then pass ``scores_uniform`` and ``volume``,
        from :func:`sample_bounding_box`, and no ``X``).
    X : array_like of shape (n_samples, n_features), optional
        The data; required with a callable scorer.
    scores_uniform : array_like of shape (n_generated,), optional
    volume : float, optional
    t : array_like of shape (n_t,), optional
        Increasing grid of ``t >= 0``; default Goix's ``arange(0, 100/vol, 0.01/vol)``.
    t_max : float or None, default 0.9
        Where to stop integrating; None integrates over the whole grid.
    n_generated : int, default 100000
    bounds : tuple (low, high), optional
        Box for the uniform sample, default the bounding box of ``X``.
    rng : int, np.random.Generator or None, default 0

    Returns
    -------
    EMCurve
        Named tuple ``(t, em, auc, t_end)``.
    """
    s_X, s_U, volume = _prepare(scorer, X, scores_uniform, volume, n_generated, bounds, rng)
    if t_max is not None:
        t_max = check_real("t_max", t_max, 0.0, 1.0)
    return _em_from_scores(s_X, s_U, volume, t, t_max)


def mv_curve(scorer, X=None, *, scores_uniform=None, volume=None, alpha=None,
             alpha_range=(0.9, 0.999), n_generated=100_000, bounds=None, rng=0):
    r"""Mass-Volume curve of an anomaly scorer (Goix 2016), with no anomaly labels.

    .. math:: MV_s(\alpha) = \inf_u \; \mathrm{Leb}(s \ge u) \ \text{ s.t. }\
              \mathbb{P}_n(s(X) \ge u) \ge \alpha,

    i.e. the volume of the smallest upper level set of the scorer (**higher score =
    more normal**) holding a fraction ``alpha`` of the data; the level :math:`u` is
    the :math:`\lceil \alpha n \rceil`-th largest score. Volumes are Monte-Carlo
    estimates as in :func:`em_curve`. The summary is the area under the curve for
    ``alpha`` in ``[0.9, 0.999]`` (step 1e-4). **Lower is better**; the true density
    minimises the curve at every ``alpha``.

    Parameters
    ----------
    scorer, X, scores_uniform, volume, n_generated, bounds, rng
        As in :func:`em_curve`.
    alpha : array_like of shape (n_alpha,), optional
        Increasing masses in (0, 1]; default from ``alpha_range``.
    alpha_range : tuple (alpha_min, alpha_max), default (0.9, 0.999)

    Returns
    -------
    MVCurve
        Named tuple ``(alpha, mv, auc)``.
    """
    s_X, s_U, volume = _prepare(scorer, X, scores_uniform, volume, n_generated, bounds, rng)
    return _mv_from_scores(s_X, s_U, volume, _check_alpha(alpha, alpha_range))


def em_mv_scores(scorer, X, *, n_generated=100_000, t=None, t_max=0.9, alpha_range=(0.9, 0.999),
                 bounds=None, rng=0):
    """Both EM and MV summaries of one scorer, or of several on one common footing.

    One uniform sample of the bounding box of ``X`` serves every curve. With a
    mapping of scorers (name -> scorer), every EM area is taken over the same
    interval ``[0, t_end]``, the largest of the scorers' own ``t_end`` (as Goix's
    benchmark), so the areas compare.

    Parameters
    ----------
    scorer : callable, estimator with ``score_samples``, or Mapping of those
        See :func:`em_curve`; higher score = more normal.
    X : array_like of shape (n_samples, n_features)
    n_generated, t, t_max, alpha_range, bounds, rng
        As in :func:`em_curve` and :func:`mv_curve`.

    Returns
    -------
    dict
        For one scorer: ``{"em": float (higher is better), "mv": float (lower is
        better), "em_curve": EMCurve, "mv_curve": MVCurve, "volume": float}``.
        For a mapping: ``{name: that dict}``.

    Examples
    --------
    >>> from scipy.stats import multivariate_normal
    >>> X = np.random.default_rng(0).standard_normal((500, 2))
    >>> good = multivariate_normal(np.zeros(2)).logpdf
    >>> res = em_mv_scores({"density": good, "negated": lambda A: -good(A)}, X, n_generated=20_000)
    >>> res["density"]["em"] > res["negated"]["em"], res["density"]["mv"] < res["negated"]["mv"]
    (True, True)
    """
    X = check_array(X, name="X")
    if t_max is not None:
        t_max = check_real("t_max", t_max, 0.0, 1.0)
    U, volume = sample_bounding_box(X, n_generated, rng, bounds)
    t = _check_t(t, volume)
    alpha = _check_alpha(None, alpha_range)
    many = isinstance(scorer, Mapping)
    scorers = dict(scorer) if many else {"scorer": scorer}
    if not scorers:
        raise ValueError("the mapping of scorers is empty")
    scores = {}
    for name, fn in scorers.items():
        if not (callable(fn) or hasattr(fn, "score_samples")):
            raise TypeError(f"scorer {name!r} must be callable or have score_samples, got {type(fn).__name__}")
        scores[name] = (_score(fn, X, "X"), _score(fn, U, "the uniform sample"))
    end = None
    if t_max is not None:
        ends = [_em_end(_em_values(sx, su, volume, t), t_max) for sx, su in scores.values()]
        if any(e is None for e in ends):
            warnings.warn(
                f"an EM curve never falls to t_max={t_max} on the t grid; integrating over the "
                "whole grid: pass a longer t grid",
                RuntimeWarning,
                stacklevel=2,
            )
            end = t.size - 1
        else:
            end = max(ends)
    else:
        end = t.size - 1
    out = {}
    for name, (sx, su) in scores.items():
        em = _em_from_scores(sx, su, volume, t, t_max, end=end)
        mv = _mv_from_scores(sx, su, volume, alpha)
        out[name] = {"em": em.auc, "mv": mv.auc, "em_curve": em, "mv_curve": mv, "volume": volume}
    return out if many else out["scorer"]

def roc_auc(is_anomaly, anomaly_score):
    """Area under the ROC curve of ``anomaly_score`` (higher = more anomalous).

    Computed in its rank form, the Mann–Whitney statistic: the probability that
    a random anomaly scores higher than a random normal point, ties counted
    half.  0.5 is chance, 1.0 a perfect ranking.

    Parameters
    ----------
    is_anomaly : array-like of bool, shape (n,)
        True for the anomalies; both classes must be present.
    anomaly_score : array-like of float, shape (n,)
        E.g. the reconstruction error, or minus ``score_samples``.

    Returns
    -------
    float
    """
    from scipy.stats import rankdata

    y = np.asarray(is_anomaly)
    s = np.asarray(anomaly_score, dtype=np.float64)
    if y.ndim != 1 or s.ndim != 1 or y.shape != s.shape:
        raise ValueError(f"is_anomaly and anomaly_score must be 1-D of the same length, "
                         f"got shapes {y.shape} and {s.shape}")
    if y.dtype != bool:
        if not np.isin(y, (0, 1)).all():
            raise ValueError("is_anomaly must be boolean (or 0/1)")
        y = y.astype(bool)
    if not np.all(np.isfinite(s)):
        raise ValueError("anomaly_score contains NaN or infinite values")
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc needs both anomalies and normal points in is_anomaly")
    ranks = rankdata(s)  # average ranks for ties
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))