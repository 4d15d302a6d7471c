"""Weight initialisation from a ``np.random.Generator``.

- Glorot/Xavier uniform (Glorot & Bengio 2010): U(−r, r), r = sqrt(6 / (n_in + n_out)),
  for identity, sigmoid, tanh and softplus units;
- He normal (He et al. 2015): N(0, 2 / n_in), for the ReLU family.

``scheme="auto"`` picks by the layer's activation.  Biases start at zero.
"""

from __future__ import annotations

import numpy as np

__all__ = ["glorot_uniform", "he_normal", "init_weight", "SCHEMES"]


def glorot_uniform(rng, n_in, n_out, dtype=np.float64):
    """(n_in, n_out) weights from U(−r, r), r = sqrt(6 / (n_in + n_out))."""
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, size=(n_in, n_out)).astype(dtype, copy=False)


def he_normal(rng, n_in, n_out, dtype=np.float64):
    """(n_in, n_out) weights from N(0, 2 / n_in)."""
    return (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(dtype, copy=False)


SCHEMES = {"glorot": glorot_uniform, "he": he_normal}


def init_weight(rng, n_in, n_out, activation, scheme="auto", dtype=np.float64):
    """Initialise one weight matrix; ``scheme`` is "auto", "glorot" or "he"."""
    if scheme == "auto":
        scheme = "he" if getattr(activation, "smooth", True) is False else "glorot"
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; expected 'auto', 'glorot' or 'he'")
    return SCHEMES[scheme](rng, n_in, n_out, dtype)
