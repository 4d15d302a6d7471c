"""Tests for npae.classical.pca: PCA by SVD against the covariance eigendecomposition and scikit-learn."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from linear_helpers import FAST, assert_rows_equal_up_to_sign, cov_eigh, make_data
from npae import NotFittedError
from npae.classical.pca import PCA


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


class _RefitOnUse(np.ndarray):
    """A fitted ``mean_`` that refits its PCA on other data the first time it is used:
    a refit landing in the middle of a reader's call, deterministically."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if self.pca is not None:
            pca, self.pca = self.pca, None
            pca.fit(self.other)
        inputs = tuple(np.asarray(x) if isinstance(x, _RefitOnUse) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)


@pytest.mark.parametrize("method", ["transform", "reconstruct", "reconstruction_error"])
def test_a_refit_during_a_read_never_mixes_two_fits(method):
    rng = np.random.default_rng(0)
    X1, X2 = rng.normal(size=(30, 4)), 5 + 3 * rng.normal(size=(30, 4)) @ rng.normal(size=(4, 4))
    expected = getattr(PCA(2).fit(X1), method)(X1)
    pca = PCA(2).fit(X1)
    trap = pca.mean_.copy().view(_RefitOnUse)
    trap.pca, trap.other = pca, X2
    pca.__dict__["mean_"] = trap
    got = getattr(pca, method)(X1)  # the refit lands after the mean is read
    np.testing.assert_array_equal(got, expected)  # one fit's mean and components
    np.testing.assert_array_equal(pca.components_, PCA(2).fit(X2).components_)  # and it landed


def test_overflowing_data_is_a_clear_error_and_a_refit_keeps_the_old_fit():
    X = np.random.default_rng(0).normal(size=(20, 3))
    pca = PCA(2).fit(X)
    before = {k: np.copy(v) for k, v in pca.__dict__.items()}
    with np.errstate(all="raise"), pytest.raises(
            ValueError, match=r"largest magnitude 2.\d+e\+300\) overflow the variance in float64; "
                              r"rescale the data first"):
        pca.fit(X * 1e300)
    for k, v in before.items():
        np.testing.assert_array_equal(pca.__dict__[k], v)
    with pytest.raises(ValueError, match="overflow the variance"):
        PCA().fit(np.full((300, 2), 1e307) * np.array([1.0, -1.0]) + np.arange(2))
