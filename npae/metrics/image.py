r"""Image quality: peak signal-to-noise ratio (PSNR) and structural similarity (SSIM).

References: Wang, Bovik, Sheikh & Simoncelli, *Image quality assessment: from error
visibility to structural similarity*, IEEE Trans. Image Processing 13 (2004), eq. (13)
and §III-C (an 11×11 circular-symmetric Gaussian window, σ = 1.5, K1 = 0.01, K2 = 0.03);
scikit-image's ``structural_similarity(..., gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=1)``, which this module reproduces.

.. math:: \mathrm{PSNR}(x, \hat x) = 10 \log_{10} \frac{L^2}{\frac1m \sum_p (x_p - \hat x_p)^2},
          \qquad
          \mathrm{SSIM}(x, y) = \frac1{|P|} \sum_{p \in P}
          \frac{(2 \mu_x \mu_y + C_1)(2 \sigma_{xy} + C_2)}
               {(\mu_x^2 + \mu_y^2 + C_1)(\sigma_x^2 + \sigma_y^2 + C_2)}

Symbols: :math:`L` = ``data_range`` (1 for pixels in [0, 1]), :math:`m` the pixels of an
image; at each pixel p, :math:`\mu_x, \sigma_x^2, \sigma_{xy}` are the Gaussian-weighted
local mean, variance and covariance (weights :math:`w_u \propto \exp(-u^2/2\sigma^2)` for
offsets :math:`|u| \le r = \lfloor 3.5\,\sigma + 0.5 \rfloor`, normalised to sum 1, so
the window is :math:`2r + 1 = 11` pixels wide at σ = 1.5), :math:`C_1 = (K_1 L)^2`,
:math:`C_2 = (K_2 L)^2`, and :math:`P` the pixels whose whole window lies inside the
image.  scikit-image filters the full image with reflected borders and then crops
``r`` pixels on each side before averaging, so only the windows inside the image count;
a "valid" separable correlation computes exactly those, with no padding at all.
"""

from __future__ import annotations

import numpy as np

from .._validation import _as_numeric_array, check_real

__all__ = ["psnr", "ssim", "gaussian_window"]


def _pair(reference, estimate, min_ndim, what):
    """Two float64 arrays of one shape, finite, with at least ``min_ndim`` axes."""
    out = []
    for name, a in (("reference", reference), ("estimate", estimate)):
        a = _as_numeric_array(a, name)  # a masked or sparse array is refused, not unwrapped
        if a.dtype.kind not in "biuf":
            raise ValueError(f"{name} must be numeric, got dtype {a.dtype}")
        a = a.astype(np.float64)
        if a.ndim < min_ndim:
            raise ValueError(f"{name} must be a batch of {what}, got shape {a.shape}; "
                             f"wrap a single image as x[None]")
        if a.shape[0] == 0 or a.size == 0:
            raise ValueError(f"{name} is empty (shape {a.shape})")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or infinity")
        out.append(a)
    if out[0].shape != out[1].shape:
        raise ValueError(f"reference has shape {out[0].shape} but estimate has {out[1].shape}")
    return out


def _check_finite(what, values, ref, est, L, also=""):
    """A ValueError naming the pixels' magnitude when ``values`` are not all finite
    (squares of pixels beyond ~1e154 overflow float64)."""
    if not np.all(np.isfinite(values)):
        peak = max(np.abs(ref).max(), np.abs(est).max())
        raise ValueError(f"{what} is not finite in float64: pixel values reach {peak:.3g} in "
                         f"absolute value for data_range={L:g}{also}; rescale the images to "
                         f"[0, data_range]")


def psnr(reference, estimate, *, data_range=1.0):
    r"""Peak signal-to-noise ratio of each image, in decibels.

    Parameters
    ----------
    reference, estimate : array_like of shape (n_images, ...)
        The clean images and their estimates; each image is everything after the
        first axis (rows of flattened pixels (n, h·w) or (n, h, w)).  Not clipped.
    data_range : float, default 1.0
        L, the span of the pixel values (1 for [0, 1], 255 for bytes).

    Returns
    -------
    ndarray of shape (n_images,)
        :math:`10 \log_{10}(L^2 / \mathrm{MSE})` per image; ``inf`` where an estimate is exact.  The
        usual summary over a test set is the mean of these values.
    """
    ref, est = _pair(reference, estimate, 2, "images (n_images, ...)")
    L = check_real("data_range", data_range, low=0, low_open=True)
    with np.errstate(over="ignore"):
        mse = np.mean((ref - est).reshape(ref.shape[0], -1) ** 2, axis=1)
    _check_finite("the mean squared error", mse, ref, est, L)
    with np.errstate(divide="ignore"):  # an exact estimate: MSE 0, PSNR +inf (documented)
        return 10.0 * np.log10(L * L / mse)


def gaussian_window(sigma=1.5, truncate=3.5):
    r"""The normalised 1-D Gaussian weights of SSIM: (2r + 1,), :math:`r = \lfloor \text{truncate} \cdot \sigma + 0.5 \rfloor`.

    The same radius rule and weights as ``scipy.ndimage.gaussian_filter``, which
    scikit-image's SSIM calls.
    """
    sigma = check_real("sigma", sigma, low=0, low_open=True)
    truncate = check_real("truncate", truncate, low=0, low_open=True)
    r = int(truncate * sigma + 0.5)
    u = np.arange(-r, r + 1, dtype=np.float64)
    w = np.exp(-0.5 * (u / sigma) ** 2)
    return w / w.sum()


def _valid_filter(images, w):
    """Separable 'valid' correlation of (n, h, w_) images with the 1-D window ``w`` (k,):
    (n, h, w_) -> (n, h − k + 1, w_ − k + 1).  The window is symmetric, so
    correlation and convolution agree."""
    k = w.shape[0]
    rows = np.lib.stride_tricks.sliding_window_view(images, k, axis=2)  # (n, h, w_-k+1, k)
    tmp = rows @ w  # (n, h, w_-k+1, k) @ (k,) -> (n, h, w_-k+1)
    cols = np.lib.stride_tricks.sliding_window_view(tmp, k, axis=1)  # (n, h-k+1, w_-k+1, k)
    return cols @ w  # (n, h-k+1, w_-k+1, k) @ (k,) -> (n, h-k+1, w_-k+1)


def ssim(reference, estimate, *, image_shape=None, data_range=1.0, sigma=1.5, truncate=3.5,
         K1=0.01, K2=0.03, full=False):
    """Mean structural similarity of each grey image (Wang et al. 2004, Gaussian window).

    Parameters
    ----------
    reference, estimate : array_like of shape (n_images, h, w), or (n_images, h·w) with ``image_shape``
        The clean images and their estimates.
    image_shape : tuple (h, w) or None
        Needed when the images are flattened rows (e.g. (n, 784) with (28, 28)).
    data_range : float, default 1.0
        L, the span of the pixel values; sets :math:`C_1 = (K_1 L)^2` and :math:`C_2 = (K_2 L)^2`.
    sigma, truncate : float, default 1.5 and 3.5
        The Gaussian window (:func:`gaussian_window`): 11×11 at the defaults.
    K1, K2 : float, default 0.01 and 0.03
    full : bool, default False
        Also return the SSIM map of the windows inside each image.

    Returns
    -------
    mssim : ndarray of shape (n_images,)
        The mean of the SSIM map of each image; 1 for identical images.
    ssim_map : ndarray of shape (n_images, h − 2r, w − 2r)
        Only with ``full=True``.

    Raises
    ------
    ValueError
        If an image is smaller than the window, or the shapes disagree.
    """
    ref, est = _pair(reference, estimate, 2, "images (n_images, h, w) or (n_images, h*w)")
    if image_shape is not None:
        shape = tuple(int(s) for s in image_shape)
        if len(shape) != 2 or ref.ndim != 2 or shape[0] * shape[1] != ref.shape[1]:
            raise ValueError(f"image_shape={image_shape!r} does not match rows of shape {ref.shape}; "
                             f"pass (h, w) with h*w equal to the number of columns")
        ref, est = ref.reshape(-1, *shape), est.reshape(-1, *shape)
    elif ref.ndim != 3:
        raise ValueError(f"images must be (n_images, h, w), got shape {ref.shape}; for flattened "
                         f"rows pass image_shape=(h, w)")
    L = check_real("data_range", data_range, low=0, low_open=True)
    w = gaussian_window(sigma, truncate)
    if min(ref.shape[1:]) < w.shape[0]:
        raise ValueError(f"images of {ref.shape[1]}x{ref.shape[2]} pixels are smaller than the "
                         f"{w.shape[0]}x{w.shape[0]} window of sigma={sigma}; lower sigma")
    C1 = (check_real("K1", K1, low=0) * L) ** 2
    C2 = (check_real("K2", K2, low=0) * L) ** 2
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        mx, my = _valid_filter(ref, w), _valid_filter(est, w)
        # local (co)variances as E[xy] − E[x]E[y] under the window's weights (population form)
        vx = _valid_filter(ref * ref, w) - mx * mx
        vy = _valid_filter(est * est, w) - my * my
        cxy = _valid_filter(ref * est, w) - mx * my
        smap = ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2))
    _check_finite("the SSIM map", smap, ref, est, L,
                  also=" (with K1 = K2 = 0, a constant window also gives 0/0)" if not C1 + C2 else "")
    mssim = smap.reshape(smap.shape[0], -1).mean(axis=1)
    return (mssim, smap) if full else mssim
