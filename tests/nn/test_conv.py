"""Convolution by hand (npae.nn.conv): both paths against a direct fancy-index/einsum
formula, against central differences (odd sizes, stride, padding), the adjoint
identity <C x, y> = <x, Cᵀ y>, max-pooling with switches, and negative controls."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npae.gradcheck import check_gradient
from npae.nn import batch, conv, reference

PATHS = pytest.mark.parametrize("ops", [batch, reference], ids=["batch", "reference"])


def direct(X, W, b, stride, padding):
    """Y[i,o,y,x] = b[o] + Σ W[o,c,u,v] Xp[i,c,y sh+u,x sw+v], by fancy indexing + einsum."""
    (sh, sw), (ph, pw) = stride, padding
    Xp = np.pad(X, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    kh, kw = W.shape[2:]
    oh, ow = (Xp.shape[2] - kh) // sh + 1, (Xp.shape[3] - kw) // sw + 1
    rows = (np.arange(oh) * sh)[:, None] + np.arange(kh)[None, :]  # (oh, kh)
    cols = (np.arange(ow) * sw)[:, None] + np.arange(kw)[None, :]  # (ow, kw)
    patches = Xp[:, :, rows[:, :, None, None], cols[None, None, :, :]]  # (n, c, oh, kh, ow, kw)
    return np.einsum("icyuxv,ocuv->ioyx", patches, W) + b[None, :, None, None]


geometry = st.tuples(
    st.integers(1, 3), st.integers(1, 3),  # n, c
    st.integers(3, 8), st.integers(3, 8),  # h, w
    st.integers(1, 4),  # f
    st.integers(1, 3), st.integers(1, 3),  # kh, kw
    st.integers(1, 3), st.integers(1, 3),  # sh, sw
    st.integers(0, 2), st.integers(0, 2),  # ph, pw
    st.integers(0, 2**31 - 1),
)


def draw(g):
    n, c, h, w, f, kh, kw, sh, sw, ph, pw, seed = g
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, c, h, w))
    W = rng.standard_normal((f, c, kh, kw))
    b = rng.standard_normal(f)
    return X, W, b, (sh, sw), (ph, pw), rng


@settings(max_examples=40, deadline=None)
@given(geometry)
def test_both_paths_equal_the_direct_formula(g):
    X, W, b, s, p, _ = draw(g)
    Y = direct(X, W, b, s, p)
    for ops in (batch, reference):
        out = conv.conv2d_forward(X, W, b, s, p, ops)
        assert out.shape == Y.shape
        np.testing.assert_allclose(out, Y, rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(geometry)
def test_transpose_is_the_adjoint(g):
    """<C x, y> = <x, Cᵀ y> for every x, y: the transposed convolution is the adjoint."""
    X, W, b, s, p, rng = draw(g)
    CX = direct(X, W, np.zeros_like(b), s, p)
    Y = rng.standard_normal(CX.shape)
    for ops in (batch, reference):
        CtY = conv.conv_transpose2d_forward(Y, W, np.zeros(W.shape[1]), s, p, X.shape[2:], ops)
        assert CtY.shape == X.shape
        lhs, rhs = np.sum(CX * Y), np.sum(X * CtY)
        assert abs(lhs - rhs) <= 1e-11 * (1 + abs(lhs))


@settings(max_examples=25, deadline=None)
@given(geometry)
def test_batch_path_equals_reference_path_in_every_gradient(g):
    X, W, b, s, p, rng = draw(g)
    G = rng.standard_normal(conv.conv2d_forward(X, W, b, s, p, batch).shape)
    out_b = conv.conv2d_backward(G, X, W, s, p, batch)
    out_r = conv.conv2d_backward(G, X, W, s, p, reference)
    T = rng.standard_normal(X.shape)  # a gradient at the transposed convolution's output
    out_tb = conv.conv_transpose2d_backward(T, G, W, s, p, batch)
    out_tr = conv.conv_transpose2d_backward(T, G, W, s, p, reference)
    for a, r in zip(out_b + out_tb, out_r + out_tr):
        np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-12)


CASES = [  # (n, c, h, w, f, kh, kw, stride, padding): odd sizes, strides, paddings
    (2, 2, 7, 5, 3, 3, 3, (1, 1), (0, 0)),
    (2, 1, 9, 7, 2, 3, 2, (2, 1), (1, 0)),
    (1, 3, 5, 5, 2, 2, 3, (2, 2), (1, 1)),
    (3, 2, 6, 7, 4, 5, 5, (3, 2), (2, 2)),
]


def _setup(case, seed=0):
    n, c, h, w, f, kh, kw, s, p = case
    rng = np.random.default_rng(seed)
    params = {"X": rng.standard_normal((n, c, h, w)), "W": rng.standard_normal((f, c, kh, kw)),
              "b": rng.standard_normal(f)}
    oh, ow = conv.conv_output_hw((h, w), (kh, kw), s, p)
    return params, s, p, rng.standard_normal((n, f, oh, ow)), rng


@PATHS
@pytest.mark.parametrize("case", CASES)
def test_conv_gradients_against_central_differences(case, ops):
    params, s, p, R, _ = _setup(case)

    def fun(q):  # L = Σ R ⊙ tanh(conv(X)): a nonlinear loss of the output
        Y = conv.conv2d_forward(q["X"], q["W"], q["b"], s, p, ops)
        dX, dW, db = conv.conv2d_backward(R * (1 - np.tanh(Y) ** 2), q["X"], q["W"], s, p, ops)
        return np.sum(R * np.tanh(Y)), {"X": dX, "W": dW, "b": db}

    report = check_gradient(fun, params, max_entries=60)
    assert report.passed, str(report)


@PATHS
@pytest.mark.parametrize("case", CASES)
def test_transposed_conv_gradients_against_central_differences(case, ops):
    params, s, p, Yin, rng = _setup(case)
    hw = params["X"].shape[2:]
    R = rng.standard_normal(params["X"].shape)
    q0 = {"Y": Yin, "W": params["W"], "b": rng.standard_normal(params["W"].shape[1])}

    def fun(q):
        O = conv.conv_transpose2d_forward(q["Y"], q["W"], q["b"], s, p, hw, ops)
        dY, dW, db = conv.conv_transpose2d_backward(R * np.cos(O), q["Y"], q["W"], s, p, ops)
        return np.sum(R * np.sin(O)), {"Y": dY, "W": dW, "b": db}

    report = check_gradient(fun, q0, max_entries=60)
    assert report.passed, str(report)


def test_a_wrong_backward_fails_the_check():
    """Negative control: the correlation with the *unflipped* kernel in place of the adjoint."""
    params, s, p, R, _ = _setup(CASES[0])

    def fun(q):
        Y = conv.conv2d_forward(q["X"], q["W"], q["b"], s, p, batch)
        _, dW, db = conv.conv2d_backward(R, q["X"], q["W"], s, p, batch)
        # wrong: the full correlation of R with W *unflipped*, instead of Cᵀ R
        Wt = np.transpose(q["W"], (1, 0, 2, 3))
        dX = conv.conv2d_forward(R, Wt, np.zeros(Wt.shape[0]), (1, 1), (2, 2), batch)
        return np.sum(R * Y), {"X": dX, "W": dW, "b": db}

    report = check_gradient(fun, params, max_entries=60)
    assert not report.passed


def test_the_input_gradient_is_a_full_correlation_with_the_flipped_kernel():
    """Stride 1, no padding: Cᵀ G = correlate(pad(G, k − 1), W flipped, channels swapped)."""
    params, s, p, G, _ = _setup(CASES[0])
    W = params["W"]
    kh, kw = W.shape[2:]
    Wflip = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (c, f, kh, kw)
    full = direct(G, Wflip, np.zeros(W.shape[1]), (1, 1), (kh - 1, kw - 1))
    for ops in (batch, reference):
        np.testing.assert_allclose(conv.conv2d_backward(G, params["X"], W, s, p, ops)[0], full,
                                   rtol=1e-12, atol=1e-12)


# -------------------------------------------------------------------- pooling
@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(2, 9), st.integers(2, 9),
       st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**31 - 1))
def test_max_pool_switches_and_unpool(n, c, h, w, ph, pw, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, c, h, w))
    size = (ph, pw)
    if ph > h or pw > w:
        with pytest.raises(ValueError, match="does not fit"):
            conv.max_pool(X, size, batch)
        return
    oh, ow = h // ph, w // pw
    expect = X[:, :, :oh * ph, :ow * pw].reshape(n, c, oh, ph, ow, pw).max(axis=(3, 5))
    results = [conv.max_pool(X, size, ops) for ops in (batch, reference)]
    for P, S in results:
        np.testing.assert_array_equal(P, expect)
    np.testing.assert_array_equal(results[0][1], results[1][1])
    P, S = results[0]
    for ops in (batch, reference):
        U = conv.unpool(P, S, size, (h, w), ops)
        # exactly one non-zero per window (random data: no zero maxima), at the max
        assert np.count_nonzero(U) == P.size
        np.testing.assert_array_equal(U[U != 0], X[U != 0])
        np.testing.assert_array_equal(conv.pool_gather(U, S, size, ops), P)
        # unpool and gather are adjoint: <unpool(P'), V> = <P', gather(V)>
        Pp, V = rng.standard_normal(P.shape), rng.standard_normal(X.shape)
        lhs = np.sum(conv.unpool(Pp, S, size, (h, w), ops) * V)
        assert lhs == pytest.approx(np.sum(Pp * conv.pool_gather(V, S, size, ops)), abs=1e-12)


def test_pool_ties_go_to_the_first_position():
    X = np.zeros((1, 1, 2, 2))
    for ops in (batch, reference):
        assert conv.max_pool(X, (2, 2), ops)[1].item() == 0


def test_bad_geometry_is_refused():
    X, W = np.zeros((1, 2, 3, 3)), np.zeros((4, 2, 5, 5))
    with pytest.raises(ValueError, match="does not fit"):
        conv.conv2d_forward(X, W, np.zeros(4), (1, 1), (0, 0), batch)
    with pytest.raises(ValueError, match="does not fit kernels"):
        conv.conv2d_forward(np.zeros((1, 3, 9, 9)), W, np.zeros(4), (1, 1), (0, 0), batch)
    with pytest.raises(ValueError, match="is not an input size"):
        conv.conv_transpose2d_forward(np.zeros((1, 4, 2, 2)), W, np.zeros(2), (1, 1), (0, 0),
                                      (9, 9), batch)
    with pytest.raises(ValueError, match="stride must be an integer >= 1"):
        conv.pair(0, "stride", 1)
    with pytest.raises(ValueError, match="padding must be an integer >= 0"):
        conv.pair((1, True), "padding", 0)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 7), st.integers(2, 7), st.integers(1, 3), st.integers(1, 3),
       st.integers(0, 2**31 - 1))
def test_pool_switches_agree_on_ties(h, w, ph, pw, seed):
    """Few distinct values, many ties: both paths pick the first maximum of each window."""
    X = np.random.default_rng(seed).integers(0, 2, (2, 2, h, w)).astype(float)
    size = (min(ph, h), min(pw, w))
    (Pb, Sb), (Pr, Sr) = conv.max_pool(X, size, batch), conv.max_pool(X, size, reference)
    np.testing.assert_array_equal(Sb, Sr)
    np.testing.assert_array_equal(Pb, Pr)
