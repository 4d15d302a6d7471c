"""Curves: training histories, generic x-y curves, histograms, V-measure against the number of clusters."""

from __future__ import annotations

import numpy as np

from ._base import _plt, save

__all__ = ["loss_curves", "history_panels", "curves", "histograms", "v_measure_curves"]


def loss_curves(history, keys=("loss", "val_loss"), title="training", path=None, log=False,
                ylabel="loss"):
    """Per-epoch curves from a model's ``history_``.

    ``ylabel`` names what the curves measure, with its unit (e.g. "cross-entropy (nats
    per image)"); curves of different units belong in :func:`history_panels`.
    """
    return history_panels(history, {ylabel: keys}, title=title, path=path, log=log)


def history_panels(history, panels, title=None, path=None, log=False):
    """Per-epoch curves from ``history`` in side-by-side panels, one quantity (y-axis) each.

    Parameters
    ----------
    history : dict of str -> sequence
        A model's ``history_``.
    panels : dict of str -> sequence of str
        y-axis label (with its unit) -> the history keys drawn in that panel, e.g.
        ``{"loss (nats)": ("discriminator", "generator"),
        "accuracy": ("discriminator_accuracy",)}``.
    log : bool
        Logarithmic y-axes.
    """
    plt = _plt()
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.5), squeeze=False)
    for ax, (ylabel, keys) in zip(axes[0], panels.items()):
        for k in keys:
            v = history.get(k, [])
            if len(v):
                ax.plot(np.arange(1, len(v) + 1), v, label=k)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        if log:
            ax.set_yscale("log")
        ax.legend()
    if title and len(panels) == 1:
        axes[0, 0].set_title(title)
    elif title:
        fig.suptitle(title)
        fig.tight_layout()
    save(fig, path)
    return fig


def curves(x, ys, xlabel, ylabel, title=None, path=None, logy=False, marker="o"):
    """Several named curves over the same x (e.g. error vs code size per method).

    ``ys`` is a dict label -> sequence of the same length as ``x``.
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for label, y in ys.items():
        ax.plot(x, y, marker=marker, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    ax.legend()
    if title:
        ax.set_title(title)
    save(fig, path)
    return fig


def histograms(samples, bins=30, xlabel="value", title=None, path=None, targets=None,
               range=None):
    """Overlaid histograms of several named samples (e.g. mean hidden activations
    with and without sparsity, the h2o chapter's Fig. 19.5/19.6).

    Parameters
    ----------
    samples : dict label -> 1-D array
    bins : int
    targets : dict label -> float, optional
        Vertical dashed lines (e.g. the sparsity target ρ), labelled.
    range : (float, float), optional
        Common histogram range (default: that of all samples).
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    values = [np.asarray(v, dtype=float).ravel() for v in samples.values()]
    if range is None:
        allv = np.concatenate(values)
        range = (float(allv.min()), float(allv.max()) + 1e-12)
    for (label, v) in zip(samples, values):
        ax.hist(v, bins=bins, range=range, alpha=0.55, label=f"{label} (mean {v.mean():.3g})")
    for label, x in (targets or {}).items():
        ax.axvline(x, color="k", linestyle="--", linewidth=1, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    save(fig, path)
    return fig


def v_measure_curves(results, title="V-measure against the number of clusters", path=None):
    """V-score curves of several latent spaces (Norlander & Sopasakis 2019, Table 1).

    Parameters
    ----------
    results : dict label -> VMeasureCurve
        From :func:`npae.metrics.v_measure_curve`; each curve's maximum is marked.
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for label, c in results.items():
        line, = ax.plot(c.n_clusters, c.v, marker=".", label=f"{label} ({c.method})")
        ax.plot([c.best_n_clusters], [c.best_v], marker="*", ms=12, color=line.get_color())
    ax.set_xlabel("number of clusters")
    ax.set_ylabel("V-measure")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    save(fig, path)
    return fig
