"""npae's linear Autoencoder learns PCA: the core model against npae.classical, and the
issue's claims at the issue's tolerances, on synthetic data and real digits."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linear_helpers import (FAST, assert_rows_equal_up_to_sign, cov_eigh, l2_lae_loss_and_grad,
                            make_data)
from npae.classical import (PCA, linear_autoencoder_closed_form, predicted_decoder_singular_values,
                         principal_angles, recover_principal_components)


# ----------------------------------------------------------------------------
# npae's linear Autoencoder learns PCA (the core model against this module)
# ----------------------------------------------------------------------------


def linear_ae(k, **kw):
    npae = pytest.importorskip("npae")
    return npae.Autoencoder(hidden=(), latent_dim=k, activation="identity", loss="mse", **kw)


def set_params(ae, params):
    for name, value in params.items():
        ae.params_[name][...] = value


class TestAutoencoderIsPCA:
    @pytest.mark.parametrize("vectorized", [True, False])
    def test_closed_form_is_a_critical_point_of_the_model_loss(self, vectorized):
        X = make_data(n=80, d=6, seed=20)
        k = 2
        ae = linear_ae(k).initialize(X)
        assert {n: p.shape for n, p in ae.params_.items()} == {
            "encoder.0.W": (6, k), "encoder.0.b": (k,), "decoder.0.W": (k, 6), "decoder.0.b": (6,)}
        set_params(ae, linear_autoencoder_closed_form(X, k).as_params())
        loss, grads = ae.loss_and_grads(X, vectorized=vectorized)
        ev, _ = cov_eigh(X, ddof=0)
        np.testing.assert_allclose(loss, 0.5 * ev[k:].sum(), rtol=1e-10)
        for name, g in grads.items():
            np.testing.assert_allclose(g, 0, atol=1e-10, err_msg=name)
        np.testing.assert_allclose(ae.transform(X), PCA(k).fit(X).transform(X), atol=1e-10)
        # one convention for both: per-row mean over features (h2o's per-row MSE)
        np.testing.assert_allclose(ae.reconstruction_error(X),
                                   PCA(k).fit(X).reconstruction_error(X), rtol=1e-8)
        np.testing.assert_allclose(ae.reconstruction_error(X, per_feature=True),
                                   PCA(k).fit(X).reconstruction_error(X, per_feature=True),
                                   rtol=1e-7, atol=1e-13)

    def test_model_gradient_matches_the_independent_formula(self):
        X = make_data(n=50, d=5, seed=21, scales=(3.0, 2.0, 1.4, 0.8, 0.4))
        X = X - X.mean(0)
        k, lam = 3, 0.4
        ae = linear_ae(k, weight_decay=lam).initialize(X)
        ae.params_["encoder.0.b"][...] = 0.0
        ae.params_["decoder.0.b"][...] = 0.0
        W1, W2 = ae.params_["encoder.0.W"], ae.params_["decoder.0.W"]
        ref_loss, ref_grad = l2_lae_loss_and_grad(np.concatenate([W1.ravel(), W2.ravel()]),
                                                  X, k, lam)
        loss, grads = ae.loss_and_grads(X)
        np.testing.assert_allclose(loss, ref_loss, rtol=1e-12)
        np.testing.assert_allclose(grads["encoder.0.W"].ravel(), ref_grad[: 5 * k], rtol=1e-10,
                                   atol=1e-14)
        np.testing.assert_allclose(grads["decoder.0.W"].ravel(), ref_grad[5 * k:], rtol=1e-10,
                                   atol=1e-14)

    def test_trained_linear_ae_spans_the_pca_subspace(self):
        X = make_data(n=150, d=6, seed=22)
        k = 3
        ae = linear_ae(k, optimizer="lbfgs", epochs=3000, random_state=0).fit(X)
        pca = PCA(k).fit(X)
        th = principal_angles(ae.params_["decoder.0.W"].T, pca.components_.T)
        np.testing.assert_allclose(th, 0, atol=1e-4)
        th = principal_angles(ae.params_["encoder.0.W"], pca.components_.T)
        np.testing.assert_allclose(th, 0, atol=1e-4)
        ev, _ = cov_eigh(X, ddof=0)
        np.testing.assert_allclose(ae.history_["loss"][-1], 0.5 * ev[k:].sum(), rtol=1e-8)
        # the learned basis is a mixing of the principal directions, recovered by PCA inside it
        V, _ = recover_principal_components(ae.params_["decoder.0.W"])
        inner = PCA().fit((X - X.mean(0)) @ V.T)
        assert_rows_equal_up_to_sign(inner.components_ @ V, pca.components_, atol=1e-4)

    def test_weight_decay_learns_the_ordered_principal_directions(self):
        X = make_data(n=150, d=5, seed=23, scales=(3.0, 2.0, 1.4, 0.8, 0.4))  # not centred
        k, lam = 3, 0.5
        ae = linear_ae(k, weight_decay=lam, optimizer="lbfgs", epochs=5000,
                       random_state=1).fit(X)
        ev, _ = cov_eigh(X, ddof=0)  # biases absorb the mean; S = Xc^T Xc / n
        W1, W2 = ae.params_["encoder.0.W"], ae.params_["decoder.0.W"]
        comps, s = recover_principal_components(W2)
        np.testing.assert_allclose(s, predicted_decoder_singular_values(ev[:k], lam), atol=1e-5)
        np.testing.assert_allclose(W1, W2.T, atol=1e-5)
        np.testing.assert_allclose(comps, PCA(k).fit(X).components_, atol=1e-4)

    def test_adam_gets_the_subspace(self):
        X = make_data(n=200, d=5, seed=24, scales=(3.0, 2.0, 0.3, 0.2, 0.1))
        ae = linear_ae(2, optimizer="adam", learning_rate=0.01, batch_size=200, epochs=3000,
                       random_state=0).fit(X)
        th = principal_angles(ae.params_["decoder.0.W"].T, PCA(2).fit(X).components_.T)
        assert th.max() < 0.01
        ev, _ = cov_eigh(X, ddof=0)
        loss, _ = ae.loss_and_grads(X)
        assert 0.5 * ev[2:].sum() <= loss < 1.05 * 0.5 * ev[2:].sum()  # Adam jitters at lr 0.01


# ----------------------------------------------------------------------------
# the issue's claims at the issue's tolerances, on synthetic data and real digits
# ----------------------------------------------------------------------------


def small_digits(n=400):
    """``n`` bundled MNIST digits average-pooled 2x2 to 14x14 = 196 pixels (fast, still real)."""
    from npae.datasets import load_mnist

    X, _ = load_mnist(n=n)
    return X.reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4)).reshape(n, 196)


def centred_gap_data():
    """Centred data in R^8 with a clear gap between the 3rd and 4th eigenvalues."""
    X = make_data(n=200, d=8, seed=30, scales=(4.0, 3.0, 2.5, 0.8, 0.6, 0.5, 0.3, 0.2))
    return X - X.mean(0)


def cosines(A, B):
    """|cos| between matching unit rows of A and B."""
    return np.abs(np.sum(A * B, axis=1))


class TestIssueClaims:
    @pytest.mark.parametrize("data, k, iters", [
        (centred_gap_data, 3, 3000),
        (small_digits, 3, 1000),  # digits: eigenvalues 1.42, .83, .73 | .66 -- a small gap
    ], ids=["synthetic", "digits"])
    def test_unregularised_linear_ae_reaches_the_pca_subspace(self, data, k, iters):
        X = data()
        X = X - X.mean(0)  # the claim is about centred data (the biases then stay ~0)
        n, d = X.shape
        ae = linear_ae(k, optimizer="lbfgs", epochs=iters, random_state=0).fit(X)
        pca = PCA(k).fit(X)
        # largest principal angle between the decoder's row space and the top-k PCs
        theta = principal_angles(ae.params_["decoder.0.W"].T, pca.components_.T)
        assert theta.max() < 1e-3, theta
        # The encoder is pinned down only where the data lives: digits have constant
        # (border) pixels whose encoder weights get no gradient, and rarely-inked pixels
        # whose weights converge slowly. So compare what the encoder does to the data:
        # the codes X W1 must span the same k-dim subspace of R^n as the PCA scores.
        codes = X @ ae.params_["encoder.0.W"]  # (n, d) @ (d, k) -> (n, k)
        assert principal_angles(codes, pca.transform(X)).max() < 1e-3
        # training error vs PCA's = the discarded eigenvalues of Xc^T Xc / n (loss normalisation)
        ev, _ = cov_eigh(X, ddof=0)
        optimum = 0.5 * ev[k:].sum()
        rec = ae.loss_terms(X)["reconstruction"]
        assert optimum * (1 - 1e-12) <= rec <= optimum * (1 + 1e-4)
        ae_err = ae.reconstruction_error(X).mean()
        pca_err = pca.reconstruction_error(X).mean()
        np.testing.assert_allclose(pca_err * d, ev[k:].sum(), rtol=1e-10)
        np.testing.assert_allclose(ae_err, pca_err, rtol=1e-4)
        # a random k-dimensional subspace is measurably worse: the check can fail
        Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((d, k)))
        assert np.mean(np.sum((X - X @ Q @ Q.T) ** 2, 1)) > (1 + 1e-2) * ev[k:].sum()

    def test_closed_form_on_digits_is_exactly_pca(self):
        X = small_digits(300)
        k = 5
        w = linear_autoencoder_closed_form(X, k)
        pca = PCA(k).fit(X)
        np.testing.assert_allclose(w.reconstruct(X), pca.inverse_transform(pca.transform(X)),
                                   atol=1e-12)
        ev, _ = cov_eigh(X, ddof=0)
        np.testing.assert_allclose(np.mean(np.sum((X - w.reconstruct(X)) ** 2, 1)),
                                   ev[k:].sum(), rtol=1e-10)
        np.testing.assert_allclose(principal_angles(w.W1, pca.components_.T), 0, atol=1e-12)

    @pytest.mark.parametrize("data, lam, optimizer", [
        (lambda: make_data(n=150, d=5, seed=23, scales=(3.0, 2.0, 1.4, 0.8, 0.4)), 0.5, "adam"),
        (small_digits, 0.2, "lbfgs"),
        (small_digits, 0.4, "lbfgs"),
    ], ids=["synthetic-adam", "digits-lam0.2", "digits-lam0.4"])
    def test_l2_recovers_ordered_components_and_singular_values(self, data, lam, optimizer):
        X = data()
        k = 3
        kw = (dict(optimizer="adam", learning_rate=0.01, batch_size=len(X), epochs=2000)
              if optimizer == "adam" else dict(optimizer="lbfgs", epochs=1000))
        ae = linear_ae(k, weight_decay=lam, random_state=1, **kw).fit(X)
        ev, _ = cov_eigh(X, ddof=0)
        predicted = predicted_decoder_singular_values(ev[:k], lam)
        assert np.all(predicted > 0.1)  # every mode is on, so every direction is identifiable
        comps, s = recover_principal_components(ae.params_["decoder.0.W"])
        pcs = PCA(k).fit(X).components_
        assert np.all(cosines(comps, pcs) >= 0.999), cosines(comps, pcs)
        np.testing.assert_allclose(s, predicted, atol=1e-3)
        # the order matters: swapped components would give a cosine far below 0.999
        assert np.all(cosines(comps[::-1], pcs)[[0, -1]] < 0.5)

    @FAST
    @given(st.integers(2, 7), st.integers(0, 2**32 - 1), st.floats(0.1, 10.0))
    def test_pca_equals_eigendecomposition(self, d, seed, scale):
        rng = np.random.default_rng(seed)
        scales = scale * np.geomspace(1.0, 0.05, d)  # distinct variances, ratio >= 1.5
        X = make_data(n=3 * d + 5, d=d, seed=seed % 1000, scales=tuple(scales))
        X = X + rng.standard_normal(d)
        w, V = cov_eigh(X, ddof=1)
        k = int(rng.integers(1, d + 1))
        pca = PCA(k).fit(X)
        np.testing.assert_allclose(pca.explained_variance_, w[:k], rtol=1e-9,
                                   atol=1e-12 * w[0])
        gaps = np.abs(np.diff(w[: k + 1])) if k < d else np.abs(np.diff(w))
        if gaps.size == 0 or gaps.min() > 1e-3 * w[0]:  # directions defined only with gaps
            assert_rows_equal_up_to_sign(pca.components_, V[:, :k].T, atol=1e-6)
        np.testing.assert_allclose(pca.transform(X), (X - X.mean(0)) @ pca.components_.T,
                                   rtol=1e-12, atol=1e-12 * np.abs(X).max())
