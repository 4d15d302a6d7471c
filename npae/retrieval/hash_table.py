r"""Semantic hashing as a hash table: buckets keyed by the packed code, Hamming balls by bit flips.

Reference: Salakhutdinov & Hinton, *Semantic hashing* (2009), §1 and §4: "store all
the documents in a hash table … the addresses are the binary codes"; documents
similar to a query are found "by simply accessing all the addresses that differ by
only a few bits from the address of the query" — retrieval whose cost depends on
the number of addresses probed, not on the size of the database.

.. math:: \mathrm{key}(b) = \sum_{j=0}^{B-1} b_j\, 2^j, \qquad
          \mathcal B_r(q) = \bigcup_{m:\ |m| \le r} T[\mathrm{key}(q) \oplus m], \qquad
          |\{m : |m| \le r\}| = \sum_{k=0}^{r} \binom{B}{k}

Symbols: :math:`b \in \{0, 1\}^B` a code of :math:`B \le 64` bits, :math:`T` the
table (a dict from key to the database rows with that code), :math:`m` a flip
mask of Hamming weight :math:`|m|`, :math:`\oplus` exclusive or, and
:math:`\mathcal B_r(q)` the Hamming ball of radius r around the query.  A lookup
costs :math:`\sum_k \binom{B}{k}` probes whatever the database size n; a
brute-force scan (:func:`hamming_scan`) costs n XOR-and-popcounts.  The table
wins while the probes are fewer than the work of the scan — small r, few bits, a
large database; with many bits most probed addresses are empty
(:math:`2^B \gg n`) and the scan wins.  ``benchmarks/hash_table.py`` measures where.
"""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np

from .._validation import check_int
from ..metrics._common import _check_labels
from ..metrics.retrieval import _check_bits

__all__ = ["HammingHashTable", "pack_codes", "hamming_scan", "flip_masks",
           "precision_recall_at_radius"]

MAX_BITS = 64


def pack_codes(bits):
    """Each binary code as one unsigned integer, bit j of the key = column j.

    Parameters
    ----------
    bits : array_like of shape (n, n_bits), bool or 0/1, n_bits <= 64

    Returns
    -------
    keys : ndarray of shape (n,), uint64
    """
    B = _check_bits("bits", bits)
    if B.shape[1] > MAX_BITS:
        raise ValueError(f"codes of {B.shape[1]} bits do not fit one 64-bit key; use at most "
                         f"{MAX_BITS} bits")
    weights = np.left_shift(np.uint64(1), np.arange(B.shape[1], dtype=np.uint64))  # (n_bits,)
    # integer sum of the set bits' weights: exact (a float matmul would round above 2**53)
    return np.bitwise_or.reduce(np.where(B, weights, np.uint64(0)), axis=1)


def flip_masks(n_bits, radius):
    r"""All masks of at most ``radius`` set bits among ``n_bits``, by weight: (:math:`\sum_k \binom{n_{bits}}{k}`,) uint64."""
    n_bits = check_int("n_bits", n_bits, 1, MAX_BITS)
    radius = check_int("radius", radius, 0, n_bits)
    masks = [0]
    for k in range(1, radius + 1):
        masks.extend(sum(1 << j for j in c) for c in combinations(range(n_bits), k))
    return np.array(masks, dtype=np.uint64)


def hamming_scan(keys_db, key, radius):
    """Brute force: the database rows within ``radius`` bits of ``key``, in row order.

    ``keys_db`` (n,) uint64 from :func:`pack_codes`; one XOR and popcount per row.
    Returns an int64 array of row indices.
    """
    d = np.bitwise_count(keys_db ^ np.uint64(key))  # (n,) Hamming distances
    return np.flatnonzero(d <= radius)


class HammingHashTable:
    """A dict from packed binary code to the database rows holding it.

    Parameters
    ----------
    codes : array_like of shape (n, n_bits), bool or 0/1
        The database's binary codes (e.g. :meth:`npae.SemanticHashingAutoencoder.hash`),
        n_bits <= 64.

    Attributes
    ----------
    n_bits : int
    n_entries : int
    keys_ : ndarray of shape (n,), uint64
        The packed code of each row (what the brute-force scan reads).
    buckets_ : dict int -> ndarray of int64
        Key -> the rows with that code, in increasing row order.

    Examples
    --------
    >>> import numpy as np
    >>> t = HammingHashTable(np.array([[0, 0, 1], [1, 0, 1], [0, 0, 1]]))
    >>> t.lookup([0, 0, 1]).tolist(), t.lookup([0, 0, 1], radius=1).tolist()
    ([0, 2], [0, 1, 2])
    """

    def __init__(self, codes):
        self.keys_ = pack_codes(codes)
        self.n_entries, self.n_bits = _check_bits("codes", codes).shape
        uniq, inverse = np.unique(self.keys_, return_inverse=True)
        order = np.argsort(inverse, kind="stable")  # rows grouped by bucket, row order inside
        starts = np.r_[0, np.cumsum(np.bincount(inverse, minlength=uniq.size))]
        self.buckets_ = {int(k): order[starts[i]:starts[i + 1]] for i, k in enumerate(uniq.tolist())}
        self._masks = {}

    @property
    def n_buckets(self):
        """Number of distinct codes (non-empty addresses) in the table."""
        return len(self.buckets_)

    def _query_key(self, code):
        q = np.asarray(code)
        if q.ndim != 1 or q.shape[0] != self.n_bits:
            raise ValueError(f"a query code must be 1-D with {self.n_bits} bits, got shape {q.shape}")
        return int(pack_codes(q[None])[0])

    def masks(self, radius):
        r"""The flip masks of a ball of ``radius`` (cached): (:math:`\sum_{k \le r} \binom{n_{bits}}{k}`,) uint64."""
        if radius not in self._masks:
            self._masks[radius] = flip_masks(self.n_bits, radius)
        return self._masks[radius]

    def n_probes(self, radius):
        r"""Addresses a lookup of ``radius`` visits: :math:`\sum_{k \le r} \binom{n_{bits}}{k}`."""
        radius = check_int("radius", radius, 0, self.n_bits)
        return sum(comb(self.n_bits, k) for k in range(radius + 1))

    def lookup(self, code, radius=0):
        """Rows whose code lies within ``radius`` bits of ``code``, by probing every flip.

        Parameters
        ----------
        code : array_like of shape (n_bits,), bool or 0/1
        radius : int, default 0
            0: the query's own bucket.

        Returns
        -------
        rows : ndarray of int64, increasing
            Exactly the rows of the Hamming ball (as :func:`hamming_scan` finds them).
        """
        radius = check_int("radius", radius, 0, self.n_bits)
        key = self._query_key(code)
        get = self.buckets_.get
        hits = [b for b in map(get, (np.uint64(key) ^ self.masks(radius)).tolist()) if b is not None]
        if not hits:
            return np.empty(0, dtype=np.int64)
        return np.sort(np.concatenate(hits)) if len(hits) > 1 else hits[0].copy()  # never the table's own array

    def scan(self, code, radius=0):
        """The same ball by brute force over every row (the baseline :meth:`lookup` is timed against)."""
        radius = check_int("radius", radius, 0, self.n_bits)
        return hamming_scan(self.keys_, self._query_key(code), radius)


def precision_recall_at_radius(table, codes_query, labels_query, labels_db, radii):
    """Precision and recall of the Hamming balls of the table, per radius.

    A retrieved row is relevant when its label equals the query's.  Precision is
    averaged over the queries whose ball is non-empty (an empty ball retrieves
    nothing, so it has no precision; the fraction of such queries is reported
    instead); recall over the queries with at least one relevant row in the database.

    Parameters
    ----------
    table : HammingHashTable
    codes_query : array_like of shape (n_query, n_bits)
    labels_query : array_like of shape (n_query,)
    labels_db : array_like of shape (table.n_entries,)
    radii : iterable of int

    Returns
    -------
    list of dict
        Per radius: "radius", "precision", "recall", "empty" (fraction of empty balls),
        "mean_retrieved" (rows per query) and "probes" (addresses per lookup).
    """
    Q = _check_bits("codes_query", codes_query)
    yq = _check_labels("labels_query", labels_query, Q.shape[0])
    yd = _check_labels("labels_db", labels_db, table.n_entries)
    labels, counts = np.unique(yd, return_counts=True)
    per_label = dict(zip(labels.tolist(), counts.tolist()))
    n_rel = [per_label.get(y, 0) for y in yq.tolist()]  # relevant rows in the database per query
    out = []
    for r in radii:
        prec, rec, sizes = [], [], []
        for q, y, rel in zip(Q, yq, n_rel):
            rows = table.lookup(q, r)
            sizes.append(rows.size)
            good = int(np.sum(yd[rows] == y))
            if rows.size:
                prec.append(good / rows.size)
            if rel:
                rec.append(good / rel)
        out.append({"radius": int(r), "precision": float(np.mean(prec)) if prec else float("nan"),
                    "recall": float(np.mean(rec)) if rec else float("nan"),
                    "empty": float(np.mean(np.asarray(sizes) == 0)),
                    "mean_retrieved": float(np.mean(sizes)), "probes": table.n_probes(r)})
    return out
