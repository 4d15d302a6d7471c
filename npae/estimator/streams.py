"""The random streams of a fit: one seed, four independent generators.

``init`` draws the initial parameters, ``split`` the ``validation_fraction``
hold-out, ``order`` each epoch's row order, ``step`` every random draw inside
the training steps (denoising noise, the VAE's ε, ...).  Keeping the order
apart from the steps is what lets ``partial_fit``, fed fit's minibatches in
fit's order, make exactly fit's draws (same seed, same bits).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import check_rng

__all__ = ["Streams", "random_streams"]


class Streams(NamedTuple):
    """The random generators of one fit (see the module docstring)."""

    init: np.random.Generator
    split: np.random.Generator
    order: np.random.Generator
    step: np.random.Generator


def random_streams(random_state):
    """``random_state`` -> :class:`Streams`: the same int seed gives the same four streams.

    ``init`` is the generator of ``random_state`` itself (so the initial
    parameters are those ``initialize`` has always drawn); ``split``, ``order``
    and ``step`` are its seed sequence's children (``SeedSequence.spawn``),
    which leave its own stream untouched.  (A generator without a seed
    sequence gives them three seeds drawn from it instead.)  For example,
    fit's row order in its first epoch is
    ``random_streams(seed).order.permutation(n_samples)`` (with
    ``validation_fraction``, a permutation of the training rows).
    """
    root = check_rng(random_state)
    bits = root.bit_generator
    seq = getattr(bits, "seed_seq", getattr(bits, "_seed_seq", None))
    if isinstance(seq, np.random.SeedSequence):
        children = seq.spawn(3)
    else:
        children = [int(s) for s in root.integers(0, 2**63 - 1, size=3)]
    return Streams(root, *(np.random.default_rng(c) for c in children))
