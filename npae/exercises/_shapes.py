"""The shapes of the grader's cases, drawn from the seed.

An exercise lists its cases' shapes as *patterns*, e.g. ``(5, 5, 5)``,
``(4, 3, 7)``, ``(1, 7, 2)`` for ``(n, i, o)``: what matters is which sizes
are 1 (a single sample, where a sum and a mean agree) and which are equal (a
square matrix, where a forgotten transpose keeps the shape and can only be
recognised by value).  :func:`draw_shapes` keeps exactly that and draws the
sizes themselves from the seed, so an instructor's seed gives other shapes
(square ones included) and an answer fitted to the students' cases fails.
"""

from __future__ import annotations

__all__ = ["draw_shapes"]

#: Sizes are drawn from LOW..HIGH: small enough that cases run in microseconds,
#: at least 2 so that a size never turns a case into a single-sample one.
LOW, HIGH = 2, 9


def draw_shapes(rng, patterns, low=LOW, high=HIGH):
    """One shape per pattern: 1 stays 1; equal sizes stay equal, different ones different.

    Parameters
    ----------
    rng : np.random.Generator
    patterns : list of tuple of int
    low, high : int, optional
        The range of the drawn sizes (default 2..9); a narrower one keeps, say,
        a kernel smaller than the image it slides over.

    Returns
    -------
    list of tuple of int, like ``patterns``.
    """
    shapes = []
    for pattern in patterns:
        symbols = sorted({s for s in pattern if s != 1})
        if len(symbols) > high - low + 1:
            raise ValueError(f"pattern {pattern} has more distinct sizes than {low}..{high}")
        sizes = rng.choice(range(low, high + 1), size=len(symbols), replace=False)
        drawn = dict(zip(symbols, (int(v) for v in sizes)))
        shapes.append(tuple(1 if s == 1 else drawn[s] for s in pattern))
    return shapes
