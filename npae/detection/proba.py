r"""Outlier probabilities and prediction confidence from scores, with PyOD's conventions.

PyOD (Zhao, Nasrullah & Li 2019), ``BaseDetector.predict_proba`` and
``predict_confidence``: "linear" rescales a score by the training scores' range;
"unify" is Kriegel, Kröger, Schubert & Zimek (2011), *Interpreting and unifying outlier
scores* (Gaussian scaling); the confidence is Perini, Vercruyssen & Davis (2020),
*Quantifying the confidence of anomaly detectors in their example-wise predictions*
(ExCeeD). With ``t`` the n training scores, :math:`\mu, \sigma` their mean and
standard deviation, ``c`` the contamination:

.. math:: p_{\mathrm{lin}}(s) = \mathrm{clip}\Big(\frac{s - \min t}{\max t - \min t}, 0, 1\Big), \qquad
          p_{\mathrm{unify}}(s) = \max\Big(0, \operatorname{erf}\frac{s - \mu}{\sigma \sqrt 2}\Big), \\
          \hat p(s) = \frac{1 + \#\{i : t_i \le s\}}{2 + n}, \qquad
          \mathrm{conf}(s) = 1 - F_{\mathrm{Bin}(n, \hat p)}(n - \lfloor n c \rfloor)

and the confidence of a row predicted inlier is :math:`1 - \mathrm{conf}`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf
from scipy.stats import binom

__all__ = ["outlier_probability", "prediction_confidence", "PROBA_METHODS"]

PROBA_METHODS = ("linear", "unify")


def outlier_probability(scores, train_scores, method="linear"):
    """(m,) scores -> (m, 2): columns P(inlier), P(outlier), each in [0, 1]."""
    s = np.asarray(scores, dtype=np.float64)
    t = np.asarray(train_scores, dtype=np.float64)
    if method == "linear":
        span = t.max() - t.min()
        p = np.clip((s - t.min()) / (span if span > 0 else 1.0), 0.0, 1.0)
    elif method == "unify":
        sd = t.std()
        p = np.clip(erf((s - t.mean()) / ((sd if sd > 0 else 1.0) * np.sqrt(2.0))), 0.0, 1.0)
    else:
        raise ValueError(f"method must be one of {PROBA_METHODS}, got {method!r}")
    return np.stack([1.0 - p, p], axis=1)


def prediction_confidence(scores, train_scores, contamination, threshold):
    """(m,) scores -> (m,) confidence in [0, 1] of the 0/1 prediction ``score > threshold``."""
    s = np.asarray(scores, dtype=np.float64)
    t = np.sort(np.asarray(train_scores, dtype=np.float64))
    n = t.size
    below = np.searchsorted(t, s, side="right")  # #{i : t_i <= s}
    p_hat = (1.0 + below) / (2.0 + n)
    conf = 1.0 - binom.cdf(n - int(n * contamination), n, p_hat)
    return np.where(s > threshold, conf, 1.0 - conf)
