"""Random draws that depend on each row alone, for scores that must not depend
on their neighbours (:meth:`VariationalAutoencoder.score_samples`).

Drawing ε for a whole batch at once makes row i's draw depend on how many rows
came before it: ``score_samples(X)[0] != score_samples(X[:1])[0]``.  Here the
ε of row ``x`` come from a generator seeded by (``seed``, the BLAKE2b hash of
``x``'s bytes), so a row's score is a function of that row (and the seed).
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["RowSeeds"]


class RowSeeds:
    """A seed for draws that depend on each row alone (pass it as ``rng`` to
    ``elbo``/``log_likelihood``): the ε of row ``x`` come from a generator seeded
    by (``seed``, the BLAKE2b hash of ``x``'s bytes in the model's dtype), so
    they do not depend on the other rows of the call nor their order; equal
    rows get equal draws."""

    def __init__(self, seed=0):
        self.seed = int(seed)

    def normal(self, X, n_samples, k, dtype):
        """Standard normal draws of shape (n_samples, n_rows, k), row by row."""
        eps = np.empty((n_samples, X.shape[0], k))
        for i, row in enumerate(X):
            digest = hashlib.blake2b(np.ascontiguousarray(row).tobytes(), digest_size=16).digest()
            rng = np.random.default_rng([self.seed, *np.frombuffer(digest, dtype=np.uint32)])
            eps[:, i] = rng.standard_normal((n_samples, k))
        return eps.astype(dtype, copy=False)
