"""Semantic hashing (Salakhutdinov & Hinton 2009) and its linear baselines: gradients
with the code noise held fixed on both paths, binary and deterministic codes, the
noise saturating the code units, LSH / PCA / ITQ codes."""

import numpy as np
import pytest

from npae import SemanticHashingAutoencoder
from npae.gradcheck import check_gradients
from npae.classical.hashing import fit_linear_hash
from helpers import assert_paths_agree, blobs

X12 = np.random.default_rng(0).random((12, 7))


@pytest.mark.parametrize("example", SemanticHashingAutoencoder._examples)
def test_gradients_on_both_paths(example):
    m = SemanticHashingAutoencoder(**example).initialize(X12)
    for vectorized in (True, False):
        report = check_gradients(m, X12, rng=0, vectorized=vectorized)
        assert report.passed, str(report)
    assert_paths_agree(m.loss_and_grads(X12, rng=3)[1],
                       m.loss_and_grads(X12, rng=3, vectorized=False)[1])
    # the noise is in the loss: another draw, another loss; the same draw, the same loss
    assert m.loss_and_grads(X12, rng=1)[0] != m.loss_and_grads(X12, rng=2)[0]
    assert m.loss_and_grads(X12, rng=1)[0] == m.loss_and_grads(X12, rng=1)[0]


def test_the_checker_catches_a_missing_sigmoid_derivative():
    class Wrong(SemanticHashingAutoencoder):
        def _loss(self, params, X, y, rng, ops, grads):
            terms = super()._loss(params, X, y, rng, ops, grads)
            grads["encoder.1.W"] *= 4.0  # a wrong scale on the code layer's weights
            return terms

    m = Wrong(**SemanticHashingAutoencoder._examples[0]).initialize(X12)
    assert not check_gradients(m, X12, rng=0).passed


def test_codes_are_binary_deterministic_and_saturated_by_the_noise():
    X, _ = blobs(n=200, k=4, d=10, std=1.0, seed=1)
    X = (X - X.min()) / (X.max() - X.min())
    kw = dict(hidden=(16,), latent_dim=6, activation="tanh", epochs=60, batch_size=20, learning_rate=1e-2)
    noisy = SemanticHashingAutoencoder(code_noise_std=4.0, **kw).fit(X)
    plain = SemanticHashingAutoencoder(code_noise_std=0.0, **kw).fit(X)
    B = noisy.hash(X)
    assert B.dtype == bool and B.shape == (200, 6)
    np.testing.assert_array_equal(B, noisy.hash(X))  # no noise at test time
    np.testing.assert_array_equal(B, noisy.transform(X) > 0.5)

    def saturated(m):
        C = m.transform(X)
        return np.mean((C < 0.05) | (C > 0.95))

    assert saturated(noisy) > 0.9 and saturated(noisy) > saturated(plain) + 0.2


@pytest.mark.parametrize("method", ["lsh", "pca", "itq"])
def test_linear_hashes(method):
    X, y = blobs(n=120, k=3, d=8, std=0.5, seed=2)
    h = fit_linear_hash(X, 4, method, rng=0)
    B = h.hash(X)
    assert B.dtype == bool and B.shape == (120, 4) and h.W.shape == (8, 4)
    np.testing.assert_array_equal(B, fit_linear_hash(X, 4, method, rng=0).hash(X))
    if method == "pca":  # signs of the centred PCA projections
        from npae.classical import PCA

        np.testing.assert_array_equal(B, PCA(n_components=4).fit(X).transform(X) > 0)
    if method == "itq":  # a rotation of the PCA directions that quantises better
        pca = fit_linear_hash(X, 4, "pca")
        R = np.linalg.lstsq(pca.W, h.W, rcond=None)[0]
        np.testing.assert_allclose(R.T @ R, np.eye(4), atol=1e-10)
        V = (X - X.mean(0)) @ pca.W

        def quantisation_error(Rot):
            P = V @ Rot
            return np.sum((np.where(P >= 0, 1.0, -1.0) - P) ** 2)

        assert quantisation_error(R) < quantisation_error(np.eye(4))


def test_linear_hash_bad_input():
    X = np.random.default_rng(0).random((10, 3))
    with pytest.raises(ValueError, match="at most"):
        fit_linear_hash(X, 5, "pca")
    with pytest.raises(ValueError, match="method"):
        fit_linear_hash(X, 2, "spectral")
    with pytest.raises(ValueError, match="features"):
        fit_linear_hash(X, 2, "lsh").hash(np.zeros((2, 4)))
