r"""Labelled outlier-detection scores: average precision and precision@n (PyOD's protocol).

Where :func:`npae.metrics.anomaly.roc_auc` asks how well a score *ranks* the
outliers over the inliers, these two ask how pure the top of the ranking is:

.. math:: \mathrm{AP} = \sum_k (R_k - R_{k-1})\, P_k, \qquad
          \mathrm{precision@}n = \frac{|\{i : s_i \ge s_{(n)}\} \cap O|}{|\{i : s_i \ge s_{(n)}\}|}

Symbols: :math:`s_i` the anomaly score of row ``i`` (**higher = more abnormal**, as
PyOD's ``decision_function``), :math:`O` the set of true outliers, :math:`P_k, R_k`
precision and recall when the rows scoring at least the k-th distinct threshold
(from the top) are flagged, :math:`n = |O|` by default and :math:`s_{(n)}` the
:math:`100(1 - n/N)`-th percentile of the N scores (PyOD's ``precision_n_scores``,
Zhao, Nasrullah & Li 2019, used in its benchmark). AP is scikit-learn's
``average_precision_score`` (no interpolation).
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int

__all__ = ["average_precision", "precision_at_n", "check_outlier_labels"]


def check_outlier_labels(is_outlier, score, *, need_both=True):
    """Validate a 0/1 (or bool) label vector and a score vector of the same length.

    Returns
    -------
    y : ndarray of bool, shape (n,)
    s : ndarray of float64, shape (n,)
    """
    y = np.asarray(is_outlier)
    s = np.asarray(score)
    if y.ndim != 1 or s.ndim != 1:
        raise ValueError(f"is_outlier and the scores must be 1-D, got shapes {y.shape} and {s.shape}; "
                         "pass y.ravel() for a column vector such as ODDS's y")
    if y.shape != s.shape:
        raise ValueError(f"is_outlier has {y.shape[0]} labels but there are {s.shape[0]} scores; "
                         "pass one label per scored row")
    if s.dtype.kind not in "biuf":
        raise TypeError(f"scores must be real numbers, got dtype {s.dtype}")
    s = s.astype(np.float64)
    if y.dtype != bool:
        if y.dtype.kind not in "biuf" or not np.isin(y, (0, 1)).all():
            raise ValueError("is_outlier must be boolean or 0/1 (1 = outlier)")
        y = y.astype(bool)
    if not np.all(np.isfinite(s)):
        raise ValueError("the scores contain NaN or infinite values")
    if need_both and (y.all() or not y.any()):
        raise ValueError("is_outlier needs both outliers (1) and inliers (0)")
    return y, s


def average_precision(is_outlier, anomaly_score):
    """Average precision of an anomaly score (higher = more abnormal).

    The area under the precision-recall curve without interpolation, the
    thresholds being the distinct scores (ties flagged together), as
    scikit-learn's ``average_precision_score``. A random score gets about the
    outlier fraction; a perfect ranking gets 1.

    Parameters
    ----------
    is_outlier : array_like of bool or 0/1, shape (n,)
    anomaly_score : array_like of float, shape (n,)

    Returns
    -------
    float
    """
    y, s = check_outlier_labels(is_outlier, anomaly_score)
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    # the last row of each group of tied scores closes a threshold
    last = np.r_[np.flatnonzero(np.diff(s) != 0), s.size - 1]
    tp = np.cumsum(y)[last]
    flagged = last + 1
    precision = tp / flagged
    recall = tp / tp[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def precision_at_n(is_outlier, anomaly_score, n=None):
    """Precision among the ``n`` highest-scored rows, ``n`` the number of true outliers by default.

    As PyOD's ``precision_n_scores``: the rows with a score at or above the
    ``100 (1 - n / N)``-th percentile (linear interpolation) are flagged, and the
    fraction of true outliers among them is returned (ties at the threshold are
    all flagged, so more than ``n`` rows may be).

    Parameters
    ----------
    is_outlier : array_like of bool or 0/1, shape (N,)
    anomaly_score : array_like of float, shape (N,)
    n : int, optional
        Default: the number of true outliers.

    Returns
    -------
    float
    """
    y, s = check_outlier_labels(is_outlier, anomaly_score)
    n = int(y.sum()) if n is None else check_int("n", n, minimum=1, maximum=y.size)
    threshold = np.percentile(s, 100.0 * (1.0 - n / y.size))
    flagged = s >= threshold
    return float(y[flagged].mean())
