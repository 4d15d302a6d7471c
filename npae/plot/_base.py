"""The pyplot handle (headless-safe), saving, and image shapes: what every figure module shares."""

from __future__ import annotations

import os

import numpy as np

__all__ = ["save"]


def _plt():
    import matplotlib

    if not os.environ.get("DISPLAY") and matplotlib.get_backend().lower() != "agg":
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path):
    """Save ``fig`` to ``path`` (creating the folder) and close it; returns the path."""
    if path is not None:
        folder = os.path.dirname(os.fspath(path))
        if folder:
            os.makedirs(folder, exist_ok=True)
        fig.savefig(path, dpi=110, bbox_inches="tight")
        _plt().close(fig)
    return path


def _square(d):
    s = int(round(np.sqrt(d)))
    if s * s != d:
        raise ValueError(f"cannot show {d} features as a square image; pass image_shape")
    return (s, s)
