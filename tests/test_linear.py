"""Tests for npae.linear: PCA by SVD, the closed-form linear AE, principal angles,
recovery of principal directions from a decoder, and the L2-regularised LAE formula."""

import numpy as np
import pytest
import scipy.linalg
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from npae import NotFittedError
from npae.linear import (
    PCA,
    LinearAutoencoderWeights,
    linear_autoencoder_closed_form,
    predicted_decoder_singular_values,
    principal_angles,
    recover_principal_components,
)

FAST = settings(max_examples=40, deadline=None)


def make_data(n=200, d=6, seed=0, scales=(5.0, 3.0, 2.0, 1.2, 0.6, 0.3), shift=3.0):
    """Anisotropic data with well separated covariance eigenvalues, not centred."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    X = rng.standard_normal((n, d)) * np.asarray(scales[:d]) @ Q.T
    return X + shift * rng.standard_normal(d)


def cov_eigh(X, ddof):
    """Eigenpairs of the covariance with 1/(n - ddof), descending."""
    Xc = X - X.mean(0)
    w, V = np.linalg.eigh(Xc.T @ Xc / (len(X) - ddof))
    return w[::-1], V[:, ::-1]


def assert_rows_equal_up_to_sign(A, B, atol):
    signs = np.sign(np.sum(A * B, axis=1))
    np.testing.assert_allclose(A * signs[:, None], B, atol=atol)


# ----------------------------------------------------------------------------
# PCA
# ----------------------------------------------------------------------------


class TestPCA:
    def test_matches_covariance_eigendecomposition(self):
        X = make_data()
        pca = PCA(n_components=4).fit(X)
        w, V = cov_eigh(X, ddof=1)
        np.testing.assert_allclose(pca.explained_variance_, w[:4], rtol=1e-12)
        np.testing.assert_allclose(pca.explained_variance_ratio_, w[:4] / w.sum(), rtol=1e-12)
        np.testing.assert_allclose(pca.singular_values_, np.sqrt(w[:4] * (len(X) - 1)),
                                   rtol=1e-12)
        assert_rows_equal_up_to_sign(pca.components_, V[:, :4].T, atol=1e-10)
        np.testing.assert_allclose(pca.mean_, X.mean(0), rtol=1e-13)
        np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(4), atol=1e-13)
        assert pca.n_components_ == 4 and pca.n_samples_ == 200 and pca.n_features_in_ == 6

    def test_sign_convention_largest_abs_entry_positive(self):
        pca = PCA().fit(make_data(seed=3))
        idx = np.argmax(np.abs(pca.components_), axis=1)
        assert np.all(pca.components_[np.arange(pca.n_components_), idx] > 0)

    def test_deterministic_under_sample_permutation(self):
        X = make_data(seed=4)
        perm = np.random.default_rng(0).permutation(len(X))
        a, b = PCA(3).fit(X), PCA(3).fit(X[perm])
        np.testing.assert_allclose(a.components_, b.components_, atol=1e-10)

    def test_default_keeps_min_n_d(self):
        X = make_data(n=4, d=6)
        assert PCA().fit(X).n_components_ == 4
        assert PCA().fit(make_data(n=30, d=6)).n_components_ == 6

    def test_against_sklearn(self):
        skd = pytest.importorskip("sklearn.decomposition")
        X = make_data(seed=1)
        ours = PCA(n_components=3).fit(X)
        ref = skd.PCA(n_components=3, svd_solver="full").fit(X)
        assert_rows_equal_up_to_sign(ours.components_, ref.components_, atol=1e-10)
        signs = np.sign(np.sum(ours.components_ * ref.components_, axis=1))
        np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-12)
        np.testing.assert_allclose(ours.explained_variance_ratio_,
                                   ref.explained_variance_ratio_, rtol=1e-12)
        np.testing.assert_allclose(ours.singular_values_, ref.singular_values_, rtol=1e-12)
        np.testing.assert_allclose(ours.mean_, ref.mean_, rtol=1e-12)
        Z, Zr = ours.transform(X), ref.transform(X)
        np.testing.assert_allclose(Z * signs, Zr, atol=1e-9)
        np.testing.assert_allclose(ours.inverse_transform(Z), ref.inverse_transform(Zr), atol=1e-9)
        np.testing.assert_allclose(ours.fit_transform(X), Z, atol=1e-12)

    def test_reconstruction_error_definition(self):
        # convention shared with npae.Autoencoder: per-sample MEAN over features (h2o's MSE)
        X = make_data(seed=2)
        pca = PCA(2).fit(X)
        X_hat = pca.inverse_transform(pca.transform(X))
        err = pca.reconstruction_error(X)
        assert err.shape == (len(X),)
        np.testing.assert_allclose(err, np.mean((X - X_hat) ** 2, axis=1), rtol=1e-10)
        np.testing.assert_allclose(pca.reconstruct(X), X_hat, rtol=1e-12, atol=1e-12)
        per = pca.reconstruction_error(X, per_feature=True)
        assert per.shape == X.shape
        np.testing.assert_allclose(per, (X - X_hat) ** 2, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(per.mean(1), err, rtol=1e-12)
        # Hinton & Salakhutdinov's per-image error = err * n_features; on the training data
        # its mean is the sum of the discarded eigenvalues of Xc^T Xc / n
        w, _ = cov_eigh(X, ddof=0)
        np.testing.assert_allclose(err.mean() * X.shape[1], w[2:].sum(), rtol=1e-10)
        # held-out rows: the error is the squared norm of the part outside the subspace
        Xt = make_data(n=7, seed=99)
        Rt = (Xt - pca.mean_) @ (np.eye(6) - pca.components_.T @ pca.components_)
        np.testing.assert_allclose(pca.reconstruction_error(Xt), np.sum(Rt**2, 1) / 6,
                                   rtol=1e-10)
        with pytest.raises(ValueError, match="features"):
            pca.reconstruction_error(X[:, :4])
        with pytest.raises(NotFittedError):
            PCA(2).reconstruction_error(X)

    def test_get_set_params_and_clone(self):
        pca = PCA(n_components=2)
        assert pca.get_params() == {"n_components": 2}
        assert pca.set_params(n_components=3) is pca and pca.n_components == 3
        with pytest.raises(ValueError, match="Invalid parameter"):
            pca.set_params(n_comp=3)
        assert repr(pca) == "PCA(n_components=3)"
        base = pytest.importorskip("sklearn.base")
        clone = base.clone(pca)
        assert clone.n_components == 3 and not hasattr(clone, "components_")

    def test_init_stores_only(self):
        pca = PCA(n_components="nonsense")  # validated in fit, not here
        with pytest.raises(TypeError, match="n_components must be an integer"):
            pca.fit(make_data())

    @pytest.mark.parametrize("k", [0, 7, -1])
    def test_bad_n_components(self, k):
        with pytest.raises(ValueError, match="n_components must satisfy"):
            PCA(k).fit(make_data(d=6))

    def test_not_fitted(self):
        with pytest.raises(NotFittedError, match="fit"):
            PCA().transform(np.ones((3, 2)))
        with pytest.raises(NotFittedError):
            PCA().inverse_transform(np.ones((3, 2)))

    def test_bad_input(self):
        X = make_data()
        bad = X.copy()
        bad[3, 2] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            PCA().fit(bad)
        bad[3, 2] = np.inf
        with pytest.raises(ValueError, match="NaN or infinite"):
            PCA().fit(bad)
        with pytest.raises(ValueError, match="2-D"):
            PCA().fit(X[:, 0])
        with pytest.raises(ValueError, match="2-D"):
            PCA().fit(X[None])
        with pytest.raises(ValueError, match="samples"):
            PCA().fit(np.empty((0, 3)))
        with pytest.raises(ValueError, match="samples"):
            PCA().fit(X[:1])
        with pytest.raises(ValueError, match="features"):
            PCA().fit(np.empty((5, 0)))
        with pytest.raises(TypeError, match="numbers"):
            PCA().fit(np.array([["a", "b"], ["c", "d"]]))
        pca = PCA(2).fit(X)
        with pytest.raises(ValueError, match="features"):
            pca.transform(X[:, :3])
        with pytest.raises(ValueError, match="components"):
            pca.inverse_transform(np.ones((4, 3)))

    def test_constant_data(self):
        pca = PCA(2).fit(np.ones((5, 3)))
        np.testing.assert_array_equal(pca.explained_variance_, 0)
        np.testing.assert_array_equal(pca.explained_variance_ratio_, 0)
        np.testing.assert_allclose(pca.inverse_transform(pca.transform(np.ones((2, 3)))), 1)

    @FAST
    @given(
        X=st.integers(1, 5).flatmap(
            lambda d: hnp.arrays(
                np.float64,
                st.tuples(st.integers(max(d, 2), d + 6), st.just(d)),
                elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
            )
        )
    )
    def test_round_trip_full_rank_is_identity(self, X):
        pca = PCA(n_components=X.shape[1]).fit(X)
        scale = max(1.0, np.abs(X).max())
        np.testing.assert_allclose(pca.inverse_transform(pca.transform(X)), X,
                                   atol=1e-10 * scale)
        np.testing.assert_allclose(pca.components_ @ pca.components_.T,
                                   np.eye(X.shape[1]), atol=1e-12)


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


def l2_lae_loss_and_grad(theta, X, k, lam):
    """L = (1/n) sum_i 1/2 ||x_i - x_i W1 W2||^2 + lam/2 (||W1||^2 + ||W2||^2) and its gradient."""
    n, d = X.shape
    W1 = theta[: d * k].reshape(d, k)
    W2 = theta[d * k:].reshape(k, d)
    Z = X @ W1
    R = X - Z @ W2  # residual (n, d)
    loss = 0.5 * np.sum(R**2) / n + 0.5 * lam * (np.sum(W1**2) + np.sum(W2**2))
    dXhat = -R / n
    gW2 = Z.T @ dXhat + lam * W2
    gW1 = X.T @ (dXhat @ W2.T) + lam * W1
    return loss, np.concatenate([gW1.ravel(), gW2.ravel()])


def fit_l2_lae(X, k, lam, seed):
    d = X.shape[1]
    rng = np.random.default_rng(seed)
    theta0 = 0.5 * rng.standard_normal(2 * d * k)
    res = scipy.optimize.minimize(l2_lae_loss_and_grad, theta0, args=(X, k, lam), jac=True,
                                  method="L-BFGS-B",
                                  options={"maxiter": 20000, "gtol": 1e-13, "ftol": 1e-16})
    return res.x[: d * k].reshape(d, k), res.x[d * k:].reshape(k, d), res


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


# ----------------------------------------------------------------------------
# npae's linear Autoencoder learns PCA (the core model against this module)
# ----------------------------------------------------------------------------


def linear_ae(k, **kw):
    npae = pytest.importorskip("npae")
    return npae.Autoencoder(hidden=(k,), activation="identity", loss="mse", **kw)


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
