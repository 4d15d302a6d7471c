"""Greedy layer-wise pretraining (npae.pretrain_stack): layer shapes, the assembled
stack holds the shallow models' weights, each shallow model was trained on the codes
of the one below, fine-tuning lowers the loss, regularised families, bad input."""

import numpy as np
import pytest

import npae
from npae import Autoencoder, DenoisingAutoencoder, SparseAutoencoder, pretrain_stack

X = np.random.default_rng(0).random((80, 12))
SETTINGS = dict(batch_size=16, learning_rate=1e-2)


def test_layer_shapes_and_the_stack_is_the_shallow_models_before_fine_tuning():
    ae = pretrain_stack(X, (8, 5), 3, activation="tanh", code_activation="identity",
                        pretrain_epochs=3, finetune_epochs=0, **SETTINGS)
    assert isinstance(ae, Autoencoder) and (ae.hidden, ae.latent_dim) == ((8, 5), 3)
    shapes = {k: v.shape for k, v in ae.params_.items()}
    assert shapes["encoder.0.W"] == (12, 8) and shapes["encoder.2.W"] == (5, 3)
    assert shapes["decoder.0.W"] == (3, 5) and shapes["decoder.2.W"] == (8, 12)
    layers = ae.pretraining_["layers"]
    assert [(m.hidden, m.latent_dim) for m in layers] == [((), 8), ((), 5), ((), 3)]
    for l, m in enumerate(layers):
        np.testing.assert_array_equal(ae.params_[f"encoder.{l}.W"], m.params_["encoder.0.W"])
        np.testing.assert_array_equal(ae.params_[f"decoder.{2 - l}.b"], m.params_["decoder.0.b"])
    # layer 2 was trained on the codes of layers 0 and 1: the deep encoder's codes are its codes
    H = layers[1].transform(layers[0].transform(X))
    np.testing.assert_allclose(ae.transform(X), layers[2].transform(H), rtol=1e-12)
    # inner shallow decoders reconstruct codes with the hidden activation (as the deep decoder)
    assert layers[1].output_activation == "tanh" and layers[0].output_activation is None
    assert layers[2].code_activation == "identity" and layers[1].code_activation == "tanh"


def test_fine_tuning_lowers_the_loss_of_the_stack():
    kw = dict(activation="sigmoid", loss="bce", pretrain_epochs=5, random_state=1, **SETTINGS)
    stacked = pretrain_stack(X, (8,), 4, finetune_epochs=0, **kw)
    tuned = pretrain_stack(X, (8,), 4, finetune_epochs=20, **kw)
    np.testing.assert_array_equal(tuned.pretraining_["params"]["encoder.1.W"],
                                  stacked.params_["encoder.1.W"])  # same start, same seed
    before = stacked.loss_terms(X)["reconstruction"]
    after = tuned.loss_terms(X)["reconstruction"]
    assert after <= before and len(tuned.history_["loss"]) == 20
    assert tuned.pretraining_["seconds"] > 0


@pytest.mark.parametrize("family, params, cls", [
    ("denoising", {"noise": "masking", "corruption_level": 0.3}, DenoisingAutoencoder),
    ("sparse", {"rho": 0.1, "beta": 1.0}, SparseAutoencoder)])
def test_regularised_layers(family, params, cls):
    ae = pretrain_stack(X, (6,), 3, family=family, layer_params=params, pretrain_epochs=2,
                        finetune_epochs=1, **SETTINGS)
    assert all(type(m) is cls for m in ae.pretraining_["layers"])
    assert ae.pretraining_["layers"][1].corruption_level if family == "denoising" else True
    assert ae.transform(X).shape == (80, 3)


def test_bad_input():
    with pytest.raises(ValueError, match="unknown model family"):
        pretrain_stack(X, (), 4, family="no-such-family")
    with pytest.raises(TypeError, match="subclass of npae.Autoencoder"):
        pretrain_stack(X, (), 4, family=npae.VariationalAutoencoder)
    with pytest.raises(ValueError, match="may not set"):
        pretrain_stack(X, (), 4, layer_params={"latent_dim": 3})
    with pytest.raises(ValueError):
        pretrain_stack(X, ())


@pytest.mark.parametrize("loss, code_activation, units", [
    ("bce", "identity", [("bernoulli", "bernoulli"), ("bernoulli", "bernoulli"),
                         ("bernoulli", "gaussian")]),
    ("mse", "sigmoid", [("gaussian", "bernoulli"), ("bernoulli", "bernoulli"),
                        ("bernoulli", "bernoulli")])])
def test_rbm_stack_unrolls_into_exactly_the_rbms_weights(loss, code_activation, units):
    ae = pretrain_stack(X, (8, 5), 3, family="rbm", loss=loss, code_activation=code_activation,
                        pretrain_epochs=3, finetune_epochs=0, layer_params={"batch_size": 16},
                        random_state=2)
    layers = ae.pretraining_["layers"]
    assert all(type(r) is npae.RBM for r in layers)
    assert [(r.visible_units, r.hidden_units) for r in layers] == units
    assert [r.n_features_in_ for r in layers] == [12, 8, 5] and layers[0].n_iter_ == 3
    for l, r in enumerate(layers):
        np.testing.assert_array_equal(ae.params_[f"encoder.{l}.W"], r.params_["W"])
        np.testing.assert_array_equal(ae.params_[f"encoder.{l}.b"], r.params_["c"])
        np.testing.assert_array_equal(ae.params_[f"decoder.{2 - l}.W"], r.params_["W"].T)
        np.testing.assert_array_equal(ae.params_[f"decoder.{2 - l}.b"], r.params_["b"])
    # the unrolled network is the RBMs' mean-field up pass, then their down pass
    H = X
    for r in layers:
        H = r.transform(H)
    np.testing.assert_allclose(ae.transform(X), H, rtol=1e-12)
    for r in layers[::-1]:
        H = r.inverse_transform(H)
    np.testing.assert_allclose(ae.reconstruct(X), H, rtol=1e-12)


def test_fine_tuning_an_rbm_stack_lowers_its_loss():
    kw = dict(family="rbm", loss="bce", code_activation="identity", pretrain_epochs=3,
              random_state=1, layer_params={"batch_size": 16}, **SETTINGS)
    tuned = pretrain_stack(X, (8,), 4, finetune_epochs=20, **kw)
    stacked = npae.Autoencoder(hidden=(8,), latent_dim=4, code_activation="identity", loss="bce").initialize(X)
    stacked._flat.assign(tuned.pretraining_["params"])
    assert tuned.loss_terms(X)["reconstruction"] < stacked.loss_terms(X)["reconstruction"]


def test_semantic_hashing_starts_from_an_rbm_stack():
    sh = pretrain_stack(X, (8,), 4, family="rbm", loss="bce", pretrain_epochs=2, finetune_epochs=0,
                        finetune_family="semantic_hashing", finetune_params={"code_noise_std": 1.0},
                        layer_params={"batch_size": 16})
    assert type(sh) is npae.SemanticHashingAutoencoder and sh.code_noise_std == 1.0
    r0, r1 = sh.pretraining_["layers"]
    assert r1.hidden_units == "bernoulli"  # logistic code units, as the paper's
    codes = r1.transform(r0.transform(X))
    np.testing.assert_allclose(sh.transform(X), codes, rtol=1e-12)
    np.testing.assert_array_equal(sh.hash(X), codes > 0.5)
    tuned = pretrain_stack(X, (8,), 4, family="rbm", loss="bce", pretrain_epochs=2,
                           finetune_epochs=2, finetune_family="semantic_hashing",
                           layer_params={"batch_size": 16}, **SETTINGS)
    assert len(tuned.history_["loss"]) == 2 and tuned.hash(X).shape == (80, 4)


def test_rbm_stack_bad_input():
    with pytest.raises(ValueError, match="activation must be 'sigmoid'"):
        pretrain_stack(X, (), 4, family="rbm", activation="tanh", loss="bce")
    with pytest.raises(ValueError, match="Gaussian on both sides"):
        pretrain_stack(X, (), 4, family="rbm", loss="mse", code_activation="identity")
    with pytest.raises(ValueError, match="may not set"):
        pretrain_stack(X, (), 4, family="rbm", loss="bce", layer_params={"visible_units": "gaussian"})
    with pytest.raises(TypeError, match="finetune_family"):
        pretrain_stack(X, (), 4, family="rbm", finetune_family=npae.VariationalAutoencoder)
    with pytest.raises(ValueError, match=r"\[0, 1\]|Negative|greater"):
        pretrain_stack(X * 3, (), 4, family="rbm", loss="bce")


def test_layer_params_per_layer():
    ae = pretrain_stack(X, (6,), 3, family="rbm", loss="bce", code_activation="identity",
                        pretrain_epochs=1, finetune_epochs=0,
                        layer_params=[{"learning_rate": 0.05}, {"learning_rate": 0.01, "k": 2}])
    assert [(r.learning_rate, r.k) for r in ae.pretraining_["layers"]] == [(0.05, 1), (0.01, 2)]
    sparse = pretrain_stack(X, (6,), 3, family="sparse", pretrain_epochs=1, finetune_epochs=0,
                            layer_params=[{"beta": 1.0}, {"beta": 2.0}], **SETTINGS)
    assert [m.beta for m in sparse.pretraining_["layers"]] == [1.0, 2.0]
    with pytest.raises(ValueError, match="2 dicts for 3 layers"):
        pretrain_stack(X, (6, 4), 3, layer_params=[{}, {}])
    with pytest.raises(ValueError, match="may not set"):
        pretrain_stack(X, (6,), 3, layer_params=[{}, {"loss": "bce"}])
