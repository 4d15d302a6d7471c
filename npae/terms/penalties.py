r"""The regularizers Ω of the review's loss :math:`L(x, p_\phi(q_\theta(x))) + \Omega` (§1.2).

Each penalty returns its value and adds its gradient into a ``grads`` dict
(keyed like the model's params) or returns the gradient with respect to its
own input, as documented per function.  Values include their weight (λ, β),
exactly as they enter the loss.
"""

from __future__ import annotations

import numpy as np

from ..nn.jacobian import contractive_penalty  # Ω = λ mean ‖∂z/∂x‖²_F (Rifai et al. 2011)
from ..nn.network import accumulate

__all__ = ["weight_decay", "kl_sparsity", "l1_sparsity", "l2_sparsity", "l1_activity"]
__all__ += ["contractive_penalty"]


def weight_decay(params, names, lam, grads=None):
    r""":math:`\Omega = \frac\lambda2 \sum_W \lVert W \rVert_F^2` over the weight matrices ``names``
    (biases excluded).

    Its gradient :math:`\lambda W` is added into ``grads`` when given.  This is the
    :math:`\frac\lambda2 \sum W^2` of Ng's sparse-autoencoder notes (λ = 1e-4 there).
    """
    value = 0.0
    if lam == 0:
        return value
    for name in names:
        W = params[name]
        value += 0.5 * lam * float(np.vdot(W, W))
        if grads is not None:
            accumulate(grads, name, lam * W)
    return value


# --------------------------------------------------------------------------- #
# Sparsity penalties (issue 4).  They act on the mean activation
# ρ̂_j = (1/n) Σ_i h_j(x^(i)) of a hidden layer (or, for the activity penalty,
# on the activations themselves) and return (value, gradient with respect to
# their own input), so that each can be gradient-checked on its own; the model
# (npae.families.sparse) carries the gradient on to H by the chain rule
# ∂ρ̂_j/∂h_ij = 1/n.
# --------------------------------------------------------------------------- #

#: Default clip for the KL penalty: ρ̂ (mapped to [0, 1]) is kept inside
#: [KL_EPS, 1 − KL_EPS] so that log ρ̂ and log(1 − ρ̂) stay finite.
KL_EPS = 1e-7


def _check_interval(interval):
    try:
        lo, hi = (float(v) for v in interval)
    except (TypeError, ValueError):
        raise TypeError(f"interval must be a pair (low, high) of numbers, got {interval!r}")
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"interval must satisfy low < high (both finite), got {interval!r}")
    return lo, hi


def _check_weight(value, name):
    if isinstance(value, bool) or not np.isscalar(value) or not np.isreal(value):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be >= 0 and finite, got {value!r}")
    return float(value)


def _check_target(rho, name="rho"):
    if isinstance(rho, bool) or not np.isscalar(rho) or not np.isreal(rho) or not np.isfinite(rho):
        raise TypeError(f"{name} must be a finite real number, got {rho!r}")
    return float(rho)


def kl_sparsity(rho_hat, rho, beta, interval=(0.0, 1.0), eps=KL_EPS):
    r"""Ng's KL sparsity penalty :math:`\Omega = \beta \sum_j \mathrm{KL}(\rho \,\|\, \hat\rho_j)` and
    :math:`d\Omega/d\hat\rho`.

    With :math:`\hat\rho_j` the mean activation of hidden unit j over the batch and ρ the
    target (Ng, *CS294A lecture notes*, 2011; the h2o chapter's eq. 19.3–19.5):

    .. math::

        \mathrm{KL}(\rho \,\|\, \hat\rho_j) = \rho \log\frac{\rho}{\hat\rho_j}
            + (1 - \rho) \log\frac{1 - \rho}{1 - \hat\rho_j},
        \qquad
        \frac{\partial \Omega}{\partial \hat\rho_j}
            = \beta \left[ -\frac{\rho}{\hat\rho_j} + \frac{1 - \rho}{1 - \hat\rho_j} \right]

    (the bracket is the extra term Ng adds to :math:`\delta^{(2)}` in backpropagation).

    **Units that do not live in [0, 1].**  KL compares two Bernoulli
    probabilities, so ρ and :math:`\hat\rho` must be in [0, 1].  For units whose output lies
    in ``interval = (lo, hi)`` — tanh: (−1, 1), which is h2o's convention of a
    target "average activation" such as −0.1 — both are first mapped affinely,
    :math:`u = (v - lo) / (hi - lo)`; for tanh :math:`u = (1 + v) / 2`, so ρ = −0.1 becomes
    0.45.  The penalty is the KL of the mapped values, and the chain rule
    multiplies the gradient by :math:`du/d\hat\rho = 1 / (hi - lo)` (= ½ for tanh):

    .. math:: \frac{\partial\Omega}{\partial\hat\rho_j}
              = \beta \Big[-\frac{\rho_u}{u_j} + \frac{1 - \rho_u}{1 - u_j}\Big] \Big/ (hi - lo)

    **Clip.**  u_j is clipped to [eps, 1 − eps] before the logarithms (a
    saturated unit can reach :math:`\hat\rho` = 0 or 1 in floating point).  Where the clip
    is active the value is the KL at the clip boundary and the returned
    gradient is the (large, finite) derivative *at the boundary*, not the
    derivative of the clipped function (which would be 0): it keeps pushing a
    saturated unit back inside instead of abandoning it.  Inside
    (eps, 1 − eps) — always, in practice — value and gradient are exact.

    Parameters
    ----------
    rho_hat : ndarray of shape (h,)
        Mean activation of each unit, in the units' own range ``interval``.
    rho : float
        Target mean activation, strictly inside ``interval``.
    beta : float
        Weight β >= 0 (Ng's exercise: 3).
    interval : (float, float), default (0, 1)
        Output range of the units: (0, 1) for sigmoid, (−1, 1) for tanh.
    eps : float, default 1e-7
        Clip margin, in the mapped [0, 1] scale.

    Returns
    -------
    value : float
        :math:`\beta \sum_j \mathrm{KL}(\rho \,\|\, \hat\rho_j)`.
    grad : ndarray of shape (h,)
        :math:`d\Omega/d\hat\rho` (same dtype as ``rho_hat``).

    Examples
    --------
    >>> import numpy as np
    >>> value, grad = kl_sparsity(np.array([0.01, 0.2]), rho=0.01, beta=3.0)
    >>> round(value, 6), float(grad[0])   # 3·KL(0.01 ‖ 0.2); zero gradient at the target
    (0.543015, 0.0)
    """
    lo, hi = _check_interval(interval)
    beta = _check_weight(beta, "beta")
    rho = _check_target(rho)
    if not lo < rho < hi:
        raise ValueError(
            f"rho={rho!r} must lie strictly inside the units' range ({lo:g}, {hi:g}) for the "
            "KL penalty (a Bernoulli mean of exactly 0 or 1 is degenerate); e.g. rho=0.05 for "
            "sigmoid units or rho=-0.1 for tanh units"
        )
    rho_hat = np.asarray(rho_hat)
    width = hi - lo
    rho_u = (rho - lo) / width  # target on the [0, 1] scale
    u = (rho_hat - lo) / width  # (h,) mean activations on the [0, 1] scale
    u = np.clip(u, eps, 1.0 - eps)
    kl = rho_u * np.log(rho_u / u) + (1.0 - rho_u) * np.log((1.0 - rho_u) / (1.0 - u))
    value = beta * float(np.sum(kl))
    # dΩ/du times du/dρ̂ = 1/width (the chain-rule factor of the mapping).
    grad = (beta / width) * (-rho_u / u + (1.0 - rho_u) / (1.0 - u))
    return value, grad.astype(rho_hat.dtype if rho_hat.dtype.kind == "f" else np.float64,
                              copy=False)


def l1_sparsity(rho_hat, rho, beta):
    r""":math:`\Omega = \beta \sum_j |\hat\rho_j - \rho|` and
    :math:`d\Omega/d\hat\rho = \beta \operatorname{sign}(\hat\rho - \rho)` (sub-gradient 0 at
    :math:`\hat\rho_j = \rho`).

    The L1 form of the sparsity loss :math:`s(\rho, \hat\rho) = |\rho - \hat\rho|` (encyclopedia
    article, §Sparse autoencoder).  Works in the units' own scale (no mapping).

    Parameters
    ----------
    rho_hat : ndarray of shape (h,)
    rho : float
    beta : float >= 0

    Returns
    -------
    value : float
    grad : ndarray of shape (h,)
    """
    beta = _check_weight(beta, "beta")
    rho = _check_target(rho)
    diff = np.asarray(rho_hat) - rho  # (h,)
    return beta * float(np.sum(np.abs(diff))), beta * np.sign(diff)


def l2_sparsity(rho_hat, rho, beta):
    r""":math:`\Omega = \beta \sum_j (\hat\rho_j - \rho)^2` and
    :math:`d\Omega/d\hat\rho = 2 \beta (\hat\rho - \rho)`.

    The L2 form :math:`s(\rho, \hat\rho) = |\rho - \hat\rho|^2` of the encyclopedia article (no ½).  Up
    to that factor its gradient is the update h2o-3 applies to each hidden
    bias for its ``sparsity_beta`` / ``average_activation`` options.

    Parameters
    ----------
    rho_hat : ndarray of shape (h,)
    rho : float
    beta : float >= 0

    Returns
    -------
    value : float
    grad : ndarray of shape (h,)
    """
    beta = _check_weight(beta, "beta")
    rho = _check_target(rho)
    diff = np.asarray(rho_hat) - rho  # (h,)
    return beta * float(np.vdot(diff, diff)), 2.0 * beta * diff


def l1_activity(H, lam, ops=None):
    r"""L1 penalty on the activations: :math:`\Omega = \lambda \frac1n \sum_i \sum_j |h_{ij}|` and
    :math:`d\Omega/dH`.

    The "force as much sparsity as possible" penalty
    :math:`\lambda\, \mathbb E_x \lVert h(x) \rVert_1` of the encyclopedia article, with the
    expectation taken as the mean over the batch (same reduction as the losses).
    :math:`d\Omega/dh_{ij} = \lambda \operatorname{sign}(h_{ij}) / n`, with
    the sub-gradient 0 at :math:`h_{ij} = 0` (a ReLU unit that is off stays untouched).

    Parameters
    ----------
    H : ndarray of shape (n, h)
        Activations of one layer for a batch.
    lam : float >= 0
    ops : module, optional
        :mod:`npae.nn.batch` (default) or :mod:`npae.nn.reference`; the mean
        over samples is taken with ``ops.mean_over_samples``.

    Returns
    -------
    value : float
    grad : ndarray of shape (n, h)
    """
    lam = _check_weight(lam, "lam")
    H = np.asarray(H)
    if H.ndim != 2:
        raise ValueError(f"H must be 2-D of shape (n_samples, n_units), got shape {H.shape}")
    if ops is None:
        from ..nn import batch as ops
    n = H.shape[0]
    value = lam * float(np.sum(ops.mean_over_samples(np.abs(H))))  # (n, h) -> (h,) -> scalar
    return value, (lam / n) * np.sign(H)
