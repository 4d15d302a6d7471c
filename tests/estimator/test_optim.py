"""Optimizers on flat vectors: Adam's fused update equals textbook Adam, SGD and
momentum converge on a quadratic, the L-BFGS driver minimises one; dtypes kept."""

import numpy as np
import pytest

from npae.estimator.optim import OPTIMIZERS, SGD, Adam, Momentum, lbfgs, make_optimizer


def quadratic(seed=0, d=5, cond=10.0):
    """f(θ) = ½ θᵀAθ − bᵀθ with eigenvalues in [1, cond]; minimiser A⁻¹b."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = Q @ np.diag(np.linspace(1.0, cond, d)) @ Q.T
    b = rng.normal(size=d)
    return A, b, np.linalg.solve(A, b)


def textbook_adam(theta, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    """Algorithm 1 of Kingma & Ba (2015), line by line."""
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    path = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        path.append(theta.copy())
    return path


@pytest.mark.parametrize("eps", [1e-8, 1e-2])  # eps matters when it is not negligible
@pytest.mark.parametrize("size", [7, 2 * Adam.CHUNK_BYTES // 8 + 5])  # one chunk; three, the last short
def test_fused_adam_equals_textbook_adam(eps, size):
    rng = np.random.default_rng(1)
    grads = [rng.normal(scale=s, size=size) for s in (1.0, 0.1, 3.0, 1e-3, 0.5, 2.0, 1e-2, 1.0)]
    theta0 = rng.normal(size=size)
    expected = textbook_adam(theta0, grads, lr=0.01, eps=eps)
    opt = Adam(learning_rate=0.01, eps=eps)
    theta = theta0.copy()
    for t, (g, ref) in enumerate(zip(grads, expected), start=1):
        opt.step(theta, g)
        assert opt.t == t
        np.testing.assert_allclose(theta, ref, rtol=1e-13, atol=1e-15)


def test_adam_first_step_moves_every_coordinate_by_the_learning_rate():
    # m̂ = g, v̂ = g² at t = 1, so the step is lr · sign(g) (up to eps).
    theta = np.zeros(4)
    Adam(learning_rate=0.1).step(theta, np.array([3.0, -0.2, 1e-3, -50.0]))
    np.testing.assert_allclose(theta, -0.1 * np.array([1, -1, 1, -1]), rtol=1e-4)


@pytest.mark.parametrize("opt,steps", [
    (SGD(learning_rate=0.15), 300),
    (Momentum(learning_rate=0.05, momentum=0.9), 300),
    (Momentum(learning_rate=0.05, momentum=0.9, nesterov=True), 300),
    (Adam(learning_rate=0.05), 2000),
])
def test_first_order_optimizers_converge_on_a_quadratic(opt, steps):
    A, b, theta_star = quadratic()
    theta = np.zeros(5)
    for _ in range(steps):
        opt.step(theta, A @ theta - b)
    np.testing.assert_allclose(theta, theta_star, atol=1e-6)


def test_sgd_is_exactly_the_review_update():
    theta = np.array([1.0, 2.0])
    SGD(learning_rate=0.5).step(theta, np.array([0.25, -4.0]))
    np.testing.assert_array_equal(theta, [0.875, 4.0])  # Θ ← Θ − ε g


def test_momentum_is_heavy_ball():
    theta = np.zeros(2)
    opt = Momentum(learning_rate=0.1, momentum=0.5)
    g = np.array([1.0, -2.0])
    opt.step(theta, g)  # v = −0.1 g
    np.testing.assert_allclose(theta, -0.1 * g)
    opt.step(theta, g)  # v = 0.5 (−0.1 g) − 0.1 g = −0.15 g
    np.testing.assert_allclose(theta, -0.25 * g)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_float32_state_and_parameters_stay_float32(name):
    opt = make_optimizer(name, 0.01)
    theta = np.ones(6, dtype=np.float32)
    for _ in range(3):
        opt.step(theta, np.full(6, 0.5, dtype=np.float32))
    assert theta.dtype == np.float32 and np.all(theta < 1)
    for attr in ("m", "v", "velocity"):
        if getattr(opt, attr, None) is not None:
            assert getattr(opt, attr).dtype == np.float32


def test_step_updates_in_place():
    theta = np.ones(3)
    view = theta[:]
    for name in sorted(OPTIMIZERS):
        make_optimizer(name, 0.1).step(view, np.ones(3))
    assert np.all(theta < 1)


def test_make_optimizer():
    assert isinstance(make_optimizer("adam", 0.3), Adam)
    assert make_optimizer("sgd", 0.3).learning_rate == 0.3
    # An instance is a template: each call returns a fresh copy with its own state,
    # so a model never mutates its hyperparameter and two parts never share state.
    mine = Momentum(0.1, momentum=0.7, nesterov=True)
    a, b = make_optimizer(mine, 0.5), make_optimizer(mine, 0.5)
    assert type(a) is Momentum and a is not mine and a is not b
    assert (a.learning_rate, a.momentum, a.nesterov) == (0.1, 0.7, True)
    a.step(np.zeros(3), np.ones(3))
    b.step(np.zeros(5), np.ones(5))  # different length: separate state
    assert mine.velocity is None and a.velocity.shape == (3,)
    with pytest.raises(ValueError, match=r"unknown optimizer 'rmsprop'; expected one of "
                                         r"\['adam', 'momentum', 'sgd'\] or 'lbfgs'"):
        make_optimizer("rmsprop", 0.1)


def test_lbfgs_minimises_a_quadratic_and_calls_back():
    A, b, theta_star = quadratic(seed=2, d=8, cond=100.0)
    seen = []

    def fun(theta):
        assert theta.dtype == np.float64
        return 0.5 * theta @ A @ theta - b @ theta, A @ theta - b

    result = lbfgs(fun, np.zeros(8, dtype=np.float32), maxiter=200, callback=seen.append)
    np.testing.assert_allclose(result.x, theta_star, atol=1e-6)
    assert result.x.dtype == np.float64
    assert 0 < len(seen) == result.nit <= 200


def test_lbfgs_respects_maxiter():
    A, b, _ = quadratic(seed=3, d=20, cond=1e4)
    result = lbfgs(lambda t: (0.5 * t @ A @ t - b @ t, A @ t - b), np.zeros(20), maxiter=3)
    assert result.nit <= 3


def test_lbfgs_on_rosenbrock():
    from scipy.optimize import rosen, rosen_der

    result = lbfgs(lambda t: (rosen(t), rosen_der(t)), np.array([-1.2, 1.0, 0.5]))
    np.testing.assert_allclose(result.x, np.ones(3), atol=1e-5)


def test_adam_step_allocates_nothing_and_keeps_float32():
    import tracemalloc

    rng = np.random.default_rng(0)
    theta = rng.normal(size=3 * Adam.CHUNK_BYTES // 4).astype(np.float32)
    g = rng.normal(size=theta.size).astype(np.float32)
    opt = Adam()
    opt.step(theta, g)  # allocates its state once
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(3):
            opt.step(theta, g)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak < 4096  # a few Python objects (slices); one temporary would be 786 kB
    assert theta.dtype == opt.M.dtype == opt.V.dtype == np.float32
