"""The public gradient checker: numerical gradients of known functions, a
student's own layer checked with check_gradient, the report (verdict and
table), and negative controls — deliberately wrong gradients are caught with a
large error and FAIL, on both execution paths."""

import numpy as np
import pytest

import npae
from npae import Autoencoder
from npae.gradcheck import (GradCheckReport, check_gradient, check_gradients, numerical_gradient,
                            roundoff_floor)
from npae.nn.network import accumulate


# --------------------------------------------------------- numerical_gradient
def test_numerical_gradient_of_a_cubic_has_exactly_the_eps_squared_bias():
    # ((x+e)^3 - (x-e)^3) / 2e = 3x^2 + e^2: the O(eps^2) truncation term, exactly.
    x = np.linspace(-2, 2, 9)
    eps = 1e-3
    g = numerical_gradient(lambda v: np.sum(v ** 3), x, eps=eps)
    np.testing.assert_allclose(g - 3 * x ** 2, eps ** 2, rtol=1e-4)  # round-off ~1e-12


def test_numerical_gradient_of_known_functions():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    g = numerical_gradient(lambda v: 0.5 * v @ A @ v, x)  # ∇ = ½ (A + Aᵀ) x
    np.testing.assert_allclose(g, 0.5 * (A + A.T) @ x, rtol=1e-8)
    M = rng.normal(size=(2, 3))
    g = numerical_gradient(lambda v: np.sum(np.sin(v) * v ** 2), M)  # 2D input, shape kept
    assert g.shape == (2, 3)
    np.testing.assert_allclose(g, np.cos(M) * M ** 2 + 2 * M * np.sin(M), rtol=1e-8, atol=1e-11)
    # logsumexp: the gradient is the softmax.
    z = rng.normal(size=5)
    g = numerical_gradient(lambda v: np.log(np.sum(np.exp(v))), z)
    np.testing.assert_allclose(g, np.exp(z) / np.exp(z).sum(), rtol=1e-8)


def test_numerical_gradient_closure_form_indices_and_restoration():
    state = {"w": np.array([1.0, -2.0, 3.0, 0.5])}
    w0 = state["w"].copy()

    def loss():  # reads the parameters from a closure, like a model does
        return float(np.sum(state["w"] ** 2))

    g = numerical_gradient(loss, state["w"], indices=[3, 0])
    np.testing.assert_allclose(g, [1.0, 2.0], rtol=1e-9)
    np.testing.assert_array_equal(state["w"], w0)  # perturbed in place and restored exactly
    np.testing.assert_allclose(numerical_gradient(loss, state["w"]), 2 * w0, rtol=1e-9)


def test_numerical_gradient_refuses_float32_and_non_contiguous():
    with pytest.raises(TypeError, match="check gradients in float64 .*float32"):
        numerical_gradient(lambda v: v.sum(), np.ones(3, np.float32))
    x = np.ones((3, 4))[:, :2]  # cannot be flattened without a copy
    with pytest.raises(ValueError, match="contiguous"):
        numerical_gradient(lambda v: v.sum(), x)


# ----------------------------------------------------- a student's own layer
def dense_tanh_layer(X, T, transpose_bug=False, forget_derivative=False):
    """A layer a student might write: H = tanh(X W + b), loss ½‖H − T‖² / n.

    Returns ``fun(params) -> (loss, grads)`` as check_gradient expects.
    """
    n = X.shape[0]

    def fun(p):
        A = X @ p["W"] + p["b"]
        H = np.tanh(A)
        loss = 0.5 * np.sum((H - T) ** 2) / n
        dH = (H - T) / n
        dA = dH if forget_derivative else dH * (1 - H ** 2)
        dW = X.T @ dA
        if transpose_bug:
            dW = dW.T
        return loss, {"W": dW, "b": dA.sum(0)}

    return fun


@pytest.fixture
def layer_data():
    rng = np.random.default_rng(1)
    X, T = rng.normal(size=(6, 3)), rng.uniform(-0.5, 0.5, size=(6, 3))
    params = {"W": rng.normal(scale=0.5, size=(3, 3)), "b": rng.normal(scale=0.1, size=3)}
    return X, T, params


def test_correct_layer_passes_with_a_readable_report(layer_data):
    X, T, params = layer_data
    report = check_gradient(dense_tanh_layer(X, T), params)
    assert isinstance(report, GradCheckReport)
    assert report.passed and report.max_rel_error < 1e-8
    assert [r.name for r in report.rows] == ["W", "b"]
    assert report["W"].shape == (3, 3) and report["W"].n_checked == 9
    text = str(report)
    lines = text.splitlines()
    assert lines[0].split() == ["parameter", "shape", "checked", "rel.", "error", "max",
                                "|diff|", "verdict"]
    assert lines[1].startswith("W ") and lines[1].endswith("ok")
    assert lines[2].startswith("b ") and "(3,)" in lines[2]
    assert lines[-1].startswith("PASSED: worst relative error")
    assert repr(report) == text
    with pytest.raises(KeyError):
        report["nope"]


@pytest.mark.parametrize("bug", ["transpose_bug", "forget_derivative"])
def test_wrong_layer_gradient_fails_with_a_large_error(layer_data, bug):
    X, T, params = layer_data
    report = check_gradient(dense_tanh_layer(X, T, **{bug: True}), params)
    assert not report.passed
    assert not report["W"].passed and report["W"].rel_error > 1e-2
    if bug == "transpose_bug":
        assert report["b"].passed  # the bias was right: the report says which tensor is wrong
    assert "FAIL" in str(report) and str(report).splitlines()[-1].startswith("FAILED")


def test_single_array_form_and_sampling(layer_data):
    X, T, params = layer_data
    big = np.random.default_rng(2).normal(size=(30, 20))
    report = check_gradient(lambda w: (np.sum(np.cosh(w)), np.sinh(w)), big, max_entries=50)
    assert report.passed and report.rows[0].name == "x" and report.rows[0].n_checked == 50


def test_check_gradient_structure_errors(layer_data):
    X, T, params = layer_data
    with pytest.raises(KeyError, match="no gradient for 'b'"):
        check_gradient(lambda p: (0.0, {"W": p["W"]}), params)
    with pytest.raises(ValueError, match=r"gradient of 'W' has shape \(9,\), parameter \(3, 3\)"):
        check_gradient(lambda p: (0.0, {"W": p["W"].ravel(), "b": p["b"]}), params)


def test_empty_report_does_not_pass():
    report = GradCheckReport()
    assert not report.passed and report.max_rel_error == 0.0


def test_tolerance_is_the_verdict(layer_data):
    X, T, params = layer_data
    fun = dense_tanh_layer(X, T)

    def slightly_wrong(p):  # every gradient 1e-6 too large (relative)
        value, grads = fun(p)
        return value, {k: g * (1 + 1e-6) for k, g in grads.items()}

    report = check_gradient(slightly_wrong, params, tol=1e-7)
    assert not report.passed and 5e-7 < report.max_rel_error < 2e-6
    assert check_gradient(slightly_wrong, params, tol=1e-5).passed
    assert check_gradient(fun, params, tol=1e-7).passed


# ------------------------------------------------------------ whole models
class DropsTheMeanFactor(Autoencoder):
    """Reports the mean loss but returns the gradient of the sum (a factor n dropped)."""

    def _reconstruction_loss(self, out, X):
        value, dout = super()._reconstruction_loss(out, X)
        return value, dout * X.shape[0]


class TransposesOneWeightGradient(Autoencoder):
    """dW of one square decoder layer comes back transposed."""

    def _loss(self, params, X, y, rng, ops, grads):
        terms = super()._loss(params, X, y, rng, ops, grads)
        grads["decoder.0.W"][...] = grads["decoder.0.W"].T.copy()
        return terms


class ForgetsTheTiedDecoderUse(Autoencoder):
    """Tied weights whose gradient keeps only the encoder's use of W."""

    def _loss(self, params, X, y, rng, ops, grads):
        Z, enc_cache = self.encoder_.forward(params, X, ops)
        out, dec_cache = self.decoder_.forward(params, Z, ops)
        rec, dout = self._reconstruction_loss(out, X)
        scratch = {}
        dZ = self.decoder_.backward(params, dec_cache, dout, scratch, ops)
        for name, g in scratch.items():
            if name.startswith("decoder."):  # biases; the shared W's decoder part is lost
                accumulate(grads, name, g)
        self.encoder_.backward(params, enc_cache, dZ, grads, ops, need_dX=False)
        return {"reconstruction": rec}


class NoisyInput(Autoencoder):
    """A stochastic loss (Gaussian input noise drawn from rng), like a denoising AE."""

    def _loss(self, params, X, y, rng, ops, grads):
        X_tilde = X + 0.3 * rng.standard_normal(X.shape)
        Z, enc_cache = self.encoder_.forward(params, X_tilde, ops)
        out, dec_cache = self.decoder_.forward(params, Z, ops)
        rec, dout = self._reconstruction_loss(out, X)
        dZ = self.decoder_.backward(params, dec_cache, dout, grads, ops)
        self.encoder_.backward(params, enc_cache, dZ, grads, ops, need_dX=False)
        return {"reconstruction": rec}


@pytest.fixture
def X():
    return np.random.default_rng(3).random((5, 4))


@pytest.mark.parametrize("vectorized", [True, False])
def test_correct_model_passes_on_both_paths(X, vectorized):
    ae = Autoencoder(hidden=(3,), latent_dim=2, activation="tanh", tied=True, weight_decay=0.1).initialize(X)
    report = check_gradients(ae, X, vectorized=vectorized)
    assert report.passed, report
    assert [r.name for r in report.rows] == list(ae.params_)
    assert npae.check_gradients is check_gradients


@pytest.mark.parametrize("vectorized", [True, False])
@pytest.mark.parametrize("cls,kwargs,wrong", [
    (DropsTheMeanFactor, dict(hidden=(), latent_dim=3), "all"),
    (TransposesOneWeightGradient, dict(hidden=(), latent_dim=3, decoder_hidden=(3,)), ["decoder.0.W"]),
    (ForgetsTheTiedDecoderUse, dict(hidden=(), latent_dim=3, tied=True), ["encoder.0.W"]),
])
def test_negative_controls_are_caught(X, cls, kwargs, wrong, vectorized):
    ae = cls(activation="sigmoid", **kwargs).initialize(X)
    # Non-zero biases, so that no gradient is accidentally symmetric.
    rng = np.random.default_rng(4)
    for k, v in ae.params_.items():
        v += rng.normal(scale=0.3, size=v.shape)
    report = check_gradients(ae, X, vectorized=vectorized)
    assert not report.passed
    assert report.max_rel_error > 1e-2  # off by O(1), not by round-off
    failed = [r.name for r in report.rows if not r.passed]
    if wrong == "all":
        assert failed == list(ae.params_)
        # Gradient n times too large: ‖n g − g‖ / ‖n g‖ = (n − 1) / n.
        assert report.max_rel_error == pytest.approx(1 - 1 / X.shape[0], rel=1e-6)
    else:
        assert failed == wrong
    assert "FAIL" in str(report)


def test_random_draws_are_held_fixed(X):
    ae = NoisyInput(hidden=(), latent_dim=3, activation="tanh").initialize(X)
    l1, _ = ae.loss_and_grads(X, rng=7)
    l2, _ = ae.loss_and_grads(X, rng=7)
    l3, _ = ae.loss_and_grads(X, rng=8)
    assert l1 == l2 and l1 != l3
    for vectorized in (True, False):
        report = check_gradients(ae, X, rng=7, vectorized=vectorized)
        assert report.passed, report
    with pytest.raises(TypeError, match="pass an int seed .*got Generator"):
        check_gradients(ae, X, rng=np.random.default_rng(7))
    # None would draw fresh noise at every evaluation: refused, not a silent FAIL.
    with pytest.raises(TypeError, match="pass an int seed .*got NoneType"):
        check_gradients(ae, X, rng=None)


def test_subset_of_parameters_and_sampling_of_large_tensors():
    X = np.random.default_rng(5).random((3, 60))
    ae = Autoencoder(hidden=(), latent_dim=8).initialize(X)
    report = check_gradients(ae, X, params=["decoder.0.W", "encoder.0.b"], max_entries=25)
    assert [r.name for r in report.rows] == ["decoder.0.W", "encoder.0.b"]
    assert report["decoder.0.W"].n_checked == 25 and report["encoder.0.b"].n_checked == 8
    assert report.passed, report


def test_check_leaves_the_parameters_unchanged(X):
    ae = Autoencoder(hidden=(), latent_dim=3).initialize(X)
    before = {k: v.copy() for k, v in ae.params_.items()}
    check_gradients(ae, X)
    for k in before:
        np.testing.assert_array_equal(ae.params_[k], before[k])


def test_function_that_reuses_its_gradient_buffer():
    # Writing gradients into a preallocated buffer is what fast code does (npae's
    # own training loop does).  The analytic gradient must be taken at the check
    # point, not whatever the buffer holds after the finite-difference calls.
    A = np.random.default_rng(6).normal(size=(4, 4))
    A = A @ A.T
    buf = np.empty(4)

    def fun(w):
        np.dot(A, w, out=buf)
        return 0.5 * float(w @ A @ w), buf

    report = check_gradient(fun, np.random.default_rng(7).normal(size=4))
    assert report.passed, report


def _offset_loss(offset, scale, wrong=1.0):
    """f(w) = offset + scale Σ sin(w): a large constant part and a small gradient,
    like a BCE on fractional targets (its entropy) or a Gaussian NLL's log 2π."""
    def fun(w):
        return offset + scale * float(np.sum(np.sin(w))), wrong * scale * np.cos(w)
    return fun


def test_round_off_floor_no_false_fail_for_small_gradients_of_a_large_loss():
    # Central differences cannot resolve better than ~u |f| / eps per entry
    # (2.2e-16 · 1e3 / 1e-5 ≈ 2e-8 here), so a correct gradient of size 1e-4
    # shows a "relative error" ~1e-4 from round-off alone.  It must not FAIL ...
    w = np.linspace(-1, 1, 7)
    report = check_gradient(_offset_loss(1e3, 1e-4), w)
    assert report.max_rel_error > 1e-7  # the relative error really is above tol
    assert report.passed, report
    assert report.rows[0].max_abs_error <= report.rows[0].floor
    assert "ok (round-off)" in str(report) and "round-off floor" in str(report)
    # ... while an error far above that floor is still caught, even 1 % of a small gradient.
    wrong = check_gradient(_offset_loss(1e3, 1e-4, wrong=1.01), w)
    assert not wrong.passed and "FAIL" in str(wrong)
    # Without the constant the same gradients pass on the relative error alone.
    plain = check_gradient(_offset_loss(0.0, 1e-4), w)
    assert plain.passed and plain.max_rel_error < 1e-7 and "round-off" not in str(plain).split("\n")[1]


def test_scale_sets_the_floor_for_a_loss_whose_terms_cancel():
    # f = 1e3 sin(w0) − 1e3 sin(w0) + 1e-4 Σ sin(w): |f| is small, but each evaluation
    # carries the round-off of terms of size 1e3.  With |f| the floor is too low ...
    def fun(w):
        big = 1e3 * np.sin(w[0] + 0.3)
        return big + 1e-4 * float(np.sum(np.sin(w))) - big, 1e-4 * np.cos(w)

    w = np.linspace(-1, 1, 7)
    default = check_gradient(fun, w)
    given = check_gradient(fun, w, scale=2e3)
    assert given.rows[0].floor == pytest.approx(roundoff_floor(2e3, 1e-5, 7), rel=1e-12)
    assert given.rows[0].floor > 1e3 * default.rows[0].floor
    assert given.passed, given
    # ... and a wrong gradient above the raised floor still fails.
    def wrong(w):
        value, g = fun(w)
        return value, 1.5 * g
    assert not check_gradient(wrong, w, scale=2e3).passed
    for bad in (-1.0, np.nan, True, "1"):
        with pytest.raises(ValueError, match="scale must be a finite number >= 0"):
            check_gradient(fun, w, scale=bad)


def test_network_case_hypothesis_found_passes_by_the_shared_rule():
    # ([1, 1, 1], sigmoid-sigmoid, n=1): a first-layer gradient of ~1e-8 whose
    # relative error (~1e-5 at this seed) is round-off; the one rule passes it.
    from npae.nn import MLP, get_ops
    rng = np.random.default_rng(5399)
    net = MLP.build("m", (1, 1, 1), ["sigmoid", "sigmoid"])
    p = net.init_params(rng)
    for k in p:
        if k.endswith(".b"):
            p[k] = rng.normal(scale=0.3, size=p[k].shape)
    X, R = rng.normal(size=(1, 1)), rng.normal(size=(1, 1))

    def f(q):
        H, cache = net.forward(q, q["X"], get_ops(True))
        grads = {}
        grads["X"] = net.backward(q, cache, R, grads, get_ops(True), need_dX=True)
        return float(np.sum(R * H)), grads

    report = check_gradient(f, {**p, "X": X})
    assert report.passed, report
    assert report.max_rel_error > 1e-7  # a fixed relative bound alone would fail here


def _cubic(wrong=0.0):
    """f(w) = Σ (w − 1)² (w + 2) = Σ w³ − 3w + 2 near w = 1: f ≈ 0 (no round-off floor to
    speak of) and f' = 3w² − 3 ≈ 6 (w − 1) tiny, while f''' = 6: the central differences'
    truncation error ε² f'''/6 = ε² is all a relative test sees."""
    def fun(w):
        return float(np.sum(w ** 3 - 3 * w + 2)), 3 * w ** 2 - 3 + wrong
    return fun


def test_truncation_error_measured_at_twice_the_step_no_false_fail():
    w = np.array([1 + 1e-5, 1 - 2e-5, 1 + 3e-5])
    report = check_gradient(_cubic(), w)
    row = report.rows[0]
    assert row.rel_error > 1e-7 and row.max_abs_error > row.floor  # both old rules fail ...
    assert report.passed and row.verdict == "ok (truncation)", report  # ... the measure passes
    assert "ok (truncation)" in str(report)
    assert row.truncation == pytest.approx(np.sqrt(3) * 3e-10, rel=0.05)  # ||3 ε² · 1|| · 3 / 3
    # negative controls: errors far above the differences' own error still fail
    assert not check_gradient(_cubic(wrong=1e-7), w).passed
    assert not check_gradient(lambda v: (_cubic()(v)[0], 1.01 * _cubic()(v)[1]), w).passed
    # a gradient that passes the relative test never pays for the second differences
    ok = check_gradient(_cubic(), np.array([2.0, 3.0]))
    assert ok.rows[0].verdict == "ok" and ok.rows[0].truncation == 0.0
