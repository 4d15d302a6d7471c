"""Work buffers reused across training steps: the same bits as fresh arrays, no
sharing between two live results of one step, nothing returned to a user aliased,
no allocation in the steady state; gradients added in place into given arrays."""

import tracemalloc

import numpy as np
import pytest

import npae
from npae.nn import MLP, get_ops
from npae.nn import batch, reference
from npae.nn.losses import squared_error
from npae.nn.batch import Workspace, empty


def _net_and_params(dtype=np.float64):
    rng = np.random.default_rng(0)
    enc = MLP.build("enc", (30, 16, 8), ["sigmoid", "tanh"])
    dec = MLP.build("dec", (8, 16, 30), ["relu", "identity"], tied_to=enc)
    params = {**enc.init_params(rng, dtype), **dec.init_params(rng, dtype)}
    return enc, dec, params


def _step(enc, dec, params, X, grads):
    """One forward/backward of an autoencoder; gradients added into grads."""
    ops = get_ops(True)
    Z, enc_cache = enc.forward(params, X, ops)
    out, dec_cache = dec.forward(params, Z, ops)
    value, dout = squared_error(out, X)
    dZ = dec.backward(params, dec_cache, dout, grads, ops)
    enc.backward(params, enc_cache, dZ, grads, ops, need_dX=False)
    return value


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_reused_buffers_give_the_bits_of_a_fresh_computation(dtype):
    enc, dec, params = _net_and_params(dtype)
    rng = np.random.default_rng(1)
    # three full batches and a short last one, twice: buffers of two shapes reused
    batches = [rng.random((n, 30)).astype(dtype) for n in (20, 20, 20, 7)] * 2
    ws = Workspace()
    for X in batches:
        fresh = {k: np.zeros_like(v) for k, v in params.items()}
        reused = {k: np.zeros_like(v) for k, v in params.items()}
        v_fresh = _step(enc, dec, params, X, fresh)
        with ws.step():
            v_reused = _step(enc, dec, params, X, reused)
        assert v_fresh == v_reused
        for k in params:
            assert reused[k].dtype == dtype
            np.testing.assert_array_equal(reused[k], fresh[k], err_msg=k)
    sizes = sorted({key[0][0] for key in ws._buffers if len(key[0]) == 2})
    assert 7 in sizes and 20 in sizes  # one set of buffers per minibatch shape


def test_two_live_caches_of_one_network_never_share_memory():
    enc, _, params = _net_and_params()
    rng = np.random.default_rng(2)
    X1, X2 = rng.random((5, 30)), rng.random((5, 30))
    ops = get_ops(True)
    ws = Workspace()
    for _ in range(2):
        with ws.step():
            Z1, cache1 = enc.forward(params, X1, ops)
            Z2, cache2 = enc.forward(params, X2, ops)  # same shapes: must get other buffers
            for c1, c2 in zip(cache1, cache2):
                assert not np.shares_memory(c1.A, c2.A) and not np.shares_memory(c1.H, c2.H)
            np.testing.assert_array_equal(Z1, enc.forward(params, X1, ops)[0])
    first = ws.nbytes
    with ws.step():
        enc.forward(params, X1, ops)
        enc.forward(params, X2, ops)
    assert ws.nbytes == first  # the second step allocated nothing new


def test_buffers_are_handed_out_in_order_and_only_inside_a_step():
    ws = Workspace()
    with ws.step():
        a, b = empty((3, 4), np.float32), empty((3, 4), np.float32)
    assert a is not b
    with ws.step():
        assert empty((3, 4), np.float32) is a and empty((3, 4), np.float32) is b
        assert empty((3, 4), np.float64) is not a  # dtype is part of the key
    assert empty((3, 4), np.float32) is not a  # outside a step: a new array
    with ws.step(), pytest.raises(RuntimeError, match="do not nest"):
        with ws.step():
            pass


def test_results_returned_to_users_never_alias_a_buffer():
    X = np.random.default_rng(3).random((40, 12))
    model = npae.Autoencoder(hidden=(), latent_dim=6, epochs=1, batch_size=8).fit(X)
    ws = Workspace()
    with ws.step():
        model.loss_and_grads(X[:8])  # fill the workspace
    Z1, Z2 = model.transform(X), model.transform(X)
    assert not np.shares_memory(Z1, Z2)
    held = [b for bufs in ws._buffers.values() for b in bufs]
    assert not any(np.shares_memory(Z1, b) for b in held)


def test_the_adversarial_autoencoder_gives_the_same_gradients_inside_a_step():
    # its discriminator is run on prior samples and on codes in one phase:
    # two caches of one network alive at once
    X = np.random.default_rng(4).random((16, 10))
    model = npae.AdversarialAutoencoder(latent_dim=2, hidden=(8,), discriminator_hidden=(6,),
                                        epochs=1, batch_size=8).fit(X)
    loss0, g0 = model.loss_and_grads(X, rng=5)
    ws = Workspace()
    for _ in range(2):
        with ws.step():
            loss1, g1 = model.loss_and_grads(X, rng=5)
        assert loss1 == loss0
        for k in g0:
            np.testing.assert_array_equal(g1[k], g0[k], err_msg=k)


def test_a_training_step_allocates_no_arrays_in_the_steady_state():
    enc, dec, params = _net_and_params()
    X = np.random.default_rng(5).random((64, 30))
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    ws = Workspace()
    for _ in range(2):
        with ws.step():
            _step(enc, dec, params, X, grads)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in range(3):
            with ws.step():
                _step(enc, dec, params, X, grads)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    # the smallest array of the step, (64, 8) float64, is 4 kB; the output 15 kB
    assert peak < 4000, peak


@pytest.mark.parametrize("transpose", [False, True])
def test_dense_backward_adds_into_given_gradients_in_place(transpose):
    rng = np.random.default_rng(6)
    X, dA = rng.normal(size=(5, 7)), rng.normal(size=(5, 4))
    W = rng.normal(size=(7, 4))
    for ops in (batch, reference):
        G0, b0 = rng.normal(size=(4, 7) if transpose else (7, 4)), rng.normal(size=4)
        G, b = G0.copy(), b0.copy()
        target = G.T if transpose else G  # a tied layer adds into the transpose's view
        _, dW, db = ops.dense_backward(dA, X, W, need_dX=False, dW=target, db=b)
        assert dW is target and db is b
        np.testing.assert_allclose(target, (G0.T if transpose else G0) + X.T @ dA, rtol=1e-13)
        np.testing.assert_allclose(b, b0 + dA.sum(0), rtol=1e-13)


def test_scratch_is_one_shared_buffer_inside_a_step_and_new_outside():
    from npae.nn.batch import scratch

    ws = Workspace()
    with ws.step():
        a = scratch((4, 5), np.float64)
        b = scratch((5, 4), np.float64)  # the same memory, another shape
        assert np.shares_memory(a, b) and b.shape == (5, 4)
        assert not np.shares_memory(a, empty((4, 5), np.float64))
    assert not np.shares_memory(scratch((4, 5), np.float64), scratch((4, 5), np.float64))
