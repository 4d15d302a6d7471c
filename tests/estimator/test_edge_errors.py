"""Clear errors at the edges (issue 23): each was silent or unclear before."""

import gc
import os
import warnings

import numpy as np
import pytest

import npae
from npae.classical.kmeans import kmeans
from npae.classical.mixture import gaussian_mixture
from npae.metrics.anomaly import em_curve


def test_load_odds_refuses_an_x_of_nan(tmp_path):
    from scipy.io import savemat

    path = tmp_path / "x.mat"
    savemat(path, {"X": np.full((5, 3), np.nan), "y": np.zeros((5, 1))})
    with pytest.raises(ValueError, match=r"X holds 15 NaN or infinite value\(s\) of 15; ODDS sets "
                                         r"are complete"):
        npae.datasets.load_odds(str(path))


def test_kmeans_on_values_whose_squares_overflow():
    X = np.random.default_rng(0).normal(size=(20, 2)) * 1e200
    with np.errstate(all="raise"), pytest.raises(
            ValueError, match=r"largest magnitude \S+e\+200\) overflow squared distances"):
        kmeans(X, 2)


@pytest.mark.parametrize("covariance_type", ["diag", "full"])
def test_gaussian_mixture_without_regularisation_on_a_constant_feature(covariance_type):
    X = np.random.default_rng(0).normal(size=(30, 2))
    X[:, 1] = 0.0
    with pytest.raises(ValueError, match=r"zero variance along feature 1 \(reg_covar=0.0\).*"
                                         r"set reg_covar > 0"):
        gaussian_mixture(X, 2, reg_covar=0, covariance_type=covariance_type)
    assert gaussian_mixture(X, 2, covariance_type=covariance_type).converged  # default reg_covar


def test_em_curve_on_a_range_whose_volume_underflows():
    X = np.random.default_rng(0).random((50, 2)) * 1e-300
    with pytest.raises(ValueError, match=r"bounding box's volume is 0.0 in float64.*rescale X"):
        em_curve(lambda Z: -np.sum(Z ** 2, axis=1), X, n_generated=100)


def test_methods_other_than_fit_name_a_path_given_as_x(tmp_path):
    X = np.random.default_rng(0).random((20, 4))
    ae = npae.Autoencoder(hidden=(), latent_dim=2, epochs=1).fit(X)
    np.save(tmp_path / "a.npy", X)
    for method in ("transform", "reconstruct", "score_samples"):
        with pytest.raises(TypeError, match=r"X is a path \('.*a.npy'\), not an array: fit and "
                                            r"partial_fit read a .npy path"):
            getattr(ae, method)(str(tmp_path / "a.npy"))
    ae.fit(str(tmp_path / "a.npy"))  # which fit accepts


def test_longdouble_beyond_float64_names_its_true_magnitude():
    X = np.ones((3, 2), dtype=np.longdouble)
    if np.finfo(np.longdouble).max <= np.finfo(np.float64).max:
        pytest.skip("longdouble is float64 on this platform")
    X[1, 1] = np.longdouble("1e400")
    with pytest.raises(ValueError, match=r"values up to 1\.00e\+400 in absolute value, too large "
                                         r"for float64 \(max 1.8e\+308\); rescale the data \(the largest"):
        npae.Autoencoder(hidden=(), latent_dim=1, epochs=1).fit(X)


def test_a_callback_of_the_wrong_arity_is_refused_before_training():
    X = np.random.default_rng(0).random((10, 3))
    ae = npae.Autoencoder(hidden=(), latent_dim=2, epochs=3, callbacks=[lambda model: None])
    with pytest.raises(TypeError, match=r"callback .*<lambda> has signature \(model\); a callback "
                                        r"is called as f\(model, epoch, logs\)"):
        ae.fit(X)
    assert not hasattr(ae, "params_")
    seen = []
    npae.Autoencoder(hidden=(), latent_dim=2, epochs=2, callbacks=[
        lambda model, epoch, logs, extra=None: seen.append(epoch), print.__call__]).fit(X)
    assert seen == [0, 1]


@pytest.mark.parametrize("cut", [5, 60, 200, -1])
def test_a_truncated_npy_is_an_error_and_leaves_no_open_file(tmp_path, cut):
    path = tmp_path / "t.npy"
    np.save(path, np.random.default_rng(0).random((50, 4)))
    raw = path.read_bytes()
    path.write_bytes(raw[:cut])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        with pytest.raises(ValueError, match=r"t.npy' is not a (readable )?.npy file"):
            npae.Autoencoder(hidden=(), latent_dim=2, epochs=1).fit(str(path))
        gc.collect()  # an unclosed file would warn (as an error) here


def test_a_text_file_named_npy_gets_no_pickle_advice(tmp_path):
    path = tmp_path / "x.npy"
    path.write_text("1,2,3\n4,5,6\n")
    with pytest.raises(ValueError, match=r"is not a .npy file \(it does not start with NumPy's "
                                         r"magic bytes; it starts with b'1,2,3\\n'\); a text file\? "
                                         r"read it with np.loadtxt") as info:
        npae.Autoencoder(hidden=(), latent_dim=1, epochs=1).fit(str(path))
    assert "pickle" not in str(info.value)


def test_a_one_dimensional_npy_is_refused(tmp_path):
    np.save(tmp_path / "one.npy", np.arange(10.0))
    with pytest.raises(ValueError, match=r"X must be 2-D .* got shape \(10,\); write the file as "
                                         r"a 2-D array"):
        npae.Autoencoder(hidden=(), latent_dim=1, epochs=1).fit(str(tmp_path / "one.npy"))
    assert os.path.exists(tmp_path / "one.npy")
