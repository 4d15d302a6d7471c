"""Activations: f' and f'' against central differences, stability for large |a|
in float64 and float32 (warnings are errors), dtypes preserved, name lookup."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from npae.nn.activations import ACTIVATIONS, Activation, get_activation

NAMES = sorted(ACTIVATIONS)
SMOOTH = [n for n in NAMES if ACTIVATIONS[n].smooth]
EXTREME = [-1e3, -745.0, -710.0, -100.0, -88.8, -50.0, -1.0, -1e-8, 0.0, 1e-8, 1.0, 50.0,
           88.8, 100.0, 710.0, 745.0, 1e3]


def central(f, a, h=1e-5):
    """Elementwise central difference of an elementwise function."""
    return (f(a + h) - f(a - h)) / (2 * h)


def away_from_kinks(a):
    """Move points within 1e-3 of 0 (the ReLU-family kink) out of the way."""
    a = a.copy()
    near = np.abs(a) < 1e-3
    a[near] = np.where(a[near] >= 0, 1e-3, -1e-3) + a[near]
    return a


@pytest.mark.parametrize("name", NAMES)
def test_first_and_second_derivative_match_central_differences(name):
    act = ACTIVATIONS[name]
    a = np.linspace(-6, 6, 241)
    if not act.smooth:
        a = away_from_kinks(a)
    h = act.forward(a)
    g = act.grad(a, h)
    g2 = act.grad2(a, h)
    np.testing.assert_allclose(g, central(act.forward, a), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(g2, central(lambda x: act.grad(x, act.forward(x)), a),
                               rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_at_extreme_inputs(name):
    # f' and f'' keep matching the differences where the units saturate
    # (|a| = 50 ... 1e3), with warnings turned into errors.
    act = ACTIVATIONS[name]
    a = np.array([-1e3, -700.0, -100.0, -50.0, -20.0, 20.0, 50.0, 100.0, 700.0, 1e3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = act.grad(a, act.forward(a))
        g2 = act.grad2(a, act.forward(a))
        # atol: the differences of a unit bounded by 1 carry round-off ~u/h = 2e-11.
        np.testing.assert_allclose(g, central(act.forward, a), rtol=1e-6, atol=1e-10)
        np.testing.assert_allclose(g2, central(lambda x: act.grad(x, act.forward(x)), a),
                                   rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("name", SMOOTH)
@given(a=st.lists(st.floats(-30, 30), min_size=1, max_size=8))
def test_derivatives_at_random_points(name, a):
    act = ACTIVATIONS[name]
    a = np.array(a)
    np.testing.assert_allclose(act.grad(a, act.forward(a)), central(act.forward, a),
                               rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(act.grad2(a, act.forward(a)),
                               central(lambda x: act.grad(x, act.forward(x)), a),
                               rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_extreme_inputs_no_warnings_finite_right_limits(name, dtype):
    act = ACTIVATIONS[name]
    a = np.array(EXTREME, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Overflow, division by zero and invalid values all warn (numpy's
        # default; underflow to 0 is the right limit and stays silent).
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            h = act.forward(a)
            g = act.grad(a, h)
            g2 = act.grad2(a, h)
            dA = act.backward(np.ones_like(a), a, h)
    for out in (h, g, g2, dA):
        assert out.dtype == dtype and out.shape == a.shape
        assert np.all(np.isfinite(out))
    # Limits for |a| -> infinity, and a few exact values.
    lo, hi = 0, -1
    if name == "sigmoid":
        assert h[lo] == 0.0 and h[hi] == 1.0 and g[lo] == 0.0 and g[hi] == 0.0
        assert h[EXTREME.index(0.0)] == 0.5
    elif name == "tanh":
        assert h[lo] == -1.0 and h[hi] == 1.0 and g[hi] == 0.0
    elif name == "softplus":
        assert h[lo] == 0.0 and h[hi] == dtype(1e3)
        assert g[lo] == 0.0 and g[hi] == 1.0 and g2[hi] == 0.0
        assert h[EXTREME.index(0.0)] == pytest.approx(np.log(2.0), rel=1e-6)
    elif name in ("identity", "linear"):
        np.testing.assert_array_equal(h, a)
        np.testing.assert_array_equal(g, 1)
    elif name == "relu":
        np.testing.assert_array_equal(h, np.maximum(a, 0))
        np.testing.assert_array_equal(g, (a > 0))
    elif name == "leaky_relu":
        assert h[lo] == dtype(-10.0) and h[hi] == dtype(1e3) and g[lo] == dtype(0.01)
    np.testing.assert_array_equal(dA, g)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", SMOOTH)
def test_float32_agrees_with_float64(name, dtype):
    act = ACTIVATIONS[name]
    a = np.linspace(-20, 20, 81)
    h64 = act.forward(a)
    h = act.forward(a.astype(dtype))
    np.testing.assert_allclose(h, h64, rtol=2e-6 if dtype == np.float32 else 1e-15, atol=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_forward_does_not_modify_its_input_and_keeps_shape(name):
    act = ACTIVATIONS[name]
    a = np.random.default_rng(0).normal(size=(3, 4, 2))
    a0 = a.copy()
    h = act.forward(a)
    act.grad(a, h)
    act.grad2(a, h)
    np.testing.assert_array_equal(a, a0)
    assert h.shape == a.shape


def test_sigmoid_and_softplus_closed_forms():
    a = np.linspace(-8, 8, 33)
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].forward(a), 1 / (1 + np.exp(-a)), rtol=1e-15)
    np.testing.assert_allclose(ACTIVATIONS["softplus"].forward(a), np.log1p(np.exp(a)), rtol=1e-14)
    np.testing.assert_allclose(ACTIVATIONS["tanh"].grad2(a, np.tanh(a)),
                               -2 * np.tanh(a) / np.cosh(a) ** 2, rtol=1e-12, atol=1e-15)


def test_kinks_take_the_documented_one_sided_value():
    a = np.array([0.0])
    assert ACTIVATIONS["relu"].grad(a, a)[0] == 0.0
    assert ACTIVATIONS["leaky_relu"].grad(a, a)[0] == 0.01
    assert ACTIVATIONS["relu"].grad2(a, a)[0] == 0.0


def test_get_activation():
    assert get_activation("tanh") is ACTIVATIONS["tanh"]
    assert get_activation("linear") .name == "identity"
    custom = ACTIVATIONS["softplus"]
    assert get_activation(custom) is custom
    for bad in ("gelu", None, 3, "Sigmoid"):
        with pytest.raises(ValueError, match=r"unknown activation .*expected one of \['identity', "):
            get_activation(bad)
    with pytest.raises(NotImplementedError):
        Activation().forward(np.zeros(1))
