"""A solution of the ``vae`` exercise, written the way a student would."""

import numpy as np


def kl_standard_normal(mu, log_var):
    n = mu.shape[0]
    value = 0.5 * np.sum(mu ** 2 + np.exp(log_var) - 1.0 - log_var) / n
    return value, mu / n, 0.5 * (np.exp(log_var) - 1.0) / n


def reparameterize(mu, log_var, eps):
    std = np.exp(0.5 * log_var)
    return mu + std * eps, std


def reparameterize_backward(dz, eps, std):
    return dz, dz * eps * 0.5 * std


def latent_backward(mu, log_var, eps, dz):
    _, std = reparameterize(mu, log_var, eps)
    dmu, dlog_var = reparameterize_backward(dz, eps, std)
    _, dmu_kl, dlog_var_kl = kl_standard_normal(mu, log_var)
    return dmu + dmu_kl, dlog_var + dlog_var_kl
