"""Data and reference formulas shared by the test_linear_* modules (``from linear_helpers import ...``)."""

import numpy as np
import scipy.optimize
from hypothesis import settings

FAST = settings(max_examples=40, deadline=None)


def make_data(n=200, d=6, seed=0, scales=(5.0, 3.0, 2.0, 1.2, 0.6, 0.3), shift=3.0):
    """Anisotropic data with well separated covariance eigenvalues, not centred."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    X = rng.standard_normal((n, d)) * np.asarray(scales[:d]) @ Q.T
    return X + shift * rng.standard_normal(d)


def cov_eigh(X, ddof):
    """Eigenpairs of the covariance with 1/(n - ddof), descending."""
    Xc = X - X.mean(0)
    w, V = np.linalg.eigh(Xc.T @ Xc / (len(X) - ddof))
    return w[::-1], V[:, ::-1]


def assert_rows_equal_up_to_sign(A, B, atol):
    signs = np.sign(np.sum(A * B, axis=1))
    np.testing.assert_allclose(A * signs[:, None], B, atol=atol)


def l2_lae_loss_and_grad(theta, X, k, lam):
    """L = (1/n) sum_i 1/2 ||x_i - x_i W1 W2||^2 + lam/2 (||W1||^2 + ||W2||^2) and its gradient."""
    n, d = X.shape
    W1 = theta[: d * k].reshape(d, k)
    W2 = theta[d * k:].reshape(k, d)
    Z = X @ W1
    R = X - Z @ W2  # residual (n, d)
    loss = 0.5 * np.sum(R**2) / n + 0.5 * lam * (np.sum(W1**2) + np.sum(W2**2))
    dXhat = -R / n
    gW2 = Z.T @ dXhat + lam * W2
    gW1 = X.T @ (dXhat @ W2.T) + lam * W1
    return loss, np.concatenate([gW1.ravel(), gW2.ravel()])


def fit_l2_lae(X, k, lam, seed):
    d = X.shape[1]
    rng = np.random.default_rng(seed)
    theta0 = 0.5 * rng.standard_normal(2 * d * k)
    res = scipy.optimize.minimize(l2_lae_loss_and_grad, theta0, args=(X, k, lam), jac=True,
                                  method="L-BFGS-B",
                                  options={"maxiter": 20000, "gtol": 1e-13, "ftol": 1e-16})
    return res.x[: d * k].reshape(d, k), res.x[d * k:].reshape(k, d), res
