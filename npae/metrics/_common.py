"""What the metric modules share: the label-vector checker and the chunk size of temporaries."""

from __future__ import annotations

import numpy as np

# Largest number of float64 entries a temporary (chunk x n) matrix may hold.
_CHUNK_ENTRIES = 1 << 22


def _check_labels(name, labels, n=None):
    """A 1-D label vector of length ``n``; labels need not be integers (only compared for equality).

    Unlike :func:`npae._validation.check_labels` (class labels for training,
    integers only), a metric accepts any comparable labels, e.g. strings.
    """
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D of shape (n_samples,), got shape {y.shape}")
    if n is not None and y.shape[0] != n:
        raise ValueError(f"{name} must have {n} entries (one per row of the codes), got {y.shape[0]}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(f"{name} contains NaN or inf")
    return y
