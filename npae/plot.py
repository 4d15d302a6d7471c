"""Matplotlib figures shared by the CLI, tutorials and benchmarks.

Every function takes arrays (not models), returns the ``Figure``, and saves it
when ``path`` is given.  The non-interactive "Agg" backend is used when no
display is available, so figures can be written on a headless machine.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["image_tiles", "reconstructions", "latent_scatter", "loss_curves", "history_panels",
           "class_key", "save",
           "curves", "latent_panels", "manifold_grid", "histograms", "codes_vs_prior",
           "selected_features", "v_measure_curves"]


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


def image_tiles(images, image_shape=None, n_cols=None, title=None, path=None,
                normalize="each", cmap="gray"):
    """Show rows of ``images`` (n, h*w) as a grid of tiles (e.g. first-layer filters).

    Parameters
    ----------
    images : ndarray of shape (n, h * w)
        For filters pass ``W.T`` of a first layer of shape (d, h).
    normalize : {"each", "all", None}
        Scale each tile to its own range (filters), one range for all, or none.
    """
    plt = _plt()
    images = np.asarray(images, dtype=float)
    n = images.shape[0]
    shape = image_shape or _square(images.shape[1])
    n_cols = n_cols or int(np.ceil(np.sqrt(n)))
    n_rows = int(np.ceil(n / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols * 0.9, n_rows * 0.9 + 0.4),
                             squeeze=False)
    lo, hi = images.min(), images.max()
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k >= n:
            continue
        img = images[k].reshape(shape)
        if normalize == "each":
            ax.imshow(img, cmap=cmap)
        elif normalize == "all":
            ax.imshow(img, cmap=cmap, vmin=lo, vmax=hi)
        else:
            ax.imshow(img, cmap=cmap, vmin=0, vmax=1)
    if title:
        fig.suptitle(title)
    save(fig, path)
    return fig


def reconstructions(rows, labels, image_shape=None, n=10, title=None, path=None):
    """Rows of images one above the other: e.g. originals, corrupted, reconstructed.

    Parameters
    ----------
    rows : list of ndarray, each (>= n, h * w)
    labels : list of str, one per row
    """
    plt = _plt()
    shape = image_shape or _square(np.asarray(rows[0]).shape[1])
    fig, axes = plt.subplots(len(rows), n, figsize=(n * 0.9, len(rows) * 1.0 + 0.3),
                             squeeze=False)
    for r, (imgs, label) in enumerate(zip(rows, labels)):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(np.asarray(imgs[c]).reshape(shape), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title)
    save(fig, path)
    return fig


def class_key(fig, axes, label="digit"):
    """One colour key (a colour bar with a tick per class) for the class-coloured scatters
    that :func:`latent_scatter` drew on ``axes``; nothing when none is coloured by class."""
    axes = list(np.ravel(axes))
    for ax in axes:
        if ax.collections and ax.collections[0].get_array() is not None:
            fig.colorbar(ax.collections[0], ax=axes, ticks=range(10), label=label)
            return


def latent_scatter(Z, labels=None, title=None, ax=None, path=None, s=4):
    """2-D codes coloured by class (the review's Fig. 5; the h2o chapter's Fig. 19.2).

    With its own figure (``ax`` None) the colour key is drawn; on a given ``ax``, draw it
    once for all panels with :func:`class_key`.
    """
    plt = _plt()
    Z = np.asarray(Z)
    if Z.shape[1] < 2:
        raise ValueError(f"latent_scatter needs at least 2 code dimensions, got {Z.shape[1]}")
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 4.5))
    if labels is None:
        ax.scatter(Z[:, 0], Z[:, 1], s=s, alpha=0.6)
    else:
        ax.scatter(Z[:, 0], Z[:, 1], c=labels, cmap="tab10", s=s, alpha=0.7,
                   vmin=-0.5, vmax=9.5)
        if fig is not None:
            class_key(fig, [ax])
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    if title:
        ax.set_title(title)
    if fig is not None:
        save(fig, path)
    return fig if fig is not None else ax.figure


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


def latent_panels(codes, labels=None, titles=None, prior_means=None, path=None, s=3,
                  suptitle=None):
    """Several 2-D latent spaces side by side, coloured by class (Norlander & Sopasakis, Fig. 2).

    Parameters
    ----------
    codes : list of ndarray, each (n_i, >= 2)
        Only the first two coordinates are drawn.
    labels : list of ndarray (one per panel) or ndarray (shared), optional
    titles : list of str, optional
    prior_means : list of (ndarray of shape (C, >= 2) or None), optional
        Class prior means to mark with a numbered cross (e.g. a CL-VAE's
        ``prior_means_``); None for a panel without.
    """
    plt = _plt()
    m = len(codes)
    fig, axes = plt.subplots(1, m, figsize=(4.2 * m, 4.0), squeeze=False)
    for i, ax in enumerate(axes[0]):
        lab = labels[i] if isinstance(labels, (list, tuple)) else labels
        latent_scatter(codes[i], lab, title=None if titles is None else titles[i], ax=ax, s=s)
        M = None if prior_means is None else prior_means[i]
        if M is not None:
            M = np.asarray(M)
            ax.scatter(M[:, 0], M[:, 1], marker="x", c="k", s=40)
            for c, (u, v) in enumerate(M[:, :2]):
                ax.annotate(str(c), (u, v), textcoords="offset points", xytext=(3, 3), fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    class_key(fig, axes[0])
    save(fig, path)
    return fig


def manifold_grid(images, z1, z2, image_shape=None, title=None, path=None):
    """Decoded images on a grid of 2-D codes, as one picture (Kingma & Welling 2013, Fig. 4).

    Parameters
    ----------
    images : ndarray of shape (len(z2) * len(z1), h * w)
        Decoded means in row-major order over the grid: row r is z2[r]
        (drawn top to bottom from the largest z2), column c is z1[c].
    z1, z2 : 1-D arrays
        The grid coordinates (axis ticks).
    """
    plt = _plt()
    images = np.asarray(images, dtype=float)
    z1, z2 = np.asarray(z1), np.asarray(z2)
    if images.shape[0] != z1.size * z2.size:
        raise ValueError(f"need len(z1) * len(z2) = {z1.size * z2.size} images, got {images.shape[0]}")
    h, w = image_shape or _square(images.shape[1])
    tiles = images.reshape(z2.size, z1.size, h, w)[::-1]  # largest z2 on top
    canvas = tiles.transpose(0, 2, 1, 3).reshape(z2.size * h, z1.size * w)
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1,
              extent=(-0.5, z1.size - 0.5, -0.5, z2.size - 0.5))
    step1 = max(1, z1.size // 5)
    step2 = max(1, z2.size // 5)
    ax.set_xticks(np.arange(0, z1.size, step1))
    ax.set_xticklabels([f"{v:.2g}" for v in z1[::step1]])
    ax.set_yticks(np.arange(0, z2.size, step2))
    ax.set_yticklabels([f"{v:.2g}" for v in z2[::step2]])
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
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


def codes_vs_prior(codes, prior_samples, labels=None, titles=("prior samples z ~ p(z)",
                   "codes z = q(x)"), suptitle=None, path=None, s=3):
    """Prior draws beside the encoder's codes on the same axes (adversarial AE,
    Makhzani et al. 2015, Fig. 2): the adversary should make the right panel look
    like the left one.

    Parameters
    ----------
    codes : ndarray of shape (n, >= 2)
        Only the first two coordinates are drawn.
    prior_samples : ndarray of shape (m, >= 2)
    labels : ndarray of shape (n,), optional
        Colours the codes by class.
    """
    plt = _plt()
    Z, P = np.asarray(codes)[:, :2], np.asarray(prior_samples)[:, :2]
    both = np.vstack([Z, P])
    lo, hi = np.percentile(both, 0.5, axis=0), np.percentile(both, 99.5, axis=0)
    pad = 0.05 * (hi - lo)
    fig, axes = plt.subplots(1, 2, figsize=(8.6, 4.0))
    axes[0].scatter(P[:, 0], P[:, 1], s=s, alpha=0.5, c="0.3")
    latent_scatter(Z, labels, ax=axes[1], s=s)
    for ax, t in zip(axes, titles):
        ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
        ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
        ax.set_xlabel("z1")
        ax.set_ylabel("z2")
        ax.set_title(t)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    class_key(fig, axes)
    save(fig, path)
    return fig


def selected_features(features, image_shape=None, background=None, title=None, path=None):
    """Selected input features drawn on the image grid (concrete AE, Abid et al. 2019).

    Parameters
    ----------
    features : array of int
        Flat pixel indices (a feature picked twice is drawn once).
    image_shape : (h, w), optional
        Default: a square grid of ``background``'s size, or 28×28.
    background : ndarray of shape (h * w,), optional
        E.g. the mean training image, drawn in grey beneath the selection.
    """
    plt = _plt()
    if image_shape is None:
        image_shape = _square(np.asarray(background).size) if background is not None else (28, 28)
    h, w = image_shape
    features = np.asarray(features, dtype=int)
    mask = np.zeros(h * w, dtype=bool)
    mask[features] = True
    fig, ax = plt.subplots(figsize=(3.6, 3.6))
    bg = np.zeros(h * w) if background is None else np.asarray(background, dtype=float)
    ax.imshow(bg.reshape(h, w), cmap="gray", vmin=0, vmax=max(float(bg.max()), 1e-12) * 1.5)
    overlay = np.zeros((h, w, 4))
    overlay[..., 0] = 1.0
    overlay[..., 3] = mask.reshape(h, w) * 0.9
    ax.imshow(overlay)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or f"{int(mask.sum())} selected pixels")
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
