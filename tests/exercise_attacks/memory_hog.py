# Asks for 32 GB.
import numpy as np


def dense_backward(dA, X, W):
    big = np.ones((2 ** 16, 2 ** 16))
    return dA @ W.T, X.T @ dA, big.sum(axis=0)
