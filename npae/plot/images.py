"""Figures of images: tiles, reconstructions, a decoded manifold grid, selected pixels."""

from __future__ import annotations

import numpy as np

from ._base import _plt, _square, save

__all__ = ["image_tiles", "reconstructions", "manifold_grid", "selected_features"]


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
