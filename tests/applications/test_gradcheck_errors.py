"""The gradient checker never reports PASSED for nothing checked, and says what
is wrong with its own arguments."""

import numpy as np
import pytest

from npae import Autoencoder
from npae.gradcheck import check_gradient, check_gradients, numerical_gradient


def square(w):
    return float(np.sum(w ** 2)), 2 * w


@pytest.fixture
def model():
    X = np.random.default_rng(0).random((5, 3))
    return Autoencoder(hidden=(), latent_dim=2).initialize(X), X


@pytest.mark.parametrize("max_entries", [0, -1, 2.5, True])
def test_checking_nothing_is_an_error_not_a_pass(max_entries, model):
    with pytest.raises(ValueError, match="max_entries must be an int >= 1 .*checking nothing"):
        check_gradient(square, np.ones(3), max_entries=max_entries)
    m, X = model
    with pytest.raises(ValueError, match="max_entries must be an int >= 1"):
        check_gradients(m, X, max_entries=max_entries)


def test_empty_params_and_empty_tensors_do_not_pass(model):
    with pytest.raises(ValueError, match=r"non-empty dict .*\(empty\): nothing to check"):
        check_gradient(lambda p: (0.0, {}), {})
    m, X = model
    with pytest.raises(ValueError, match="params is empty: nothing to check; the model's parameters"):
        check_gradients(m, X, params=[])
    report = check_gradient(lambda w: (0.0, w), np.ones(0))  # a tensor of size 0
    assert not report.passed and "FAILED" in str(report)


@pytest.mark.parametrize("eps", [0, -1e-5, np.nan, np.inf, "1e-5"])
def test_bad_eps(eps, model):
    with pytest.raises(ValueError, match="eps must be a finite step > 0"):
        check_gradient(square, np.ones(3), eps=eps)
    with pytest.raises(ValueError, match="eps must be a finite step > 0"):
        numerical_gradient(lambda w: np.sum(w), np.ones(3), eps=eps)
    m, X = model
    with pytest.raises(ValueError, match="eps must be a finite step > 0"):
        check_gradients(m, X, eps=eps)


@pytest.mark.parametrize("tol", [0, -1.0, np.nan])
def test_bad_tol(tol):
    with pytest.raises(ValueError, match="tol must be a number > 0"):
        check_gradient(square, np.ones(3), tol=tol)


def test_unknown_parameter_names(model):
    m, X = model
    with pytest.raises(ValueError, match=r"unknown parameter name\(s\) \['encoder.9.W'\]; the "
                                         r"model's parameters are \['encoder.0.W'"):
        check_gradients(m, X, params=["encoder.0.W", "encoder.9.W"])
    assert check_gradients(m, X, params="encoder.0.W").passed  # one name as a string


def test_non_scalar_functions():
    with pytest.raises(TypeError, match=r"must return one real number \(a scalar loss\), got "
                                        r"ndarray of shape \(3,\)"):
        check_gradient(lambda w: (w ** 2, 2 * w), np.ones(3))
    with pytest.raises(TypeError, match="must return one real number"):
        numerical_gradient(lambda w: w ** 2, np.ones(3))
    with pytest.raises(TypeError, match=r"must return \(value, grads\)"):
        check_gradient(lambda w: float(np.sum(w)), np.ones(3))


def test_a_correct_gradient_still_passes_and_a_wrong_one_fails():
    assert check_gradient(square, np.linspace(-1, 1, 4)).passed
    assert not check_gradient(lambda w: (float(np.sum(w ** 2)), w), np.linspace(-1, 1, 4)).passed
