"""What the metric modules share: the label-vector checker and the chunk size of temporaries."""

from __future__ import annotations

from .._validation import check_labels

# Largest number of float64 entries a temporary (chunk x n) matrix may hold.
_CHUNK_ENTRIES = 1 << 22


def _check_labels(name, labels, n=None):
    """A 1-D label vector of length ``n``, compared for equality only (strings and floats allowed)."""
    return check_labels(labels, n, name=name, kind="any")
