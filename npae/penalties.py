"""The regularizers Ω of the review's loss L(x, p_φ(q_θ(x))) + Ω (§1.2).

Each penalty returns its value and adds its gradient into a ``grads`` dict
(keyed like the model's params) or returns the gradient with respect to its
own input, as documented per function.  Values include their weight (λ, β),
exactly as they enter the loss.
"""

from __future__ import annotations

import numpy as np

from .nn.jacobian import contractive_penalty  # Ω = λ mean ‖∂z/∂x‖²_F (Rifai et al. 2011)
from .nn.network import accumulate

__all__ = ["weight_decay"]
__all__ += ["contractive_penalty"]


def weight_decay(params, names, lam, grads=None):
    """Ω = (λ/2) Σ_W ‖W‖²_F over the weight matrices ``names`` (biases excluded).

    Its gradient λ W is added into ``grads`` when given.  This is the
    ``λ/2 Σ W²`` of Ng's sparse-autoencoder notes (λ = 1e-4 there).
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
