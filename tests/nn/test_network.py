"""The hand-written engine: dense layers and MLPs on both execution paths,
gradients by central differences, tied weights that accumulate the gradients of
both uses, hidden-layer gradient injection, initialisation, the flat buffer."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npae.gradcheck import check_gradient
from npae.nn import MLP, batch, get_ops, reference
from npae.nn.network import glorot_uniform, he_normal, init_weight
from npae.estimator.params import FlatParams, flatten, pack_like

SMOOTH = ["sigmoid", "tanh", "softplus", "identity"]
PATHS = [pytest.param(True, id="batch"), pytest.param(False, id="reference")]


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-300)


# --------------------------------------------------------------------- dense
def test_dense_paths_agree_with_the_formulas():
    rng = np.random.default_rng(0)
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    dA = rng.normal(size=(5, 4))
    for ops in (batch, reference):
        A = ops.dense_forward(X, W, b)
        np.testing.assert_allclose(A, X @ W + b, rtol=1e-14)
        dX, dW, db = ops.dense_backward(dA, X, W)
        # dW = Σ_i x^(i)ᵀ da^(i), db = Σ_i da^(i), dx^(i) = W da^(i)
        np.testing.assert_allclose(dW, sum(np.outer(X[i], dA[i]) for i in range(5)), rtol=1e-13)
        np.testing.assert_allclose(db, dA.sum(0), rtol=1e-14)
        np.testing.assert_allclose(dX, dA @ W.T, rtol=1e-13)
        assert ops.dense_backward(dA, X, W, need_dX=False)[0] is None
        np.testing.assert_allclose(ops.mean_over_samples(X), X.mean(0), rtol=1e-14)
        np.testing.assert_allclose(ops.sum_over_samples(dA), dA.sum(0), rtol=1e-14)
    assert batch.VECTORIZED and not reference.VECTORIZED


def test_dense_float32_stays_float32():
    X = np.ones((2, 3), np.float32)
    W = np.ones((3, 2), np.float32)
    b = np.zeros(2, np.float32)
    for ops in (batch, reference):
        A = ops.dense_forward(X, W, b)
        assert A.dtype == np.float32
        assert all(g.dtype == np.float32 for g in ops.dense_backward(A, X, W))


def test_get_ops():
    assert get_ops() is batch and get_ops(True) is batch and get_ops(False) is reference
    assert get_ops(np.bool_(False)) is reference
    with pytest.raises(TypeError, match="vectorized must be True or False"):
        get_ops("yes")


# ----------------------------------------------------------------------- MLP
def test_build_names_shapes_and_errors():
    net = MLP.build("enc", (6, 4, 2), ["tanh", "identity"])
    assert net.param_shapes() == {"enc.0.W": (6, 4), "enc.0.b": (4,),
                                  "enc.1.W": (4, 2), "enc.1.b": (2,)}
    assert net.n_in == 6 and net.n_out == 2
    with pytest.raises(ValueError, match=r"enc: need one activation per layer \(2\), got 1"):
        MLP.build("enc", (6, 4, 2), ["tanh"])
    with pytest.raises(ValueError, match="tied weights need a decoder that mirrors the encoder"):
        MLP.build("dec", (2, 5, 6), ["tanh", "identity"], tied_to=net)
    dec = MLP.build("dec", (2, 4, 6), ["tanh", "identity"], tied_to=net)
    assert dec.param_shapes() == {"dec.0.b": (4,), "dec.1.b": (6,)}  # weights are the encoder's
    assert [(l.W, l.transpose) for l in dec.layers] == [("enc.1.W", True), ("enc.0.W", True)]


def _params(nets, rng):
    p = {}
    for net in nets:
        p.update(net.init_params(rng))
    for k in p:  # non-zero biases so that their gradients are exercised
        if k.endswith(".b"):
            p[k] = rng.normal(scale=0.3, size=p[k].shape)
    return p


@pytest.mark.parametrize("vectorized", PATHS)
def test_forward_cache_holds_input_preactivation_activation(vectorized):
    rng = np.random.default_rng(1)
    net = MLP.build("m", (3, 4, 2), ["sigmoid", "softplus"])
    p = _params([net], rng)
    X = rng.normal(size=(5, 3))
    H, cache = net.forward(p, X, get_ops(vectorized))
    assert len(cache) == 2 and cache[0][0] is X and cache[1][2] is H
    for layer, (H_in, A, H_l) in zip(net.layers, cache):
        np.testing.assert_allclose(A, H_in @ p[layer.W] + p[layer.b], rtol=1e-13)
        np.testing.assert_allclose(H_l, layer.activation.forward(A), rtol=1e-15)


@st.composite
def mlp_case(draw):
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 5)) for _ in range(depth + 1)]
    acts = [draw(st.sampled_from(SMOOTH)) for _ in range(depth)]
    n = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**31))
    return sizes, acts, n, seed


@settings(max_examples=20)
@given(case=mlp_case(), vectorized=st.booleans())
def test_mlp_backward_matches_central_differences(case, vectorized):
    sizes, acts, n, seed = case
    rng = np.random.default_rng(seed)
    ops = get_ops(vectorized)
    net = MLP.build("m", sizes, acts)
    p = _params([net], rng)
    X = rng.normal(size=(n, sizes[0]))
    R = rng.normal(size=(n, sizes[-1]))  # loss = Σ R ∘ H_out, so dL/dH_out = R

    def f(q):
        H, cache = net.forward(q, q["X"], ops)
        grads = {}
        dX = net.backward(q, cache, R, grads, ops, need_dX=True)
        grads["X"] = dX
        return float(np.sum(R * H)), grads

    # f sums terms of either sign: their magnitudes set the round-off floor.
    _, cache = net.forward(p, X, ops)
    report = check_gradient(f, {**p, "X": X}, scale=float(np.sum(np.abs(R * cache[-1][2]))))
    # One rule (npae.gradcheck): relative error below tol, or a difference within the
    # round-off floor of the finite differences.  No stricter relative bound of its
    # own: Hypothesis found ([1, 1, 1], sigmoid, n=1), whose tiny first-layer gradient
    # has a relative error of 1e-7 from round-off alone.
    assert report.passed, report


@pytest.mark.parametrize("vectorized", PATHS)
def test_backward_adds_into_grads_and_leaves_dH_alone(vectorized):
    rng = np.random.default_rng(2)
    ops = get_ops(vectorized)
    net = MLP.build("m", (3, 4, 2), ["tanh", "identity"])
    p = _params([net], rng)
    X = rng.normal(size=(4, 3))
    dH = rng.normal(size=(4, 2))
    dH0 = dH.copy()
    _, cache = net.forward(p, X, ops)
    once = {}
    net.backward(p, cache, dH, once, ops)
    np.testing.assert_array_equal(dH, dH0)
    twice = {k: v.copy() for k, v in once.items()}
    assert net.backward(p, cache, dH, twice, ops, need_dX=False) is None
    for k in once:
        np.testing.assert_allclose(twice[k], 2 * once[k], rtol=1e-15)


def _injection_case(seed=3):
    rng = np.random.default_rng(seed)
    net = MLP.build("m", (3, 5, 4, 2), ["sigmoid", "tanh", "identity"])
    p = _params([net], rng)
    X = rng.normal(size=(4, 3))
    R, S = rng.normal(size=(4, 2)), rng.normal(size=(4, 5))
    return net, p, X, R, S


@pytest.mark.parametrize("vectorized", PATHS)
def test_hidden_layer_gradient_injection(vectorized):
    """dH_hidden adds a term's gradient w.r.t. a hidden activation (sparsity-style)."""
    ops = get_ops(vectorized)
    net, p, X, R, S = _injection_case()

    def f(q):
        H, cache = net.forward(q, X, ops)
        grads = {}
        net.backward(q, cache, R, grads, ops, need_dX=False, dH_hidden={0: S})
        return float(np.sum(S * cache[0][2])) + float(np.sum(R * H)), grads

    report = check_gradient(f, p)
    assert report.passed, report


@pytest.mark.parametrize("vectorized", PATHS)
def test_hidden_layer_gradient_alone_with_dH_None(vectorized):
    """MLP.backward's docstring: "dH itself may be None when only such terms feed
    the network".  A term on the first hidden layer of a 3-layer network, no
    output loss: the layers above it get no gradient (their entries are zero)
    and the walk must start where the gradient enters."""
    ops = get_ops(vectorized)
    net, p, X, R, S = _injection_case()

    def f(q):
        H, cache = net.forward(q, X, ops)
        grads = {}
        net.backward(q, cache, None, grads, ops, need_dX=False, dH_hidden={0: S})
        full = {k: grads.get(k, np.zeros_like(v)) for k, v in q.items()}
        return float(np.sum(S * cache[0][2])), full

    report = check_gradient(f, p)
    assert report.passed, report
    assert report["m.2.W"].max_abs_error == 0.0  # the top layers get exactly zero


@settings(max_examples=15)
@given(case=mlp_case(), vectorized=st.booleans())
def test_tied_decoder_gradients_are_the_sum_of_both_uses(case, vectorized):
    sizes, acts, n, seed = case
    rng = np.random.default_rng(seed)
    ops = get_ops(vectorized)
    enc = MLP.build("enc", sizes, acts)
    dec_acts = acts[::-1]
    tied = MLP.build("dec", sizes[::-1], dec_acts, tied_to=enc)
    free = MLP.build("dec", sizes[::-1], dec_acts)
    p = _params([enc, tied], rng)
    # The untied twin holds copies of the transposed encoder weights.
    p_free = dict(p)
    L = len(sizes) - 1
    for l in range(L):
        p_free[f"dec.{l}.W"] = p[f"enc.{L - 1 - l}.W"].T.copy()
    X = rng.normal(size=(n, sizes[0]))

    def run(net, q):
        Z, ce = enc.forward(q, X, ops)
        out, cd = net.forward(q, Z, ops)
        diff = out - X
        grads = {}
        dZ = net.backward(q, cd, diff, grads, ops)
        enc.backward(q, ce, dZ, grads, ops, need_dX=False)
        return 0.5 * float(np.sum(diff * diff)), grads

    v_tied, g_tied = run(tied, p)
    v_free, g_free = run(free, p_free)
    assert v_tied == pytest.approx(v_free, rel=1e-13)
    assert set(g_tied) == set(p)  # no decoder weights of its own
    for l in range(L):
        enc_name, dec_name = f"enc.{l}.W", f"dec.{L - 1 - l}.W"
        expected = g_free[enc_name] + g_free[dec_name].T
        assert rel(g_tied[enc_name], expected) < 1e-12
        # ... and neither use alone would do (unless one of them is exactly zero).
        if np.linalg.norm(g_free[dec_name]) > 1e-8 and np.linalg.norm(g_free[enc_name]) > 1e-8:
            assert rel(g_tied[enc_name], g_free[enc_name]) > 1e-6
    report = check_gradient(lambda q: run(tied, q), p)
    assert report.passed, report


@settings(max_examples=15)
@given(case=mlp_case())
def test_reference_and_batch_paths_agree(case):
    sizes, acts, n, seed = case
    rng = np.random.default_rng(seed)
    net = MLP.build("m", sizes, acts)
    p = _params([net], rng)
    X = rng.normal(size=(n, sizes[0]))
    dH = rng.normal(size=(n, sizes[-1]))
    out = []
    for ops in (batch, reference):
        H, cache = net.forward(p, X, ops)
        grads = {}
        dX = net.backward(p, cache, dH, grads, ops)
        out.append((H, dX, grads))
    (H1, dX1, g1), (H2, dX2, g2) = out
    assert rel(H1, H2) < 1e-12 and rel(dX1, dX2) < 1e-12
    for k in g1:
        assert rel(g1[k], g2[k]) < 1e-12, k


# ---------------------------------------------------------------- init, params
def test_initialisation_schemes():
    rng = np.random.default_rng(0)
    W = glorot_uniform(rng, 300, 200)
    r = np.sqrt(6 / 500)
    assert W.shape == (300, 200) and np.abs(W).max() <= r and np.abs(W).max() > 0.99 * r
    assert W.std() == pytest.approx(r / np.sqrt(3), rel=0.02)
    W = he_normal(rng, 400, 300)
    assert W.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert init_weight(rng, 3, 2, MLP.build("x", (3, 2), ["relu"]).layers[0].activation).shape == (3, 2)
    assert glorot_uniform(rng, 3, 2, np.float32).dtype == np.float32
    # "auto" is He for the ReLU family and Glorot otherwise: same stream, same draw.
    relu = MLP.build("x", (3, 2), ["relu"]).layers[0].activation
    tanh = MLP.build("x", (3, 2), ["tanh"]).layers[0].activation
    np.testing.assert_array_equal(init_weight(np.random.default_rng(5), 3, 2, relu),
                                  he_normal(np.random.default_rng(5), 3, 2))
    np.testing.assert_array_equal(init_weight(np.random.default_rng(5), 3, 2, tanh),
                                  glorot_uniform(np.random.default_rng(5), 3, 2))
    with pytest.raises(ValueError, match="unknown init scheme 'xavier'"):
        init_weight(rng, 3, 2, tanh, scheme="xavier")


def test_mlp_init_params_zero_biases_and_reproducible():
    net = MLP.build("m", (4, 3, 2), ["tanh", "relu"])
    a = net.init_params(np.random.default_rng(7), np.float32)
    b = net.init_params(np.random.default_rng(7), np.float32)
    assert list(a) == ["m.0.W", "m.0.b", "m.1.W", "m.1.b"]
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        assert a[k].dtype == np.float32
    assert not a["m.0.b"].any() and not a["m.1.b"].any()


def test_flat_params_views_assign_and_slices():
    shapes = {"a.W": (2, 3), "a.b": (3,), "c.W": (3, 1)}
    fp = FlatParams(shapes, np.float32)
    assert fp.size == 12 and fp.flat.dtype == np.float32
    for v in fp.views.values():
        assert np.shares_memory(v, fp.flat)
    fp.assign({"a.W": np.ones((2, 3)), "a.b": np.arange(3), "c.W": np.full((3, 1), 7)})
    np.testing.assert_array_equal(fp.flat, [1] * 6 + [0, 1, 2] + [7] * 3)
    fp.flat[:] = 0
    assert not fp.views["a.b"].any()
    assert fp.slice_of(["a.b", "a.W"]) == slice(0, 9)
    with pytest.raises(ValueError, match="not contiguous"):
        fp.slice_of(["a.W", "c.W"])
    with pytest.raises(ValueError, match=r"missing \['c.W'\], unexpected \['d'\]"):
        fp.assign({"a.W": np.ones((2, 3)), "a.b": np.ones(3), "d": 1})
    with pytest.raises(ValueError, match=r"parameter 'a.b' has shape \(2,\), expected \(3,\)"):
        fp.assign({"a.W": np.ones((2, 3)), "a.b": np.ones(2), "c.W": np.ones((3, 1))})
    z = fp.zeros_like()
    assert z.shapes == fp.shapes and not z.flat.any() and z.flat is not fp.flat
    vec = flatten(fp.views, list(shapes))
    back = pack_like(vec, shapes)
    for k in shapes:
        np.testing.assert_array_equal(back[k], fp.views[k])
