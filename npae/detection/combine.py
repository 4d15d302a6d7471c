r"""Several anomaly scores made comparable and combined into one.

Aggarwal & Sathe, *Outlier Ensembles* (2017), ch. 5, and Chen, Sathe, Aggarwal & Turaga
(2017) (the median of standardised scores of autoencoders): scores on different scales
(a squared reconstruction error, a distance, a log density) are first standardised on
the **training** rows, then averaged, so no score dominates by its units.

.. math:: u_j(x) = \frac{s_j(x) - \mu_j}{\sigma_j} \quad (\text{"mean", "median"}), \qquad
          u_j(x) = \frac{1}{n} \#\{ i : s_j(x^{(i)}) \le s_j(x) \} \quad (\text{"rank"}), \\
          s(x) = \operatorname{mean}_j u_j(x) \text{ or } \operatorname{median}_j u_j(x)

Symbols: :math:`s_j` the j-th component score (higher = more abnormal),
:math:`\mu_j, \sigma_j` its mean and standard deviation over the n training rows
:math:`x^{(i)}` (:math:`\sigma_j = 1` when they are all equal), "rank" the empirical
distribution function of the training scores (the rank average of Aggarwal & Sathe).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ScoreCombiner", "COMBINE_RULES"]

COMBINE_RULES = ("mean", "median", "rank")


class ScoreCombiner:
    """Standardise component scores on the training rows, then average them.

    Parameters
    ----------
    S_train : ndarray of shape (n, c)
        The c component scores of the n training rows.
    rule : {"mean", "median", "rank"}
        "mean" / "median" of z-scores, or "rank": the mean of the training ECDFs.
    """

    def __init__(self, S_train, rule="mean"):
        S = np.asarray(S_train, dtype=np.float64)
        if S.ndim != 2 or S.shape[0] < 2:
            raise ValueError(f"S_train must be (n >= 2, c), got shape {S.shape}")
        if rule not in COMBINE_RULES:
            raise ValueError(f"rule must be one of {COMBINE_RULES}, got {rule!r}")
        self.rule_ = rule
        self.mean_ = S.mean(axis=0)
        sd = S.std(axis=0)
        self.scale_ = np.where(sd > 0, sd, 1.0)  # a constant score contributes 0, not nan
        self.sorted_ = np.sort(S, axis=0) if rule == "rank" else None  # (n, c)

    def standardize(self, S):
        """(m, c) component scores -> (m, c) comparable scores."""
        S = np.asarray(S, dtype=np.float64)
        if self.rule_ != "rank":
            return (S - self.mean_) / self.scale_
        n = self.sorted_.shape[0]
        cols = [np.searchsorted(self.sorted_[:, j], S[:, j], side="right") for j in range(S.shape[1])]
        return np.stack(cols, axis=1) / n

    def __call__(self, S):
        """(m, c) component scores -> (m,) combined score, higher = more abnormal."""
        U = self.standardize(S)
        return np.median(U, axis=1) if self.rule_ == "median" else U.mean(axis=1)
