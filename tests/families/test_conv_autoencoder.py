"""ConvolutionalAutoencoder on genuine 2-D images (the shared suite's data are 1 × 7
rows): gradients on both paths, batch == reference, the loss against the
independent formula, images vs flat rows, switches in reconstruct, greedy
layer-wise training, save/load, bad inputs, and the PyTorch export."""

import numpy as np
import pytest

import npae
from npae import check_gradients

from conv_oracles import conv as oracle
from conv_oracles import conv_forward
from helpers import assert_paths_agree, rel_diff

RNG = np.random.default_rng(0)
X = RNG.random((6, 2, 7, 6))  # odd sizes, two channels
CONFIGS = [
    dict(filters=(3,), kernel_size=3, pool=2, activation="tanh"),
    dict(filters=(3, 2), kernel_size=(3, 2), padding=1, pool=2, tied=True, loss="bce",
         activation="softplus"),
    dict(filters=(4,), kernel_size=3, stride=2, padding=(1, 0), pool=1, weight_decay=0.05,
         noise="gaussian", corruption_level=0.2, activation="sigmoid", code_activation="identity"),
    dict(filters=(2, 3), kernel_size=2, stride=(1, 2), pool=(2, 1), noise="masking",
         activation="relu"),
]
FIT = dict(epochs=2, batch_size=3)


def fitted(i, **kw):
    return npae.ConvolutionalAutoencoder(**CONFIGS[i], **FIT, **kw).fit(X)


@pytest.mark.parametrize("i", range(len(CONFIGS)))
def test_gradients_paths_and_formula_on_images(i):
    m = fitted(i)
    for vectorized in (True, False):
        report = check_gradients(m, X, rng=5, vectorized=vectorized)
        assert report.passed, str(report)
    lb, gb = m.loss_and_grads(X, rng=3, vectorized=True)
    lr, gr = m.loss_and_grads(X, rng=3, vectorized=False)
    assert rel_diff(lb, lr) < 1e-12
    assert_paths_agree(gb, gr)
    assert lb == pytest.approx(oracle(m, X.reshape(len(X), -1), None, 3), rel=1e-10)


def test_images_and_flat_rows_are_the_same_model():
    a = fitted(1)
    b = npae.ConvolutionalAutoencoder(**CONFIGS[1], **FIT, image_shape=(2, 7, 6)).fit(
        X.reshape(len(X), -1))
    np.testing.assert_array_equal(a._flat.flat, b._flat.flat)
    np.testing.assert_array_equal(a.transform(X), b.transform(X.reshape(len(X), -1)))
    assert a.image_shape_ == b.image_shape_ == (2, 7, 6)
    assert a.code_shape_ == (2, 1, 2) and a.transform(X).shape == (6, 4)


def test_reconstruct_unpools_through_the_switches_inverse_transform_to_the_corner():
    m = fitted(0)
    expect, _ = conv_forward(m, X)
    np.testing.assert_allclose(m.reconstruct(X), expect, rtol=1e-12, atol=1e-12)
    assert not np.allclose(m.inverse_transform(m.transform(X)), expect)
    m2 = fitted(2)  # no pooling: codes determine the reconstruction
    np.testing.assert_allclose(m2.inverse_transform(m2.transform(X)), m2.reconstruct(X))


def test_greedy_layerwise_training_copies_each_layer():
    m = npae.ConvolutionalAutoencoder(**CONFIGS[3], epochs=0, batch_size=3, pretrain_epochs=2,
                                      random_state=1).fit(X)
    seed = int(np.random.default_rng(1).integers(2**31 - 1))
    shared = dict(kernel_size=2, stride=(1, 2), pool=(2, 1), noise="masking", activation="relu",
                  batch_size=3, epochs=2)
    one = npae.ConvolutionalAutoencoder(filters=(2,), random_state=seed, **shared).fit(X)
    for name in ("W", "b"):
        for part in ("encoder", "decoder"):
            np.testing.assert_array_equal(m.params_[f"{part}.0.{name}"],
                                          one.params_[f"{part}.0.{name}"])
    maps = one.transform(X).reshape(6, *one.code_shape_)
    two = npae.ConvolutionalAutoencoder(filters=(3,), random_state=seed + 1,
                                        output_activation="relu", **shared).fit(maps)
    np.testing.assert_array_equal(m.params_["encoder.1.W"], two.params_["encoder.0.W"])
    np.testing.assert_array_equal(m.params_["decoder.1.W"], two.params_["decoder.0.W"])
    # fine-tuning then moves the stack: joint training lowers the loss from the pretrained start
    tuned = npae.ConvolutionalAutoencoder(**CONFIGS[3], epochs=5, batch_size=3,
                                          pretrain_epochs=2, random_state=1).fit(X)
    assert tuned.loss_and_grads(X, rng=0)[0] < m.loss_and_grads(X, rng=0)[0]


def test_flat_rows_without_a_shape_are_square_images_or_one_row():
    m = npae.ConvolutionalAutoencoder(filters=(2,), kernel_size=3, epochs=0).fit(
        RNG.random((3, 49)))
    assert m.image_shape_ == (1, 7, 7) and m.code_shape_ == (2, 2, 2)
    m = npae.ConvolutionalAutoencoder(filters=(2,), kernel_size=(1, 3), pool=(1, 2),
                                      epochs=0).fit(RNG.random((3, 12)))
    assert m.image_shape_ == (1, 1, 12) and m.code_shape_ == (2, 1, 5)


def test_save_load_of_an_image_fitted_model(tmp_path):
    m = fitted(1)
    m.save(tmp_path / "c.npz")
    back = npae.load(tmp_path / "c.npz")
    assert back.image_shape is None and back.image_shape_ == (2, 7, 6)
    np.testing.assert_array_equal(back.reconstruct(X), m.reconstruct(X))


def test_bad_images_are_refused():
    with pytest.raises(ValueError, match=r"kernel does not fit a \(1, 84\) input"):
        npae.ConvolutionalAutoencoder(filters=(2,), kernel_size=3).fit(X.reshape(6, -1))
    with pytest.raises(ValueError, match="holds 84 values but X has 10"):
        npae.ConvolutionalAutoencoder(image_shape=(2, 7, 6), kernel_size=3).fit(RNG.random((6, 10)))
    with pytest.raises(ValueError, match="expects"):
        npae.ConvolutionalAutoencoder(image_shape=(2, 6, 7), kernel_size=3).fit(X)
    with pytest.raises(ValueError, match="does not fit"):
        npae.ConvolutionalAutoencoder(kernel_size=9).fit(X)
    with pytest.raises(ValueError, match="pool does not fit"):
        npae.ConvolutionalAutoencoder(filters=(2, 2), kernel_size=2, pool=2).fit(X)
    with pytest.raises(ValueError, match="kernel_size must be"):
        npae.ConvolutionalAutoencoder(kernel_size=(3, 3, 3)).fit(X)
    m = fitted(0)
    with pytest.raises(ValueError, match=r"expects \(2, 7, 6\)"):
        m.transform(X[:, :, :, :5])
    with pytest.raises(ValueError, match="must be 2-D"):
        m.transform(X[0])


def test_to_torch_parity():
    torch = pytest.importorskip("torch")
    Xf = X.reshape(len(X), -1)
    for i in range(len(CONFIGS)):
        m = fitted(i)
        t = npae.to_torch(m)
        X_tilde = None
        if m.noise is not None:
            X_tilde = npae.terms.noise.corrupt(Xf, m.noise, m.corruption_level, np.random.default_rng(3))
        loss = t.loss(Xf, X_tilde=X_tilde)
        loss.backward()
        value, grads = m.loss_and_grads(X, rng=3)
        assert abs(loss.item() - value) < 1e-12 * max(1.0, abs(value))
        for name, p in t.named_parameters():
            np.testing.assert_allclose(p.grad.numpy(), grads[name], rtol=1e-10, atol=1e-12)
        with torch.no_grad():
            np.testing.assert_allclose(t.encode(Xf).numpy(), m.transform(X), atol=1e-12)
            np.testing.assert_allclose(t(Xf).numpy(), m.reconstruct(X), atol=1e-12)
            Z = m.transform(X)
            np.testing.assert_allclose(t.decode(torch.as_tensor(Z)).numpy(),
                                       m.inverse_transform(Z), atol=1e-12)


def test_inference_in_blocks_equals_row_by_row():
    Xs = RNG.random((700, 1, 6, 6))  # more rows than one inference block
    m = npae.ConvolutionalAutoencoder(filters=(2,), kernel_size=3, epochs=0).fit(Xs)
    Z = m.transform(Xs)
    np.testing.assert_array_equal(Z[650:], m.transform(Xs[650:]))
    np.testing.assert_array_equal(m.reconstruct(Xs)[:5], m.reconstruct(Xs[:5]))
    np.testing.assert_array_equal(m.inverse_transform(Z)[600:], m.inverse_transform(Z[600:]))
