"""Matplotlib figures shared by the CLI, tutorials and benchmarks.

Every function takes arrays (not models), returns the ``Figure``, and saves it
when ``path`` is given.  The non-interactive "Agg" backend is used when no
display is available, so figures can be written on a headless machine.
One module per kind of figure: :mod:`~npae.plot.images`,
:mod:`~npae.plot.latent`, :mod:`~npae.plot.curves`.
"""

from ._base import _plt, save  # noqa: F401  (_plt: the pyplot handle for custom figures)
from .curves import curves, histograms, history_panels, loss_curves, v_measure_curves
from .images import image_tiles, manifold_grid, reconstructions, selected_features
from .latent import class_key, codes_vs_prior, latent_panels, latent_scatter

__all__ = ["image_tiles", "reconstructions", "latent_scatter", "loss_curves", "history_panels",
           "class_key", "save", "curves", "latent_panels", "manifold_grid", "histograms",
           "codes_vs_prior", "selected_features", "v_measure_curves"]
