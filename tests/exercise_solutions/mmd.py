"""A solution of the ``mmd`` exercise, written the way a student would."""

import numpy as np


def imq_kernel(r, c):
    k = c / (c + r)
    return k, -c / (c + r) ** 2


def mmd2(Z, P, c):
    n = Z.shape[0]
    value = 0.0
    dZ = np.zeros_like(Z)
    for i in range(n):
        for j in range(n):
            dzz = Z[i] - Z[j]
            dzp = Z[i] - P[j]
            k_zp, g_zp = imq_kernel(np.sum(dzp ** 2), c)
            value -= 2.0 * k_zp / n ** 2
            dZ[i] -= 2.0 * g_zp * 2.0 * dzp / n ** 2
            if i != j:
                k_zz, g_zz = imq_kernel(np.sum(dzz ** 2), c)
                k_pp, _ = imq_kernel(np.sum((P[i] - P[j]) ** 2), c)
                value += (k_zz + k_pp) / (n * (n - 1))
                # k(z_i, z_j) and k(z_j, z_i): twice the derivative in z_i
                dZ[i] += 2.0 * g_zz * 2.0 * dzz / (n * (n - 1))
    return value, dZ
