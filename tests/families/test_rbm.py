"""npae.RBM: the CD-1 update against its formula written out here, the free energy,
pseudo-likelihood and log Z against brute-force sums over every state, AIS against
the exact log Z, learning raises the likelihood, determinism, save/load, bad input."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import npae
from npae import RBM

UNIT_PAIRS = [("bernoulli", "bernoulli"), ("gaussian", "bernoulli"), ("bernoulli", "gaussian")]


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def with_params(visible, hidden, d, m, seed, scale=1.0):
    """An RBM of the given units holding random weights (no training)."""
    rng = np.random.default_rng(seed)
    X = rng.random((4, d)) if visible == "bernoulli" else rng.standard_normal((4, d))
    rbm = RBM(n_components=m, visible_units=visible, hidden_units=hidden, epochs=0).fit(X)
    # a Gaussian side needs weaker couplings for Z to stay finite-ish and the sums accurate
    s = scale if visible == hidden else 0.3 * scale
    rbm.params_ = {"W": s * rng.standard_normal((d, m)), "b": 0.5 * rng.standard_normal(d),
                   "c": 0.5 * rng.standard_normal(m)}
    return rbm


def energy(rbm, V, H):
    """E(v, h) written out for every pair of rows of V (a, d) and H (b, h): (a, b)."""
    W, b, c = rbm.params_["W"], rbm.params_["b"], rbm.params_["c"]
    V, H = np.atleast_2d(V), np.atleast_2d(H)
    e_v = -V @ b if rbm.visible_units == "bernoulli" else 0.5 * np.sum((V - b) ** 2, axis=1)
    e_h = -H @ c if rbm.hidden_units == "bernoulli" else 0.5 * np.sum((H - c) ** 2, axis=1)
    return e_v[:, None] + e_h[None, :] - V @ W @ H.T


def grid(n_units, lo=-12.0, hi=12.0, step=0.05):
    """A grid over R^n_units for the Gaussian side's integrals, with its cell volume."""
    axis = np.arange(lo, hi + step / 2, step)
    return np.array(list(itertools.product(axis, repeat=n_units))), step ** n_units


def states(n_units, kind):
    if kind == "bernoulli":
        return np.array(list(itertools.product((0.0, 1.0), repeat=n_units))), 1.0
    return grid(n_units)


def brute_log_sum(rbm, vs, hs, vol):
    """log Σ_v Σ_h exp(−E(v, h)) (sums become Riemann sums on a Gaussian side)."""
    return np.logaddexp.reduce(-energy(rbm, vs, hs), axis=None) + np.log(vol)


def test_cd1_update_equals_its_formula_on_a_tiny_rbm():
    d, m, n, lr, wd, seed = 4, 3, 5, 0.2, 0.01, 11
    V = np.random.default_rng(0).random((n, d))
    rbm = RBM(n_components=m, learning_rate=lr, weight_decay=wd, batch_size=n, momentum=0.9,
              initial_momentum=0.5, momentum_epochs=1, random_state=seed)
    rbm.partial_fit(V)  # initialise from V, then one CD-1 step (velocity 0 so far)
    # the same draws, in the documented order: W ~ 0.01 N(0, 1), then the hidden sample
    rng = np.random.default_rng(seed)
    W = 0.01 * rng.standard_normal((d, m))
    p = V.mean(axis=0)
    b, c = np.log(p / (1 - p)), np.zeros(m)

    def cd1_gradient(W, b, c, U):
        ph0 = sigmoid(V @ W + c)
        h0 = (U < ph0).astype(float)
        v1 = sigmoid(h0 @ W.T + b)  # probabilities for the reconstruction
        ph1 = sigmoid(v1 @ W + c)
        gW = np.zeros((d, m))
        for i in range(n):
            gW += np.outer(V[i], ph0[i]) - np.outer(v1[i], ph1[i])
        return gW / n, (V - v1).mean(axis=0), (ph0 - ph1).mean(axis=0)

    gW, gb, gc = cd1_gradient(W, b, c, rng.random((n, m)))
    dW, db, dc = lr * (gW - wd * W), lr * gb, lr * gc  # Δ = μ·0 + ε (∇ − λ W)
    W, b, c = W + dW, b + db, c + dc
    np.testing.assert_allclose(rbm.params_["W"], W, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(rbm.params_["b"], b, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(rbm.params_["c"], c, rtol=1e-12, atol=1e-15)
    # second pass: the momentum is now 0.9 and carries the first step
    rbm.partial_fit(V)
    gW, gb, gc = cd1_gradient(W, b, c, rng.random((n, m)))
    np.testing.assert_allclose(rbm.params_["W"], W + 0.9 * dW + lr * (gW - wd * W), rtol=1e-12)
    np.testing.assert_allclose(rbm.params_["c"], c + 0.9 * dc + lr * gc, rtol=1e-12, atol=1e-15)
    assert rbm.n_iter_ == 2 and len(rbm.history_["reconstruction_error"]) == 2


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), pair=st.sampled_from(UNIT_PAIRS))
def test_free_energy_is_the_brute_force_marginal(seed, pair):
    visible, hidden = pair
    d, m = (3, 2) if hidden == "gaussian" else (4, 3)
    rbm = with_params(visible, hidden, d, m, seed)
    rng = np.random.default_rng(seed)
    X = rng.random((3, d)) if visible == "bernoulli" else rng.standard_normal((3, d))
    hs, vol = states(m, hidden)
    brute = -(np.logaddexp.reduce(-energy(rbm, X, hs), axis=1) + np.log(vol))
    np.testing.assert_allclose(rbm.free_energy(X), brute, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("visible, hidden, d, m", [
    ("bernoulli", "bernoulli", 5, 3),   # enumerates the 3 hidden units
    ("bernoulli", "bernoulli", 3, 5),   # enumerates the 3 visible units
    ("gaussian", "bernoulli", 2, 3),
    ("bernoulli", "gaussian", 3, 2)])
def test_exact_log_partition_is_the_double_sum(visible, hidden, d, m):
    rbm = with_params(visible, hidden, d, m, seed=d * 10 + m)
    vs, vol_v = states(d, visible)
    hs, vol_h = states(m, hidden)
    brute = brute_log_sum(rbm, vs, hs, vol_v * vol_h)
    assert rbm.log_partition("exact") == pytest.approx(brute, abs=1e-6)


@pytest.mark.parametrize("visible, hidden", UNIT_PAIRS)
def test_ais_is_within_0_1_nats_of_the_exact_log_partition(visible, hidden):
    # 12 visible, 10 hidden units and weights N(0, 1): a coupled model, log Z ~ 20-30
    rbm = with_params(visible, hidden, 12, 10, seed=5)
    exact = rbm.log_partition("exact")
    for seed in (0, 1):
        ais = rbm.log_partition("ais", n_chains=100, n_betas=1000, random_state=seed)
        assert abs(ais - exact) < 0.1, (ais, exact)
    # the uncoupled model (W = 0) is AIS's starting point: its estimate is exact
    rbm.params_["W"][:] = 0.0
    assert rbm.log_partition("ais", n_chains=3, n_betas=5) == pytest.approx(
        rbm.log_partition("exact"), abs=1e-9)


def test_pseudo_likelihood_is_the_brute_force_conditionals():
    rbm = with_params("bernoulli", "bernoulli", 4, 3, seed=2)
    X = np.array([[0, 1, 1, 0], [1, 1, 1, 1], [0, 0, 0, 0]], dtype=float)
    hs, _ = states(3, "bernoulli")

    def log_p_unnorm(v):
        return np.logaddexp.reduce(-energy(rbm, v, hs), axis=None)

    brute = []
    for v in X:
        total = 0.0
        for i in range(4):
            flipped = v.copy()
            flipped[i] = 1 - v[i]
            total += log_p_unnorm(v) - np.logaddexp(log_p_unnorm(v), log_p_unnorm(flipped))
        brute.append(total)
    np.testing.assert_allclose(rbm.pseudo_log_likelihood(X), brute, rtol=1e-10)


@pytest.mark.parametrize("persistent, k", [(False, 1), (True, 1), (False, 3)])
def test_training_raises_the_exact_log_likelihood(persistent, k):
    # two prototypes with 10 % of bits flipped: an RBM with 8 hidden units can model it
    rng = np.random.default_rng(0)
    proto = np.array([[1] * 6 + [0] * 6, [0] * 6 + [1] * 6], dtype=float)
    X = np.abs(proto[rng.integers(0, 2, 300)] - (rng.random((300, 12)) < 0.1))
    untrained = RBM(n_components=8, epochs=0).fit(X)
    # momentum kept at 0.5: with 0.9, PCD's chains lag the moving model and it learns
    # erratically (Tieleman & Hinton, ICML 2009, on PCD and fast-changing weights)
    rbm = RBM(n_components=8, epochs=30, batch_size=20, persistent=persistent, k=k,
              learning_rate=0.05, momentum=0.5).fit(X)
    before = untrained.score_samples(X, untrained.log_partition("exact")).mean()
    after = rbm.score_samples(X, rbm.log_partition("exact")).mean()
    # the untrained model is the pixels' base rates (≈ 12 log 2 = 8.3 nats); the data's own
    # entropy is ≈ 4.6 nats (a prototype bit + 12 bits flipped with probability 0.1)
    assert after > before + 2.0, (before, after)  # nats per row
    assert rbm.pseudo_log_likelihood(X).mean() > untrained.pseudo_log_likelihood(X).mean()


def test_determinism_from_the_seed_and_transform_shapes():
    X = np.random.default_rng(3).random((60, 7))
    a = RBM(n_components=5, epochs=3, batch_size=16, persistent=True, random_state=4).fit(X)
    b = RBM(n_components=5, epochs=3, batch_size=16, persistent=True, random_state=4).fit(X)
    c = RBM(n_components=5, epochs=3, batch_size=16, persistent=True, random_state=5).fit(X)
    for key in ("W", "b", "c"):
        np.testing.assert_array_equal(a.params_[key], b.params_[key])
    assert not np.array_equal(a.params_["W"], c.params_["W"])
    H = a.transform(X)
    assert H.shape == (60, 5) and np.all((H > 0) & (H < 1))
    assert a.reconstruct(X).shape == X.shape and a.reconstruction_error(X).shape == (60,)
    f32 = RBM(n_components=5, epochs=1, dtype="float32").fit(X)
    assert f32.params_["W"].dtype == np.float32 and f32.transform(X).dtype == np.float32


def test_save_and_load_without_pickle(tmp_path):
    X = np.random.default_rng(3).random((40, 6))
    rbm = RBM(n_components=4, hidden_units="gaussian", epochs=2).fit(X)
    path = rbm.save(tmp_path / "rbm.npz")
    back = RBM.load(path)
    assert back.get_params() == rbm.get_params() and back.history_ == rbm.history_
    np.testing.assert_array_equal(back.transform(X), rbm.transform(X))
    arrays = dict(np.load(path, allow_pickle=False))
    arrays["c"] = arrays["c"][:2]
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match="do not fit"):
        RBM.load(tmp_path / "bad.npz")


def test_bad_input():
    X = np.random.default_rng(0).random((10, 4))
    with pytest.raises(ValueError, match=r"\[0, 1\]|Negative|greater"):
        RBM(n_components=2).fit(X * 2)
    with pytest.raises(ValueError):
        RBM(n_components=2).fit(np.where(X > 0.5, np.nan, X))
    with pytest.raises(ValueError, match="both be 'gaussian'"):
        RBM(visible_units="gaussian", hidden_units="gaussian").fit(X)
    with pytest.raises(npae.InvalidParameterError, match="visible_units must be one of"):
        RBM(visible_units="poisson").fit(X)
    with pytest.raises(npae.InvalidParameterError, match="k must be an integer >= 1"):
        RBM(k=1.5).fit(X)
    with pytest.raises(npae.InvalidParameterError, match="k must be an integer >= 1"):
        RBM(k=0).fit(X)
    with pytest.raises(npae.InvalidParameterError, match="learning_rate"):
        RBM(learning_rate=-1.0).fit(X)
    with pytest.raises(npae.InvalidParameterError, match="persistent must be a bool"):
        RBM(persistent="yes").fit(X)
    with pytest.raises(TypeError, match="unexpected keyword"):
        RBM(n_hidden=3)
    with pytest.raises(npae.NotFittedError):
        RBM().transform(X)
    rbm = RBM(n_components=3, epochs=1).fit(X)
    with pytest.raises(ValueError, match="4 features"):
        rbm.transform(X[:, :3])
    with pytest.raises(ValueError, match="binary"):
        rbm.pseudo_log_likelihood(X)
    with pytest.raises(ValueError, match="Bernoulli visible"):
        RBM(visible_units="gaussian", epochs=1).fit(X).pseudo_log_likelihood(X)
    with pytest.raises(ValueError, match="use method='ais'"):
        RBM(n_components=21, epochs=0).fit(np.random.default_rng(0).random((5, 30))) \
            .log_partition("exact")
    with pytest.raises(ValueError, match="unknown method"):
        rbm.log_partition("bridge")
    with pytest.raises(ValueError, match="invalid parameter"):
        rbm.set_params(n_hidden=3)


def test_sklearn_clone_and_repr():
    clone = pytest.importorskip("sklearn.base").clone
    rbm = RBM(n_components=5, persistent=True)
    assert clone(rbm).get_params() == rbm.get_params()
    assert repr(rbm) == "RBM(n_components=5, persistent=True)"


# ------------------------------------------------------------------ divergence
def _digits_like(n=60, d=16, seed=0):
    return (np.random.default_rng(seed).random((n, d)) < 0.3).astype(float)


def _params(rbm):
    return {k: v.copy() for k, v in rbm.params_.items()}


def test_a_diverged_fit_leaves_an_unfitted_rbm_unfitted_and_a_fitted_one_unchanged():
    X = _digits_like(n=200)
    rbm = RBM(n_components=6, epochs=3, batch_size=20, learning_rate=1e64, random_state=0)
    with pytest.raises(npae.TrainingDivergedError, match="still not fitted"):
        rbm.fit(X)  # the weights overflow to inf, then NaN, within the first pass
    assert not hasattr(rbm, "params_") and not hasattr(rbm, "n_iter_")
    rbm.set_params(learning_rate=0.1).fit(X)
    before, history = _params(rbm), list(rbm.history_["reconstruction_error"])
    with pytest.raises(npae.TrainingDivergedError, match="fitted before this call, unchanged"):
        rbm.set_params(learning_rate=1e64).fit(X)
    assert all(np.array_equal(before[k], rbm.params_[k]) for k in before)
    assert rbm.history_["reconstruction_error"] == history and rbm.n_iter_ == 3
    with pytest.raises(npae.TrainingDivergedError, match="partial_fit changes nothing"):
        rbm.partial_fit(X)
    assert all(np.array_equal(before[k], rbm.params_[k]) for k in before)
    assert rbm.n_iter_ == 3
    rbm.set_params(learning_rate=0.1).partial_fit(X)  # and it goes on from there
    assert rbm.n_iter_ == 4 and np.all(np.isfinite(rbm.params_["W"]))


def test_a_fit_diverging_after_good_passes_keeps_the_last_good_one_bit_for_bit(monkeypatch):
    X = _digits_like()
    settings = dict(n_components=6, batch_size=20, random_state=0)
    two = RBM(epochs=2, **settings).fit(X)
    apply, calls = RBM._apply, []

    def apply_then_poison(self, grads):  # the 7th update (in the 3rd pass) overflows
        apply(self, grads)
        calls.append(1)
        if len(calls) == 7:
            self.params_["W"][0, 0] = np.inf

    monkeypatch.setattr(RBM, "_apply", apply_then_poison)
    rbm = RBM(epochs=5, **settings)
    with pytest.raises(npae.TrainingDivergedError, match="keeps the parameters of pass 2"):
        rbm.fit(X)
    assert all(np.array_equal(two.params_[k], rbm.params_[k]) for k in two.params_)
    assert rbm.history_["reconstruction_error"] == two.history_["reconstruction_error"]


def test_gaussian_visible_units_diverging_to_a_finite_huge_error_are_caught():
    X = np.random.default_rng(1).standard_normal((60, 16))
    rbm = RBM(n_components=6, visible_units="gaussian", epochs=4, batch_size=20,
              learning_rate=1e3, random_state=0)
    with pytest.raises(npae.TrainingDivergedError, match=r"reconstruction error .*initial"):
        rbm.fit(X)
    # negative control: the same data at a sensible rate trains without a word
    ok = rbm.set_params(learning_rate=1e-3).fit(X)
    assert np.all(np.isfinite(ok.params_["W"]))
