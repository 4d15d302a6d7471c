"""Tests for npae.classical.linear_theory: the closed-form linear AE, principal angles, the
L2-regularised LAE formula and the recovery of principal directions from a decoder."""

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st

from linear_helpers import (FAST, assert_rows_equal_up_to_sign, cov_eigh, fit_l2_lae,
                            l2_lae_loss_and_grad, make_data)
from npae.classical.pca import PCA
from npae.classical.linear_theory import (LinearAutoencoderWeights, linear_autoencoder_closed_form, predicted_decoder_singular_values,
                                principal_angles, recover_principal_components)


# ----------------------------------------------------------------------------
# closed-form linear autoencoder
# ----------------------------------------------------------------------------


class TestClosedForm:
    @pytest.mark.parametrize("k", [1, 2, 3, 5, 6])
    def test_error_is_sum_of_discarded_eigenvalues(self, k):
        X = make_data(seed=5)
        w = linear_autoencoder_closed_form(X, k)
        assert isinstance(w, LinearAutoencoderWeights)
        assert w.W1.shape == (6, k) and w.b1.shape == (k,)
        assert w.W2.shape == (k, 6) and w.b2.shape == (6,)
        X_hat = (X @ w.W1 + w.b1) @ w.W2 + w.b2
        np.testing.assert_allclose(w.reconstruct(X), X_hat, rtol=1e-14)
        ev, _ = cov_eigh(X, ddof=0)  # the loss's normalisation, 1/n
        loss = np.mean(0.5 * np.sum((X - X_hat) ** 2, axis=1))  # npae's reduction
        discarded = ev[k:].sum()
        np.testing.assert_allclose(loss, 0.5 * discarded, rtol=1e-9,
                                   atol=1e-12 * ev.sum())

    def test_matches_pca_and_centres_codes(self):
        X = make_data(seed=6)
        w = linear_autoencoder_closed_form(X, 3)
        pca = PCA(3).fit(X)
        np.testing.assert_allclose(w.W1, pca.components_.T, atol=1e-12)
        np.testing.assert_allclose(w.W2, w.W1.T, atol=0)
        np.testing.assert_allclose(X @ w.W1 + w.b1, pca.transform(X), atol=1e-10)
        np.testing.assert_allclose(w.b2, X.mean(0), rtol=1e-13)
        params = w.as_params()
        assert set(params) == {"encoder.0.W", "encoder.0.b", "decoder.0.W", "decoder.0.b"}
        assert params["encoder.0.W"].shape == (6, 3) and params["decoder.0.W"].shape == (3, 6)

    def test_better_than_random_subspaces_and_mixing_is_equally_optimal(self):
        X = make_data(seed=7)
        rng = np.random.default_rng(0)
        w = linear_autoencoder_closed_form(X, 2)

        def loss(W1, b1, W2, b2):
            return np.mean(0.5 * np.sum((X - ((X @ W1 + b1) @ W2 + b2)) ** 2, axis=1))

        best = loss(*w)
        for _ in range(20):  # projectors on random 2-D subspaces (with optimal bias)
            Q, _ = np.linalg.qr(rng.standard_normal((6, 2)))
            m = X.mean(0)
            assert loss(Q, -m @ Q, Q.T, m) >= best
        C = rng.standard_normal((2, 2)) + 3 * np.eye(2)  # invertible mixing
        np.testing.assert_allclose(loss(w.W1 @ C, w.b1 @ C, np.linalg.solve(C, w.W2), w.b2),
                                   best, rtol=1e-10)

    def test_uncentred(self):
        X = make_data(seed=8)
        w = linear_autoencoder_closed_form(X, 2, center=False)
        np.testing.assert_array_equal(w.b1, 0)
        np.testing.assert_array_equal(w.b2, 0)
        ev = np.linalg.eigvalsh(X.T @ X / len(X))[::-1]  # second moment
        err = np.mean(np.sum((X - X @ w.W1 @ w.W2) ** 2, axis=1))
        np.testing.assert_allclose(err, ev[2:].sum(), rtol=1e-9)

    def test_bad_input(self):
        X = make_data()
        with pytest.raises(ValueError, match=r"k must satisfy 1 <= k <= 6"):
            linear_autoencoder_closed_form(X, 7)
        with pytest.raises(ValueError, match="k must satisfy"):
            linear_autoencoder_closed_form(X, 0)
        with pytest.raises(TypeError, match="integer"):
            linear_autoencoder_closed_form(X, 2.0)
        with pytest.raises(ValueError, match="min"):
            linear_autoencoder_closed_form(X[:2], 3)
        bad = X.copy()
        bad[0, 0] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            linear_autoencoder_closed_form(bad, 2)
        with pytest.raises(ValueError, match="2-D"):
            linear_autoencoder_closed_form(X[0], 1)
        with pytest.raises(ValueError):
            linear_autoencoder_closed_form(np.empty((0, 4)), 1)


# ----------------------------------------------------------------------------
# principal angles
# ----------------------------------------------------------------------------


def well_conditioned(rng, m, cond=100.0):
    """A random invertible (m, m) matrix with condition number ``cond``."""
    Q1, _ = np.linalg.qr(rng.standard_normal((m, m)))
    Q2, _ = np.linalg.qr(rng.standard_normal((m, m)))
    return Q1 @ np.diag(np.geomspace(1.0, cond, m)) @ Q2


subspace_pairs = st.tuples(
    st.integers(1, 8),  # d
    st.integers(1, 8),  # p
    st.integers(1, 8),  # q
    st.integers(0, 2**32 - 1),  # seed
    st.floats(1e-3, 1e3),  # scale
).filter(lambda t: t[1] <= t[0] and t[2] <= t[0])


def draw(t):
    d, p, q, seed, scale = t
    rng = np.random.default_rng(seed)
    return rng, scale * rng.standard_normal((d, p)), rng.standard_normal((d, q)) / scale


class TestPrincipalAngles:
    @FAST
    @given(subspace_pairs)
    def test_range_symmetry_and_order(self, t):
        _, A, B = draw(t)
        th = principal_angles(A, B)
        assert th.shape == (min(A.shape[1], B.shape[1]),)
        assert np.all(th >= 0) and np.all(th <= np.pi / 2)
        assert np.all(np.diff(th) >= 0)
        np.testing.assert_allclose(principal_angles(B, A), th, atol=1e-12)

    @FAST
    @given(subspace_pairs)
    def test_invariant_to_change_of_basis(self, t):
        rng, A, B = draw(t)
        M = well_conditioned(rng, B.shape[1])
        N = well_conditioned(rng, A.shape[1])
        th = principal_angles(A, B)
        np.testing.assert_allclose(principal_angles(A, B @ M), th, atol=1e-9)
        np.testing.assert_allclose(principal_angles(A @ N, B @ M), th, atol=1e-9)

    @FAST
    @given(subspace_pairs)
    def test_same_subspace_is_zero(self, t):
        rng, A, _ = draw(t)
        M = well_conditioned(rng, A.shape[1])
        np.testing.assert_allclose(principal_angles(A, A @ M), 0, atol=1e-12)
        np.testing.assert_allclose(principal_angles(A, A), 0, atol=1e-14)

    @FAST
    @given(subspace_pairs)
    def test_matches_scipy(self, t):
        _, A, B = draw(t)
        ref = np.sort(scipy.linalg.subspace_angles(A, B))
        # scipy (1.17) pairs its sine/cosine mask with the angles in opposite orders, so
        # some of its small angles come from arccos and are only accurate to ~sqrt(eps)
        np.testing.assert_allclose(principal_angles(A, B), ref, atol=1e-7)

    @FAST
    @given(st.integers(2, 8), st.integers(0, 2**32 - 1))
    def test_forced_intersection_is_exactly_zero(self, d, seed):
        # two (d-1)-dimensional subspaces of R^d share at least d-2 dimensions
        rng = np.random.default_rng(seed)
        th = principal_angles(rng.standard_normal((d, d - 1)), rng.standard_normal((d, d - 1)))
        np.testing.assert_allclose(th[: d - 2], 0, atol=1e-13)

    @pytest.mark.parametrize("t", [1e-12, 1e-8, 1e-4, 0.3, np.pi / 4, 1.2, np.pi / 2])
    def test_known_angle_accurate_even_when_tiny(self, t):
        e = np.eye(4)
        A = e[:, [0, 2]]
        B = np.column_stack([np.cos(t) * e[:, 0] + np.sin(t) * e[:, 1], e[:, 2]])
        th = principal_angles(A, B)
        np.testing.assert_allclose(th, [0.0, t], rtol=1e-12, atol=1e-15)

    def test_containment_and_orthogonal(self):
        e = np.eye(5)
        np.testing.assert_allclose(principal_angles(e[:, :3], e[:, [1]]), [0.0], atol=1e-15)
        np.testing.assert_allclose(principal_angles(e[:, :2], e[:, 2:4]), [np.pi / 2] * 2)

    def test_bad_input(self):
        A = np.random.default_rng(0).standard_normal((5, 2))
        with pytest.raises(ValueError, match="same number of rows"):
            principal_angles(A, A[:4])
        with pytest.raises(ValueError, match="linearly dependent"):
            principal_angles(np.column_stack([A, A[:, 0] * 2]), A)
        with pytest.raises(ValueError, match="linearly dependent"):
            principal_angles(A, np.zeros((5, 1)))
        with pytest.raises(ValueError, match="linearly dependent"):
            principal_angles(np.ones((2, 3)), np.ones((2, 1)))
        with pytest.raises(ValueError, match="2-D"):
            principal_angles(A[:, 0], A)
        with pytest.raises(ValueError, match="NaN"):
            principal_angles(A, np.full((5, 1), np.nan))
        with pytest.raises(ValueError, match="non-empty"):
            principal_angles(np.empty((5, 0)), A)
        with pytest.raises(TypeError, match="real"):
            principal_angles(A + 1j, A)


# ----------------------------------------------------------------------------
# L2-regularised linear AE (Kunin et al. 2019) and recovery of the directions
# ----------------------------------------------------------------------------


class TestRegularizedLAE:
    def test_analytic_gradient_of_the_test_loss(self):
        X = make_data(n=30, d=4, seed=9)
        X = X - X.mean(0)
        theta = np.random.default_rng(1).standard_normal(2 * 4 * 2)
        err = scipy.optimize.check_grad(lambda t: l2_lae_loss_and_grad(t, X, 2, 0.3)[0],
                                        lambda t: l2_lae_loss_and_grad(t, X, 2, 0.3)[1], theta)
        assert err < 1e-5 * np.linalg.norm(l2_lae_loss_and_grad(theta, X, 2, 0.3)[1])

    @pytest.mark.parametrize("k, lam, seed", [(3, 0.5, 0), (3, 2.0, 1), (2, 0.1, 2)])
    def test_formula_by_direct_minimisation(self, k, lam, seed):
        X = make_data(n=120, d=5, seed=10 + seed, scales=(3.0, 2.0, 1.4, 0.8, 0.4))
        X = X - X.mean(0)
        ev, V = cov_eigh(X, ddof=0)  # sigma_i^2 in the loss's 1/n normalisation
        W1, W2, res = fit_l2_lae(X, k, lam, seed)
        assert np.linalg.norm(res.jac) < 1e-6
        predicted = predicted_decoder_singular_values(ev[:k], lam)
        comps, s = recover_principal_components(W2)
        np.testing.assert_allclose(s, predicted, atol=1e-6)
        np.testing.assert_allclose(W1, W2.T, atol=1e-6)  # symmetric critical point
        on = predicted > 1e-3
        assert_rows_equal_up_to_sign(comps[on], V[:, :k].T[on], atol=1e-5)
        # the 1/(n-1) normalisation gives a measurably different (wrong) prediction here
        wrong = predicted_decoder_singular_values(ev[:k] * len(X) / (len(X) - 1), lam)
        assert np.max(np.abs(wrong - s)) > 1e-4
        # ... and the components agree with PCA's, sign convention included
        pca = PCA(k).fit(X)
        np.testing.assert_allclose(comps[on], pca.components_[on], atol=1e-5)
        assert np.all(np.isfinite(res.fun))

    def test_values(self):
        np.testing.assert_allclose(predicted_decoder_singular_values([4.0, 2.0, 1.0, 0.5], 1.0),
                                   [np.sqrt(0.75), np.sqrt(0.5), 0.0, 0.0])
        np.testing.assert_allclose(predicted_decoder_singular_values([3.0, 0.0], 0.0), [1.0, 0.0])
        np.testing.assert_allclose(predicted_decoder_singular_values(np.array([2.0, -1e-18]), 1),
                                   [np.sqrt(0.5), 0.0])

    @pytest.mark.parametrize(
        "ev, lam, exc, match",
        [
            ([1.0, -0.5], 0.1, ValueError, ">= 0"),
            ([1.0, np.nan], 0.1, ValueError, "NaN"),
            ([], 0.1, ValueError, "non-empty"),
            ([[1.0, 2.0]], 0.1, ValueError, "1-D"),
            ([1.0], -1.0, ValueError, "lam"),
            ([1.0], np.inf, ValueError, "lam"),
            ([1.0], "big", TypeError, "lam"),
            (["a"], 0.1, TypeError, "eigenvalues"),
        ],
    )
    def test_bad_input(self, ev, lam, exc, match):
        with pytest.raises(exc, match=match):
            predicted_decoder_singular_values(ev, lam)


class TestRecover:
    def test_recovers_ordered_directions_from_a_mixed_decoder(self):
        rng = np.random.default_rng(0)
        X = make_data(seed=11)
        pca = PCA(3).fit(X)
        O, _ = np.linalg.qr(rng.standard_normal((3, 3)))
        s_true = np.array([0.9, 0.6, 0.2])
        W2 = O @ np.diag(s_true) @ pca.components_  # (k, d): orthogonal mix, distinct s
        comps, s = recover_principal_components(W2)
        np.testing.assert_allclose(s, s_true, rtol=1e-12)
        np.testing.assert_allclose(comps, pca.components_, atol=1e-12)  # same signs too

    def test_unregularised_decoder_needs_pca_inside_the_subspace(self):
        rng = np.random.default_rng(1)
        X = make_data(seed=12)
        pca = PCA(3).fit(X)
        C = rng.standard_normal((3, 3)) + 2 * np.eye(3)
        W2 = C @ pca.components_  # an arbitrary optimal unregularised decoder
        V, _ = recover_principal_components(W2)
        th = principal_angles(V.T, pca.components_.T)
        np.testing.assert_allclose(th, 0, atol=1e-7)  # same subspace ...
        inner = PCA().fit((X - X.mean(0)) @ V.T)  # ... ordered by PCA inside it
        assert_rows_equal_up_to_sign(inner.components_ @ V, pca.components_, atol=1e-10)

    def test_bad_input(self):
        with pytest.raises(ValueError, match=r"k <= d"):
            recover_principal_components(np.ones((5, 3)))
        with pytest.raises(ValueError, match="2-D"):
            recover_principal_components(np.ones(3))
        with pytest.raises(ValueError, match="NaN"):
            recover_principal_components(np.full((2, 3), np.nan))
