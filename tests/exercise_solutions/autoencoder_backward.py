"""A solution of the ``autoencoder_backward`` exercise, written the way a student would."""

import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def autoencoder_backward(X, W1, b1, W2, b2):
    n = X.shape[0]
    H = sigmoid(X @ W1 + b1)
    A2 = H @ W2 + b2
    loss = np.sum(np.logaddexp(0.0, A2) - X * A2) / n
    dA2 = (sigmoid(A2) - X) / n
    dW2 = H.T @ dA2
    db2 = dA2.sum(axis=0)
    dA1 = (dA2 @ W2.T) * H * (1.0 - H)
    dW1 = X.T @ dA1
    db1 = dA1.sum(axis=0)
    return loss, dW1, db1, dW2, db2
