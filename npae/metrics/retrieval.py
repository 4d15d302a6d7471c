r"""Retrieval and semantic hashing scores over codes (Caron's review, §4.2).

Salakhutdinov & Hinton (2009), "Semantic hashing": threshold the codes into bits
and retrieve the items within a small Hamming ball of the query.

.. math:: \mathrm{precision@}k(q) = \frac{1}{k}\,\bigl|\{\, i \in N_k(q) : y_i = y_q \,\}\bigr|

Symbols: :math:`q` a query code, :math:`N_k(q)` its ``k`` nearest database codes
(Euclidean, cosine or Hamming distance), :math:`y` the labels; for
:func:`precision_at_hamming_radius`, :math:`N(q)` is the Hamming ball of ``radius``
and the denominator its size.  Mean average precision over the whole ranking,
:math:`\mathrm{AP}(q) = \frac{1}{R_q} \sum_{r:\, y_{(r)} = y_q} \mathrm{precision@}r(q)`,
with :math:`R_q` the number of database items of the query's label and :math:`y_{(r)}`
the label of the item ranked r-th.
"""

from __future__ import annotations

import numpy as np

from .._validation import _as_numeric_array, check_array, check_int, check_real
from ._common import _CHUNK_ENTRIES, _check_labels

__all__ = ["precision_at_k", "binarize_codes", "hamming_distances", "precision_at_hamming_radius",
           "mean_average_precision"]


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
    codes = check_array(codes, name="codes")
    return codes > check_real("threshold", threshold)


def _check_bits(name, bits):
    B = _as_numeric_array(bits, name)  # a masked or sparse array is refused, not unwrapped
    if B.ndim != 2 or B.shape[0] == 0 or B.shape[1] == 0:
        raise ValueError(f"{name} must be 2-D of shape (n_samples, n_bits), got shape {B.shape}")
    if B.dtype != bool:
        if B.dtype.kind not in "uif" or not np.all((B == 0) | (B == 1)):
            raise ValueError(f"{name} must be binary (bool or 0/1); threshold real codes with binarize_codes(codes) first")
        B = B.astype(bool)
    return B


def _binary_codes(name, codes, threshold=0.5):
    """Bool codes as given, real codes thresholded by :func:`binarize_codes`."""
    c = _as_numeric_array(codes, name)
    return _check_bits(name, c) if c.dtype == bool else binarize_codes(c, threshold)


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


def _distance_blocks(Q, D, metric, loo):
    """Yield (first row, block size, distances (b, n_db)) over blocks of queries; with
    ``loo`` each query's distance to itself is inf (never retrieved)."""
    d_sqnorm = np.sum(D * D, axis=1)
    step = max(1, _CHUNK_ENTRIES // D.shape[0])
    for i in range(0, Q.shape[0], step):
        dist = _distance_block(Q[i:i + step], D, metric, d_sqnorm)
        if loo:
            rows = np.arange(dist.shape[0])
            dist[rows, rows + i] = np.inf
        yield i, step, dist


def _retrieval_inputs(codes_query, labels_query, codes_db, labels_db, metric):
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {_METRICS}, got {metric!r}")
    if metric == "hamming":
        Q = _binary_codes("codes_query", codes_query)
    else:
        Q = check_array(codes_query, name="codes_query")
    yq = _check_labels("labels_query", labels_query, Q.shape[0])
    if (codes_db is None) != (labels_db is None):
        raise ValueError("pass codes_db and labels_db together, or neither (leave-one-out within the queries)")
    if codes_db is None:
        D, yd, loo = Q, yq, True
    else:
        if metric == "hamming":
            D = _binary_codes("codes_db", codes_db)
        else:
            D = check_array(codes_db, name="codes_db")
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
    k = check_int("k", k, minimum=1)
    n_db = D.shape[0] - (1 if loo else 0)
    if k > n_db:
        raise ValueError(f"k={k} is larger than the {n_db} database items available")
    out = np.empty(Q.shape[0])
    for i, step, dist in _distance_blocks(Q, D, metric, loo):
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
    radius = check_int("radius", radius, minimum=0)
    threshold = check_real("threshold", threshold)
    Q = _binary_codes("codes_query", codes_query, threshold)
    yq = _check_labels("labels_query", labels_query, Q.shape[0])
    if (codes_db is None) != (labels_db is None):
        raise ValueError("pass codes_db and labels_db together, or neither (leave-one-out within the queries)")
    loo = codes_db is None
    D = Q if loo else _binary_codes("codes_db", codes_db, threshold)
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


def mean_average_precision(codes_query, labels_query, codes_db=None, labels_db=None,
                           metric="hamming", *, average=True):
    r"""Mean over queries of the average precision of the full ranking of the database.

    :math:`\mathrm{AP}(q) = \frac1{R_q} \sum_{r : \text{item } r \text{ relevant}} \mathrm{precision@}r(q)`,
    :math:`R_q` the number of
    relevant items (same label as q) in the database; AP is the area under
    the precision-recall curve of the ranking.  Ties in distance (frequent
    with Hamming distances: b+1 values for b bits) are broken by database
    order, as in :func:`precision_at_k`, so the result is deterministic.  A
    query with no relevant item has AP 0.

    Parameters
    ----------
    codes_query, labels_query, codes_db, labels_db
        As in :func:`precision_at_k` (leave-one-out without a database).
    metric : {"hamming", "euclidean", "cosine"}, default "hamming"
        "hamming" thresholds real codes at 0.5 first (bool codes are used as given).
    average : bool, default True
        Return the mean over queries, else the per-query APs.

    Returns
    -------
    mAP : float or ndarray of shape (n_query,)
    """
    Q, yq, D, yd, loo = _retrieval_inputs(codes_query, labels_query, codes_db, labels_db, metric)
    out = np.empty(Q.shape[0])
    for i, step, dist in _distance_blocks(Q, D, metric, loo):
        rel = (yd[None, :] == yq[i:i + step, None]) & np.isfinite(dist)  # (b, n_db); not itself
        order = np.argsort(dist, axis=1, kind="stable")
        hits = np.take_along_axis(rel, order, axis=1)  # relevance in rank order
        ranks = np.arange(1, hits.shape[1] + 1)
        prec = np.cumsum(hits, axis=1) / ranks  # precision@r for every r
        n_rel = hits.sum(axis=1)
        out[i:i + step] = np.where(n_rel > 0, np.sum(prec * hits, axis=1) / np.maximum(n_rel, 1), 0.0)
    return float(out.mean()) if average else out
