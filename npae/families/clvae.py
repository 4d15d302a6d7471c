r"""The conditional latent-space VAE (CL-VAE): one Gaussian prior per class.

Reference: Norlander & Sopasakis, *Latent space conditioning for improved
classification and anomaly detection* (2019), §3.3 and §4.1.

Objective (minimised; mean over the n labelled observations of a batch; the KL in
closed form):

.. math:: L(\theta, \phi, m) = \frac1n \sum_i \Big[\gamma \big(-\log p_\phi(x^{(i)} \mid z^{(i)})\big)
          + \beta\, \mathrm{KL}\big(q_\theta(z|x^{(i)}) \,\|\, \mathcal N(m_{y_i}, I)\big)\Big],

          z^{(i)} = \mu(x^{(i)}) + \exp\big(\tfrac12 \log\sigma^2(x^{(i)})\big) \odot \varepsilon^{(i)},
          \qquad \varepsilon^{(i)} \sim \mathcal N(0, I),

          \mathrm{KL} = \tfrac12 \sum_j \big[\exp(\log\sigma^2_j) + (\mu_j - m_{y,j})^2 - 1
          - \log\sigma^2_j\big]

It is the VAE of :mod:`npae.families.variational` whose prior :math:`p(z) = \mathcal N(0, I)`
is replaced by a class-conditional prior :math:`p(z|y) = \mathcal N(m_y, I)`: the labels
shape the latent space during training, and the encoder alone (no labels)
maps new data into it.  Lowering γ (the paper's "weight adjusted" CL-VAE,
γ = 0.3, β = 1) lets the KL pull each class onto its own prior more
tightly, at the expense of reconstruction.

Symbols: as the VAE (encoder q_θ, decoder p_φ, μ = ``mu``, log σ² = ``log_var``, ε, z, β) plus

=================  ==========================================================
:math:`y`          the class label of x; ``classes_`` lists the classes
:math:`m_y`        the prior mean of class y, a row of ``prior_means_`` (C, k)
γ                  weight of the reconstruction term (``gamma``)
:math:`\pi_y`      class frequencies at fit (``class_prior_``): without labels
                   the prior is the mixture :math:`\sum_y \pi_y \mathcal N(m_y, I)`
=================  ==========================================================

The paper's §3.3 writes the regulariser as
:math:`\mathbb E_\varepsilon[\log q(z|x) - \log p(z|y)]`;
npae uses its closed form above (no sampling noise, as for the VAE's KL).
The clustering protocol of its Table 1: ``benchmarks/clvae_protocol.py``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from .._validation import check_labels, check_positive, check_rng
from ..estimator.hyperparams import ArrayLike, Interval, NoneValue, Options, Param
from ..nn.network import accumulate
from ..terms.priors import DEFAULT_SEPARATION, default_prior_means
from ..estimator.registry import register
from ..terms.gaussian import kl_to_class_prior, kl_to_class_prior_rows, log_normal_rows
from .variational import VariationalAutoencoder

__all__ = ["ConditionalLatentVAE", "default_prior_means", "kl_to_class_prior",
           "DEFAULT_SEPARATION"]

@register("clvae")
class ConditionalLatentVAE(VariationalAutoencoder):
    r"""CL-VAE (Norlander & Sopasakis 2019): a VAE with one N(m_y, I) prior per class.

    Parameters
    ----------
    latent_dim : int, default=2
    gamma : float, default=1.0
        Weight γ ≥ 0 of the reconstruction term; the paper's weighted CL-VAE
        uses γ = 0.3.
    beta : float, default=1.0  (weight β ≥ 0 of the KL to the class prior)
    prior_means : None, "learned" or array-like of shape (n_classes, latent_dim)
        The class means m_y, row y for ``classes_[y]``.  None: fixed at
        :func:`default_prior_means` (the closest two ``DEFAULT_SEPARATION`` = 4
        apart; a circle for 10 classes in 2-D).  "learned": parameters
        ``params_["prior.means"]`` initialised there and trained with the
        rest (their gradient is the KL's; nothing but the reconstruction
        keeps learned means apart: on the digits they drift closer and the
        codes cluster worse than with fixed means, see
        ``benchmarks/results/clvae_protocol.md``).  An array: fixed at those
        values, e.g. ``default_prior_means(C, k, separation=8.0)``.
    classes : sequence or None, default=None
        The class labels, in the order of the rows of ``prior_means``.
        None: the sorted distinct labels seen by ``fit``.  With an explicit
        list, labels outside it are an error at fit time.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_prior_ : ndarray of shape (n_classes,)
        Class frequencies π_y of the training labels (weights of the mixture
        prior used when no labels are given).
    prior_means_ : ndarray of shape (n_classes, latent_dim)
    params_, history_, encoder_, mu_head_, log_var_head_, decoder_
        As for the VAE (plus ``"prior.means"`` when learned).

    Notes
    -----
    The VAE's settings (``hidden``, ``latent_dim``, ``activation``, ``likelihood``, ...)
    are as for :class:`VariationalAutoencoder` (``warmup_epochs`` ramps β;
    ``iwae_samples`` must be 1); ``validation_data`` is a pair (X, y).

    Without labels (``transform``, ``score_samples``, ``elbo(X)``,
    ``log_likelihood(X)``, ``sample(n)``) the prior is the mixture
    :math:`p(z) = \sum_y \pi_y \mathcal N(m_y, I)`, so ``elbo(X)`` is a bound on log p(x) (its KL
    to the mixture has no closed form and is estimated with the same ε
    draws); with labels ``elbo(X, y=y)`` bounds log p(x | y).

    Examples
    --------
    >>> from npae import ConditionalLatentVAE, load_mnist
    >>> X, y = load_mnist(n=500)
    >>> cl = ConditionalLatentVAE(latent_dim=2, gamma=0.3, hidden=(64,), epochs=2).fit(X, y)
    >>> cl.transform(X).shape, cl.prior_means_.shape
    ((500, 2), (10, 2))
    """

    _uses_labels = True
    _examples = ({"latent_dim": 2, "hidden": (5,)},
                 {"latent_dim": 3, "hidden": (4,), "gamma": 0.3, "prior_means": "learned"})
    _parameters = {
        "gamma": Param(1.0, Interval("real", 0, None)),
        "prior_means": Param(None, NoneValue(), Options("learned"), ArrayLike()),
        "classes": Param(None, NoneValue(), ArrayLike()),
    }
    _state = ("classes_", "class_prior_")

    # ----------------------------------------------------------- validation

    def _check_settings(self):
        super()._check_settings()
        if self.iwae_samples > 1:  # the IWAE gradient is written for the N(0, I) prior
            raise ValueError("iwae_samples > 1 is the VAE's objective; use 1 with the CL-VAE")

    def _learned_means(self):
        return isinstance(self.prior_means, str) and self.prior_means == "learned"

    def _validate_y(self, y, n_samples, fitting=False):
        """Labels -> row indices into ``classes_`` (int64, shape (n,))."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} needs the class labels y here: fit(X, y), "
                "loss_and_grads(X, y), validation_data=(X_val, y_val). (transform, sample, "
                "score_samples, elbo and log_likelihood work without labels.)"
            )
        y = check_labels(y, n_samples, kind="class")
        if fitting:
            if self.classes is None:
                classes = np.unique(y)
            else:
                classes = check_labels(self.classes, len(self.classes), name="classes", kind="class")
                if len(np.unique(classes)) != len(classes):
                    raise ValueError(f"classes must be distinct, got {self.classes!r}")
            self.classes_ = classes
        elif not hasattr(self, "classes_"):
            self._check_fitted()
        classes = self.classes_
        order = np.argsort(classes, kind="stable")
        sorted_classes = classes[order]
        pos = np.searchsorted(sorted_classes, y)
        pos_c = np.minimum(pos, len(classes) - 1)
        known = (pos < len(classes)) & (sorted_classes[pos_c] == y)
        if not np.all(known):
            unknown = np.unique(y[~known])
            raise ValueError(
                f"labels {unknown.tolist()} are not among the model's classes "
                f"{classes.tolist()}; "
                + ("add them to `classes` (and a row of `prior_means` for each)"
                   if fitting else "the prior has one Gaussian per class seen at fit time")
            )
        idx = order[pos_c].astype(np.int64)
        if fitting:
            self.class_prior_ = np.bincount(idx, minlength=len(classes)) / len(idx)
        return idx

    # ---------------------------------------------------------------- build
    def _prior_means_init(self):
        C, k = len(self.classes_), int(self.latent_dim)
        if self.prior_means is None or self._learned_means():
            return default_prior_means(C, k)
        M = np.asarray(self.prior_means, dtype=np.float64)
        if M.shape != (C, k):
            raise ValueError(
                f"prior_means has shape {M.shape}, expected (n_classes, latent_dim) = ({C}, {k}) "
                f"for classes {self.classes_.tolist()}"
            )
        if not np.all(np.isfinite(M)):
            raise ValueError("prior_means contains NaN or infinite values")
        return M

    def _build(self, n_features, y=None):
        shapes = super()._build(n_features, y)
        M = self._prior_means_init().astype(self._dtype)
        if self._learned_means():
            shapes["prior.means"] = M.shape
        else:
            self._fixed_means = M
        return shapes

    def _init_params(self, rng):
        params = super()._init_params(rng)
        if self._learned_means():
            params["prior.means"] = self._prior_means_init().astype(self._dtype)
        return params

    def _means(self, params):
        return params["prior.means"] if self._learned_means() else self._fixed_means

    @property
    def prior_means_(self):
        """The class prior means m_y, (n_classes, latent_dim); row y is ``classes_[y]``."""
        self._check_fitted()
        return self._means(self.params_)

    # ------------------------------------------------------------ objective
    def _reconstruction_weight(self):
        return float(self.gamma)

    def _kl_term(self, params, mu, log_var, y, ops, grads, weight):
        """weight · KL(q ‖ N(m_y, I)); adds the gradient of learned means into grads."""
        M = self._means(params)  # (C, k)
        value, dmu, dlog_var, drows = kl_to_class_prior(mu, log_var, M[y])
        if self._learned_means():
            # d/dm_c = Σ_i 1[y_i = c] d/dm_{y_i}: a sum over samples of one-hot
            # outer products, (n, C, 1) * (n, 1, k) -> (n, C, k) -> (C, k).
            onehot = (y[:, None] == np.arange(M.shape[0])).astype(M.dtype)
            accumulate(grads, "prior.means",
                       weight * ops.sum_over_samples(onehot[:, :, None] * drows[:, None, :]))
        return weight * value, weight * dmu, weight * dlog_var

    # ------------------------------------------- priors without/with labels
    def _kl_rows(self, mu, log_var, y):
        if y is None:
            return None  # KL to the mixture prior: no closed form
        return kl_to_class_prior_rows(mu, log_var, self.prior_means_[y])

    def _log_prior_rows(self, Z, y):
        M = self.prior_means_
        if y is not None:
            return log_normal_rows(Z, M[y])
        # log Σ_c π_c N(z; m_c, I):  (..., 1, k) - (C, k) -> (..., C) -> (...)
        with np.errstate(divide="ignore"):
            log_pi = np.log(self.class_prior_)
        return logsumexp(log_normal_rows(Z[..., None, :], M) + log_pi, axis=-1)

    def _sample_prior(self, n, rng, y=None):
        k = int(self.latent_dim)
        if y is None:
            idx = rng.choice(len(self.classes_), size=n, p=self.class_prior_)
        else:
            idx = self._validate_y(np.full(n, y) if np.ndim(y) == 0 else y, n)
        eps = rng.standard_normal((n, k))
        return (self.prior_means_[idx] + eps).astype(self._dtype, copy=False)

    # ------------------------------------------------------------ inference
    def _labels_or_none(self, y, n):
        return None if y is None else self._validate_y(y, n)

    def sample(self, n, rng=None, y=None):
        """Generate: y ~ π (or the class(es) given), z ~ N(m_y, I), decoded means.

        Parameters
        ----------
        n : int
        rng : int, Generator or None
        y : label, array of n labels, or None
            Class-conditional generation; None draws classes with the
            training frequencies ``class_prior_``.

        Returns
        -------
        ndarray of shape (n, n_features)
        """
        self._check_fitted()
        n = check_positive(n, "n", integer=True)
        return self._decode(self.params_, self._sample_prior(n, check_rng(rng), y))

    def elbo(self, X, n_samples=1, rng=None, y=None):
        r"""Per-sample ELBO (γ = β = 1): of log p(x | y) with labels, of log p(x) without.

        With ``y`` the KL to N(m_y, I) is in closed form; without, the prior
        is the mixture :math:`\sum_y \pi_y \mathcal N(m_y, I)` and :math:`\log q(z|x) - \log p(z)` is
        estimated with the same ε draws.  See
        :meth:`VariationalAutoencoder.elbo`.
        """
        self._check_fitted()
        X = self._validate_X(X)
        return self._elbo_rows(X, n_samples, rng, self._labels_or_none(y, X.shape[0]))

    def log_likelihood(self, X, n_samples=100, rng=None, y=None):
        """Importance-weighted estimate of log p(x | y) (labels) or log p(x) (mixture prior)."""
        self._check_fitted()
        X = self._validate_X(X)
        return self._log_likelihood_rows(X, n_samples, rng, self._labels_or_none(y, X.shape[0]))
