"""Random square patches cut from images, normalised as in Andrew Ng's sparse-autoencoder exercise."""

from __future__ import annotations

import numpy as np

from .._validation import check_int

__all__ = ["extract_patches"]


def extract_patches(images, patch_size=8, n_patches=10000, rng=0, normalize="ng"):
    """Cut random square patches from images (Andrew Ng's sparse-autoencoder exercise).

    Each patch takes a uniformly random image and a uniformly random top-left
    corner. With ``normalize="ng"`` the patches are normalised as in the
    exercise's ``sampleIMAGES.m``: subtract each patch's own mean, clip to
    ``±3 s`` where ``s`` is the standard deviation of all the resulting values
    (``ddof=1``, as MATLAB's ``std``), divide by ``3 s`` and map ``[-1, 1]`` to
    ``[0.1, 0.9]`` (so that they suit a sigmoid output layer).

    Parameters
    ----------
    images : array_like of shape (n_images, height, width) or (n_images, side**2)
        Square flattened rows (such as MNIST's 784 = 28x28) are reshaped. Integer
        images are divided by 255.
    patch_size : int, default 8
        Side of the square patches, at most the image side.
    n_patches : int, default 10000
    rng : int, np.random.Generator or None, default 0
    normalize : {"ng", None}, default "ng"
        None returns the raw pixel values (as floats).

    Returns
    -------
    patches : ndarray of shape (n_patches, patch_size**2), float64
        Rows are row-major flattened patches; in [0.1, 0.9] for ``"ng"``.
    """
    images = np.asarray(images)
    if images.dtype.kind not in "uif":
        raise TypeError(f"images must be numeric, got dtype {images.dtype}")
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(
                f"flattened images must have a square number of pixels, got {images.shape[1]}; "
                "pass them with shape (n_images, height, width)"
            )
        images = images.reshape(images.shape[0], side, side)
    if images.ndim != 3 or images.shape[0] == 0:
        raise ValueError(
            f"images must have shape (n_images, height, width) or (n_images, side**2) with "
            f"n_images >= 1, got {images.shape}"
        )
    patch_size = check_int("patch_size", patch_size, minimum=1)
    n_patches = check_int("n_patches", n_patches, minimum=1)
    n_img, height, width = images.shape
    if patch_size > min(height, width):
        raise ValueError(f"patch_size={patch_size} is larger than the images ({height}x{width})")
    if normalize not in ("ng", None):
        raise ValueError(f"normalize must be 'ng' or None, got {normalize!r}")
    data = images.astype(np.float64)
    if images.dtype.kind in "ui":
        data /= 255.0
    if not np.all(np.isfinite(data)):
        raise ValueError("images contain NaN or inf")

    rng = np.random.default_rng(rng)
    idx = rng.integers(0, n_img, size=n_patches)
    top = rng.integers(0, height - patch_size + 1, size=n_patches)
    left = rng.integers(0, width - patch_size + 1, size=n_patches)
    offs = np.arange(patch_size)
    rows = (top[:, None] + offs)[:, :, None]  # (n, p, 1)
    cols = (left[:, None] + offs)[:, None, :]  # (n, 1, p)
    patches = data[idx[:, None, None], rows, cols].reshape(n_patches, patch_size * patch_size)
    if normalize is None:
        return patches

    patches = patches - patches.mean(axis=1, keepdims=True)
    s = patches.std(ddof=1) if patches.size > 1 else 0.0
    if s > 0:
        pstd = 3.0 * s
        patches = np.clip(patches, -pstd, pstd) / pstd
    else:  # every patch constant: all values are 0 after centring
        patches = np.zeros_like(patches)
    return (patches + 1.0) * 0.4 + 0.1
