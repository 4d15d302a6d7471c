"""Tests for npae.metrics.retrieval: precision@k, Hamming tools, precision within a Hamming radius."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from npae.metrics.retrieval import (binarize_codes, hamming_distances, precision_at_hamming_radius,
                                    precision_at_k)


def test_precision_at_k_constructed_case():
    # database on a line: labels 0 at x = 0..4, labels 1 at x = 10..14
    db = np.r_[np.arange(5.0), np.arange(10.0, 15.0)][:, None]
    ydb = np.r_[np.zeros(5, int), np.ones(5, int)]
    q = np.array([[2.0], [11.0], [6.0]])
    yq = np.array([0, 1, 0])
    # query 3 at x=6: nearest are 4, 3, then 2 and 10 tie at distance 4: db order picks 2
    per = precision_at_k(q, yq, db, ydb, k=3, average=False)
    np.testing.assert_allclose(per, [1.0, 1.0, 1.0])
    per = precision_at_k(q, yq, db, ydb, k=4, average=False)
    np.testing.assert_allclose(per, [1.0, 1.0, 0.75])
    per = precision_at_k(q, yq, db, ydb, k=6, average=False)
    # q3: 4, 3 (d 2, 3), then 2 and 10 (d 4), then 1 and 11 (d 5) -> 4 of label 0 in 6
    np.testing.assert_allclose(per, [5 / 6, 5 / 6, 4 / 6])
    assert precision_at_k(q, yq, db, ydb, k=6) == pytest.approx((5 / 6 + 5 / 6 + 4 / 6) / 3)
    # leave-one-out within the database itself: 4 same-label neighbours out of 4
    assert precision_at_k(db, ydb, k=4) == pytest.approx(1.0)
    assert precision_at_k(db, ydb, k=5) == pytest.approx(0.8)


def test_precision_at_k_matches_sort_reference():
    rng = np.random.default_rng(0)
    Q, D = rng.standard_normal((30, 5)), rng.standard_normal((80, 5))
    yq, yd = rng.integers(0, 3, 30), rng.integers(0, 3, 80)
    for metric in ("euclidean", "cosine"):
        dist = cdist(Q, D, metric=metric)
        nn = np.argsort(dist, axis=1, kind="stable")[:, :7]
        ref = (yd[nn] == yq[:, None]).mean(axis=1)
        np.testing.assert_allclose(precision_at_k(Q, yq, D, yd, k=7, metric=metric, average=False), ref)
    bits_q, bits_d = Q > 0, D > 0
    dist = cdist(bits_q, bits_d, metric="hamming")
    nn = np.argsort(dist, axis=1, kind="stable")[:, :7]  # many ties: stable order decides
    ref = (yd[nn] == yq[:, None]).mean(axis=1)
    np.testing.assert_allclose(precision_at_k(bits_q, yq, bits_d, yd, k=7, metric="hamming", average=False), ref)
    # real codes are thresholded at 0.5 for Hamming retrieval
    np.testing.assert_allclose(
        precision_at_k(Q + 0.5, yq, D + 0.5, yd, k=7, metric="hamming", average=False), ref)


def test_hamming_tools():
    rng = np.random.default_rng(1)
    A, B = rng.random((6, 16)) > 0.5, rng.random((9, 16)) > 0.5
    H = hamming_distances(A, B)
    assert H.dtype == np.int64 and H.shape == (6, 9)
    np.testing.assert_array_equal(H, np.rint(cdist(A, B, "hamming") * 16))
    np.testing.assert_array_equal(hamming_distances(A.astype(int)), hamming_distances(A, A))
    np.testing.assert_array_equal(binarize_codes([[0.2, 0.7, 0.5]]), [[False, True, False]])
    with pytest.raises(ValueError, match="binarize_codes"):
        hamming_distances(rng.random((3, 4)))


def test_precision_at_hamming_radius_constructed_case():
    db = np.array([[0, 0, 0, 0], [0, 0, 0, 1], [1, 1, 1, 1], [1, 1, 1, 0], [0, 0, 1, 1]], dtype=bool)
    ydb = np.array([0, 0, 1, 1, 1])
    q = np.array([[0.1, 0.2, 0.3, 0.4], [0.9, 0.9, 0.9, 0.9], [0.1, 0.9, 0.1, 0.9]])
    yq = np.array([0, 1, 0])
    # q0 = 0000: radius 1 -> items 0, 1 (both label 0) -> 1.0
    # q1 = 1111: radius 1 -> items 2, 3 -> 1.0
    # q2 = 0101: radius 1 -> items 1 (0001) label 0 -> 1.0;
    per = precision_at_hamming_radius(q, yq, db, ydb, radius=1, average=False)
    np.testing.assert_allclose(per, [1.0, 1.0, 1.0])
    # radius 2: q0 -> 0,1,4 (4 = 0011 is label 1) -> 2/3; q1 -> 2,3,4 -> 1; q2 -> 0,1,2,4 -> 2/4
    per = precision_at_hamming_radius(q, yq, db, ydb, radius=2, average=False)
    np.testing.assert_allclose(per, [2 / 3, 1.0, 0.5])
    # radius 0 and nothing retrieved counts 0
    per = precision_at_hamming_radius(q, yq, db, ydb, radius=0, average=False)
    np.testing.assert_allclose(per, [1.0, 1.0, 0.0])
    # leave-one-out within db: item 0 (0000) sees item 1 at radius 1, label 0 -> 1
    assert precision_at_hamming_radius(db, ydb, radius=1, average=False)[0] == 1.0


def test_retrieval_errors():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="metric"):
        precision_at_k(X, [0, 0, 1, 1], metric="manhattan")
    with pytest.raises(ValueError, match="larger than"):
        precision_at_k(X, [0, 0, 1, 1], k=4)
    with pytest.raises(ValueError, match="together"):
        precision_at_k(X, [0, 0, 1, 1], X)
    with pytest.raises(ValueError, match="all-zero row"):
        precision_at_k(X, [0, 0, 1, 1], metric="cosine")
    with pytest.raises(ValueError, match="must have 4 entries"):
        precision_at_k(X, [0, 1])


# ---------------------------------------------- Hamming ranking: brute-force references
def brute_force_rankings(Bq, yq, Bd, yd, loo):
    """Per query: the database labels sorted by (Hamming distance, index), by Python sorting."""
    out = []
    for i, (q, y) in enumerate(zip(Bq, yq)):
        items = [(int(np.sum(q != d)), j, yd[j]) for j, d in enumerate(Bd) if not (loo and j == i)]
        out.append([lab == y for _, _, lab in sorted(items)])
    return out


def brute_force_ap(rel):
    hits, total = 0, 0.0
    for r, is_rel in enumerate(rel, start=1):
        if is_rel:
            hits += 1
            total += hits / r
    return total / hits if hits else 0.0


@pytest.mark.parametrize("loo", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hamming_precision_at_k_and_map_against_brute_force(seed, loo):
    from npae.metrics import mean_average_precision

    rng = np.random.default_rng(seed)
    Bd = rng.random((30, 6)) < 0.5
    yd = rng.integers(0, 3, 30)
    Bq, yq = (Bd, yd) if loo else (rng.random((9, 6)) < 0.5, rng.integers(0, 4, 9))
    rankings = brute_force_rankings(Bq, yq, Bd, yd, loo)
    db = () if loo else (Bd, yd)
    for k in (1, 5, 17):
        per = precision_at_k(Bq, yq, *db, k=k, metric="hamming", average=False)
        np.testing.assert_allclose(per, [np.mean(r[:k]) for r in rankings], atol=1e-12)
    per = mean_average_precision(Bq, yq, *db, average=False)
    np.testing.assert_allclose(per, [brute_force_ap(r) for r in rankings], atol=1e-12)
    assert mean_average_precision(Bq, yq, *db) == pytest.approx(per.mean())


def test_map_hand_case_and_perfect_codes():
    from npae.metrics import mean_average_precision

    db = np.array([[0, 0], [1, 1], [0, 1]], dtype=bool)
    # query 00 (label 0): ranking 00 (0, rel), 01 (1, not), 11 (1, rel) -> AP = (1 + 2/3) / 2
    assert mean_average_precision([[False, False]], [0], db, [0, 0, 1]) == pytest.approx(5 / 6)
    codes = np.repeat(np.eye(3, dtype=bool), 4, axis=0)
    assert mean_average_precision(codes, np.repeat(np.arange(3), 4)) == pytest.approx(1.0)
    assert mean_average_precision([[0.2, 0.7]], [5], db, [0, 0, 1]) == 0.0  # no relevant item


@pytest.mark.parametrize("metric", ["hamming", "euclidean"])
def test_masked_codes_are_refused(metric):
    """Hamming ranking thresholds real codes: a masked array must be refused before its
    mask is lost, as the Euclidean path does."""
    from npae.metrics import mean_average_precision

    rng = np.random.default_rng(0)
    codes, labels = rng.random((6, 8)), np.arange(6) % 2
    masked = np.ma.array(codes, mask=codes > 0.5)
    with pytest.raises(TypeError, match="codes_query is a masked array"):
        mean_average_precision(masked, labels, codes, labels, metric=metric)
    with pytest.raises(TypeError, match="codes_db is a masked array"):
        precision_at_hamming_radius(codes, labels, masked, labels)
    with pytest.raises(TypeError, match="bits_a is a masked array"):
        hamming_distances(np.ma.array(codes > 0.5))
