r"""Corruption processes :math:`x \mapsto \tilde x` of the denoising autoencoder.

Reference: Vincent, Larochelle, Lajoie, Bengio & Manzagol (2010), *Stacked
denoising autoencoders*, JMLR 11, §4.2 (the three processes); Caron,
*Literature review – Autoencoders* (2020), §2.4; the encyclopedia article's
"Denoising autoencoder"; the h2o chapter §19.4 (Fig. 19.8).

- :func:`masking` — masking noise (MN): a fraction ν of the entries of each
  row, chosen at random, is set to 0;
- :func:`gaussian` — additive isotropic Gaussian noise (GS): :math:`\tilde x = x + \sigma\varepsilon`,
  :math:`\varepsilon \sim \mathcal N(0, I)`;
- :func:`salt_and_pepper` — salt-and-pepper noise (SP): a fraction ν of the
  entries of each row is set to the minimum or the maximum value, each with
  probability ½;
- :func:`corrupt` — any of them by name (what the model calls).

"A fraction ν" is taken literally, as Vincent et al. (2010) write it: every
row gets exactly ``round(ν d)`` corrupted entries (d = number of features),
chosen uniformly at random without replacement, rather than an independent
coin per entry whose count would vary from row to row.

Every random draw comes from the ``np.random.Generator`` given (or a seed for
one), so the same generator state gives the same x̃: a gradient check can hold
the corruption fixed.  Inputs are never modified; the result has the dtype of
``X``.  The last axis is the feature axis (a single image of shape (d,) is one
row).
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import check_rng

__all__ = ["masking", "gaussian", "salt_and_pepper", "corrupt", "NOISES"]


def _as_float_array(X):
    arr = np.asarray(X)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"X must hold numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError("X is complex; corruption is defined for real data only")
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise ValueError(f"X must have at least one feature (last axis), got shape {arr.shape}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    return arr


def _check_level(value, name, upper=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (upper is not None and value > upper):
        bound = f"in [0, {upper:g}]" if upper is not None else ">= 0 and finite"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return value


def _row_fraction_mask(shape, nu, rng):
    """Boolean mask with exactly round(ν d) True entries in each row (last axis).

    Each row ranks d uniform draws; the round(ν d) smallest ranks are the
    chosen entries.  ``argpartition`` finds them in O(d) per row; which entries
    are chosen depends only on the draws, so it is reproducible from ``rng``.
    """
    d = shape[-1]
    rows = int(np.prod(shape[:-1], dtype=np.int64))
    m = int(round(nu * d))
    mask = np.zeros((rows, d), dtype=bool)
    if m == d:
        mask[:] = True
    elif m > 0:
        u = rng.random((rows, d))  # (rows, d) uniform draws
        idx = np.argpartition(u, m - 1, axis=1)[:, :m]  # (rows, m) the m smallest
        np.put_along_axis(mask, idx, True, axis=1)
    return mask.reshape(shape)


def masking(X, nu, rng):
    """Masking noise: set a fraction ν of each row's entries to 0.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) (or (n_features,))
    nu : float in [0, 1]
        Fraction destroyed per row (exactly ``round(nu * n_features)`` entries).
    rng : np.random.Generator or int
        Source of the random choice.

    Returns
    -------
    X_tilde : ndarray, same shape and (floating) dtype as ``X``

    Examples
    --------
    >>> import numpy as np
    >>> X_tilde = masking(np.ones((2, 8)), 0.25, np.random.default_rng(0))
    >>> (X_tilde == 0).sum(axis=1)
    array([2, 2])
    """
    X = _as_float_array(X)
    nu = _check_level(nu, "nu (the masked fraction)", upper=1.0)
    rng = check_rng(rng)
    mask = _row_fraction_mask(X.shape, nu, rng)  # (n, d) True where destroyed
    return np.where(mask, X.dtype.type(0), X)


def gaussian(X, sigma, rng):
    r"""Additive isotropic Gaussian noise: :math:`\tilde x = x + \sigma\varepsilon`,
    :math:`\varepsilon \sim \mathcal N(0, I)`.

    No clipping: for pixel data in [0, 1], x̃ leaves the interval, as in
    Vincent et al. (2010).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) (or (n_features,))
    sigma : float >= 0
        Standard deviation of the noise.
    rng : np.random.Generator or int

    Returns
    -------
    X_tilde : ndarray, same shape and (floating) dtype as ``X``
    """
    X = _as_float_array(X)
    sigma = _check_level(sigma, "sigma (the noise standard deviation)")
    rng = check_rng(rng)
    # Draw in the data's precision (float32 draws are cheaper and avoid a cast).
    eps = rng.standard_normal(X.shape, dtype=np.float32 if X.dtype == np.float32 else np.float64)
    return (X + sigma * eps).astype(X.dtype, copy=False)  # (n, d)


def salt_and_pepper(X, nu, rng, low=None, high=None):
    """Salt-and-pepper noise: a fraction ν of each row's entries set to ``low`` or ``high``.

    Each chosen entry becomes ``low`` ("pepper") or ``high`` ("salt") with
    probability ½, independently.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) (or (n_features,))
    nu : float in [0, 1]
        Fraction corrupted per row (exactly ``round(nu * n_features)`` entries).
    rng : np.random.Generator or int
    low, high : float, optional
        The minimum and maximum values.  Default: ``X.min()`` and ``X.max()``
        of the array given — pass them explicitly (e.g. 0 and 1 for pixels,
        or the training set's range, as :class:`npae.DenoisingAutoencoder`
        does) when ``X`` is a small batch that may not reach them.

    Returns
    -------
    X_tilde : ndarray, same shape and (floating) dtype as ``X``
    """
    X = _as_float_array(X)
    nu = _check_level(nu, "nu (the corrupted fraction)", upper=1.0)
    rng = check_rng(rng)
    low = X.min() if low is None else low
    high = X.max() if high is None else high
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise TypeError(f"{name} must be a finite real number, got {v!r}")
    if low > high:
        raise ValueError(f"low must be <= high, got low={low!r}, high={high!r}")
    mask = _row_fraction_mask(X.shape, nu, rng)
    salt = rng.random(X.shape) < 0.5  # (n, d) the coin of each entry (used where mask)
    values = np.where(salt, X.dtype.type(high), X.dtype.type(low))  # (n, d)
    return np.where(mask, values, X)


NOISES = {"masking": masking, "gaussian": gaussian, "salt_and_pepper": salt_and_pepper}


def corrupt(X, noise, level, rng, *, low=None, high=None):
    """Corrupt ``X`` with the process named ``noise`` at ``level``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    noise : {"masking", "gaussian", "salt_and_pepper"}
    level : float
        ν (fraction, in [0, 1]) for masking and salt-and-pepper; σ (>= 0) for
        Gaussian noise.
    rng : np.random.Generator or int
    low, high : float, optional
        Salt-and-pepper values (see :func:`salt_and_pepper`); not accepted for
        the other processes.

    Returns
    -------
    X_tilde : ndarray, same shape and (floating) dtype as ``X``
    """
    if not isinstance(noise, str) or noise not in NOISES:
        raise ValueError(f"unknown noise {noise!r}; expected one of {sorted(NOISES)}")
    if noise == "salt_and_pepper":
        return salt_and_pepper(X, level, rng, low=low, high=high)
    if low is not None or high is not None:
        raise ValueError(f"low/high are the salt-and-pepper values; noise={noise!r} takes none")
    return NOISES[noise](X, level, rng)
