# Never returns: a loop whose condition never changes.
import numpy as np


def squared_error(X_hat, X):
    total = 0.0
    i = 0
    while i < X.size:
        total += 0.0
    return total, X_hat - X
