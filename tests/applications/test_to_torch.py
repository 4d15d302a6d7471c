"""npae.to_torch: the exported module computes what npae computes (float64, 1e-12).

For every family and several configurations: the loss terms of
``model.loss_terms(X, rng=seed)`` with the same random draw handed to torch, the
gradient of every parameter (npae's hand-written backward against autograd),
``transform``, ``inverse_transform`` and ``reconstruct``.
"""

import subprocess
import sys

import numpy as np
import pytest

import npae
from npae.families.concrete import gumbel_noise

torch = pytest.importorskip("torch")

SEED = 7
TOL = 1e-12


def _data():
    rng = np.random.default_rng(0)
    return rng.random((40, 12)), rng.integers(0, 3, 40)


X, Y = _data()
FIT = dict(epochs=2, batch_size=16)


def _eps(m, s):
    return {"eps": np.random.default_rng(s).standard_normal((len(X), m.latent_dim))}


def _labels(m):
    return np.searchsorted(m.classes_, Y)


# (id, model, fitted with labels, the random draw of loss_terms(X, rng=seed) as torch arguments)
CASES = [
    ("ae", npae.Autoencoder(hidden=(8,), latent_dim=4, **FIT), False, None),
    ("ae-tied-bce-softplus-wd", npae.Autoencoder(hidden=(8,), latent_dim=4, tied=True, loss="bce",
                                                 activation="softplus", weight_decay=0.01,
                                                 **FIT), False, None),
    ("ae-decoder-hidden-leaky", npae.Autoencoder(hidden=(8,), latent_dim=4, decoder_hidden=(6, 5),
                                                 activation="leaky_relu",
                                                 code_activation="identity", **FIT), False, None),
    ("ae-relu-sigmoid-out", npae.Autoencoder(hidden=(), latent_dim=8, activation="relu",
                                             output_activation="sigmoid", **FIT), False, None),
    ("sparse-kl", npae.SparseAutoencoder(hidden=(8,), latent_dim=4, **FIT), False, None),
    ("sparse-kl-tanh-code", npae.SparseAutoencoder(hidden=(8,), latent_dim=4, activation="tanh", rho=-0.1,
                                                   sparse_layers="code", **FIT), False, None),
    ("sparse-l1", npae.SparseAutoencoder(hidden=(8,), latent_dim=4, penalty="l1", activation="relu",
                                         **FIT), False, None),
    ("sparse-l2-tied", npae.SparseAutoencoder(hidden=(), latent_dim=8, penalty="l2", tied=True, **FIT),
     False, None),
    ("sparse-activity-bce", npae.SparseAutoencoder(hidden=(8,), latent_dim=4, penalty="activity", loss="bce",
                                                   **FIT), False, None),
    ("ksparse", npae.KSparseAutoencoder(hidden=(), latent_dim=8, k=3, transform_k_factor=1.5, **FIT), False, None),
    ("ksparse-tied-magnitude", npae.KSparseAutoencoder(hidden=(), latent_dim=8, k=3, tied=True,
                                                       selection="magnitude", **FIT), False, None),
    ("dae-masking", npae.DenoisingAutoencoder(hidden=(8,), latent_dim=4, **FIT), False,
     lambda m, s: {"X_tilde": m.corrupt(X, rng=s)}),
    ("dae-gaussian-bce", npae.DenoisingAutoencoder(hidden=(), latent_dim=8, noise="gaussian", loss="bce",
                                                   corruption_level=0.1, **FIT), False,
     lambda m, s: {"X_tilde": m.corrupt(X, rng=s)}),
    ("dae-salt-and-pepper", npae.DenoisingAutoencoder(hidden=(), latent_dim=8, noise="salt_and_pepper",
                                                      **FIT), False,
     lambda m, s: {"X_tilde": m.corrupt(X, rng=s)}),
    ("cae-deep-tanh", npae.ContractiveAutoencoder(hidden=(8,), latent_dim=4, lam=0.5, activation="tanh",
                                                  **FIT), False, None),
    ("cae-one-layer-bce", npae.ContractiveAutoencoder(hidden=(), latent_dim=8, lam=0.5, loss="bce", **FIT),
     False, None),
    ("cae-softplus-relu-code", npae.ContractiveAutoencoder(hidden=(8,), latent_dim=4, lam=0.3,
                                                           activation="softplus",
                                                           code_activation="relu", tied=True,
                                                           **FIT), False, None),
    ("vae", npae.VariationalAutoencoder(latent_dim=3, hidden=(8,), **FIT), False, _eps),
    ("vae-gaussian-learned", npae.VariationalAutoencoder(latent_dim=3, hidden=(8, 6),
                                                         likelihood="gaussian",
                                                         decoder_var="learned", beta=0.5,
                                                         weight_decay=0.01, **FIT), False, _eps),
    ("vae-linear-gaussian", npae.VariationalAutoencoder(latent_dim=3, hidden=(),
                                                        likelihood="gaussian", sigma=0.5, **FIT),
     False, _eps),
    ("clvae", npae.ConditionalLatentVAE(latent_dim=2, hidden=(8,), gamma=0.3, **FIT), True,
     lambda m, s: {"y": _labels(m), **_eps(m, s)}),
    ("clvae-learned-means", npae.ConditionalLatentVAE(latent_dim=2, hidden=(8,),
                                                      prior_means="learned", **FIT), True,
     lambda m, s: {"y": _labels(m), **_eps(m, s)}),
    ("aae", npae.AdversarialAutoencoder(hidden=(8,), latent_dim=2, discriminator_hidden=(6,),
                                        weight_decay=0.01, **FIT), False,
     lambda m, s: {"z_prior": m.sample_prior(len(X), rng=s)}),
    ("aae-uniform-bce", npae.AdversarialAutoencoder(hidden=(8,), latent_dim=2, prior="uniform",
                                                    loss="bce", **FIT), False,
     lambda m, s: {"z_prior": m.sample_prior(len(X), rng=s)}),
    ("aae-supervised-mixture", npae.AdversarialAutoencoder(hidden=(8,), latent_dim=2,
                                                           prior="mixture", n_components=3,
                                                           supervised=True, **FIT), True,
     lambda m, s: {"z_prior": m.sample_prior(len(X), rng=s, component=Y), "y": _labels(m)}),
    ("concrete", npae.ConcreteAutoencoder(n_selected=3, decoder_hidden=(8,), **FIT), False,
     lambda m, s: {"gumbel": gumbel_noise(np.random.default_rng(s),
                                          m.params_["selector.alpha"].shape)}),
    ("concrete-unique-bce", npae.ConcreteAutoencoder(n_selected=3, decoder_hidden=(8,), unique=True,
                                                     loss="bce", **FIT), False,
     lambda m, s: {"gumbel": gumbel_noise(np.random.default_rng(s),
                                          m.params_["selector.alpha"].shape)}),
    ("wae-imq", npae.WassersteinAutoencoder(hidden=(8,), latent_dim=3, **FIT), False,
     lambda m, s: {"z_prior": np.random.default_rng(s).standard_normal((len(X), 3))}),
    ("wae-rbf-bce-scale", npae.WassersteinAutoencoder(hidden=(8,), latent_dim=2, kernel="rbf", loss="bce",
                                                      prior_scale=2.0, **FIT), False,
     lambda m, s: {"z_prior": 2.0 * np.random.default_rng(s).standard_normal((len(X), 2))}),
]


def _numpy(t):
    return t.detach().cpu().numpy()


@pytest.fixture(scope="module", params=CASES, ids=[c[0] for c in CASES])
def exported(request):
    _, model, labelled, draw = request.param
    model.fit(X, Y) if labelled else model.fit(X)
    return model, npae.to_torch(model), (Y if labelled else None), (draw or (lambda m, s: {}))


def test_loss_terms_and_gradients_match(exported):
    model, module, y, draw = exported
    ref = model.loss_terms(X, y, rng=SEED)
    got = module.loss_terms(X, **draw(model, SEED))
    assert set(got) == set(ref)
    for k in ref:
        assert abs(float(got[k].detach()) - ref[k]) < TOL, k
    # the gradient: npae's backward by hand, torch's autograd (contractive: double backward)
    _, grads = model.loss_and_grads(X, y, rng=SEED)
    module.zero_grad()
    module.loss(X, **draw(model, SEED)).backward()
    named = dict(module.named_parameters())
    assert set(named) == set(grads)
    for k, p in named.items():
        g = np.zeros_like(grads[k]) if p.grad is None else _numpy(p.grad)
        scale = max(1.0, float(np.abs(grads[k]).max()))
        assert np.abs(g - grads[k]).max() < TOL * scale, k


@pytest.mark.parametrize("phase", ["reconstruction", "discriminator", "generator"])
def test_adversarial_phases_match(phase):
    aae = npae.AdversarialAutoencoder(hidden=(8,), latent_dim=2, discriminator_hidden=(6, 5),
                                      **FIT).fit(X)
    t = npae.to_torch(aae)
    value, grads = aae.phase_loss_and_grads(X, phase, rng=SEED)
    loss = t.phase_loss(X, phase, z_prior=aae.sample_prior(len(X), rng=SEED))
    assert abs(loss.item() - value) < TOL
    loss.backward()
    for k, p in t.named_parameters():
        g = np.zeros_like(grads[k]) if p.grad is None else _numpy(p.grad)
        assert np.abs(g - grads[k]).max() < TOL, k


def test_concrete_fixed_features():
    cae = npae.ConcreteAutoencoder(n_selected=3, decoder_hidden=(8,), **FIT)
    cae.fit_fixed_features(X, np.array([5, 0, 5]))
    t = npae.to_torch(cae)
    assert np.array_equal(_numpy(t.encode(X)), X[:, [5, 0, 5]])
    assert abs(t.loss(X).item() - cae.loss_terms(X, rng=SEED)["reconstruction"]) < TOL


def test_encode_decode_reconstruct_match(exported):
    model, module, _, _ = exported
    Z = model.transform(X)
    assert np.abs(_numpy(module.encode(X)) - Z).max() < TOL
    assert np.abs(_numpy(module.decode(Z)) - model.inverse_transform(Z)).max() < TOL
    assert np.abs(_numpy(module(X)) - model.reconstruct(X)).max() < TOL


def test_weights_are_float64_copies(exported):
    model, module, _, _ = exported
    state = module.state_dict()
    for k, v in model.params_.items():
        assert state[k].dtype == torch.float64 and np.array_equal(_numpy(state[k]), v), k
    assert all(p.requires_grad for p in module.parameters())
    before = {k: v.copy() for k, v in model.params_.items()}
    with torch.no_grad():
        for p in module.parameters():
            p.add_(1.0)  # the module owns copies: npae's parameters do not move
    assert all(np.array_equal(model.params_[k], before[k]) for k in before)
    module.load_npae_params(model.params_)


def test_a_saved_and_loaded_model_exports_the_same(exported, tmp_path):
    model, module, y, draw = exported
    back = npae.to_torch(npae.load(model.save(tmp_path / "model.npz")))
    for k, v in module.state_dict().items():
        assert torch.equal(back.state_dict()[k], v), k
    assert back.loss(X, **draw(model, SEED)).item() == module.loss(X, **draw(model, SEED)).item()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_float32_models_stay_float32(case):
    cid, model, labelled, draw = case
    m32 = type(model)(**{**model.get_params(), "dtype": "float32"})
    m32.fit(X, Y) if labelled else m32.fit(X)
    t = npae.to_torch(m32)
    assert {p.dtype for p in t.parameters()} == {torch.float32}
    ref = m32.loss_terms(X, Y if labelled else None, rng=SEED)
    got = t.loss_terms(X, **(draw or (lambda m, s: {}))(m32, SEED))
    assert all(got[k].dtype == torch.float32 for k in got if torch.is_tensor(got[k]))
    for k in ref:
        assert abs(got[k].item() - ref[k]) <= 1e-5 * max(1.0, abs(ref[k])), k
    Z = t.encode(X)
    assert Z.dtype == torch.float32 and t.decode(Z).dtype == torch.float32
    assert np.abs(_numpy(Z) - m32.transform(X)).max() < 1e-5


def test_every_activation_exports():
    for act in ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus"):
        ae = npae.Autoencoder(hidden=(8,), latent_dim=4, activation=act, **FIT).fit(X)
        t = npae.to_torch(ae)
        assert abs(t.loss(X).item() - ae.loss_terms(X)["reconstruction"]) < TOL, act
        assert np.abs(_numpy(t(X)) - ae.reconstruct(X)).max() < TOL, act


def test_softplus_far_from_zero():
    """Pre-activations beyond 20, where torch's own softplus returns a (off by 2e-9)."""
    ae = npae.Autoencoder(hidden=(), latent_dim=6, activation="softplus", **FIT).fit(X)
    ae.params_["encoder.0.b"][...] = 20.5
    t = npae.to_torch(ae)
    assert np.abs(_numpy(t.encode(X)) - ae.transform(X)).max() < TOL
    naive = torch.nn.functional.softplus(torch.tensor(X @ ae.params_["encoder.0.W"] + 20.5))
    assert np.abs(_numpy(naive) - ae.transform(X)).max() > 1e-10  # what the naive port gets


def test_ksparse_ties_follow_npae():
    """Equal codes: the lowest index wins, in torch as in npae."""
    ae = npae.KSparseAutoencoder(hidden=(), latent_dim=6, k=2, **FIT).fit(X)
    W, b = ae.params_["encoder.0.W"], ae.params_["encoder.0.b"]
    W[:, 1:4] = W[:, :1]  # units 0..3 give the same code
    b[1:4] = b[0] + 100.0  # ... and the largest, well above units 4, 5
    b[0] += 100.0
    t = npae.to_torch(ae)
    Z = ae.transform(X)
    assert np.array_equal(_numpy(t.encode(X)) != 0, Z != 0)
    assert np.all((Z != 0)[:, :2]) and not np.any(Z[:, 2:])


def test_training_in_torch_changes_the_loss():
    vae = npae.VariationalAutoencoder(latent_dim=2, hidden=(8,), **FIT).fit(X)
    t = npae.to_torch(vae)
    ref = vae.loss_terms(X, rng=1)
    eps = np.random.default_rng(1).standard_normal((len(X), 2))
    start = t.loss(X, eps=eps).item()
    opt = torch.optim.Adam(t.parameters(), lr=1e-2)
    for _ in range(5):
        opt.zero_grad()
        t.loss(X, eps=eps).backward()
        opt.step()
    assert t.loss(X, eps=eps).item() < start - 1e-3
    assert vae.loss_terms(X, rng=1) == ref  # the npae model is untouched


def test_torch_draws_when_no_draw_is_given():
    dae = npae.DenoisingAutoencoder(hidden=(), latent_dim=8, corruption_level=0.25, **FIT).fit(X)
    t = npae.to_torch(dae)
    X_tilde = t.corrupt(X)  # X has no zeros: exactly round(0.25 * 12) = 3 masked per row
    assert torch.equal((X_tilde == 0).sum(dim=1), torch.full((len(X),), 3))
    assert np.isfinite(t.loss(X).item())  # a torch draw of the same process
    vae = npae.to_torch(npae.VariationalAutoencoder(latent_dim=2, hidden=(8,), **FIT).fit(X))
    assert np.isfinite(vae.loss(X).item())


def test_unfitted_and_foreign_models_are_refused():
    with pytest.raises(npae.NotFittedError, match="fit"):
        npae.to_torch(npae.Autoencoder())
    with pytest.raises(TypeError, match="families"):
        npae.to_torch(npae.PCA(n_components=2).fit(X))

    class MyAutoencoder(npae.Autoencoder):
        pass

    with pytest.raises(TypeError, match="families"):
        npae.to_torch(MyAutoencoder(hidden=(), latent_dim=4, **FIT).fit(X))


def test_labels_are_required_where_npae_requires_them():
    aae = npae.AdversarialAutoencoder(hidden=(8,), latent_dim=2, prior="mixture",
                                      n_components=3, supervised=True, **FIT).fit(X, Y)
    with pytest.raises(ValueError, match="fitted with labels"):
        npae.to_torch(aae).loss(X)


def test_missing_torch_names_the_extra(monkeypatch):
    ae = npae.Autoencoder(hidden=(), latent_dim=4, **FIT).fit(X)
    monkeypatch.setitem(sys.modules, "torch", None)  # "import torch" now raises ImportError
    with pytest.raises(ImportError, match=r'npae\[bench\].*torch==2\.13\.0'):
        npae.to_torch(ae)


def test_importing_npae_does_not_import_torch():
    code = "import sys, npae; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=npae.__path__[0] + "/..")
    assert out.stdout.strip() == "False"
