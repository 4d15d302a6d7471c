r"""Scores of a clustering against class labels: homogeneity, completeness, V-measure,
accuracy under the best matching, and the V-score-against-number-of-clusters curve.

Rosenberg & Hirschberg (2007), "V-Measure: a conditional entropy-based external
cluster evaluation measure"; used on latent codes by Norlander & Sopasakis (2019, §2.1,
Table 1: the V-score maximised over the number of clusters).  Clustering accuracy
under the best one-to-one matching of clusters to classes (Xie, Girshick & Farhadi
2016, eq. 10), found by the Hungarian method (Kuhn 1955).

.. math:: V_\beta = \frac{(1 + \beta)\, h\, c}{\beta h + c},\quad
          h = 1 - \frac{H(C \mid K)}{H(C)},\quad c = 1 - \frac{H(K \mid C)}{H(K)},\quad
          \mathrm{ACC} = \max_{m} \frac{1}{n} \sum_i 1\{c_i = m(k_i)\}

Symbols: :math:`C` the classes (``labels_true``, :math:`c_i`), :math:`K` the clusters
(``labels_pred``, :math:`k_i`), :math:`H` entropies in nats of the empirical joint
distribution, :math:`\beta` (``beta``) the weight of completeness, :math:`m` a
one-to-one map from clusters to classes (clusters left unmatched count as errors).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import check_array, check_int, check_real
from ._common import _check_labels

__all__ = ["homogeneity_completeness_v_measure", "v_measure", "clustering_accuracy",
           "contingency_table", "v_measure_curve", "VMeasureCurve"]


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


def contingency_table(labels_true, labels_pred):
    """Counts n_ck of samples of class c in cluster k.

    Returns
    -------
    table : ndarray of shape (n_classes, n_clusters), int64
        Rows in the sorted order of the distinct ``labels_true``, columns in
        that of the distinct ``labels_pred``.
    """
    a = _check_labels("labels_true", labels_true)
    b = _check_labels("labels_pred", labels_pred, a.shape[0])
    if a.shape[0] == 0:
        raise ValueError("labels_true and labels_pred are empty; a clustering needs at least one sample")
    _, ci = np.unique(a, return_inverse=True)
    classes_k, ki = np.unique(b, return_inverse=True)
    n_c = int(ci.max()) + 1
    table = np.zeros((n_c, classes_k.size), dtype=np.int64)
    np.add.at(table, (ci.ravel(), ki.ravel()), 1)
    return table


def clustering_accuracy(labels_true, labels_pred):
    r"""Fraction of samples whose cluster maps to their class under the best one-to-one map.

    The map maximises the matched count :math:`\sum_k n_{m(k) k}` of the contingency
    table; it is found by the Hungarian method
    (``scipy.optimize.linear_sum_assignment`` on the table), in O(K³) rather
    than the K! of trying every permutation.  With more clusters than
    classes, the extra clusters stay unmatched and their samples count as
    errors (so over-clustering is not rewarded, unlike purity); with fewer,
    the unmatched classes do.  Labels need not be integers.

    Parameters
    ----------
    labels_true, labels_pred : array_like of shape (n_samples,)

    Returns
    -------
    accuracy : float in [0, 1]
        1 for a clustering equal to the classes up to renaming.
    """
    from scipy.optimize import linear_sum_assignment

    table = contingency_table(labels_true, labels_pred)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / table.sum())


class VMeasureCurve(NamedTuple):
    """V-measure against the number of clusters (:func:`v_measure_curve`).

    Attributes
    ----------
    n_clusters : ndarray of shape (m,), int
    v : ndarray of shape (m,)
        V-measure of the clustering with that many clusters.
    best_n_clusters : int
        The number of clusters of the largest V (the first, on ties).
    best_v : float
    method : str

    Methods
    -------
    at(k)
        The V-measure at ``k`` clusters, e.g. ``curve.at(10)`` for the
        number of classes.
    """

    n_clusters: np.ndarray
    v: np.ndarray
    best_n_clusters: int
    best_v: float
    method: str

    def at(self, k):
        """V-measure of the clustering with ``k`` clusters (one of ``n_clusters``)."""
        hits = np.flatnonzero(self.n_clusters == k)
        if hits.size == 0:
            raise ValueError(f"k = {k!r} is not on the curve; it has n_clusters "
                             f"{self.n_clusters.tolist()}")
        return float(self.v[hits[0]])


def v_measure_curve(codes, labels, n_clusters=range(2, 16), method="kmeans", rng=0, *,
                    n_init=4, covariance_type="full"):
    """The V-score of a clustering of ``codes`` as a function of the number of clusters.

    Norlander & Sopasakis (2019, §4.1, Table 1) cluster a latent space with
    k-means and with EM for a range of cluster counts and report the
    largest V-score and the count that reaches it; this is that search
    (their EM column: ``method="gmm"``).  A good latent space peaks near the
    true number of classes; the paper's plain VAE peaked at 14 clusters on
    the 10 digits.  The paper does not say whether it clustered the codes
    of the training images or of held-out ones; call this on each
    (``benchmarks/clvae_protocol.py`` reports both).

    Parameters
    ----------
    codes : array_like of shape (n_samples, n_features)
    labels : array_like of shape (n_samples,)
        The classes the V-measure compares with.
    n_clusters : iterable of int, default range(2, 16)
        Counts to try, each in [1, n_samples].
    method : {"kmeans", "gmm"}, default "kmeans"
        :func:`npae.classical.kmeans.kmeans` (``n_init`` seedings) or
        :func:`npae.classical.mixture.gaussian_mixture` (EM from a k-means start,
        ``n_init`` runs, ``covariance_type``).
    rng : int, np.random.Generator or None, default 0
        Seeds every clustering (one generator for the whole curve).

    Returns
    -------
    VMeasureCurve
        ``(n_clusters, v, best_n_clusters, best_v, method)``: the curve, its
        argmax and maximum; ``.at(k)`` reads the V at one count.

    Examples
    --------
    >>> import numpy as np
    >>> from npae.metrics import v_measure_curve
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1, 2], 50)
    >>> Z = 5.0 * y[:, None] + rng.standard_normal((150, 2))
    >>> c = v_measure_curve(Z, y, n_clusters=range(2, 6), method="gmm", n_init=2)
    >>> c.best_n_clusters, round(c.best_v, 2), c.at(3) == c.best_v
    (3, 1.0, True)
    """
    from ..classical.kmeans import kmeans
    from ..classical.mixture import gaussian_mixture

    Z = check_array(codes, name="codes")
    y = _check_labels("labels", labels, Z.shape[0])
    if method not in ("kmeans", "gmm"):
        raise ValueError(f"method must be 'kmeans' or 'gmm', got {method!r}")
    try:
        ks = [check_int("n_clusters", k, minimum=1, maximum=Z.shape[0]) for k in n_clusters]
    except TypeError as exc:
        raise TypeError(f"n_clusters must be an iterable of ints, e.g. range(2, 16); {exc}") from None
    if not ks:
        raise ValueError("n_clusters is empty; pass the counts to try, e.g. range(2, 16)")
    n_init = check_int("n_init", n_init, minimum=1)
    gen = np.random.default_rng(rng)
    v = np.empty(len(ks))
    for j, k in enumerate(ks):
        if method == "kmeans":
            pred = kmeans(Z, k, rng=gen, n_init=n_init).labels
        else:
            pred = gaussian_mixture(Z, k, rng=gen, n_init=n_init,
                                    covariance_type=covariance_type).labels
        v[j] = v_measure(y, pred)
    best = int(np.argmax(v))
    return VMeasureCurve(np.asarray(ks), v, ks[best], float(v[best]), method)
