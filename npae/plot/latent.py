"""Figures of the code space: scatters coloured by class (with one key), panels, codes against the prior."""

from __future__ import annotations

import numpy as np

from ._base import _plt, save

__all__ = ["class_key", "latent_scatter", "latent_panels", "codes_vs_prior"]


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
