"""A solution of the ``rbm_cd1`` exercise, written the way a student would."""

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def rbm_conditionals(V, H, W, b, c):
    p_h = sigmoid(V @ W + c)
    p_v = sigmoid(H @ W.T + b)
    return p_h, p_v


def free_energy(V, W, b, c):
    x = V @ W + c
    softplus = np.logaddexp(0.0, x)                # log(1 + exp(x)) without overflow
    return -(V @ b) - np.sum(softplus, axis=1)


def cd1_gradient(V0, W, b, c, U):
    n = V0.shape[0]
    P0 = sigmoid(V0 @ W + c)
    H0 = (U < P0).astype(float)
    V1 = sigmoid(H0 @ W.T + b)
    P1 = sigmoid(V1 @ W + c)
    dW = (V0.T @ P0 - V1.T @ P1) / n
    db = np.mean(V0 - V1, axis=0)
    dc = np.mean(P0 - P1, axis=0)
    return dW, db, dc
