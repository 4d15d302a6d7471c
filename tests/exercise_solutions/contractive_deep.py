"""A solution of the ``contractive_deep`` exercise, written the way a student would:
one sample at a time, the Jacobian written out."""

import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def deep_contractive_penalty(X, W1, b1, W2, b2, lam):
    n = X.shape[0]
    value = 0.0
    dW1, db1 = np.zeros_like(W1), np.zeros_like(b1)
    dW2, db2 = np.zeros_like(W2), np.zeros_like(b2)
    for x in X:
        h1 = sigmoid(x @ W1 + b1)
        d1 = h1 * (1 - h1)                               # f'(a1), (h1,)
        h2 = sigmoid(h1 @ W2 + b2)
        d2 = h2 * (1 - h2)                               # f'(a2), (h2,)
        M = W2.T @ (d1[:, None] * W1.T)                  # W2ᵀ D1 W1ᵀ, (h2, d)
        value += np.sum(d2[:, None] ** 2 * M ** 2)
        G = 2 * d2[:, None] ** 2 * M                     # dΩ_i/dM
        dd2 = 2 * d2 * np.sum(M ** 2, axis=1)            # dΩ_i/dd2
        dW2 += (G @ (W1 * d1[None, :])).T                # through M = W2ᵀ D1 W1ᵀ
        dW1 += (d1[:, None] * (W2 @ G)).T
        dd1 = np.sum(W2.T * (G @ W1), axis=0)            # dΩ_i/dd1
        da2 = dd2 * d2 * (1 - 2 * h2)                    # f'' = f'(1 − 2h)
        da1 = dd1 * d1 * (1 - 2 * h1) + (W2 @ da2) * d1
        dW2 += np.outer(h1, da2)
        db2 += da2
        dW1 += np.outer(x, da1)
        db1 += da1
    s = lam / n
    return s * value, s * dW1, s * db1, s * dW2, s * db2
