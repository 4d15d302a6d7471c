"""DenoisingAutoencoder (Vincent et al. 2008/2010): corrupted input, clean target,
corruption only in the training loss, reproducible from the generator."""

import os
import runpy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import npae
from npae import NotFittedError
from npae.gradcheck import check_gradients
from npae.nn.losses import squared_error
from npae.terms.noise import corrupt, masking

HERE = os.path.dirname(os.path.dirname(__file__))  # tests/
FAST = settings(max_examples=20, deadline=None)
LEVELS = {"masking": st.floats(0.0, 0.9), "gaussian": st.floats(0.0, 1.0),
          "salt_and_pepper": st.floats(0.0, 0.9)}




@FAST
@given(sizes=st.lists(st.integers(2, 6), min_size=1, max_size=2),
       noise=st.sampled_from(sorted(LEVELS)), data=st.data(),
       activation=st.sampled_from(["sigmoid", "tanh", "softplus"]),
       loss=st.sampled_from(["mse", "bce"]), tied=st.booleans(), seed=st.integers(0, 999))
def test_gradients_every_parameter_both_paths_with_the_draw_held_fixed(
        sizes, noise, data, activation, loss, tied, seed):
    level = data.draw(LEVELS[noise])
    X = np.random.default_rng(seed).random((7, 5))
    model = npae.DenoisingAutoencoder(hidden=tuple(sizes[:-1]), latent_dim=sizes[-1], noise=noise, corruption_level=level,
                                      activation=activation, loss=loss, tied=tied,
                                      weight_decay=1e-3, random_state=seed).initialize(X)
    for vectorized in (True, False):
        report = check_gradients(model, X, rng=seed, vectorized=vectorized)
        assert report.passed, report
    lb, gb = model.loss_and_grads(X, rng=seed, vectorized=True)
    lr, gr = model.loss_and_grads(X, rng=seed, vectorized=False)
    assert abs(lb - lr) <= 1e-12 * max(1.0, lb)
    for name in gb:
        assert np.linalg.norm(gb[name] - gr[name]) <= 1e-12 * max(1.0, np.linalg.norm(gb[name]))


@pytest.mark.parametrize("noise,level", [("masking", 0.3), ("gaussian", 0.2),
                                         ("salt_and_pepper", 0.3)])
def test_loss_reconstructs_the_corrupted_input_against_the_clean_one(noise, level):
    X = np.random.default_rng(0).uniform(0.2, 0.8, (10, 6))
    dae = npae.DenoisingAutoencoder(hidden=(), latent_dim=4, noise=noise, corruption_level=level).initialize(X)
    p = dae.params_
    kw = dict(low=X.min(), high=X.max()) if noise == "salt_and_pepper" else {}
    X_tilde = corrupt(X, noise, level, np.random.default_rng(7), **kw)
    H = 1 / (1 + np.exp(-(X_tilde @ p["encoder.0.W"] + p["encoder.0.b"])))
    X_hat = H @ p["decoder.0.W"] + p["decoder.0.b"]
    expected = squared_error(X_hat, X)[0]  # target: the clean X
    assert dae.loss_terms(X, rng=7)["reconstruction"] == pytest.approx(expected, rel=1e-13)
    np.testing.assert_array_equal(dae.corrupt(X, rng=7), X_tilde)
    # Stochastic: another draw, another loss; the same draw, the same loss.
    assert dae.loss_terms(X, rng=8)["reconstruction"] != pytest.approx(expected, rel=1e-6)
    assert dae.loss_terms(X, rng=7) == dae.loss_terms(X, rng=7)


def test_no_corruption_at_inference_and_level_zero_is_the_plain_autoencoder():
    X = np.random.default_rng(1).random((15, 6))
    dae = npae.DenoisingAutoencoder(hidden=(), latent_dim=4, noise="gaussian", corruption_level=0.5).initialize(X)
    ae = npae.Autoencoder(hidden=(), latent_dim=4).initialize(X)
    for k in ae.params_:
        ae.params_[k][...] = dae.params_[k]
    # Inference is deterministic and equals the plain network on clean inputs.
    np.testing.assert_array_equal(dae.transform(X), ae.transform(X))
    np.testing.assert_array_equal(dae.reconstruct(X), ae.reconstruct(X))
    np.testing.assert_array_equal(dae.reconstruction_error(X), ae.reconstruction_error(X))
    dae.set_params(corruption_level=0.0)
    assert dae.loss_terms(X, rng=3) == pytest.approx(ae.loss_terms(X), rel=1e-14)


def test_salt_and_pepper_uses_the_training_range_and_it_survives_save_load(tmp_path):
    X = np.random.default_rng(2).uniform(-1.0, 2.0, (40, 6))
    dae = npae.DenoisingAutoencoder(hidden=(), latent_dim=3, noise="salt_and_pepper", corruption_level=0.5,
                                    epochs=1).fit(X)
    np.testing.assert_array_equal(dae.noise_range_, [X.min(), X.max()])
    batch = np.full((3, 6), 0.5)  # a batch whose own min = max = 0.5
    values = set(np.unique(dae.corrupt(batch, rng=0)).tolist())
    assert values <= {0.5, X.min(), X.max()} and len(values) == 3
    dae2 = npae.load(dae.save(tmp_path / "dae.npz"))
    np.testing.assert_array_equal(dae2.noise_range_, dae.noise_range_)
    np.testing.assert_array_equal(dae2.corrupt(batch, rng=0), dae.corrupt(batch, rng=0))


def test_fit_is_reproducible_from_random_state():
    X = np.random.default_rng(3).random((50, 6))
    a = npae.DenoisingAutoencoder(hidden=(), latent_dim=3, epochs=2, batch_size=16, random_state=4).fit(X)
    b = npae.DenoisingAutoencoder(hidden=(), latent_dim=3, epochs=2, batch_size=16, random_state=4).fit(X)
    np.testing.assert_array_equal(a._flat.flat, b._flat.flat)


def test_denoises_masked_test_digits_better_than_a_plain_autoencoder():
    # Held-out split, same shape, epochs, optimizer and seed; ν = 0.25 masking.
    from npae.datasets import load_mnist
    X, _ = load_mnist(n=1500)
    Xtr, Xte = X[:1000], X[1000:]
    # (float32: the claim is about the method, not the precision, and it halves the time.)
    kw = dict(latent_dim=128, activation="relu", output_activation="sigmoid", epochs=25,
              learning_rate=3e-3, batch_size=64, random_state=0, dtype="float32")
    ae = npae.Autoencoder(**kw).fit(Xtr)
    dae = npae.DenoisingAutoencoder(noise="masking", corruption_level=0.25, **kw).fit(Xtr)
    X_masked = masking(Xte, 0.25, np.random.default_rng(123))
    err_ae = ((ae.reconstruct(X_masked) - Xte) ** 2).mean(axis=1)
    err_dae = ((dae.reconstruct(X_masked) - Xte) ** 2).mean(axis=1)
    assert err_dae.mean() < 0.95 * err_ae.mean(), (err_dae.mean(), err_ae.mean())
    assert (err_dae < err_ae).mean() > 0.55  # better on most digits, not on a few


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(noise="dropout"), ValueError, r"noise must be one of \['gaussian', 'masking', 'salt_and_pepper'\], got 'dropout'"),
    (dict(noise="masking", corruption_level=1.5), ValueError, r"fraction nu .* in \[0, 1\]"),
    (dict(noise="salt_and_pepper", corruption_level=-0.1), ValueError, r"corruption_level must be a finite number >= 0, got -0.1"),
    (dict(noise="gaussian", corruption_level=-0.1), ValueError, r"corruption_level must be a finite number >= 0, got -0.1"),
    (dict(noise="gaussian", corruption_level="0.1"), TypeError, "corruption_level must be"),
])
def test_bad_hyperparameters(kwargs, exc, match):
    X = np.random.default_rng(0).random((5, 4))
    with pytest.raises(exc, match=match):
        npae.DenoisingAutoencoder(hidden=(), latent_dim=3, **kwargs).fit(X)


def test_corrupt_needs_a_fitted_model():
    with pytest.raises(NotFittedError):
        npae.DenoisingAutoencoder().corrupt(np.zeros((2, 3)))


def test_tutorial_quick(tmp_path):
    mod = runpy.run_path(os.path.join(HERE, "..", "tutorials", "denoising.py"))
    res = mod["main"](["--quick", "--quiet", "--out", str(tmp_path)])
    for noise in ("masking", "gaussian", "salt_and_pepper"):
        assert (tmp_path / f"denoise_{noise}.png").stat().st_size > 1000
        assert np.isfinite(res["errors"][noise]["dae"])
    assert (tmp_path / "filters_dae.png").stat().st_size > 1000


def test_sklearn_clone_and_repr():
    clone = pytest.importorskip("sklearn.base").clone
    m = npae.DenoisingAutoencoder(noise="gaussian", corruption_level=0.1)
    assert clone(m).get_params() == m.get_params()
    assert repr(m) == "DenoisingAutoencoder(noise='gaussian', corruption_level=0.1)"
