"""Tests for npae.retrieval.hash_table: the hash table returns exactly the brute-force Hamming ball."""

from math import comb

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from npae.retrieval.hash_table import (HammingHashTable, flip_masks, hamming_scan, pack_codes,
                                precision_recall_at_radius)
from npae.metrics.retrieval import hamming_distances, precision_at_hamming_radius


def test_pack_codes_hand_values():
    keys = pack_codes(np.array([[1, 0, 0], [0, 1, 1], [1, 1, 1]]))
    assert keys.dtype == np.uint64 and keys.tolist() == [1, 6, 7]
    top = np.zeros((1, 64), bool)
    top[0, 63] = True  # above 2**53: must stay exact
    assert pack_codes(top).tolist() == [1 << 63]
    with pytest.raises(ValueError, match="64"):
        pack_codes(np.zeros((2, 65), bool))


def test_flip_masks_counts_and_weights():
    m = flip_masks(10, 3)
    assert m.size == sum(comb(10, k) for k in range(4)) == len(set(m.tolist()))
    assert np.bitwise_count(m).max() == 3 and m[0] == 0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), n=st.integers(1, 300), n_bits=st.integers(1, 40),
       radius=st.integers(0, 3), p=st.floats(0.05, 0.95))
def test_lookup_returns_exactly_the_brute_force_ball(seed, n, n_bits, radius, p):
    rng = np.random.default_rng(seed)
    # biased bits make crowded buckets (and empty ones), as real codes do
    codes = rng.random((n, n_bits)) < p
    table = HammingHashTable(codes)
    radius = min(radius, n_bits)
    queries = np.r_[codes[:5], rng.random((5, n_bits)) < p]
    D = hamming_distances(queries, codes)  # (10, n): the reference distances
    for q, d in zip(queries, D):
        want = np.flatnonzero(d <= radius)
        np.testing.assert_array_equal(table.lookup(q, radius), want)
        np.testing.assert_array_equal(table.scan(q, radius), want)
    assert sum(b.size for b in table.buckets_.values()) == n


def test_lookup_does_not_expose_the_table():
    table = HammingHashTable(np.array([[0, 1], [0, 1]]))
    rows = table.lookup([0, 1])
    rows[:] = -1
    assert table.lookup([0, 1]).tolist() == [0, 1]
    with pytest.raises(ValueError, match="2 bits"):
        table.lookup([0, 1, 1])
    with pytest.raises(ValueError, match="radius"):
        table.lookup([0, 1], radius=3)


def test_precision_recall_hand_case_and_existing_metric():
    db = np.array([[0, 0, 0], [0, 0, 1], [1, 1, 1], [0, 1, 1]], bool)
    y_db = np.array([0, 0, 1, 1])
    q = np.array([[0, 0, 0], [1, 1, 0]], bool)
    y_q = np.array([0, 1])
    res = precision_recall_at_radius(HammingHashTable(db), q, y_q, y_db, [0, 1])
    # r = 0: query 1 finds row 0 (1 of its 2 relevant rows), query 2 finds nothing (0 of 2)
    assert res[0]["precision"] == 1.0 and res[0]["recall"] == 0.25 and res[0]["empty"] == 0.5
    # r = 1: query 1 finds rows 0, 1 (both label 0); query 2 finds row 2 (label 1)
    assert res[1]["precision"] == 1.0 and res[1]["recall"] == pytest.approx((1 + 0.5) / 2)
    assert res[1]["probes"] == 4 and res[1]["mean_retrieved"] == 1.5
    # the library's precision within a radius scores empty balls 0 instead of leaving them out
    assert precision_at_hamming_radius(q, y_q, db, y_db, radius=0) == pytest.approx(0.5)


def test_hamming_scan_matches_distances():
    rng = np.random.default_rng(3)
    codes = rng.random((50, 20)) < 0.5
    keys = pack_codes(codes)
    d = hamming_distances(codes[:1], codes)[0]
    np.testing.assert_array_equal(hamming_scan(keys, keys[0], 6), np.flatnonzero(d <= 6))
