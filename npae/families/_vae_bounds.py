r"""Sampling and the bounds on log p(x) of the variational families (VAE, CL-VAE, VaDE).

- ``elbo``: the evidence lower bound per row,
  :math:`\frac1S \sum_s \log p_\phi(x|z_s) - \mathrm{KL}(q_\theta(z|x) \,\|\, p(z))`
  (the KL in closed form where the family has one, else estimated with the same draws);
- ``log_likelihood``: the importance-weighted estimate of Burda et al. (2016),
  :math:`\log \frac1K \sum_k p_\phi(x|z_k)\, p(z_k) / q_\theta(z_k|x)`, a bound that tightens with K;
- ``score_samples``: the ELBO with draws seeded per row, so that a row's score
  depends on that row alone.

The family supplies ``_encode_gaussian``, ``_log_px_rows``, ``_kl_rows``,
``_log_prior_rows``, ``_sample_prior`` and ``_decode`` (see
:mod:`npae.families.variational`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from .._validation import check_positive, check_rng
from ..nn import get_ops
from ..terms.gaussian import clip_log_var, log_normal_rows, reparameterize
from ..estimator.row_seeds import RowSeeds

__all__ = ["VAEBoundsMixin", "SCORE_N_SAMPLES", "SCORE_SEED"]

#: ε draws and seed used by ``score_samples``.
SCORE_N_SAMPLES = 10
SCORE_SEED = 0


class VAEBoundsMixin:
    """sample_latent, sample, elbo, log_likelihood and score_samples of a Gaussian-encoder family."""

    def sample_latent(self, X, n_samples=1, rng=None):
        r"""Draws :math:`z = \mu + \exp(\frac12 \log\sigma^2) \odot \varepsilon` from :math:`q_\theta(z|x)` for each row.

        Returns
        -------
        ndarray of shape (n_samples, n_rows, latent_dim)
        """
        n_samples = check_positive(n_samples, "n_samples", integer=True)
        mu, log_var = self.encode(X)
        rng = check_rng(rng)
        eps = rng.standard_normal((n_samples, *mu.shape)).astype(self._dtype, copy=False)
        return reparameterize(mu, log_var, eps)[0]

    def sample(self, n, rng=None):
        """Generate: z ~ p(z), then the decoder's mean E[x|z].

        Parameters
        ----------
        n : int
        rng : int, Generator or None
            None draws fresh randomness (numpy's convention).

        Returns
        -------
        ndarray of shape (n, n_features)
            Decoded means (probabilities for a Bernoulli decoder).
        """
        self._check_fitted()
        n = check_positive(n, "n", integer=True)
        return self._decode(self.params_, self._sample_prior(n, check_rng(rng)))

    def _posterior(self, X):
        """mu and the (clipped) log variance of q_θ(z|x) for validated rows."""
        mu, log_var = self._encode_gaussian(self.params_, X)
        return mu, clip_log_var(log_var)[0]

    def _posterior_draws(self, mu, s, n_samples, rng, X=None):
        """Yield ``n_samples`` draws z = mu + exp(½ s) ⊙ ε, each (n, k); with
        ``rng`` a :class:`RowSeeds`, row i's ε depend on ``X[i]`` alone."""
        n_samples = check_positive(n_samples, "n_samples", integer=True)
        std = np.exp(0.5 * s)
        if isinstance(rng, RowSeeds):
            eps = rng.normal(X, n_samples, mu.shape[1], self._dtype)  # (S, n, k)
            for e in eps:
                yield mu + std * e
            return
        rng = check_rng(rng)
        for _ in range(n_samples):
            yield mu + std * rng.standard_normal(mu.shape).astype(self._dtype, copy=False)

    def _decoder_out(self, Z):
        return self.decoder_.forward(self.params_, Z, get_ops(True))[0]

    def _elbo_rows(self, X, n_samples, rng, y):
        mu, s = self._posterior(X)
        kl = self._kl_rows(mu, s, y)
        total = np.zeros(X.shape[0])
        count = 0
        for z in self._posterior_draws(mu, s, n_samples, rng, X):
            total += self._log_px_rows(self._decoder_out(z), X)
            if kl is None:
                # No closed-form KL (the CL-VAE's mixture prior): estimate it
                # with the same draw, log q(z|x) − log p(z).
                total -= log_normal_rows(z, mu, s) - self._log_prior_rows(z, y)
            count += 1
        elbo = total / count
        return elbo if kl is None else elbo - kl

    def elbo(self, X, n_samples=1, rng=None):
        r"""Per-sample evidence lower bound (β = 1), a lower bound on log p(x).

        .. math:: \mathrm{ELBO}(x) = \frac1S \sum_s \log p_\phi(x \mid z_s)
                  - \mathrm{KL}\big(q_\theta(z|x) \,\|\, p(z)\big), \qquad z_s \sim q_\theta(z|x),

        with the KL in closed form.  In nats; for a Gaussian likelihood the
        density includes its normalising constant.

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_features)
        n_samples : int, default=1
            Draws S of ε per row.
        rng : int, Generator or None

        Returns
        -------
        ndarray of shape (n_samples_X,)
        """
        self._check_fitted()
        return self._elbo_rows(self._validate_X(X), n_samples, rng, None)

    def _log_likelihood_rows(self, X, n_samples, rng, y):
        mu, s = self._posterior(X)
        # log w_k = log p(x|z_k) + log p(z_k) − log q(z_k|x), one row per draw: (K, n)
        logw = np.stack([self._log_px_rows(self._decoder_out(z), X) + self._log_prior_rows(z, y)
                         - log_normal_rows(z, mu, s)
                         for z in self._posterior_draws(mu, s, n_samples, rng, X)])
        return logsumexp(logw, axis=0) - np.log(logw.shape[0])

    def log_likelihood(self, X, n_samples=100, rng=None):
        r"""Importance-weighted estimate of log p(x) (Burda et al. 2016), per sample.

        .. math:: \log p(x) \approx \log \frac1K \sum_k \frac{p_\phi(x|z_k)\, p(z_k)}{q_\theta(z_k|x)},
                  \qquad z_k \sim q_\theta(z|x),

        computed with ``scipy.special.logsumexp``.  Its expectation is a lower
        bound on log p(x) that increases with K (K = 1 is the ELBO) and tends to
        log p(x) as K → ∞.

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_features)
        n_samples : int, default=100
            Importance samples K per row.
        rng : int, Generator or None

        Returns
        -------
        ndarray of shape (n_samples_X,)
        """
        self._check_fitted()
        return self._log_likelihood_rows(self._validate_X(X), n_samples, rng, None)

    def score_samples(self, X):
        """Normality score: the per-sample ELBO (higher = more normal).

        Deterministic, and a function of each row alone: ``elbo(X,
        n_samples=SCORE_N_SAMPLES, rng=RowSeeds(SCORE_SEED))`` draws the 10 ε
        of row ``x`` from a generator seeded by (0, a hash of ``x``'s bytes),
        so a row's score is the same whatever else is in ``X`` and in any
        order (an anomaly score must not depend on its neighbours).
        """
        return self.elbo(X, n_samples=SCORE_N_SAMPLES, rng=RowSeeds(SCORE_SEED))
