"""Comparisons shared by the test modules (imported as ``from helpers import ...``;
pytest puts this folder on sys.path)."""

import numpy as np


def rel_diff(a, b, floor=1e-300):
    """max |a − b| / max(|a|, |b|, floor)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), floor)
    return float(np.max(np.abs(a - b)) / scale)


def assert_paths_agree(gb, gr, scale=0.0, tol=1e-12):
    """Reference == batch gradients to ``tol`` (1e-12) relative, per tensor.

    A tensor's gradient is a sum over samples; when its terms cancel down to
    far less than their own size, the two summation orders differ by
    round-off of the *terms*.  The scale is therefore floored at 1e-3 of the
    terms' size (round-off of a 1e-3-sized term is still caught at 1e-15
    absolute), taken as the largest gradient entry of the model or ``scale``,
    whichever is larger.

    ``scale`` bounds the sum of the terms' absolute values where the gradients
    do not (as ``check_gradient``'s ``scale=`` does for the loss): a tensor can
    cancel while every other gradient of the model is small too.  For a
    Bernoulli cross-entropy on logits, |∂ℓ/∂logit| = |σ − y| ≤ −log(likelihood)
    (as −log s ≥ 1 − s), so the loss bounds the terms of the logits' gradients:
    pass ``scale=abs(loss)``.
    """
    assert set(gb) == set(gr)
    top = max([float(np.max(np.abs(g))) for g in gb.values()] + [abs(float(scale))])
    for name in gb:
        assert rel_diff(gb[name], gr[name], floor=max(1e-3 * top, 1e-300)) < tol, name


def blobs(n=600, k=4, d=3, std=0.6, seed=0):
    """``k`` Gaussian blobs in ``d`` dimensions -> (X (n, d), y (n,)), for clustering tests."""
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-10, 10, (k, d))
    y = rng.integers(0, k, n)
    return centers[y] + std * rng.standard_normal((n, d)), y
