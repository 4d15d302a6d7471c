r"""The denoising autoencoder: reconstruct the clean input from a corrupted copy.

References: Vincent, Larochelle, Bengio & Manzagol, *Extracting and composing
robust features with denoising autoencoders*, ICML 2008; Vincent et al.,
*Stacked denoising autoencoders*, JMLR 11 (2010), §4.2 (masking, Gaussian and
salt-and-pepper noise); Caron, *Literature review – Autoencoders* (2020),
§2.4; the encyclopedia article, §"Denoising autoencoder"; the h2o chapter,
§19.4.

Objective (mean over the n observations of a batch):

.. math:: L(\theta, \phi) = \frac1n \sum_i \ell\big(x^{(i)}, p_\phi(q_\theta(\tilde x^{(i)}))\big)
          + \Omega_{wd}, \qquad \tilde x^{(i)} \sim T(\tilde x \mid x^{(i)})

Symbols: :math:`x` the clean input, :math:`\tilde x` its corrupted copy drawn from the noise
process T (:mod:`npae.terms.noise`: ``"masking"`` sets a fraction ν of the
entries to 0, ``"gaussian"`` adds :math:`\sigma\varepsilon`, ``"salt_and_pepper"`` sets a fraction
ν to the minimum or maximum value), q_θ the encoder, p_φ the decoder, ℓ the
reconstruction loss *against the clean x*, Ω_wd weight decay.  ν or σ is
``corruption_level``.

A fresh x̃ is drawn for every minibatch from the training generator, so each
epoch sees new corruptions (an expectation over T, estimated by one draw per
sample).  The corruption is part of the *training loss only*: ``transform``,
``reconstruct`` and ``reconstruction_error`` map clean inputs
deterministically.  To reconstruct corrupted data, corrupt it yourself
(:meth:`DenoisingAutoencoder.corrupt` or :mod:`npae.terms.noise`) and pass it to
``reconstruct``.  Since x̃ is a fixed draw of the generator given to the loss,
``loss_and_grads(X, rng=seed)`` is a deterministic function of the
parameters and can be gradient-checked.

Salt-and-pepper values are the minimum and maximum of the *training set*,
recorded at fit time (``noise_range_``), not of each minibatch.

On h2o: the chapter's "denoising" model is trained on a fixed corrupted copy
with h2o's plain autoencoder (so its targets are the corrupted inputs too)
and validated on the clean data; here the target is always the clean x, as
in Vincent et al.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_rng
from ..estimator.hyperparams import Interval, Options, Param
from ..terms.noise import NOISES, corrupt
from ..estimator.registry import register
from .autoencoder import Autoencoder

__all__ = ["DenoisingAutoencoder"]


@register("denoising")
class DenoisingAutoencoder(Autoencoder):
    """An autoencoder trained to undo a corruption of its input.

    Parameters
    ----------
    hidden, latent_dim, decoder_hidden, activation, code_activation, output_activation, loss, tied
        Architecture, as in :class:`npae.Autoencoder`.
    noise : {"masking", "gaussian", "salt_and_pepper"}, default="masking"
        Corruption process (see :mod:`npae.terms.noise`).
    corruption_level : float, default=0.25
        ν, the corrupted fraction of each row, in [0, 1] (masking,
        salt-and-pepper), or σ >= 0 (Gaussian).

    Attributes
    ----------
    params_, history_, n_features_in_, encoder_, decoder_
        As in :class:`npae.Autoencoder`.
    noise_range_ : ndarray of shape (2,)
        (min, max) of the training data: the salt-and-pepper values.

    Notes
    -----
    Training settings: The validation loss is the denoising loss (a
    corrupted copy of the validation rows, drawn from a generator seeded by the epoch); for
    the plain reconstruction error of clean data use ``reconstruction_error``.

    Examples
    --------
    >>> import numpy as np, npae
    >>> X = np.random.default_rng(0).random((100, 16))
    >>> dae = npae.DenoisingAutoencoder(latent_dim=8, noise="masking", corruption_level=0.25,
    ...                                 epochs=2).fit(X)
    >>> np.array_equal(dae.transform(X), dae.transform(X))   # no noise at inference
    True
    """

    _examples = ({"hidden": (5,), "latent_dim": 3},
                 {"latent_dim": 4, "noise": "gaussian", "corruption_level": 0.3, "loss": "bce"},
                 {"latent_dim": 4, "noise": "salt_and_pepper", "corruption_level": 0.2, "tied": True})
    _renamed = {"noise_level": "corruption_level"}
    _parameters = {
        "noise": Param("masking", Options(*NOISES)),
        "corruption_level": Param(0.25, Interval("real", 0, None)),
    }
    _state = ("noise_range_",)

    def _check_settings(self):
        if self.noise != "gaussian" and self.corruption_level > 1:
            raise ValueError(
                f"corruption_level is the corrupted fraction nu for noise={self.noise!r} and must be "
                f"in [0, 1], got {self.corruption_level!r}"
            )

    def _prepare_fit(self, X, y):
        # The salt-and-pepper values: the data's own extremes, fixed at fit time.
        self.noise_range_ = np.array([X.min(), X.max()], dtype=self._dtype)

    # ------------------------------------------------------------------ loss
    def _corrupt(self, X, rng):
        """x̃ ~ T(x̃ | x), from ``rng``."""
        if self.noise == "salt_and_pepper":
            low, high = (float(v) for v in self.noise_range_)
            return corrupt(X, self.noise, self.corruption_level, rng, low=low, high=high)
        return corrupt(X, self.noise, self.corruption_level, rng)

    def _loss(self, params, X, y, rng, ops, grads):
        # Corruption is elementwise (no sum over samples), shared by both paths.
        X_tilde = self._corrupt(X, rng)  # (n, d)
        Z, enc_cache = self.encoder_.forward(params, X_tilde, ops)  # (n, d) -> (n, k)
        out, dec_cache = self.decoder_.forward(params, Z, ops)  # (n, k) -> (n, d)
        rec, dout = self._reconstruction_loss(out, X)  # against the *clean* x
        dZ = self.decoder_.backward(params, dec_cache, dout, grads, ops)
        self.encoder_.backward(params, enc_cache, dZ, grads, ops, need_dX=False)
        return {"reconstruction": rec}

    # ---------------------------------------------------------------- public
    def corrupt(self, X, rng=None):
        """The model's corruption process applied to ``X`` (for figures and tests).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        rng : int, np.random.Generator or None

        Returns
        -------
        X_tilde : ndarray of shape (n_samples, n_features)
        """
        self._check_fitted()
        return self._corrupt(self._validate_X(X), check_rng(rng))
