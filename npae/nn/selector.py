"""The concrete selector layer: a relaxed one-hot choice of input features.

The concrete / Gumbel-softmax distribution (Maddison, Mnih & Teh 2017; Jang,
Gu & Poole 2017), as used by the concrete autoencoder (Abid et al. 2019,
:mod:`npae.families.concrete`)::

    M_j = softmax((α_j + g_j) / T),   g_jl ~ Gumbel(0, 1),   z = M x

Symbols: α the (k, d) selector logits, g Gumbel noise of the same shape, T
the temperature, M the (k, d) matrix of relaxed one-hot rows.  Each function
returns what the next needs; the backward pass takes the upstream gradient.

Gradient: with s = (α + g)/T and M = softmax(s) row-wise,
dL/dα_j = (1/T) M_j ⊙ (dL/dM_j − ⟨dL/dM_j, M_j⟩), and dL/dM = Σ_i dz^(i) x^(i)ᵀ
(the sum over samples is done by the ops of the chosen execution path).
"""

from __future__ import annotations

import numpy as np

__all__ = ["gumbel_noise", "concrete_weights", "concrete_weights_backward",
           "temperature_schedule"]


def gumbel_noise(rng, shape, dtype=np.float64):
    """Standard Gumbel draws g = −log(−log u), u ~ U(0, 1), from ``rng``.

    ``u`` is kept inside the open interval so that g is always finite.
    """
    tiny = np.finfo(np.float64).tiny
    u = rng.uniform(tiny, 1.0, size=shape)  # [tiny, 1): log u < 0 and finite
    return (-np.log(-np.log(u))).astype(dtype, copy=False)


def concrete_weights(alpha, gumbel, temperature):
    """Relaxed one-hot rows M = softmax((α + g) / T), row-wise.

    Parameters
    ----------
    alpha : ndarray of shape (k, d)
        Selector logits.
    gumbel : ndarray of shape (k, d)
        Gumbel noise (zeros for the noiseless softmax(α / T)).
    temperature : float
        T > 0.

    Returns
    -------
    M : ndarray of shape (k, d)
        Each row is a probability vector over the d features.
    """
    S = (alpha + gumbel) / temperature
    S -= S.max(axis=1, keepdims=True)  # softmax is shift-invariant; exp stays <= 1
    np.exp(S, out=S)
    S /= S.sum(axis=1, keepdims=True)
    return S


def concrete_weights_backward(dM, M, temperature):
    """dL/dα from dL/dM through M = softmax((α + g)/T) (the Jacobian of the softmax).

    dL/dα_jl = (1/T) M_jl (dL/dM_jl − Σ_m dL/dM_jm M_jm).  The noise g
    enters only through M (it is held fixed: the reparameterisation).

    Parameters
    ----------
    dM, M : ndarrays of shape (k, d)
    temperature : float

    Returns
    -------
    dalpha : ndarray of shape (k, d)
    """
    inner = np.einsum("jl,jl->j", dM, M)[:, None]  # (k, 1)
    return M * (dM - inner) / temperature


def temperature_schedule(start, end, epochs):
    """The exponential annealing T(e) = start (end/start)^(e/(epochs−1)), e = 0..epochs−1."""
    if epochs <= 1:
        return np.array([float(start)] * max(int(epochs), 0))
    e = np.arange(epochs) / (epochs - 1)
    return float(start) * (float(end) / float(start)) ** e
