"""A solution of the ``dense_backward`` exercise, written the way a student would."""

import numpy as np


def dense_backward(dA, X, W):
    dX = dA @ W.T
    dW = X.T @ dA
    db = np.sum(dA, axis=0)
    return dX, dW, db
