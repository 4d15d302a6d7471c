"""A solution of the ``iwae`` exercise, written the way a student would."""

import numpy as np

LOG_2PI = np.log(2.0 * np.pi)


def importance_weights(log_w):
    K = log_w.shape[0]
    top = log_w.max(axis=0)  # subtract the maximum: exp never overflows or underflows to 0
    lse = top + np.log(np.sum(np.exp(log_w - top), axis=0))
    return np.mean(lse - np.log(K)), np.exp(log_w - lse)


def iwae_backward(X, A, mu, log_var, eps):
    n = X.shape[0]
    std = np.exp(0.5 * log_var)
    Z = mu + std * eps                                   # (K, n, k)
    R = X - Z @ A                                        # (K, n, d)
    log_px = -0.5 * np.sum(R ** 2 + LOG_2PI, axis=2)
    log_pz = -0.5 * np.sum(Z ** 2 + LOG_2PI, axis=2)
    log_qz = -0.5 * np.sum(LOG_2PI + log_var + eps ** 2, axis=2)
    bound, w = importance_weights(log_px + log_pz - log_qz)
    # d(bound)/d log w_s = w̃_s / n
    dlogw_dz = R @ A.T - Z                               # (K, n, k)
    g = w[:, :, None] / n * dlogw_dz
    dmu = g.sum(axis=0)
    dlog_var = np.sum(g * eps, axis=0) * 0.5 * std + 0.5 / n  # −log q: +½ s per coordinate
    return -bound, -dmu, -dlog_var
