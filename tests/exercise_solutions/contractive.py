"""A solution of the ``contractive`` exercise, written the way a student would."""

import numpy as np


def contractive_penalty(X, W, b, lam):
    n = X.shape[0]
    H = 1.0 / (1.0 + np.exp(-(X @ W + b)))
    D = H * (1.0 - H)                      # f'(a), (n, h)
    norms = np.sum(W ** 2, axis=0)         # Σ_k W_kj², (h,)
    value = lam * np.sum(D ** 2 * norms) / n
    # W in the column norms:
    dW = 2.0 * lam / n * W * np.sum(D ** 2, axis=0)
    # W and b through f'(a): d(D²)/da = 2 D f''(a), f'' = D (1 − 2H)
    dA = lam / n * 2.0 * D * D * (1.0 - 2.0 * H) * norms
    dW += X.T @ dA
    db = dA.sum(axis=0)
    return value, dW, db
