# Wrong: a mean over the samples where the sum belongs, and dA W for dA Wᵀ.
import numpy as np


def dense_backward(dA, X, W):
    return dA @ W, X.T @ dA / dA.shape[0], np.mean(dA, axis=0)
