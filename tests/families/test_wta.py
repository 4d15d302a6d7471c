"""Winner-take-all autoencoders: exactly the right winners are kept (lifetime and
spatial sparsity, ties), the backward pass routes gradients only through them,
dead units are reported, the encoding thresholds, the PyTorch export."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import npae
from npae.families.wta import lifetime_mask, spatial_mask


def brute_lifetime(Z, rate):
    n, m = Z.shape
    k = min(n, max(1, math.ceil(rate * n)))
    mask = np.zeros(Z.shape, dtype=bool)
    for j in range(m):
        # rank by value, larger first, lower row first among equals
        order = sorted(range(n), key=lambda i: (-Z[i, j], i))
        mask[order[:k], j] = True
    return mask


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 5), st.floats(0.01, 1.0), st.integers(0, 2**31 - 1))
def test_lifetime_mask_keeps_exactly_the_top_fraction_of_each_unit(n, m, rate, seed):
    rng = np.random.default_rng(seed)
    Z = rng.integers(0, 4, (n, m)).astype(float)  # few values: many ties
    mask = lifetime_mask(Z, rate)
    np.testing.assert_array_equal(mask, brute_lifetime(Z, rate))
    assert np.all(mask.sum(axis=0) == min(n, max(1, math.ceil(rate * n))))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 5), st.integers(1, 5),
       st.integers(0, 2**31 - 1))
def test_spatial_mask_keeps_the_first_maximum_of_each_map(n, c, h, w, seed):
    H = np.random.default_rng(seed).integers(0, 3, (n, c, h, w)).astype(float)
    mask, winners = spatial_mask(H)
    for i in range(n):
        for ch in range(c):
            flat = H[i, ch].ravel()
            first = int(np.flatnonzero(flat == flat.max())[0])
            expect = np.zeros(h * w, dtype=bool)
            expect[first] = True
            np.testing.assert_array_equal(mask[i, ch].ravel(), expect)
            assert winners[i, ch] == flat.max()


def test_gradient_flows_only_through_the_winners():
    """One layer, squared error, linear output: the encoder bias gradient is the sum of
    dL/dz over the winners only (written out here, not through npae's backward)."""
    rng = np.random.default_rng(0)
    X = rng.random((16, 9))
    m = npae.WinnerTakeAllAutoencoder(hidden=(), latent_dim=6, sparsity=0.25, epochs=2, batch_size=8).fit(X)
    p = m.params_
    A = X @ p["encoder.0.W"] + p["encoder.0.b"]  # (n, d) @ (d, m) -> (n, m)
    Z = np.maximum(A, 0)
    mask = brute_lifetime(Z, 0.25)
    out = (Z * mask) @ p["decoder.0.W"] + p["decoder.0.b"]  # (n, m) @ (m, d) -> (n, d)
    dZs = ((out - X) / len(X)) @ p["decoder.0.W"].T  # (n, d) @ (d, m) -> (n, m)
    expect = np.sum(dZs * mask * (A > 0), axis=0)
    loss, grads = m.loss_and_grads(X)
    np.testing.assert_allclose(grads["encoder.0.b"], expect, rtol=1e-12, atol=1e-15)
    assert loss == pytest.approx(0.5 * np.sum((out - X) ** 2) / len(X), rel=1e-12)
    # negative control: routing the gradient through every unit gives another answer
    assert not np.allclose(grads["encoder.0.b"], np.sum(dZs * (A > 0), axis=0))


def test_convolutional_winners_one_per_map_and_top_fraction_per_map():
    rng = np.random.default_rng(1)
    X = rng.random((10, 1, 8, 8))
    m = npae.ConvolutionalWTAAutoencoder(filters=(4,), kernel_size=3, sparsity=0.2,
                                         epochs=2, batch_size=5).fit(X)
    H = m.encoder_.forward(m.params_, X, npae.nn.batch)[0]
    Hs, mask = m._sparsify(H, npae.nn.batch)
    assert np.all(mask.reshape(10, 4, -1).sum(axis=2) <= 1)  # spatial: one winner per map
    assert np.all(mask.reshape(10, 4, -1).any(axis=2).sum(axis=0) == 2)  # lifetime: ⌈0.2·10⌉
    _, winners = spatial_mask(H)
    np.testing.assert_array_equal(mask.reshape(10, 4, -1).any(axis=2), brute_lifetime(winners, 0.2))
    codes = m.transform(X).reshape(10, 4, -1)  # encoding: spatial winners >= thresholds
    assert np.all(np.count_nonzero(codes, axis=2) <= 1)
    kept = (winners >= m.thresholds_) & (winners != 0)
    np.testing.assert_array_equal(np.count_nonzero(codes, axis=2) == 1, kept)


def test_convolutional_thresholds_are_the_kth_winner_of_the_epoch():
    X = np.random.default_rng(6).random((8, 1, 6, 6))
    kw = dict(filters=(3,), kernel_size=3, sparsity=0.25, batch_size=8, random_state=3)
    start = npae.ConvolutionalWTAAutoencoder(**kw).initialize(X)
    _, winners = spatial_mask(start.encoder_.forward(start.params_, X, npae.nn.batch)[0])
    m = npae.ConvolutionalWTAAutoencoder(**kw, epochs=1).fit(X)  # one batch: one k-th value
    np.testing.assert_allclose(m.thresholds_, np.sort(winners, axis=0)[-2], rtol=1e-12)


def test_dead_units_are_reported():
    X = np.random.default_rng(2).random((20, 6))
    m = npae.WinnerTakeAllAutoencoder(hidden=(), latent_dim=5, sparsity=0.1, epochs=1, batch_size=10).fit(X)
    m.params_["encoder.0.b"][0] = -1e3  # unit 0 can no longer be positive
    m.set_params(warm_start=True, epochs=2).fit(X)
    assert m.history_["dead_fraction"][-1] >= 0.2
    assert np.all(m.transform(X)[:, 0] == 0)


def test_thresholds_are_the_kth_largest_code_of_the_epoch():
    X = np.random.default_rng(3).random((12, 5))
    kw = dict(latent_dim=4, sparsity=0.25, batch_size=12, random_state=7)
    start = npae.WinnerTakeAllAutoencoder(**kw).initialize(X)
    Z = np.maximum(X @ start.params_["encoder.0.W"] + start.params_["encoder.0.b"], 0)
    m = npae.WinnerTakeAllAutoencoder(**kw, epochs=1).fit(X)  # one batch: one k-th value
    np.testing.assert_allclose(m.thresholds_, np.sort(Z, axis=0)[-3], rtol=1e-12)
    Zm = np.maximum(X @ m.params_["encoder.0.W"] + m.params_["encoder.0.b"], 0)
    np.testing.assert_array_equal(m.transform(X), Zm * (Zm >= m.thresholds_))


def test_to_torch_parity():
    pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    X = rng.random((10, 2, 7, 6))
    Xf = X.reshape(10, -1)
    models = [npae.WinnerTakeAllAutoencoder(hidden=(), latent_dim=12, sparsity=0.3, epochs=2, batch_size=5,
                                            weight_decay=0.01).fit(Xf),
              npae.ConvolutionalWTAAutoencoder(filters=(3, 2), kernel_size=3, padding=1,
                                               sparsity=0.3, epochs=2, batch_size=5).fit(X),
              npae.ConvolutionalWTAAutoencoder(filters=(3,), kernel_size=2, pool=2, tied=True,
                                               loss="bce", sparsity=0.5, epochs=2,
                                               batch_size=5).fit(X)]
    for m in models:
        t = npae.to_torch(m)
        loss = t.loss(Xf)
        loss.backward()
        value, grads = m.loss_and_grads(Xf)
        assert abs(loss.item() - value) < 1e-12 * max(1.0, value)
        for name, p in t.named_parameters():
            np.testing.assert_allclose(p.grad.numpy(), grads[name], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(t.encode(Xf).detach().numpy(), m.transform(Xf), atol=1e-12)
        np.testing.assert_allclose(t(Xf).detach().numpy(), m.reconstruct(Xf), atol=1e-12)


def test_convolutional_wta_greedy_layers_are_wta_models():
    X = np.random.default_rng(5).random((12, 1, 9, 9))
    kw = dict(kernel_size=3, sparsity=0.25, batch_size=6, random_state=2)
    m = npae.ConvolutionalWTAAutoencoder(filters=(3, 2), pretrain_epochs=2, epochs=0, **kw).fit(X)
    seed = int(np.random.default_rng(2).integers(2**31 - 1))
    one = npae.ConvolutionalWTAAutoencoder(filters=(3,), epochs=2,
                                           **{**kw, "random_state": seed}).fit(X)
    np.testing.assert_array_equal(m.params_["encoder.0.W"], one.params_["encoder.0.W"])
    # the layer was trained with its sparsity: a plain convolutional AE gives other kernels
    plain = npae.ConvolutionalAutoencoder(filters=(3,), pool=1, epochs=2, kernel_size=3,
                                          batch_size=6, random_state=seed).fit(X)
    assert not np.allclose(m.params_["encoder.0.W"], plain.params_["encoder.0.W"])
