"""npae.terms.noise: masking, Gaussian and salt-and-pepper corruption (Vincent et al. 2010)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npae.terms import noise
from npae.terms.noise import corrupt, gaussian, masking, salt_and_pepper

FAST = settings(max_examples=25, deadline=None)


def interior_data(n=30, d=40, seed=0, dtype=np.float64):
    """Values strictly inside (0.1, 0.9), so that every corrupted entry is recognisable."""
    return np.random.default_rng(seed).uniform(0.1, 0.9, size=(n, d)).astype(dtype)


# ----------------------------------------------------------------- masking
@FAST
@given(n=st.integers(1, 6), d=st.integers(1, 30), nu=st.floats(0.0, 1.0), seed=st.integers(0, 99))
def test_masking_sets_exactly_a_fraction_nu_of_each_row_to_zero(n, d, nu, seed):
    X = interior_data(n, d, seed)
    X_tilde = masking(X, nu, np.random.default_rng(seed))
    zeroed = X_tilde == 0
    np.testing.assert_array_equal(zeroed.sum(axis=1), round(nu * d))
    np.testing.assert_array_equal(X_tilde[~zeroed], X[~zeroed])  # the rest untouched


def test_masking_chooses_entries_uniformly():
    # Over many rows every position is masked about ν of the time.
    X = np.ones((4000, 8))
    freq = (masking(X, 0.25, np.random.default_rng(0)) == 0).mean(axis=0)
    np.testing.assert_allclose(freq, 0.25, atol=0.03)


def test_masking_extremes_and_input_untouched():
    X = interior_data()
    X0 = X.copy()
    np.testing.assert_array_equal(masking(X, 0.0, 0), X)
    assert not np.shares_memory(masking(X, 0.0, 0), X)
    np.testing.assert_array_equal(masking(X, 1.0, 0), 0.0)
    np.testing.assert_array_equal(X, X0)


# ----------------------------------------------------------------- gaussian
def test_gaussian_adds_noise_of_standard_deviation_sigma():
    X = interior_data(500, 200)
    E = gaussian(X, 0.3, np.random.default_rng(1)) - X
    assert abs(E.mean()) < 0.005
    assert abs(E.std() - 0.3) < 0.005
    np.testing.assert_array_equal(gaussian(X, 0.0, 0), X)


# ------------------------------------------------------------ salt and pepper
@FAST
@given(n=st.integers(1, 6), d=st.integers(1, 30), nu=st.floats(0.0, 1.0), seed=st.integers(0, 99))
def test_salt_and_pepper_sets_a_fraction_nu_to_low_or_high(n, d, nu, seed):
    X = interior_data(n, d, seed)
    X_tilde = salt_and_pepper(X, nu, np.random.default_rng(seed), low=0.0, high=1.0)
    hit = (X_tilde == 0.0) | (X_tilde == 1.0)
    np.testing.assert_array_equal(hit.sum(axis=1), round(nu * d))
    np.testing.assert_array_equal(X_tilde[~hit], X[~hit])


def test_salt_and_pepper_defaults_to_the_data_range_and_flips_fair_coins():
    X = interior_data(300, 50)
    X_tilde = salt_and_pepper(X, 0.5, np.random.default_rng(2))
    low, high = X.min(), X.max()
    salt, pepper = (X_tilde == high) & (X != high), (X_tilde == low) & (X != low)
    n_hit = salt.sum() + pepper.sum()
    assert abs(n_hit - 0.5 * X.size) <= 2  # the two extremes themselves may be drawn
    assert abs(salt.sum() / n_hit - 0.5) < 0.02


# -------------------------------------------------------- shared properties
@pytest.mark.parametrize("name,level", [("masking", 0.3), ("gaussian", 0.2),
                                        ("salt_and_pepper", 0.3)])
def test_corrupt_is_reproducible_from_the_generator_and_keeps_dtype(name, level):
    X = interior_data(dtype=np.float32)
    a = corrupt(X, name, level, np.random.default_rng(5))
    b = corrupt(X, name, level, np.random.default_rng(5))
    c = corrupt(X, name, level, np.random.default_rng(6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # Same generator used twice: the state advances, the draws differ.
    rng = np.random.default_rng(5)
    assert not np.array_equal(corrupt(X, name, level, rng), corrupt(X, name, level, rng))
    assert a.dtype == np.float32 and a.shape == X.shape
    # Dispatch == the function itself with the same draws; an int seed works too.
    direct = noise.NOISES[name](X, level, np.random.default_rng(5))
    np.testing.assert_array_equal(a, direct)
    np.testing.assert_array_equal(corrupt(X, name, level, 5), a)


def test_one_image_is_one_row():
    x = interior_data(1, 16)[0]
    assert (masking(x, 0.25, 0) == 0).sum() == 4
    assert masking(x, 0.25, 0).shape == (16,)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("call,match", [
    (lambda X: masking(X, -0.1, 0), r"nu .* must be in \[0, 1\]"),
    (lambda X: masking(X, 1.5, 0), r"nu .* must be in \[0, 1\]"),
    (lambda X: salt_and_pepper(X, 2.0, 0), r"nu .* must be in \[0, 1\]"),
    (lambda X: masking(X, float("nan"), 0), r"must be in \[0, 1\]"),
    (lambda X: gaussian(X, -1.0, 0), r"sigma .* must be >= 0"),
    (lambda X: gaussian(X, float("inf"), 0), r"sigma .* must be >= 0"),
    (lambda X: corrupt(X, "dropout", 0.1, 0), r"unknown noise 'dropout'"),
    (lambda X: corrupt(X, "gaussian", 0.1, 0, low=0.0), r"low/high"),
    (lambda X: salt_and_pepper(X, 0.1, 0, low=1.0, high=0.0), r"low must be <= high"),
])
def test_bad_levels_raise_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call(interior_data(3, 4))


def test_bad_types_raise_type_errors():
    X = interior_data(3, 4)
    with pytest.raises(TypeError, match="real number"):
        masking(X, "0.2", 0)
    with pytest.raises(TypeError, match="real number"):
        gaussian(X, True, 0)
    with pytest.raises(TypeError, match="numbers"):
        masking(np.array([["a", "b"]]), 0.2, 0)
    with pytest.raises(TypeError, match="Generator"):
        masking(X, 0.2, np.random.RandomState(0))
