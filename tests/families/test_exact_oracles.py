"""Exact oracles for what convergence tests and cross-checks could not see.

A seeded-bug run (20 plausible bugs in a copy of the code) found holes: plain
momentum passed as Nesterov, the importance-weighted bound without its
−log K passed, the CL-VAE class prior was only tried with balanced labels,
the L-BFGS tests passed when the driver ignored the analytic gradient, nothing
checked that minibatches are reshuffled every epoch, and the V-measure at
β ≠ 1 was only compared with scikit-learn.  Each test here has an exact
answer written out independently.
"""

import numpy as np
import pytest
from scipy.special import logsumexp

import npae
from npae.metrics import homogeneity_completeness_v_measure
from npae.estimator.optim import Momentum


def test_nesterov_momentum_follows_its_formula_and_differs_from_heavy_ball():
    g = [np.array([1.0, -2.0]), np.array([0.5, 0.5]), np.array([-1.0, 3.0])]
    lr, mu = 0.1, 0.9
    theta_n, theta_h = np.zeros(2), np.zeros(2)
    nesterov, heavy = Momentum(lr, mu, nesterov=True), Momentum(lr, mu)
    v = np.zeros(2)
    expected = np.zeros(2)
    for grad in g:
        nesterov.step(theta_n, grad)
        heavy.step(theta_h, grad)
        v = mu * v - lr * grad  # v ← μ v − ε g
        expected = expected + mu * v - lr * grad  # Θ ← Θ + μ v − ε g (Sutskever et al. 2013)
    np.testing.assert_allclose(theta_n, expected, rtol=1e-13)
    assert not np.allclose(theta_h, expected)


def _linear_gaussian_vae(d=4, k=2, sigma=0.7, seed=0):
    """A VAE whose encoder is the *exact* posterior of a linear-Gaussian model.

    p(z) = N(0, I), p(x|z) = N(W z + b, σ² I) with orthogonal columns of W, so the
    posterior N(Σ Wᵀ(x − b)/σ², Σ), Σ = (I + WᵀW/σ²)⁻¹, is diagonal; then every
    importance weight p(x, z)/q(z|x) equals p(x) and the IW estimate is exact.
    """
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(d, k)))
    W = Q * np.array([1.5, 0.8])[:k]  # (d, k), orthogonal columns
    b = rng.normal(size=d)
    X = rng.normal(size=(6, d))
    vae = npae.VariationalAutoencoder(latent_dim=k, hidden=(), likelihood="gaussian",
                                      sigma=sigma).initialize(X)
    Sigma = np.linalg.inv(np.eye(k) + W.T @ W / sigma**2)
    A = Sigma @ W.T / sigma**2  # mu = A (x − b)
    p = vae.params_
    p["mu.0.W"][...] = A.T
    p["mu.0.b"][...] = -A @ b
    p["log_var.0.W"][...] = 0.0
    p["log_var.0.b"][...] = np.log(np.diag(Sigma))
    p["decoder.0.W"][...] = W.T
    p["decoder.0.b"][...] = b
    C = W @ W.T + sigma**2 * np.eye(d)
    diff = X - b
    log_px = -0.5 * (d * np.log(2 * np.pi) + np.linalg.slogdet(C)[1]
                     + np.einsum("ij,jk,ik->i", diff, np.linalg.inv(C), diff))
    return vae, X, log_px


@pytest.mark.parametrize("K", [1, 7, 50])
def test_importance_weighted_bound_is_exact_for_the_exact_posterior(K):
    vae, X, log_px = _linear_gaussian_vae()
    # exact for every K: an estimate missing its −log K would be off by log K
    np.testing.assert_allclose(vae.log_likelihood(X, n_samples=K, rng=0), log_px, rtol=1e-10)


def test_clvae_class_prior_with_unbalanced_labels():
    rng = np.random.default_rng(0)
    y = np.array([0] * 9 + [1] * 4 + [2] * 1)
    X = rng.random((14, 5))
    model = npae.ConditionalLatentVAE(latent_dim=2, hidden=(4,), epochs=1, batch_size=7).fit(X, y)
    np.testing.assert_allclose(model.class_prior_, [9 / 14, 4 / 14, 1 / 14])
    Z = rng.normal(size=(5, 2))
    M = model.prior_means_
    log_n = -0.5 * (2 * np.log(2 * np.pi) + ((Z[:, None, :] - M[None]) ** 2).sum(-1))  # (5, 3)
    expected = logsumexp(log_n + np.log([9 / 14, 4 / 14, 1 / 14]), axis=1)
    np.testing.assert_allclose(model._log_prior_rows(Z, None), expected, rtol=1e-12)
    draws = model.sample(2000, rng=1)
    assert draws.shape == (2000, 5)


def test_lbfgs_driver_follows_the_analytic_gradient():
    X = np.random.default_rng(0).random((30, 6))

    class ZeroGradient(npae.Autoencoder):
        """The right loss with a zero gradient: a driver that uses the analytic
        gradient cannot move; one that differentiates numerically would."""

        def _loss(self, params, X, y, rng, ops, grads):
            return super()._loss(params, X, y, rng, ops, {})

    kw = dict(hidden=(), latent_dim=3, optimizer="lbfgs", epochs=30, random_state=0)
    good = npae.Autoencoder(**kw).fit(X)
    start = npae.Autoencoder(**kw).initialize(X).loss_and_grads(X)[0]
    with pytest.warns(npae.ConvergenceWarning, match="L-BFGS stopped after 0 of 30"):
        frozen = ZeroGradient(**kw).fit(X)
    assert good.history_["loss"][-1] < 0.5 * start
    np.testing.assert_array_equal(frozen._flat.flat, npae.Autoencoder(**kw).initialize(X)._flat.flat)


def test_minibatches_are_reshuffled_every_epoch():
    X = np.arange(40, dtype=float).reshape(20, 2) / 40
    seen = []

    class Recorder(npae.Autoencoder):
        def _loss(self, params, X, y, rng, ops, grads):
            if grads:  # a training step (the divergence probe evaluates the loss alone)
                seen.append(tuple(np.round(X[:, 0] * 40).astype(int)))
            return super()._loss(params, X, y, rng, ops, grads)

    Recorder(hidden=(), latent_dim=2, epochs=3, batch_size=5).fit(X)
    epochs = [sum(seen[e * 4:(e + 1) * 4], ()) for e in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(0, 40, 2))  # every row once per epoch
    assert len({order for order in epochs}) == 3  # a new order every epoch
    assert epochs[0] != tuple(range(0, 40, 2))  # and shuffled, not in file order


@pytest.mark.parametrize("beta", [0.5, 1.0, 3.0])
def test_v_measure_at_any_beta_against_a_hand_computation(beta):
    true = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    pred = np.array([5, 5, 7, 7, 7, 9, 9, 9, 5])
    n = len(true)
    joint = np.zeros((3, 3))
    for c, k in zip(true, pred):
        joint[c, [5, 7, 9].index(k)] += 1 / n
    pc, pk = joint.sum(1), joint.sum(0)
    H = lambda p: -np.sum(p[p > 0] * np.log(p[p > 0]))  # noqa: E731
    nz = joint > 0
    H_c_given_k = -np.sum(joint[nz] * np.log((joint / pk[None, :])[nz]))
    H_k_given_c = -np.sum(joint[nz] * np.log((joint / pc[:, None])[nz]))
    h, c = 1 - H_c_given_k / H(pc), 1 - H_k_given_c / H(pk)
    v = (1 + beta) * h * c / (beta * h + c)
    assert homogeneity_completeness_v_measure(true, pred, beta=beta) == pytest.approx((h, c, v), rel=1e-12)
