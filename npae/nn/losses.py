r"""Reconstruction losses.  One reduction everywhere: **sum over features, mean
over the samples of the batch.**

Each loss returns ``(value, gradient with respect to its own input)``.  The
only fused loss is the Bernoulli cross-entropy, which takes the decoder's
*logits* (pre-sigmoid) for numerical stability; that is documented below.

Relation to the review (Caron 2020, §1.3, eq. 2): the review's loss is
:math:`\frac12 \sum_i \lVert x^{(i)} - \hat x^{(i)} \rVert^2` summed over the n observations.
:func:`squared_error` is that sum divided by n, i.e. the same per-observation
term :math:`\frac12 \lVert x - \hat x \rVert^2` averaged over the batch, so that the learning rate does not
depend on the batch size.  (h2o's "MSE", quoted in the R book, is the mean over
features as well: divide per-sample :math:`\lVert x - \hat x \rVert^2` by the number of features.)
"""

from __future__ import annotations

import numpy as np

from .activations import SIGMOID
from .batch import empty

__all__ = [
    "squared_error",
    "bernoulli_cross_entropy",
    "gaussian_nll",
    "per_sample_squared_error",
    "per_sample_bernoulli",
    "reconstruction_loss",
    "decoder_output",
    "decoder_last_activation",
    "discriminator_loss",
    "generator_loss",
    "LOSSES",
]

LOG_2PI = float(np.log(2.0 * np.pi))


def per_sample_squared_error(X_hat, X):
    r""":math:`\frac12 \sum_j (x_j - \hat x_j)^2`, one value per row.  (n, d), (n, d) -> (n,)"""
    diff = X_hat - X
    return 0.5 * np.einsum("ij,ij->i", diff, diff)


def squared_error(X_hat, X):
    r""":math:`L = \frac1n \sum_i \frac12 \lVert x^{(i)} - \hat x^{(i)} \rVert^2` and
    :math:`dL/d\hat X = (\hat X - X) / n`.

    Parameters
    ----------
    X_hat, X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    value : float
    dX_hat : ndarray of shape (n_samples, n_features)
    """
    n = X.shape[0]
    diff = np.subtract(X_hat, X, out=empty(X_hat.shape, np.result_type(X_hat, X)))  # X_hat - X, (n, d)
    value = 0.5 * float(np.vdot(diff, diff)) / n
    diff *= 1.0 / n  # reuse the buffer as the gradient
    return value, diff


def per_sample_bernoulli(logits, X):
    r""":math:`-\sum_j [x_j \log\sigma(a_j) + (1-x_j) \log(1-\sigma(a_j))]`, one value per row."""
    # −log p(x|a) = softplus(a) − x·a, and softplus(a) = max(a,0) + log1p(e^{−|a|})
    # never overflows.
    elem = np.maximum(logits, 0.0) - X * logits + np.log1p(np.exp(-np.abs(logits)))
    return elem.sum(axis=1)


def bernoulli_cross_entropy(logits, X):
    r"""Bernoulli negative log-likelihood computed from logits (fused with the sigmoid).

    .. math:: L = \frac1n \sum_i \sum_j \big[\operatorname{softplus}(a_{ij}) - x_{ij} a_{ij}\big],
              \quad \hat x = \sigma(a), \qquad \frac{dL}{da} = \frac{\sigma(a) - x}n.

    Parameters
    ----------
    logits : ndarray of shape (n_samples, n_features)
        Decoder pre-activations ``a``; the reconstruction is ``sigmoid(a)``.
    X : ndarray of shape (n_samples, n_features)
        Targets in [0, 1] (validated by the estimator, not here).

    Returns
    -------
    value : float
    dlogits : ndarray of shape (n_samples, n_features)
    """
    n = X.shape[0]
    value = float(per_sample_bernoulli(logits, X).sum()) / n
    # plain NumPy: dlogits = sigmoid(logits) (into a reused buffer inside a training step)
    dlogits = SIGMOID.forward(logits, out=empty(logits.shape, np.result_type(logits, X)))
    dlogits -= X
    dlogits *= 1.0 / n
    return value, dlogits


def gaussian_nll(mu, log_var, X):
    r"""Gaussian negative log-likelihood with diagonal variance exp(log_var).

    .. math:: L = \frac1n \sum_i \sum_j \tfrac12 \big[\log 2\pi + \log\sigma^2_{ij}
              + (x_{ij} - \mu_{ij})^2 \exp(-\log\sigma^2_{ij})\big]

    ``log_var`` may be an array broadcastable to ``mu`` (e.g. a learned
    per-feature vector of shape (n_features,), or a scalar for a fixed
    variance); its gradient is summed back to its own shape.

    Returns
    -------
    value : float
    dmu : ndarray, shape of ``mu``
    dlog_var : ndarray, shape of ``log_var``
    """
    n = X.shape[0]
    log_var = np.asarray(log_var, dtype=mu.dtype)
    inv_var = np.exp(-log_var)
    diff = mu - X
    sq = diff * diff * inv_var  # (x − mu)² / var
    value = 0.5 * float(np.sum(LOG_2PI + np.broadcast_to(log_var, mu.shape) + sq)) / n
    dmu = diff * inv_var / n
    dlog_var_full = 0.5 * (1.0 - sq) / n
    # Sum the gradient back over broadcast dimensions.
    dlog_var = _unbroadcast(dlog_var_full, log_var.shape)
    return value, dmu, dlog_var


def _unbroadcast(g, shape):
    """Sum ``g`` down to ``shape`` (the adjoint of numpy broadcasting)."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


LOSSES = {"mse": squared_error, "bce": bernoulli_cross_entropy}


# --------------------------------------------------------------------------- #
# The reconstruction term of the families with a ``loss`` setting.
# --------------------------------------------------------------------------- #
def reconstruction_loss(loss, out, X):
    r"""ℓ(x, x̂) averaged over the batch, from the decoder network's output.

    ``loss="mse"``: ``out`` is :math:`\hat x` and :math:`\ell = \frac12 \lVert x - \hat x \rVert^2`;
    ``loss="bce"``: ``out`` holds the logits a, :math:`\hat x = \sigma(a)` and
    :math:`\ell = -\log \mathrm{Bernoulli}(x \mid \hat x)` (fused, for
    stability).  Returns (value, d value / d out).
    """
    return LOSSES[loss](out, X)


def decoder_output(loss, out):
    """x̂ from the decoder network's output: σ(logits) for "bce", ``out`` itself otherwise."""
    return SIGMOID.forward(out) if loss == "bce" else out


def decoder_last_activation(loss, output_activation):
    """The activation of the decoder network's last layer.

    ``output_activation=None`` means "identity" for "mse"; with "bce" the
    network stops at the logits ("identity"; the sigmoid is fused into the
    loss), and an output activation other than None or "sigmoid" is refused.
    """
    if loss == "bce":
        if output_activation not in (None, "sigmoid"):
            raise ValueError(
                f"loss='bce' computes the Bernoulli likelihood from logits, so the output "
                f"activation is the sigmoid; got output_activation={output_activation!r}. "
                "Leave it None or use loss='mse'."
            )
        return "identity"
    return "identity" if output_activation is None else output_activation


# --------------------------------------------------------------------------- #
# GAN losses (the adversarial autoencoder), from the discriminator's logits.
# −log σ(a) = softplus(−a) and −log(1 − σ(a)) = softplus(a).
# --------------------------------------------------------------------------- #
def _softplus(a):
    """log(1 + e^a) without overflow."""
    return np.logaddexp(0.0, a)


def discriminator_loss(logits_prior, logits_code):
    r"""L_D from the discriminator's logits on prior samples (label 1) and codes (label 0).

    .. math:: L_D = \frac1{2n} \Big[\sum_i \operatorname{softplus}(-a_p^{(i)})
              + \sum_i \operatorname{softplus}(a_q^{(i)})\Big],

    the logistic (binary cross-entropy) loss averaged over the 2n rows.

    Parameters
    ----------
    logits_prior : ndarray of shape (n, 1)
        :math:`a_\psi(z_p)` for prior samples :math:`z_p \sim p(z)`.
    logits_code : ndarray of shape (n, 1)
        :math:`a_\psi(q_\theta(x))` for the codes of the batch.

    Returns
    -------
    value : float
    dlogits_prior, dlogits_code : ndarrays of the shapes of the inputs
        :math:`dL/da_p = -\sigma(-a_p)/2n = (\sigma(a_p) - 1)/2n`, :math:`dL/da_q = \sigma(a_q)/2n`.
    """
    m = logits_prior.shape[0] + logits_code.shape[0]
    value = (float(np.sum(_softplus(-logits_prior))) + float(np.sum(_softplus(logits_code)))) / m
    d_prior = (SIGMOID.forward(logits_prior) - 1.0) / m
    d_code = SIGMOID.forward(logits_code) / m
    return value, d_prior, d_code


def generator_loss(logits_code):
    r""":math:`L_G = \frac1n \sum_i -\log D(q_\theta(x^{(i)})) = \frac1n \sum_i
    \operatorname{softplus}(-a_q^{(i)})` (non-saturating).

    Returns
    -------
    value : float
    dlogits_code : ndarray of shape (n, 1)
        :math:`dL/da_q = (\sigma(a_q) - 1)/n`: large when the discriminator rejects a code,
        which is why this form trains better than minimising log(1 − D).
    """
    n = logits_code.shape[0]
    value = float(np.sum(_softplus(-logits_code))) / n
    return value, (SIGMOID.forward(logits_code) - 1.0) / n
