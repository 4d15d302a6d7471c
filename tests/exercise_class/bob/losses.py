# Wrong: both gradients have the sign of (x - x_hat), and the squared error has no ½.
import numpy as np


def squared_error(X_hat, X):
    n = X.shape[0]
    diff = X - X_hat
    return np.sum(diff ** 2) / n, diff / n


def bernoulli_cross_entropy(logits, X):
    n = X.shape[0]
    value = np.sum(np.logaddexp(0.0, logits) - X * logits) / n
    return value, (X - 1.0 / (1.0 + np.exp(-logits))) / n
