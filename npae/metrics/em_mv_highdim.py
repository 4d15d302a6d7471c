r"""EM/MV scores in high dimension: Goix's protocol of averaging over random feature subsets.

Goix (2016), "How to evaluate the quality of unsupervised anomaly detection
algorithms?", §4: the Monte-Carlo volumes of :func:`npae.metrics.anomaly.em_mv_scores`
need a uniform sample that fills the bounding box, hopeless beyond a handful of
dimensions. The protocol draws ``n_subsets`` random subsets of ``n_features``
features (without replacement), **refits** each detector on the training rows
restricted to the subset, computes its EM and MV areas on the test rows of that
subset, and averages:

.. math:: \overline{EM} = \frac{1}{|F|} \sum_{f \in F} EM_{s_f}, \qquad
          \overline{MV} = \frac{1}{|F|} \sum_{f \in F} MV_{s_f}

Symbols: :math:`F` the subsets whose bounding box has a positive volume (Goix skips
the flat ones), :math:`s_f` the scorer fitted on the features :math:`f` (higher =
more normal). With at most ``n_features`` features, the data are scored once on all
of them. All detectors see the same subsets and the same uniform sample, and their
EM areas share one integration interval per subset (as :func:`em_mv_scores`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._validation import check_array, check_int, check_rng
from .anomaly import em_mv_scores

__all__ = ["em_mv_feature_subsets"]


def em_mv_feature_subsets(fit_scorer, X_train, X_test=None, *, n_features=5, n_subsets=50,
                          n_generated=100_000, t_max=0.9, alpha_range=(0.9, 0.999), rng=0):
    """Goix's high-dimensional EM/MV protocol: areas averaged over random feature subsets.

    Parameters
    ----------
    fit_scorer : callable or Mapping of name -> callable
        ``fit_scorer(X_sub)`` fits a detector on the rows ``X_sub`` (m, n_features)
        and returns its scorer: a function ``(k, n_features) -> (k,)`` or an object
        with ``score_samples`` (higher = more normal). A mapping compares several
        detectors on the same subsets.
    X_train : array_like of shape (n_train, d)
        Rows the detectors are fitted on.
    X_test : array_like of shape (n_test, d), optional
        Rows whose EM/MV curves are measured (and whose bounding box holds the
        uniform sample); default ``X_train``.
    n_features : int, default 5
        Size of a subset (Goix's ``max_features``).
    n_subsets : int, default 50
        Number of subsets drawn (Goix's ``averaging``); ignored when ``d <= n_features``.
    n_generated, t_max, alpha_range
        As in :func:`npae.metrics.anomaly.em_mv_scores`.
    rng : int, np.random.Generator or None, default 0
        Draws the subsets and the uniform samples.

    Returns
    -------
    dict
        For one scorer: ``{"em": mean EM area (higher is better), "mv": mean MV
        area (lower is better), "em_per_subset": (n_used,), "mv_per_subset":
        (n_used,), "subsets": list of feature-index arrays}``; for a mapping,
        ``{name: that dict}``.
    """
    many = isinstance(fit_scorer, Mapping)
    fitters = dict(fit_scorer) if many else {"scorer": fit_scorer}
    if not fitters:
        raise ValueError("the mapping of scorer factories is empty")
    for name, fn in fitters.items():
        if not callable(fn):
            raise TypeError(f"fit_scorer {name!r} must be a function X_sub -> scorer, "
                            f"got {type(fn).__name__}")
    X_train = check_array(X_train, name="X_train")
    X_test = X_train if X_test is None else check_array(X_test, name="X_test",
                                                        n_features=X_train.shape[1])
    d = X_train.shape[1]
    n_features = check_int("n_features", n_features, minimum=1)
    n_subsets = check_int("n_subsets", n_subsets, minimum=1)
    rng = check_rng(rng)
    if d <= n_features:
        subsets = [np.arange(d)]
    else:
        subsets = [np.sort(rng.choice(d, n_features, replace=False)) for _ in range(n_subsets)]
    used, em, mv = [], {k: [] for k in fitters}, {k: [] for k in fitters}
    for f in subsets:
        Xs_test = X_test[:, f]
        if np.any(Xs_test.max(axis=0) <= Xs_test.min(axis=0)):
            continue  # a flat box has no volume: skipped, as in Goix's code
        scorers = {k: fn(X_train[:, f]) for k, fn in fitters.items()}
        res = em_mv_scores(scorers, Xs_test, n_generated=n_generated, t_max=t_max,
                           alpha_range=alpha_range, rng=rng)
        used.append(f)
        for k in fitters:
            em[k].append(res[k]["em"])
            mv[k].append(res[k]["mv"])
    if not used:
        raise ValueError("every feature subset of X_test is flat (a constant feature in each), "
                         "so no volume can be measured; drop constant features first")
    out = {k: {"em": float(np.mean(em[k])), "mv": float(np.mean(mv[k])),
               "em_per_subset": np.asarray(em[k]), "mv_per_subset": np.asarray(mv[k]),
               "subsets": used} for k in fitters}
    return out if many else out["scorer"]
