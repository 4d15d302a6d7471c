r"""The concrete selector layer: a relaxed one-hot choice of input features.

The concrete / Gumbel-softmax distribution (Maddison, Mnih & Teh 2017; Jang,
Gu & Poole 2017), as used by the concrete autoencoder (Abid et al. 2019,
:mod:`npae.families.concrete`):

.. math:: M_j = \operatorname{softmax}\big((\alpha_j + g_j) / T\big), \qquad
          g_{jl} \sim \mathrm{Gumbel}(0, 1), \qquad z = M x

Symbols: α the (k, d) selector logits, g Gumbel noise of the same shape, T
the temperature, M the (k, d) matrix of relaxed one-hot rows.  Each function
returns what the next needs; the backward pass takes the upstream gradient.

Gradient: with :math:`s = (\alpha + g)/T` and :math:`M = \operatorname{softmax}(s)` row-wise,
:math:`dL/d\alpha_j = \frac1T M_j \odot (dL/dM_j - \langle dL/dM_j, M_j \rangle)`, and
:math:`dL/dM = \sum_i dz^{(i)} x^{(i)\top}`
(the sum over samples is done by the ops of the chosen execution path).
"""

from __future__ import annotations

import numpy as np

__all__ = ["gumbel_noise", "concrete_weights", "concrete_weights_backward",
           "temperature_schedule"]


def gumbel_noise(rng, shape, dtype=np.float64):
    r"""Standard Gumbel draws :math:`g = -\log(-\log u)`, :math:`u \sim U(0, 1)`, from ``rng``.

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
    r""":math:`dL/d\alpha` from :math:`dL/dM` through :math:`M = \operatorname{softmax}((\alpha + g)/T)`
    (the Jacobian of the softmax).

    :math:`dL/d\alpha_{jl} = \frac1T M_{jl} \big(dL/dM_{jl} - \sum_m dL/dM_{jm} M_{jm}\big)`.  The noise g
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
    r"""The exponential annealing :math:`T(e) = T_{start} (T_{end}/T_{start})^{e/(E-1)}`, e = 0..E−1
    (E = ``epochs``)."""
    if epochs <= 1:
        return np.array([float(start)] * max(int(epochs), 0))
    e = np.arange(epochs) / (epochs - 1)
    return float(start) * (float(end) / float(start)) ** e
