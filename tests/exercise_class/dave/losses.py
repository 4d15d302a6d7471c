# Crashes while being imported (a leftover debugging line).
import numpy as np

print(undefined_variable)


def squared_error(X_hat, X):
    n = X.shape[0]
    diff = X_hat - X
    return 0.5 * np.sum(diff ** 2) / n, diff / n
