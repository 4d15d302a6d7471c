"""Metrics for what autoencoders are used for: clustering, anomaly detection, retrieval.

Pure NumPy/SciPy; scikit-learn is never needed (it only serves as an oracle in
the tests).

Clustering of the latent space (Norlander & Sopasakis 2019, §2.1; Caron's review §4)
    :func:`kmeans` (k-means++ then Lloyd) and :func:`gaussian_mixture` (EM with full
    or diagonal covariances) cluster the codes; :func:`v_measure` and
    :func:`homogeneity_completeness_v_measure` score a clustering against labels.
Unsupervised anomaly detection (Goix 2016; Norlander & Sopasakis 2019, §2.2)
    :func:`em_curve`, :func:`mv_curve` and :func:`em_mv_scores` evaluate an anomaly
    *scorer* without any anomaly labels, through its Excess-Mass and Mass-Volume
    curves. Convention, as scikit-learn's ``score_samples``: **higher score = more
    normal**.
Anomaly detection with labels (Caron's review §4.3; the h2o chapter §19.5)
    :func:`roc_auc`: the area under the ROC curve of an anomaly score against
    known anomaly labels (rank form, ties counted half).
Retrieval and semantic hashing (Caron's review, §4.2)
    :func:`precision_at_k` over real-valued codes, :func:`binarize_codes`,
    :func:`hamming_distances` and :func:`precision_at_hamming_radius` over binary
    codes.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy.linalg import cholesky, solve_triangular
from scipy.special import logsumexp

__all__ = [
    "roc_auc",
    "homogeneity_completeness_v_measure",
    "v_measure",
    "sample_bounding_box",
    "em_curve",
    "mv_curve",
    "em_mv_scores",
    "EMCurve",
    "MVCurve",
    "precision_at_k",
    "binarize_codes",
    "hamming_distances",
    "precision_at_hamming_radius",
    "kmeans",
    "KMeansResult",
    "gaussian_mixture",
    "GaussianMixtureResult",
]

def _trapezoid(y, x):
    """Trapezoidal rule (``np.trapezoid`` is NumPy >= 2 only)."""
    y, x = np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64)
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) * 0.5))


# Largest number of float64 entries a temporary (chunk x n) matrix may hold.
_CHUNK_ENTRIES = 1 << 22


# --------------------------------------------------------------------------- #
# validation helpers
# --------------------------------------------------------------------------- #
def _check_int(name, value, minimum=None):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _check_real(name, value, low=None, high=None, low_open=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) or not np.isfinite(value):
        raise TypeError(f"{name} must be a finite real number, got {value!r}")
    value = float(value)
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def _check_matrix(name, X, min_rows=1):
    """2-D finite float64 array of shape (n_samples, n_features)."""
    try:
        A = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array of shape (n_samples, n_features); {exc}") from exc
    if A.ndim == 1:
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_features), got 1-D shape {A.shape}; "
            "use x.reshape(-1, 1) for a single feature or x.reshape(1, -1) for a single sample"
        )
    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D of shape (n_samples, n_features), got shape {A.shape}")
    if A.shape[0] < min_rows or A.shape[1] == 0:
        raise ValueError(f"{name} needs at least {min_rows} row(s) and 1 column, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{name} contains NaN or inf; remove or impute those values first")
    return A


def _check_labels(name, labels, n=None):
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D of shape (n_samples,), got shape {y.shape}")
    if n is not None and y.shape[0] != n:
        raise ValueError(f"{name} must have {n} entries (one per row of the codes), got {y.shape[0]}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(f"{name} contains NaN or inf")
    return y


# --------------------------------------------------------------------------- #
# V-measure
# --------------------------------------------------------------------------- #
def _entropy_from_counts(counts):
    n = counts.sum()
    p = counts[counts > 0] / n
    return float(-np.sum(p * np.log(p)))


def homogeneity_completeness_v_measure(labels_true, labels_pred, *, beta=1.0):
    r"""Homogeneity, completeness and V-measure of a clustering (Rosenberg & Hirschberg 2007).

    With classes :math:`C` (``labels_true``) and clusters :math:`K` (``labels_pred``),
    entropies in nats from the empirical joint distribution:

    - homogeneity :math:`h = 1 - H(C \mid K) / H(C)` (each cluster holds one class),
      defined as 1 when :math:`H(C) = 0`;
    - completeness :math:`c = 1 - H(K \mid C) / H(K)` (each class in one cluster),
      defined as 1 when :math:`H(K) = 0`;
    - :math:`V_\beta = (1 + \beta) h c / (\beta h + c)`, 0 when :math:`h + c = 0`.

    This is scikit-learn's definition (``beta`` > 1 weights completeness more).
    The scores ignore the names of the labels; they need not be integers.

    Parameters
    ----------
    labels_true : array_like of shape (n_samples,)
    labels_pred : array_like of shape (n_samples,)
    beta : float > 0, default 1.0

    Returns
    -------
    homogeneity, completeness, v_measure : float
        Each in [0, 1].
    """
    a = _check_labels("labels_true", labels_true)
    b = _check_labels("labels_pred", labels_pred, a.shape[0])
    beta = _check_real("beta", beta, low=0.0, low_open=True)
    n = a.shape[0]
    if n == 0:
        raise ValueError("labels_true and labels_pred are empty; a clustering needs at least one sample")
    _, ci = np.unique(a, return_inverse=True)
    _, ki = np.unique(b, return_inverse=True)
    ci, ki = ci.ravel(), ki.ravel()
    n_c = np.bincount(ci).astype(np.float64)
    n_k = np.bincount(ki).astype(np.float64)
    h_c, h_k = _entropy_from_counts(n_c), _entropy_from_counts(n_k)
    # sparse contingency table: the nonzero cells n_ck and their (c, k)
    pair, n_ck = np.unique(ci.astype(np.int64) * n_k.size + ki, return_counts=True)
    c_of, k_of = pair // n_k.size, pair % n_k.size
    n_ck = n_ck.astype(np.float64)
    mi = float(np.sum(n_ck / n * (np.log(n_ck) + np.log(n) - np.log(n_c[c_of]) - np.log(n_k[k_of]))))
    mi = max(mi, 0.0)
    homogeneity = mi / h_c if h_c else 1.0
    completeness = mi / h_k if h_k else 1.0
    if homogeneity + completeness == 0.0:
        v = 0.0
    else:
        v = (1.0 + beta) * homogeneity * completeness / (beta * homogeneity + completeness)
    return homogeneity, completeness, v


def v_measure(labels_true, labels_pred, beta=1.0):
    """V-measure of a clustering: the weighted harmonic mean of homogeneity and completeness.

    See :func:`homogeneity_completeness_v_measure` for the definition.

    Parameters
    ----------
    labels_true, labels_pred : array_like of shape (n_samples,)
    beta : float > 0, default 1.0

    Returns
    -------
    v : float in [0, 1]
        1 for a clustering equal to the classes up to renaming.
    """
    return homogeneity_completeness_v_measure(labels_true, labels_pred, beta=beta)[2]


# --------------------------------------------------------------------------- #
# Excess-Mass and Mass-Volume curves (Goix 2016)
# --------------------------------------------------------------------------- #
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
    X = _check_matrix("X", X)
    n_generated = _check_int("n_generated", n_generated, minimum=1)
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
        X = _check_matrix("X", X)
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
    volume = _check_real("volume", volume, low=0.0, low_open=True)
    return s_X, s_U, volume


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
        lo = _check_real("alpha_min", alpha_range[0], 0.0, 1.0)
        hi = _check_real("alpha_max", alpha_range[1], 0.0, 1.0)
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
        t_max = _check_real("t_max", t_max, 0.0, 1.0)
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
    X = _check_matrix("X", X)
    if t_max is not None:
        t_max = _check_real("t_max", t_max, 0.0, 1.0)
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


# --------------------------------------------------------------------------- #
# retrieval
# --------------------------------------------------------------------------- #
def binarize_codes(codes, threshold=0.5):
    """Binary codes for semantic hashing: ``codes > threshold``.

    Parameters
    ----------
    codes : array_like of shape (n_samples, n_bits)
        E.g. sigmoid codes in [0, 1] (Salakhutdinov & Hinton 2009).
    threshold : float, default 0.5

    Returns
    -------
    bits : ndarray of shape (n_samples, n_bits), bool
    """
    codes = _check_matrix("codes", codes)
    return codes > _check_real("threshold", threshold)


def _check_bits(name, bits):
    B = np.asarray(bits)
    if B.ndim != 2 or B.shape[0] == 0 or B.shape[1] == 0:
        raise ValueError(f"{name} must be 2-D of shape (n_samples, n_bits), got shape {B.shape}")
    if B.dtype != bool:
        if B.dtype.kind not in "uif" or not np.all((B == 0) | (B == 1)):
            raise ValueError(f"{name} must be binary (bool or 0/1); threshold real codes with binarize_codes(codes) first")
        B = B.astype(bool)
    return B


def hamming_distances(bits_a, bits_b=None):
    """Pairwise Hamming distances between binary codes.

    Parameters
    ----------
    bits_a : array_like of shape (n_a, n_bits), bool or 0/1
    bits_b : array_like of shape (n_b, n_bits), optional
        Default ``bits_a``.

    Returns
    -------
    D : ndarray of shape (n_a, n_b), int64
        Number of differing bits.
    """
    A = _check_bits("bits_a", bits_a)
    B = A if bits_b is None else _check_bits("bits_b", bits_b)
    if B.shape[1] != A.shape[1]:
        raise ValueError(f"bits_a has {A.shape[1]} bits but bits_b has {B.shape[1]}")
    a, b = A.astype(np.float64), B.astype(np.float64)
    return np.rint(a @ (1.0 - b).T + (1.0 - a) @ b.T).astype(np.int64)


_METRICS = ("euclidean", "cosine", "hamming")


def _distance_block(q, d, metric, d_sqnorm):
    if metric == "euclidean":  # squared: same ranking
        D = np.sum(q * q, axis=1)[:, None] - 2.0 * (q @ d.T) + d_sqnorm[None, :]
        return np.maximum(D, 0.0)
    if metric == "cosine":
        return 1.0 - q @ d.T  # rows already normalised
    return q @ (1.0 - d).T + (1.0 - q) @ d.T  # hamming on 0/1 floats, exact integers


def _retrieval_inputs(codes_query, labels_query, codes_db, labels_db, metric):
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {_METRICS}, got {metric!r}")
    if metric == "hamming":
        Q = np.asarray(codes_query)
        Q = _check_bits("codes_query", Q) if Q.dtype == bool else binarize_codes(Q)
    else:
        Q = _check_matrix("codes_query", codes_query)
    yq = _check_labels("labels_query", labels_query, Q.shape[0])
    if (codes_db is None) != (labels_db is None):
        raise ValueError("pass codes_db and labels_db together, or neither (leave-one-out within the queries)")
    if codes_db is None:
        D, yd, loo = Q, yq, True
    else:
        if metric == "hamming":
            D = np.asarray(codes_db)
            D = _check_bits("codes_db", D) if D.dtype == bool else binarize_codes(D)
        else:
            D = _check_matrix("codes_db", codes_db)
        yd = _check_labels("labels_db", labels_db, D.shape[0])
        loo = False
    if D.shape[1] != Q.shape[1]:
        raise ValueError(f"codes_query have {Q.shape[1]} features but codes_db have {D.shape[1]}")
    Q, D = Q.astype(np.float64), D.astype(np.float64)
    if metric == "cosine":
        for name, A in (("codes_query", Q), ("codes_db", D)):
            if np.any(np.linalg.norm(A, axis=1) == 0):
                raise ValueError(f"{name} has an all-zero row, for which the cosine distance is undefined")
        Q = Q / np.linalg.norm(Q, axis=1, keepdims=True)
        D = Q if loo else D / np.linalg.norm(D, axis=1, keepdims=True)
    return Q, yq, D, yd, loo


def precision_at_k(codes_query, labels_query, codes_db=None, labels_db=None, k=10, metric="euclidean",
                   *, average=True):
    """Retrieval precision: the fraction of the ``k`` nearest database items sharing the query's label.

    Ties in distance are broken by database order (as a stable sort), so the result
    is deterministic even for Hamming distances.

    Parameters
    ----------
    codes_query : array_like of shape (n_query, n_codes)
    labels_query : array_like of shape (n_query,)
    codes_db : array_like of shape (n_db, n_codes), optional
        Without it (and ``labels_db``), every query is searched among the other
        queries (leave-one-out).
    labels_db : array_like of shape (n_db,), optional
    k : int, default 10
    metric : {"euclidean", "cosine", "hamming"}, default "euclidean"
        "hamming" thresholds real codes at 0.5 first (bool codes are used as given).
    average : bool, default True
        Return the mean over queries, else the per-query precisions.

    Returns
    -------
    precision : float or ndarray of shape (n_query,)
    """
    Q, yq, D, yd, loo = _retrieval_inputs(codes_query, labels_query, codes_db, labels_db, metric)
    k = _check_int("k", k, minimum=1)
    n_db = D.shape[0] - (1 if loo else 0)
    if k > n_db:
        raise ValueError(f"k={k} is larger than the {n_db} database items available")
    d_sqnorm = np.sum(D * D, axis=1)
    out = np.empty(Q.shape[0])
    step = max(1, _CHUNK_ENTRIES // D.shape[0])
    for i in range(0, Q.shape[0], step):
        dist = _distance_block(Q[i:i + step], D, metric, d_sqnorm)
        rows = np.arange(dist.shape[0])
        if loo:
            dist[rows, rows + i] = np.inf
        kth = np.partition(dist, k - 1, axis=1)[:, k - 1:k]
        less = dist < kth
        tie = dist == kth
        need = k - less.sum(axis=1, keepdims=True)
        chosen = less | (tie & (np.cumsum(tie, axis=1) <= need))
        same = yd[None, :] == yq[i:i + step, None]
        out[i:i + step] = np.sum(chosen & same, axis=1) / k
    return float(out.mean()) if average else out


def precision_at_hamming_radius(codes_query, labels_query, codes_db=None, labels_db=None, radius=2,
                                threshold=0.5, *, average=True):
    """Semantic-hashing precision: the fraction of items within a Hamming ball sharing the query's label.

    Codes are thresholded (``codes > threshold``; bool codes are used as given);
    for each query, all database items at Hamming distance ``<= radius`` are
    retrieved. A query that retrieves nothing counts as precision 0 (the usual
    convention of the hashing literature, which penalises too-long codes).

    Parameters
    ----------
    codes_query : array_like of shape (n_query, n_bits)
    labels_query : array_like of shape (n_query,)
    codes_db, labels_db : optional
        As in :func:`precision_at_k`; without them, leave-one-out within the queries.
    radius : int, default 2
    threshold : float, default 0.5
    average : bool, default True

    Returns
    -------
    precision : float or ndarray of shape (n_query,)
    """
    radius = _check_int("radius", radius, minimum=0)
    threshold = _check_real("threshold", threshold)

    def bits(name, c):
        c = np.asarray(c)
        return _check_bits(name, c) if c.dtype == bool else binarize_codes(c, threshold)

    Q = bits("codes_query", codes_query)
    yq = _check_labels("labels_query", labels_query, Q.shape[0])
    if (codes_db is None) != (labels_db is None):
        raise ValueError("pass codes_db and labels_db together, or neither (leave-one-out within the queries)")
    loo = codes_db is None
    D = Q if loo else bits("codes_db", codes_db)
    yd = yq if loo else _check_labels("labels_db", labels_db, D.shape[0])
    if D.shape[1] != Q.shape[1]:
        raise ValueError(f"codes_query have {Q.shape[1]} bits but codes_db have {D.shape[1]}")
    out = np.empty(Q.shape[0])
    step = max(1, _CHUNK_ENTRIES // D.shape[0])
    for i in range(0, Q.shape[0], step):
        hit = hamming_distances(Q[i:i + step], D) <= radius
        if loo:
            rows = np.arange(hit.shape[0])
            hit[rows, rows + i] = False
        same = yd[None, :] == yq[i:i + step, None]
        n_hit = hit.sum(axis=1)
        out[i:i + step] = np.where(n_hit > 0, np.sum(hit & same, axis=1) / np.maximum(n_hit, 1), 0.0)
    return float(out.mean()) if average else out


# --------------------------------------------------------------------------- #
# k-means
# --------------------------------------------------------------------------- #
def _sq_dist(X, C, x_sqnorm=None):
    """(n, k) squared Euclidean distances, clipped at 0."""
    if x_sqnorm is None:
        x_sqnorm = np.sum(X * X, axis=1)
    D = x_sqnorm[:, None] - 2.0 * (X @ C.T) + np.sum(C * C, axis=1)[None, :]
    return np.maximum(D, 0.0)


@dataclass(frozen=True)
class KMeansResult:
    """Result of :func:`kmeans`.

    Attributes
    ----------
    labels : ndarray of shape (n_samples,), int64
    centers : ndarray of shape (n_clusters, n_features)
    inertia : float
        Sum of squared distances of the samples to their centre.
    n_iter : int
        Lloyd iterations of the best run.
    """

    labels: np.ndarray
    centers: np.ndarray
    inertia: float
    n_iter: int

    def predict(self, X):
        """Index of the nearest centre for each row of ``X`` (n_samples, n_features) -> (n_samples,)."""
        X = _check_matrix("X", X)
        if X.shape[1] != self.centers.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features but the centres have {self.centers.shape[1]}")
        return np.argmin(_sq_dist(X, self.centers), axis=1).astype(np.int64)


def _kmeans_plusplus(X, k, rng, x_sqnorm):
    """k-means++ seeding (Arthur & Vassilvitskii 2007): D^2 sampling."""
    n = X.shape[0]
    centers = np.empty((k, X.shape[1]))
    centers[0] = X[rng.integers(n)]
    d2 = _sq_dist(X, centers[:1], x_sqnorm)[:, 0]
    for j in range(1, k):
        total = d2.sum()
        idx = rng.choice(n, p=d2 / total) if total > 0 else rng.integers(n)
        centers[j] = X[idx]
        d2 = np.minimum(d2, _sq_dist(X, centers[j:j + 1], x_sqnorm)[:, 0])
    return centers


def _lloyd(X, centers, max_iter, tol, x_sqnorm):
    n, k = X.shape[0], centers.shape[0]
    labels = None
    for it in range(1, max_iter + 1):
        D = _sq_dist(X, centers, x_sqnorm)
        new_labels = np.argmin(D, axis=1)
        if labels is not None and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        onehot = np.zeros((n, k))
        onehot[np.arange(n), labels] = 1.0
        counts = onehot.sum(axis=0)
        new_centers = (onehot.T @ X) / np.maximum(counts, 1.0)[:, None]
        empty = np.flatnonzero(counts == 0)
        if empty.size:  # move each empty centre to the point farthest from its own centre
            far = np.argsort(-D[np.arange(n), labels], kind="stable")[: empty.size]
            new_centers[empty] = X[far]
        shift = np.sum((new_centers - centers) ** 2)
        centers = new_centers
        if shift <= tol:
            break
    D = _sq_dist(X, centers, x_sqnorm)
    labels = np.argmin(D, axis=1)
    inertia = float(D[np.arange(n), labels].sum())
    return labels.astype(np.int64), centers, inertia, it


def kmeans(X, n_clusters, rng=0, *, n_init=10, max_iter=300, tol=1e-4):
    """k-means clustering: k-means++ seeding, then Lloyd's iterations; best of ``n_init`` runs.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    n_clusters : int
        ``1 <= n_clusters <= n_samples``.
    rng : int, np.random.Generator or None, default 0
    n_init : int, default 10
        Independent seedings; the run with the lowest inertia wins.
    max_iter : int, default 300
    tol : float, default 1e-4
        Stop when the squared movement of the centres falls below
        ``tol * mean(var(X, axis=0)) * n_features`` (scikit-learn's relative tolerance),
        or when no label changes.

    Returns
    -------
    KMeansResult
        ``labels`` (n_samples,), ``centers`` (n_clusters, n_features), ``inertia``,
        ``n_iter``; ``result.predict(X_new)`` assigns new points.
    """
    X = _check_matrix("X", X)
    n_clusters = _check_int("n_clusters", n_clusters, minimum=1)
    if n_clusters > X.shape[0]:
        raise ValueError(f"n_clusters={n_clusters} exceeds the number of samples {X.shape[0]}")
    n_init = _check_int("n_init", n_init, minimum=1)
    max_iter = _check_int("max_iter", max_iter, minimum=1)
    tol = _check_real("tol", tol, low=0.0)
    rng = np.random.default_rng(rng)
    tol_abs = tol * float(np.mean(np.var(X, axis=0))) * X.shape[1]
    x_sqnorm = np.sum(X * X, axis=1)
    best = None
    for _ in range(n_init):
        centers = _kmeans_plusplus(X, n_clusters, rng, x_sqnorm)
        run = _lloyd(X, centers, max_iter, tol_abs, x_sqnorm)
        if best is None or run[2] < best[2]:
            best = run
    labels, centers, inertia, n_iter = best
    return KMeansResult(labels, centers, inertia, n_iter)


# --------------------------------------------------------------------------- #
# Gaussian mixture (EM)
# --------------------------------------------------------------------------- #
_LOG_2PI = np.log(2.0 * np.pi)


def _log_gaussian(X, means, covariances, covariance_type):
    """(n, k) log N(x_i | mu_j, Sigma_j)."""
    n, d = X.shape
    k = means.shape[0]
    out = np.empty((n, k))
    for j in range(k):
        diff = X - means[j]
        if covariance_type == "diag":
            var = covariances[j]
            out[:, j] = -0.5 * (d * _LOG_2PI + np.sum(np.log(var)) + np.sum(diff * diff / var, axis=1))
        else:
            try:
                L = cholesky(covariances[j], lower=True)
            except np.linalg.LinAlgError as exc:
                raise ValueError(
                    f"covariance of component {j} is not positive definite; increase reg_covar "
                    "or use covariance_type='diag'"
                ) from exc
            y = solve_triangular(L, diff.T, lower=True)
            out[:, j] = -0.5 * (d * _LOG_2PI + 2.0 * np.sum(np.log(np.diag(L))) + np.sum(y * y, axis=0))
    return out


@dataclass(frozen=True)
class GaussianMixtureResult:
    """Result of :func:`gaussian_mixture`.

    Attributes
    ----------
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray of shape (n_components, n_features, n_features) or (n_components, n_features)
        Full matrices, or the diagonals for ``covariance_type="diag"``.
    covariance_type : {"full", "diag"}
    labels : ndarray of shape (n_samples,), int64
        Most probable component of each training sample.
    log_likelihood : float
        Mean log-likelihood per sample of the training data.
    n_iter : int
    converged : bool
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    covariance_type: str
    labels: np.ndarray
    log_likelihood: float
    n_iter: int
    converged: bool

    def _joint(self, X):
        X = _check_matrix("X", X)
        if X.shape[1] != self.means.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features but the mixture has {self.means.shape[1]}")
        return np.log(self.weights)[None, :] + _log_gaussian(X, self.means, self.covariances, self.covariance_type)

    def score_samples(self, X):
        """Log density ``log p(x)`` of each row, shape (n_samples,); higher = more normal."""
        return logsumexp(self._joint(X), axis=1)

    def predict_proba(self, X):
        """Posterior responsibilities ``p(component | x)``, shape (n_samples, n_components)."""
        J = self._joint(X)
        return np.exp(J - logsumexp(J, axis=1, keepdims=True))

    def predict(self, X):
        """Most probable component of each row, shape (n_samples,)."""
        return np.argmax(self._joint(X), axis=1).astype(np.int64)


def _m_step(X, resp, covariance_type, reg_covar):
    n, d = X.shape
    nk = resp.sum(axis=0) + 10.0 * np.finfo(np.float64).eps
    means = (resp.T @ X) / nk[:, None]
    if covariance_type == "diag":
        cov = np.stack([(resp[:, j] @ (X - means[j]) ** 2) / nk[j] for j in range(len(nk))]) + reg_covar
    else:
        cov = np.empty((len(nk), d, d))
        for j in range(len(nk)):
            diff = X - means[j]
            cov[j] = (resp[:, j, None] * diff).T @ diff / nk[j]
            cov[j].flat[:: d + 1] += reg_covar
    return nk / n, means, cov


def gaussian_mixture(X, n_components, rng=0, *, covariance_type="full", n_init=1, max_iter=100,
                     tol=1e-3, reg_covar=1e-6):
    r"""Gaussian mixture fitted by expectation-maximisation.

    Initialisation: responsibilities from one k-means run (seeded by ``rng``). Then
    alternately the E-step :math:`r_{ij} \propto \pi_j\, \mathcal N(x_i \mid \mu_j, \Sigma_j)`
    (in log space) and the M-step :math:`\pi_j = N_j / n`, :math:`\mu_j = \sum_i r_{ij} x_i / N_j`,
    :math:`\Sigma_j = \sum_i r_{ij} (x_i - \mu_j)(x_i - \mu_j)^T / N_j + \text{reg\_covar}\, I`,
    until the mean log-likelihood improves by less than ``tol``.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    n_components : int
    rng : int, np.random.Generator or None, default 0
    covariance_type : {"full", "diag"}, default "full"
    n_init : int, default 1
        Runs from different k-means seeds; the highest likelihood wins.
    max_iter : int, default 100
    tol : float, default 1e-3
    reg_covar : float, default 1e-6
        Added to the covariance diagonals, keeping them positive definite.

    Returns
    -------
    GaussianMixtureResult
        With ``weights``, ``means``, ``covariances``, ``labels``, ``log_likelihood``,
        and methods ``predict``, ``predict_proba`` and ``score_samples`` (the log
        density: usable as an anomaly scorer in :func:`em_mv_scores`).
    """
    X = _check_matrix("X", X)
    n_components = _check_int("n_components", n_components, minimum=1)
    if n_components > X.shape[0]:
        raise ValueError(f"n_components={n_components} exceeds the number of samples {X.shape[0]}")
    if covariance_type not in ("full", "diag"):
        raise ValueError(f"covariance_type must be 'full' or 'diag', got {covariance_type!r}")
    n_init = _check_int("n_init", n_init, minimum=1)
    max_iter = _check_int("max_iter", max_iter, minimum=1)
    tol = _check_real("tol", tol, low=0.0)
    reg_covar = _check_real("reg_covar", reg_covar, low=0.0)
    rng = np.random.default_rng(rng)
    n = X.shape[0]
    best = None
    for _ in range(n_init):
        labels = kmeans(X, n_components, rng, n_init=1).labels
        resp = np.zeros((n, n_components))
        resp[np.arange(n), labels] = 1.0
        weights, means, cov = _m_step(X, resp, covariance_type, reg_covar)
        lower = -np.inf
        converged = False
        for it in range(1, max_iter + 1):
            J = np.log(weights)[None, :] + _log_gaussian(X, means, cov, covariance_type)
            log_norm = logsumexp(J, axis=1)
            resp = np.exp(J - log_norm[:, None])
            prev, lower = lower, float(log_norm.mean())
            if abs(lower - prev) < tol:
                converged = True
                break
            weights, means, cov = _m_step(X, resp, covariance_type, reg_covar)
        # final E-step so that labels and likelihood match the returned parameters
        J = np.log(weights)[None, :] + _log_gaussian(X, means, cov, covariance_type)
        ll = float(logsumexp(J, axis=1).mean())
        if best is None or ll > best[4]:
            best = (weights, means, cov, np.argmax(J, axis=1).astype(np.int64), ll, it, converged)
    if not best[6]:
        warnings.warn(
            f"EM did not converge in max_iter={max_iter} iterations (tol={tol}); "
            "raise max_iter or tol",
            RuntimeWarning,
            stacklevel=2,
        )
    weights, means, cov, labels, ll, it, converged = best
    return GaussianMixtureResult(weights, means, cov, covariance_type, labels, ll, it, converged)


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
