"""Parameters in one flat buffer, seen through named views.

A model's ``params_`` is a dict ``name -> ndarray`` whose arrays are views
into a single 1-D buffer (and likewise for gradients during training).  The
dict is what users, gradient checks and tutorials see; the buffer is what
the optimizers update, with one fused vector operation per step instead of
one small operation per tensor, and what L-BFGS (scipy) takes as ``x``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FlatParams", "flatten", "pack_like"]


class FlatParams:
    """A flat buffer plus named views into it, in a fixed order.

    Parameters
    ----------
    shapes : dict name -> tuple
        Order is preserved: related parameters (an encoder, a decoder, a
        discriminator) should be contiguous so that an optimizer can update a
        slice of the buffer (see :meth:`slice_of`).
    dtype : numpy dtype
    """

    def __init__(self, shapes, dtype=np.float64):
        self.shapes = {k: tuple(int(s) for s in v) for k, v in shapes.items()}
        self.dtype = np.dtype(dtype)
        sizes = [int(np.prod(s)) for s in self.shapes.values()]
        self.offsets = {}
        start = 0
        for name, size in zip(self.shapes, sizes):
            self.offsets[name] = (start, start + size)
            start += size
        self.flat = np.zeros(start, dtype=self.dtype)
        self.views = {
            name: self.flat[a:b].reshape(self.shapes[name])
            for name, (a, b) in self.offsets.items()
        }

    @property
    def size(self):
        return self.flat.size

    def zeros_like(self):
        """A new FlatParams of the same layout, filled with zeros (for gradients)."""
        return FlatParams(self.shapes, self.dtype)

    def assign(self, arrays):
        """Copy arrays (dict name -> array, same keys and shapes) into the buffer."""
        missing = set(self.shapes) - set(arrays)
        extra = set(arrays) - set(self.shapes)
        if missing or extra:
            raise ValueError(
                f"parameter names do not match: missing {sorted(missing)}, unexpected {sorted(extra)}"
            )
        for name, value in arrays.items():
            value = np.asarray(value)
            if value.shape != self.shapes[name]:
                raise ValueError(
                    f"parameter {name!r} has shape {value.shape}, expected {self.shapes[name]}"
                )
            self.views[name][...] = value
        return self

    def slice_of(self, names):
        """The contiguous slice of the buffer spanning ``names`` (which must be adjacent)."""
        names = list(names)
        starts = sorted(self.offsets[n] for n in names)
        for (a0, b0), (a1, _) in zip(starts, starts[1:]):
            if b0 != a1:
                raise ValueError(f"parameters {names} are not contiguous in the buffer")
        return slice(starts[0][0], starts[-1][1])


def flatten(arrays, names):
    """Concatenate ``arrays[name].ravel()`` in the order of ``names``."""
    return np.concatenate([np.ravel(arrays[n]) for n in names])


def pack_like(flat, shapes):
    """Split a flat vector into a dict of arrays with the given shapes (views)."""
    out, start = {}, 0
    for name, shape in shapes.items():
        size = int(np.prod(shape))
        out[name] = flat[start:start + size].reshape(shape)
        start += size
    return out
