r"""Out-of-distribution scores of a VAE that correct its likelihood: regret, complexity, ratio.

Why: a VAE trained on Fashion-MNIST gives MNIST digits a *higher* likelihood than
Fashion-MNIST's own test images (Nalisnick et al., *Do deep generative models know
what they don't know?*, ICLR 2019): −log p(x) is then a poor out-of-distribution
(OOD) score.  Three published corrections, each **higher = more abnormal**:

.. math:: \mathrm{LR}(x) = \max_{\mu, s} \mathrm{ELBO}(x; \mu, s) - \mathrm{ELBO}(x; \mu_\theta(x), s_\theta(x))
          \qquad \text{(likelihood regret, Xiao, Yan \& Amit 2020)}

.. math:: S(x) = -\log_2 p_\theta(x) - L(x)
          \qquad \text{(input complexity, Serrà et al. 2020)}

.. math:: -\mathrm{LLR}(x) = -[\log p_\theta(x) - \log p_{\theta_0}(x)]
          \qquad \text{(likelihood ratio, Ren et al. 2019)}

Symbols: :math:`\mathrm{ELBO}(x; \mu, s)` the evidence lower bound with the
posterior q = N(μ, diag e^s) in place of the encoder's output
:math:`(\mu_\theta(x), s_\theta(x))`; :math:`p_\theta(x)` the importance-weighted
likelihood (:meth:`VariationalAutoencoder.log_likelihood`); :math:`L(x)` the length in
bits of the image compressed losslessly (PNG through Pillow, else zlib);
:math:`p_{\theta_0}` a *background* VAE of the same architecture trained on inputs
perturbed by replacing each pixel with probability ``rate`` by a uniform value
(:func:`perturb`; Ren et al.'s μ = 0.1–0.2 for images), which learns the population-level
statistics (blank backgrounds, smoothness) that dominate the likelihood of both sets.

Likelihood regret.  Xiao et al. re-fit the encoder's weights on the single input x with
the decoder fixed.  The ELBO depends on the encoder only through (μ, s) at x, and the
encoder's output layer has a bias that can take any value, so the best ELBO reachable by
re-fitting the encoder is the best ELBO over (μ, s) itself: we optimise (μ, s) directly,
for all rows at once (rows do not interact), with Adam on the S-draw ELBO estimate
(common random numbers: the same ε before and after).  The best iterate is kept and the
start is one of the iterates, so LR ≥ 0 exactly.  Xiao et al.'s own code differs in two
ways: it re-fits the encoder's weights (100 Adam steps, learning rate 2e-4) and reports the
difference of importance-weighted −log p(x) estimated with fresh draws, which can be
slightly negative; the quantity estimated is the same amortisation gap.  Gradient (by hand; ε held fixed)::

    ∂ELBO/∂μ = (1/S) Σ_s g_s − μ,
    ∂ELBO/∂s = (1/S) Σ_s g_s ⊙ ε_s ⊙ ½ e^{s/2} − ½ (e^s − 1),
    g_s = ∂ log p_φ(x | z_s)/∂z at z_s = μ + e^{s/2} ⊙ ε_s   (through the decoder)

(:func:`elbo_and_grads`, checked against central differences in the tests).
"""

from __future__ import annotations

import io
import zlib

import numpy as np

from .._validation import check_array, check_int, check_real, check_rng
from ..nn import get_ops
from ..estimator.optim import Adam
from ..terms.gaussian import LOG_VAR_BOUNDS, kl_standard_normal_rows
from ._iwae import log_px_and_grads
from ..estimator.row_seeds import RowSeeds

__all__ = ["OODScoresMixin", "perturb", "compressed_bits", "elbo_and_grads"]

_LN2 = np.log(2.0)
#: rows optimised together by the regret (bounds the (S·rows, d) temporaries)
_REGRET_CHUNK = 512


def perturb(X, rate, rng, low=0.0, high=1.0):
    """Ren et al.'s (2019) background-model inputs: each entry replaced with probability
    ``rate`` by a draw of U[low, high], independently.  (n, d) -> (n, d)"""
    X = check_array(X, name="X")
    rate = check_real("rate", rate, 0.0, 1.0)
    rng = check_rng(rng)
    hit = rng.random(X.shape) < rate  # (n, d)
    return np.where(hit, rng.uniform(low, high, X.shape), X)


def compressed_bits(X, image_shape=None, low=0.0, high=1.0, method="auto"):
    """L(x): bits of each row compressed losslessly after quantising to 8 bits.

    Parameters
    ----------
    X : array_like of shape (n, d), values in [low, high]
        Rows outside the range raise (quantising them would be a silent clip).
    image_shape : (h, w) or None
        The 2-D layout (PNG's filters predict from the row above); None: 1 × d.
    low, high : float
        The value range mapped to bytes 0..255.
    method : {"auto", "png", "zlib"}
        "png": Pillow's PNG at compression level 9 (Serrà et al.); "zlib": the raw
        bytes through zlib level 9 (no Pillow needed; no filters, no PNG container);
        "auto": PNG when Pillow is installed, else zlib.

    Returns
    -------
    ndarray of shape (n,), float: 8 × the compressed length in bytes.
    """
    X = check_array(X, name="X")
    if not low < high:
        raise ValueError(f"need low < high, got low={low}, high={high}")
    if X.min() < low or X.max() > high:
        raise ValueError(f"X has values outside [{low}, {high}] ({X.min():.4g} .. {X.max():.4g}); "
                         "pass the range of the data as low/high")
    if image_shape is not None and (not isinstance(image_shape, (tuple, list))
                                    or not all(isinstance(s, (int, np.integer)) for s in image_shape)):
        raise ValueError(f"image_shape must be a pair (h, w) of ints, got {image_shape!r}")
    shape = (1, X.shape[1]) if image_shape is None else tuple(int(s) for s in image_shape)
    if len(shape) != 2 or shape[0] * shape[1] != X.shape[1]:
        raise ValueError(f"image_shape={image_shape!r} does not hold {X.shape[1]} pixels")
    if method not in ("auto", "png", "zlib"):
        raise ValueError(f"method must be 'auto', 'png' or 'zlib', got {method!r}")
    Image = None
    if method != "zlib":
        try:
            from PIL import Image
        except ImportError:
            if method == "png":
                raise ImportError("method='png' needs Pillow (pip install Pillow); "
                                  "or use method='zlib'") from None
    q = np.rint(255.0 * (X - low) / (high - low)).astype(np.uint8)  # (n, d) bytes
    out = np.empty(X.shape[0])
    for i, row in enumerate(q):
        if Image is None:
            out[i] = 8 * len(zlib.compress(row.tobytes(), 9))
        else:
            buf = io.BytesIO()
            Image.fromarray(row.reshape(shape), mode="L").save(buf, format="PNG", compress_level=9)
            out[i] = 8 * buf.tell()
    return out


def elbo_and_grads(model, X, mu, s, eps):
    """The S-draw ELBO of each row at posterior (mu, s), and its gradient w.r.t. mu and s.

    Parameters
    ----------
    model : fitted VariationalAutoencoder (Bernoulli or Gaussian likelihood, N(0, I) prior)
    X : ndarray (n, d);  mu, s : ndarray (n, k);  eps : ndarray (S, n, k)

    Returns
    -------
    elbo : ndarray (n,);  dmu, ds : ndarray (n, k)  (gradients of the ELBO, to ascend)
    """
    S, n, k = eps.shape
    std = np.exp(0.5 * s)
    Z = mu + std * eps  # (S, n, k)
    ops = get_ops(True)
    out, cache = model.decoder_.forward(model.params_, Z.reshape(S * n, k), ops)  # (Sn, k) -> (Sn, d)
    Xr = np.broadcast_to(X, (S, *X.shape)).reshape(S * n, X.shape[1])
    log_px, dout, _ = log_px_and_grads(model, model.params_, out, Xr)  # (Sn,), (Sn, d)
    # the decoder's weight gradients land in a scratch dict: the decoder is held fixed
    dZ = model.decoder_.backward(model.params_, cache, dout / S, {}, ops).reshape(S, n, k)
    elbo = log_px.reshape(S, n).mean(axis=0) - kl_standard_normal_rows(mu, s)
    dmu = dZ.sum(axis=0) - mu
    ds = np.sum(dZ * eps, axis=0) * (0.5 * std) - 0.5 * (np.exp(s) - 1.0)
    return elbo, dmu, ds


class OODScoresMixin:
    """likelihood_regret, input_complexity, likelihood_ratio and fit_background for the VAE."""

    def _check_regret_model(self, mu, s):
        if self.likelihood not in ("bernoulli", "gaussian"):
            raise ValueError(f"likelihood regret is written for the Bernoulli and Gaussian "
                             f"likelihoods, got likelihood={self.likelihood!r}")
        kl = self._kl_rows(mu, s, None)
        if kl is None or not np.allclose(kl, kl_standard_normal_rows(mu, s)):
            raise ValueError(f"likelihood regret is written for the N(0, I) prior of "
                             f"VariationalAutoencoder; {type(self).__name__} has another prior")

    def likelihood_regret(self, X, n_steps=50, learning_rate=0.1, n_samples=4, rng=None):
        """Likelihood regret (Xiao et al. 2020): the ELBO gained by re-fitting the posterior
        to each row alone; higher = more abnormal (module docstring).

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
        n_steps : int, default 50
            Adam steps on (μ, s) per row.
        learning_rate : float, default 0.1
        n_samples : int, default 4
            ε draws S of the ELBO estimate, the same before and after re-fitting.
        rng : None, int or RowSeeds
            None: ``RowSeeds(0)`` (each row's draws depend on that row alone, so its
            score does too); an int seeds one generator for the whole call.

        Returns
        -------
        ndarray of shape (n_rows,), >= 0, in nats.
        """
        self._check_fitted()
        X = self._validate_X(X)
        n_steps = check_int("n_steps", n_steps, 0)
        learning_rate = check_real("learning_rate", learning_rate, 0.0, low_open=True)
        n_samples = check_int("n_samples", n_samples, 1)
        rng = RowSeeds(0) if rng is None else rng
        if not isinstance(rng, RowSeeds):
            rng = check_rng(rng)
        out = np.empty(X.shape[0])
        for i in range(0, X.shape[0], _REGRET_CHUNK):
            out[i:i + _REGRET_CHUNK] = self._regret_rows(X[i:i + _REGRET_CHUNK], n_steps,
                                                         learning_rate, n_samples, rng)
        return out

    def _regret_rows(self, X, n_steps, lr, S, rng):
        mu0, s0 = self._posterior(X)
        self._check_regret_model(mu0, s0)
        n, k = mu0.shape
        eps = (rng.normal(X, S, k, np.float64) if isinstance(rng, RowSeeds)
               else rng.standard_normal((S, n, k)))  # (S, n, k), fixed for the whole search
        X = X.astype(np.float64, copy=False)
        theta = np.concatenate([mu0.ravel(), s0.ravel()]).astype(np.float64)  # (2nk,): [μ, s]
        start = best = None
        opt = Adam(learning_rate=lr)
        lo, hi = LOG_VAR_BOUNDS
        for step in range(n_steps + 1):
            mu, s = theta[:n * k].reshape(n, k), theta[n * k:].reshape(n, k)
            elbo, dmu, ds = elbo_and_grads(self, X, mu, s, eps)
            if start is None:
                start, best = elbo, elbo.copy()
            best = np.maximum(best, elbo)  # keep the best iterate of each row
            if step == n_steps:
                break
            # Adam minimises: the gradient of −ELBO.  Rows never interact (Adam is elementwise).
            opt.step(theta, -np.concatenate([dmu.ravel(), ds.ravel()]))
            np.clip(theta[n * k:], lo, hi, out=theta[n * k:])  # s stays where exp is evaluated exactly
        return best - start

    def input_complexity(self, X, image_shape=None, n_samples=100, rng=0, low=0.0, high=1.0,
                         method="auto"):
        """Serrà et al.'s (2020) S(x) = −log2 p(x) − L(x), in bits; higher = more abnormal.

        −log p(x) is the importance-weighted estimate (``n_samples`` draws, ``rng``);
        L(x) is :func:`compressed_bits` (``image_shape``, ``low``, ``high``, ``method``).
        For a Bernoulli likelihood on grey levels p(x) is not a distribution over the
        8-bit images that L(x) measures, so S is a score, not a code-length difference.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        nll_bits = -self.log_likelihood(X, n_samples=n_samples, rng=rng) / _LN2
        return nll_bits - compressed_bits(X, image_shape, low, high, method)

    def likelihood_ratio(self, X, background, n_samples=100, rng=0):
        """Ren et al.'s (2019) LLR(x) = log p_θ(x) − log p_θ0(x), in nats; higher = more normal.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
        background : fitted VariationalAutoencoder
            The background model, e.g. from :meth:`fit_background`.
        n_samples, rng
            Importance samples of both log-likelihoods; the same seed for both.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        background._check_fitted()
        if background.n_features_in_ != self.n_features_in_:
            raise ValueError(f"the background model has {background.n_features_in_} features, "
                             f"this model {self.n_features_in_}")
        return (self.log_likelihood(X, n_samples=n_samples, rng=rng)
                - background.log_likelihood(X, n_samples=n_samples, rng=rng))

    def fit_background(self, X, rate=0.2, rng=0, low=0.0, high=1.0):
        """A new model with this one's hyperparameters, fitted on :func:`perturb` (X, rate).

        Returns the fitted background model (this model is not changed).
        """
        background = type(self)(**self.get_params(deep=False))
        return background.fit(perturb(X, rate, rng, low, high))
