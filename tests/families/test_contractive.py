"""Tests for the contractive penalty (npae.nn.jacobian) and ContractiveAutoencoder.

What is shown: the penalty's gradient on its own and inside the model total
(both paths, hypothesis-generated depths, widths, activations and λ); the
reference path equals the batch path; the value equals Rifai's closed form for
a one-layer sigmoid encoder and the squared Frobenius norm of a
finite-difference Jacobian of ``transform``; an outside oracle (torch double
backward) when torch is installed; a negative control; the contraction is
visible on digits; bad input gets clear errors.
"""

from __future__ import annotations

import os
import runpy
import sys
import tracemalloc

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import npae
from npae import ContractiveAutoencoder, NotFittedError
from helpers import assert_paths_agree
from npae.gradcheck import check_gradient, check_gradients
from npae.nn import MLP, batch, reference
from npae.nn.activations import Tanh
from npae.nn.jacobian import (backward_with_preactivation, contractive_penalty,
                              encoder_jacobian, jacobian_frobenius_sq)

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
SMOOTH = ["sigmoid", "tanh", "softplus", "identity"]
GC = settings(max_examples=20, deadline=None)


# --------------------------------------------------------------------------- helpers
def random_encoder(rng, d, widths, acts, spread=0.5):
    """An encoder d -> widths with the given activations, weights jittered so
    that the pre-activations are spread over the nonlinear range."""
    mlp = MLP.build("encoder", (d, *widths), acts)
    params = mlp.init_params(rng)
    for k in params:
        params[k] = params[k] + spread * rng.standard_normal(params[k].shape)
    return mlp, params


def penalty_fun(mlp, X, lam, ops, method="auto"):
    """params -> (Ω, ∂Ω/∂params), the standalone penalty as check_gradient wants it."""
    def fun(p):
        grads = {}
        value = contractive_penalty(mlp, p, X, lam, ops, grads=grads, method=method)
        return value, grads
    return fun


def penalty_scale(mlp, params, lam):
    """The magnitude of the terms summed into Ω = λ mean_i ‖J_i‖²_F, for the round-off
    floor of check_gradient (``scale=``): each entry of J_i is a sum of products of weights
    and unit derivatives (all ≤ 1 in magnitude here), bounded by the entry of Π_l |W_l|,
    so λ ‖Π_l |W_l|‖²_F bounds the terms, which can cancel to far less than Ω's value
    (Hypothesis found a width-1 code whose Ω carried round-off 1e3× u Ω)."""
    J = np.eye(mlp.n_in)
    for layer in mlp.layers:
        J = J @ np.abs(params[layer.W])
    return float(lam * np.sum(J * J))


def fd_jacobian(f, X, eps=1e-5):
    """Central-difference Jacobian of a row-wise map f: (n, d) -> (n, k), as (n, k, d)."""
    cols = []
    for m in range(X.shape[1]):
        E = np.zeros_like(X)
        E[:, m] = eps
        cols.append((f(X + E) - f(X - E)) / (2 * eps))
    return np.stack(cols, axis=2)


def relative(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-300)


@st.composite
def encoders(draw, max_layers=3, acts=SMOOTH):
    d = draw(st.integers(1, 6))
    L = draw(st.integers(1, max_layers))
    widths = tuple(draw(st.integers(1, 6)) for _ in range(L))
    activations = tuple(draw(st.sampled_from(acts)) for _ in range(L))
    n = draw(st.integers(1, 5))
    lam = draw(st.floats(1e-3, 10.0))
    seed = draw(st.integers(0, 2**31 - 1))
    return d, widths, activations, n, lam, seed




@pytest.fixture(scope="module")
def digits():
    try:
        from npae.datasets import load_mnist
        X, y = load_mnist()
    except Exception:  # the dataset module is optional for these tests
        data = np.load(os.path.join(ROOT, "npae", "data", "mnist8k.npz"))
        X, y = data["images"].astype(np.float64) / 255.0, data["labels"].astype(int)
    return X, y


# --------------------------------------------------------------------------- the penalty alone
@GC
@given(encoders(), st.sampled_from(["auto", "gram", "jacobian"]))
def test_penalty_gradient_alone_both_paths(spec, method):
    d, widths, acts, n, lam, seed = spec
    rng = np.random.default_rng(seed)
    mlp, params = random_encoder(rng, d, widths, acts)
    X = rng.standard_normal((n, d))
    for ops in (batch, reference):
        # One rule (npae.gradcheck): relative error < tol, or within the round-off floor.
        report = check_gradient(penalty_fun(mlp, X, lam, ops, method), params,
                                scale=penalty_scale(mlp, params, lam))
        assert report.passed, f"{ops.__name__} {method}\n{report}"


@GC
@given(encoders())
# Found with seed 427665477: ∂Ω/∂b of the first layer cancels to 1.2e-4 beside a largest
# gradient of 0.70; the paths differ there by 2.5e-16, i.e. 2.2e-12 of the tensor itself.
@example(spec=(6, (1, 1), ("softplus", "tanh"), 4, 1.0, 477))
# Found with seed 3465688538: J's entries cancel through the width-1 layer, Ω = 5.5e-9 beside
# its terms' bound 9.4, and the two methods' Ω are 1.7e-19 (3e-11 of Ω) apart.
@example(spec=(1, (6, 1, 6), ("softplus", "sigmoid", "sigmoid"), 1, 1.0, 1))
def test_penalty_reference_equals_batch_and_methods_agree(spec):
    d, widths, acts, n, lam, seed = spec
    rng = np.random.default_rng(seed)
    mlp, params = random_encoder(rng, d, widths, acts)
    X = rng.standard_normal((n, d))
    results = {}
    for ops in (batch, reference):
        for method in ("gram", "jacobian"):
            value, grads = penalty_fun(mlp, X, lam, ops, method)(params)
            results[ops.__name__, method] = (value, grads)
    v0, g0 = results["npae.nn.batch", "gram"]
    S = penalty_scale(mlp, params, lam)
    # Ω = λ mean ‖J‖² carries round-off 2λ Σ |J| |δJ|, where δJ is the round-off of J's
    # entries, u times their terms' size: when those cancel (a narrow layer), that is
    # u √(Ω S), above u Ω. The value is floored at 1e-3 of it, as the gradients are.
    floor = 1e-3 * np.sqrt(abs(v0) * S)
    for (path, method), (v, g) in results.items():
        tol = 1e-12 if method == "gram" else 1e-11  # other association of products
        assert abs(v - v0) <= tol * max(abs(v0), floor, 1e-300), (path, method)
        assert set(g) == set(params)
        # Per tensor, floored at 1e-3 of its terms' size (the shared rule of the path tests;
        # the terms bounded as for the gradient check's round-off floor).
        assert_paths_agree(g, g0, scale=S, tol=tol)


@GC
@given(encoders(max_layers=3, acts=["leaky_relu", "relu", "tanh", "identity"]))
def test_penalty_gradient_relu_family_away_from_kinks(spec):
    """ReLU units: a.e. derivative, f'' = 0; the check holds where no
    pre-activation sits within the finite-difference step of 0."""
    d, widths, acts, n, lam, seed = spec
    rng = np.random.default_rng(seed)
    mlp, params = random_encoder(rng, d, widths, acts)
    X = rng.standard_normal((n, d))
    _, cache = mlp.forward(params, X, batch)
    assume(min(np.abs(A).min() for _, A, _ in cache) > 1e-3)  # away from the kinks
    report = check_gradient(penalty_fun(mlp, X, lam, batch), params,
                            scale=penalty_scale(mlp, params, lam))
    assert report.passed, str(report)


def test_penalty_value_is_mean_squared_frobenius_norm_of_explicit_jacobian():
    rng = np.random.default_rng(3)
    for widths, acts in [((7,), ("sigmoid",)), ((9, 4), ("tanh", "softplus")),
                         ((12, 8, 3), ("sigmoid", "tanh", "identity")),
                         ((20, 5), ("softplus", "sigmoid"))]:  # h_1 > 1.5 d: explicit form
        mlp, params = random_encoder(rng, 6, widths, acts)
        X = rng.standard_normal((11, 6))
        J = encoder_jacobian(mlp, params, X)
        assert J.shape == (11, widths[-1], 6)
        expected = 0.3 * np.mean(np.sum(J ** 2, axis=(1, 2)))
        for ops in (batch, reference):
            assert contractive_penalty(mlp, params, X, 0.3, ops) == pytest.approx(expected,
                                                                                 rel=1e-13)
        np.testing.assert_allclose(jacobian_frobenius_sq(mlp, params, X),
                                   np.sum(J ** 2, axis=(1, 2)), rtol=1e-13)


def test_encoder_jacobian_matches_finite_differences_of_forward():
    rng = np.random.default_rng(4)
    mlp, params = random_encoder(rng, 5, (6, 4, 3), ("tanh", "softplus", "sigmoid"))
    X = rng.standard_normal((4, 5))
    J = encoder_jacobian(mlp, params, X)
    J_fd = fd_jacobian(lambda Z: mlp.forward(params, Z, batch)[0], X)
    assert relative(J, J_fd) < 1e-8


def test_penalty_reuses_cache_and_dA_defers_the_backward_pass():
    rng = np.random.default_rng(5)
    mlp, params = random_encoder(rng, 5, (6, 3), ("tanh", "sigmoid"))
    X = rng.standard_normal((7, 5))
    full = {}
    v_full = contractive_penalty(mlp, params, X, 0.5, batch, grads=full)
    _, cache = mlp.forward(params, X, batch)
    deferred, dA = {}, {}
    v = contractive_penalty(mlp, params, X, 0.5, batch, grads=deferred, cache=cache, dA=dA)
    assert sorted(dA) == [0, 1] and dA[0].shape == (7, 6) and dA[1].shape == (7, 3)
    backward_with_preactivation(mlp, params, cache, None, dA, deferred, batch)
    assert v == v_full
    for k in params:
        np.testing.assert_allclose(deferred[k], full[k], rtol=1e-14, atol=0)


def test_penalty_without_grads_computes_only_the_value():
    rng = np.random.default_rng(6)
    mlp, params = random_encoder(rng, 4, (5, 2), ("tanh", "tanh"))
    X = rng.standard_normal((3, 4))
    grads = {}
    v1 = contractive_penalty(mlp, params, X, 1.0, batch)
    v2 = contractive_penalty(mlp, params, X, 1.0, batch, grads=grads)
    # with grads the batch sum is ⟨Σ_i U_1ᵀU_1, G⟩, without it a sum of per-sample
    # values: the same number up to the order of the additions
    assert v1 == pytest.approx(v2, rel=1e-14) and set(grads) == set(params)


def test_negative_control_wrong_second_derivative_is_caught():
    """Dropping f'' (a classic slip: treating f'(a) as a constant) fails the check."""

    class TanhWithoutSecondDerivative(Tanh):
        def grad2(self, a, h):
            return np.zeros_like(a)

    rng = np.random.default_rng(7)
    X = rng.standard_normal((4, 3))
    good, params = random_encoder(rng, 3, (4, 2), ("tanh", "tanh"))
    bad = MLP.build("encoder", (3, 4, 2), (TanhWithoutSecondDerivative(), "tanh"))
    assert check_gradient(penalty_fun(good, X, 1.0, batch), params).passed
    report = check_gradient(penalty_fun(bad, X, 1.0, batch), params)
    assert not report.passed and report.max_rel_error > 1e-3


# --------------------------------------------------------------------------- Rifai's closed form
def test_one_layer_sigmoid_equals_rifai_closed_form():
    rng = np.random.default_rng(8)
    X = rng.random((9, 12))
    cae = ContractiveAutoencoder(hidden=(), latent_dim=5, activation="sigmoid", lam=0.7).initialize(X)
    W, b = cae.params_["encoder.0.W"], cae.params_["encoder.0.b"]
    b[:] = rng.standard_normal(5)
    # independently: h = σ(xW + b), ‖J‖² = Σ_j (h_j (1 − h_j))² Σ_i W_ij²
    H = 1.0 / (1.0 + np.exp(-(X @ W + b)))
    per_sample = ((H * (1 - H)) ** 2) @ (W ** 2).sum(axis=0)
    np.testing.assert_allclose(cae.jacobian_norm(X, squared=True), per_sample, rtol=1e-13)
    for vec in (True, False):
        terms = cae.loss_terms(X, vectorized=vec)
        assert terms["contractive"] == pytest.approx(0.7 * per_sample.mean(), rel=1e-13)


def test_one_layer_never_materialises_a_jacobian(monkeypatch):
    """The one-layer path uses the closed form: no 3-D array is ever built."""
    import npae.nn.jacobian as jac

    def forbidden(*args, **kwargs):
        raise AssertionError("a (batch, code, input) product was formed")

    monkeypatch.setattr(jac, "_bmm", forbidden)
    rng = np.random.default_rng(9)
    X = rng.random((64, 784))
    cae = ContractiveAutoencoder(hidden=(), latent_dim=32, lam=0.5).initialize(X)
    cae.loss_and_grads(X)  # warm-up
    tracemalloc.start()
    loss, grads = cae.loss_and_grads(X)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert np.isfinite(loss)
    # a (64, 32, 784) float64 Jacobian alone would take 12.8 MB
    assert peak < 0.25 * 64 * 32 * 784 * 8, peak


# --------------------------------------------------------------------------- the model
@st.composite
def cae_models(draw):
    L = draw(st.integers(1, 3))
    hidden = tuple(draw(st.integers(1, 5)) for _ in range(L))
    return dict(
        hidden=hidden[:-1], latent_dim=hidden[-1],
        activation=draw(st.sampled_from(["sigmoid", "tanh", "softplus"])),
        code_activation=draw(st.sampled_from([None, "identity", "sigmoid", "tanh"])),
        loss=draw(st.sampled_from(["mse", "bce"])),
        tied=draw(st.booleans()),
        lam=draw(st.floats(1e-2, 5.0)),
        weight_decay=draw(st.sampled_from([0.0, 1e-2])),
        random_state=draw(st.integers(0, 1000)),
    ), draw(st.integers(2, 6)), draw(st.integers(1, 4))


@GC
@given(cae_models())
def test_model_total_gradient_both_paths_and_paths_agree(spec):
    kwargs, d, n = spec
    rng = np.random.default_rng(kwargs["random_state"])
    X = rng.random((n, d))
    cae = ContractiveAutoencoder(**kwargs).initialize(X)
    for name, p in cae.params_.items():  # away from the symmetric initial point
        p += 0.3 * rng.standard_normal(p.shape)
    for vec in (True, False):
        report = check_gradients(cae, X, vectorized=vec)
        assert report.passed, f"vectorized={vec}\n{report}"
    lb, gb = cae.loss_and_grads(X, vectorized=True)
    lr, gr = cae.loss_and_grads(X, vectorized=False)
    assert abs(lb - lr) <= 1e-12 * abs(lb)
    assert_paths_agree(gb, gr)  # 1e-12 of max(the tensor, 1e-3 of the largest)
    terms = cae.loss_terms(X)
    assert set(terms) >= {"reconstruction", "contractive"}
    assert sum(terms.values()) == pytest.approx(lb, rel=1e-12)


def test_lam_zero_is_the_plain_autoencoder():
    rng = np.random.default_rng(10)
    X = rng.random((8, 6))
    kw = dict(hidden=(5,), latent_dim=3, activation="tanh", random_state=1)
    cae = ContractiveAutoencoder(lam=0.0, **kw).initialize(X)
    ae = npae.Autoencoder(**kw).initialize(X)
    l1, g1 = cae.loss_and_grads(X)
    l2, g2 = ae.loss_and_grads(X)
    assert l1 == pytest.approx(l2, rel=1e-14)
    for k in g2:
        np.testing.assert_allclose(g1[k], g2[k], rtol=1e-13, atol=0)
    assert cae.loss_terms(X)["contractive"] == 0.0


@pytest.mark.parametrize("hidden,acts", [((6,), ("sigmoid", None)),
                                         ((7, 3), ("tanh", "identity")),
                                         ((8, 5, 4), ("softplus", "sigmoid"))])
def test_penalty_equals_finite_difference_jacobian_of_transform(hidden, acts):
    """λ mean ‖J‖²_F with J from central differences of the public transform (float64)."""
    rng = np.random.default_rng(11)
    X = rng.random((30, 9))
    cae = ContractiveAutoencoder(hidden=hidden[:-1], latent_dim=hidden[-1], activation=acts[0], code_activation=acts[1],
                                 lam=0.25, epochs=3, batch_size=10).fit(X)
    Xq = rng.random((6, 9))  # random points, not the training rows
    J_fd = fd_jacobian(cae.transform, Xq)
    expected = 0.25 * np.mean(np.sum(J_fd ** 2, axis=(1, 2)))
    assert cae.loss_terms(Xq)["contractive"] == pytest.approx(expected, rel=1e-6)
    assert cae.loss_terms(Xq, vectorized=False)["contractive"] == pytest.approx(expected,
                                                                              rel=1e-6)
    np.testing.assert_allclose(cae.jacobian_norm(Xq), np.sqrt(np.sum(J_fd ** 2, axis=(1, 2))),
                               rtol=1e-6)
    assert relative(cae.jacobian(Xq), J_fd) < 1e-6


def test_jacobian_norm_chunks_and_float32():
    rng = np.random.default_rng(12)
    X = rng.random((1100, 8))  # more rows than one chunk
    cae64 = ContractiveAutoencoder(hidden=(6,), latent_dim=3, activation="tanh").initialize(X)
    direct = np.sqrt(np.sum(cae64.jacobian(X) ** 2, axis=(1, 2)))
    np.testing.assert_allclose(cae64.jacobian_norm(X), direct, rtol=1e-12)
    cae32 = ContractiveAutoencoder(hidden=(6,), latent_dim=3, activation="tanh", dtype="float32")
    cae32.initialize(X)
    t32, t64 = cae32.loss_terms(X), cae64.loss_terms(X)
    assert t32["contractive"] == pytest.approx(t64["contractive"], rel=1e-5)
    loss, grads = cae32.loss_and_grads(X[:50])
    assert all(g.dtype == np.float32 for g in grads.values())


def test_save_load_round_trip(tmp_path):
    rng = np.random.default_rng(13)
    X = rng.random((40, 6))
    cae = ContractiveAutoencoder(hidden=(4,), latent_dim=2, lam=0.3, epochs=2, batch_size=16).fit(X)
    path = cae.save(tmp_path / "cae.npz")
    back = npae.load(path)
    assert isinstance(back, ContractiveAutoencoder) and back.lam == 0.3
    np.testing.assert_array_equal(back.jacobian(X[:3]), cae.jacobian(X[:3]))
    assert cae.get_params()["lam"] == 0.3


# --------------------------------------------------------------------------- outside oracle
def test_against_torch_double_backward():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    acts_np = ("tanh", "softplus", "sigmoid")
    mlp, params = random_encoder(rng, 5, (7, 6, 3), acts_np)
    X = rng.standard_normal((4, 5))
    lam = 0.8
    grads = {}
    value = contractive_penalty(mlp, params, X, lam, batch, grads=grads)

    fns = {"tanh": torch.tanh, "softplus": torch.nn.functional.softplus,
           "sigmoid": torch.sigmoid}
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    x = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    h = x
    for l, act in enumerate(acts_np):
        h = fns[act](h @ tp[f"encoder.{l}.W"] + tp[f"encoder.{l}.b"])
    # rows of J by reverse mode, one code unit at a time, keeping the graph
    rows = [torch.autograd.grad(h[:, j].sum(), x, create_graph=True)[0] for j in range(h.shape[1])]
    J = torch.stack(rows, dim=1)  # (n, k, d)
    omega = lam * (J ** 2).sum(dim=(1, 2)).mean()
    omega.backward()
    assert value == pytest.approx(float(omega.detach()), rel=1e-12)
    for k in params:
        np.testing.assert_allclose(grads[k], tp[k].grad.numpy(), rtol=1e-10, atol=1e-13)


# --------------------------------------------------------------------------- behaviour on digits
def test_contraction_on_digits(digits):
    """Trained on the same digits, the CAE's encoder Jacobian at held-out digits
    is smaller and its spectrum decays faster than a plain autoencoder's."""
    X, _ = digits
    Xtr, Xte = X[:2000], X[7900:7950]
    kw = dict(hidden=(), latent_dim=32, activation="sigmoid", loss="mse", epochs=4, batch_size=64,
              learning_rate=3e-3, random_state=0)
    ae = npae.Autoencoder(**kw).fit(Xtr)
    cae = ContractiveAutoencoder(lam=1.0, **kw).fit(Xtr)
    norm_ae = np.sqrt(np.sum(encoder_jacobian(ae.encoder_, ae.params_, Xte) ** 2, axis=(1, 2)))
    norm_cae = cae.jacobian_norm(Xte)
    assert norm_cae.mean() < 0.7 * norm_ae.mean()
    s_ae = np.linalg.svd(encoder_jacobian(ae.encoder_, ae.params_, Xte), compute_uv=False)
    s_cae = np.linalg.svd(cae.jacobian(Xte), compute_uv=False)
    # energy outside the leading 5 singular directions, relative to the total
    tail = lambda s: np.mean(np.sum(s[:, 5:] ** 2, 1) / np.sum(s ** 2, 1))  # noqa: E731
    assert tail(s_cae) < tail(s_ae)
    # and the CAE still reconstructs: its error is within a factor of the plain AE's
    # ... the number of singular values above a tenth of the largest drops ...
    count = lambda s: np.mean(np.sum(s > 0.1 * s[:, :1], axis=1))  # noqa: E731
    assert count(s_cae) < 0.8 * count(s_ae)
    # ... and the CAE still reconstructs: its error is within a factor of the plain AE's
    assert cae.reconstruction_error(Xte).mean() < 1.5 * ae.reconstruction_error(Xte).mean()


# --------------------------------------------------------------------------- errors
def test_errors_are_clear():
    X = np.random.default_rng(15).random((5, 4))
    with pytest.raises(ValueError, match="lam"):
        ContractiveAutoencoder(lam=-1.0).fit(X)
    with pytest.raises(TypeError, match="lam"):
        ContractiveAutoencoder(lam="big").fit(X)
    with pytest.raises(NotFittedError, match="fit"):
        ContractiveAutoencoder().jacobian(X)
    with pytest.raises(NotFittedError, match="fit"):
        ContractiveAutoencoder().jacobian_norm(X)
    cae = ContractiveAutoencoder(hidden=(), latent_dim=3).initialize(X)
    with pytest.raises(ValueError, match="4"):
        cae.jacobian(X[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        cae.jacobian_norm(np.full((2, 4), np.nan))
    mlp, params = cae.encoder_, cae.params_
    with pytest.raises(ValueError, match="method"):
        contractive_penalty(mlp, params, X, 1.0, batch, method="hutchinson")
    with pytest.raises(ValueError, match="lam"):
        contractive_penalty(mlp, params, X, -0.5, batch)
    with pytest.raises(ValueError, match="cache"):
        contractive_penalty(mlp, params, X, 1.0, batch, cache=[])


# --------------------------------------------------------------------------- tutorial
def test_tutorial_runs_quick(tmp_path, capsys):
    script = os.path.join(ROOT, "tutorials", "contractive.py")
    argv = sys.argv
    sys.argv = [script, "--quick", "--out", str(tmp_path)]
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        sys.argv = argv
    out = capsys.readouterr().out
    assert "Jacobian" in out
    for name in ("jacobian_spectrum.png", "filters_cae.png", "filters_ae.png"):
        assert (tmp_path / name).stat().st_size > 1000, name


def test_scikit_learn_clone_and_params():
    base = pytest.importorskip("sklearn.base")
    cae = ContractiveAutoencoder(hidden=(5,), latent_dim=2, lam=0.05, activation="tanh")
    twin = base.clone(cae)
    assert twin.get_params() == cae.get_params() and twin is not cae
    assert "lam=0.05" in repr(cae)
