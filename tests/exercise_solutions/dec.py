"""A solution of the ``dec`` exercise, written the way a student would."""

import numpy as np


def _kernel(Z, centers, alpha):
    diff = Z[:, None, :] - centers[None, :, :]           # (n, K, k)
    d = np.sum(diff ** 2, axis=2)                        # (n, K)
    return diff, d, (1.0 + d / alpha) ** (-(alpha + 1.0) / 2.0)


def soft_assignments(Z, centers, alpha):
    _, _, u = _kernel(Z, centers, alpha)
    return u / u.sum(axis=1, keepdims=True)


def target_distribution(Q):
    W = Q ** 2 / Q.sum(axis=0)
    return W / W.sum(axis=1, keepdims=True)


def kl_centers(Z, centers, alpha, P):
    n = Z.shape[0]
    diff, d, _ = _kernel(Z, centers, alpha)
    Q = soft_assignments(Z, centers, alpha)
    value = np.sum(P * np.log(P / Q)) / n
    # eq. 5: dL/dmu_j = -(a+1)/a Σ_i (1 + d_ij/a)^-1 (p_ij - q_ij)(z_i - mu_j), over n
    w = (alpha + 1.0) / alpha * (P - Q) / (1.0 + d / alpha) / n
    return value, -np.sum(w[:, :, None] * diff, axis=0)
