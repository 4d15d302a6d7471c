"""A solution of the ``losses`` exercise, written the way a student would."""

import numpy as np


def squared_error(X_hat, X):
    n = X.shape[0]
    diff = X_hat - X
    return 0.5 * np.sum(diff ** 2) / n, diff / n


def bernoulli_cross_entropy(logits, X):
    n = X.shape[0]
    value = np.sum(np.logaddexp(0.0, logits) - X * logits) / n
    return value, (1.0 / (1.0 + np.exp(-logits)) - X) / n
