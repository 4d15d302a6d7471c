"""A solution of the ``sparse_kl`` exercise, written the way a student would."""

import numpy as np


def kl_sparsity(rho_hat, rho, beta):
    kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
    grad = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
    return beta * np.sum(kl), grad


def sparsity_backward(H, rho, beta):
    n = H.shape[0]
    value, grad = kl_sparsity(H.mean(axis=0), rho, beta)
    return value, np.tile(grad / n, (n, 1))
