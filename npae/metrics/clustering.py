r"""Scores of a clustering against class labels: homogeneity, completeness, V-measure.

Rosenberg & Hirschberg (2007), "V-Measure: a conditional entropy-based external
cluster evaluation measure"; used on latent codes by Norlander & Sopasakis (2019, §2.1).

.. math:: V_\beta = \frac{(1 + \beta)\, h\, c}{\beta h + c},\quad
          h = 1 - \frac{H(C \mid K)}{H(C)},\quad c = 1 - \frac{H(K \mid C)}{H(K)}

Symbols: :math:`C` the classes (``labels_true``), :math:`K` the clusters
(``labels_pred``), :math:`H` entropies in nats of the empirical joint distribution,
:math:`\beta` (``beta``) the weight of completeness.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_real
from ._common import _check_labels

__all__ = ["homogeneity_completeness_v_measure", "v_measure"]


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
    beta = check_real("beta", beta, low=0.0, low_open=True)
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