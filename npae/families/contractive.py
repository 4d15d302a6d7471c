r"""The contractive autoencoder (CAE): a penalty on the encoder's Jacobian.

Reference: Rifai, Vincent, Muller, Glorot & Bengio (2011), *Contractive
auto-encoders: explicit invariance during feature extraction*, ICML;
Caron, *Literature review – Autoencoders* (2020), §2.5; the encyclopedia
article *Autoencoder*, section "Contractive autoencoder".

Objective (mean over the n observations of a batch):

.. math:: L(\theta, \phi) = \frac1n \sum_i \ell\big(x^{(i)}, p_\phi(q_\theta(x^{(i)}))\big)
          + \lambda \frac1n \sum_i \Big\lVert \frac{\partial q_\theta(x^{(i)})}{\partial x} \Big\rVert_F^2
          + \Omega_{wd}

Symbols: :math:`x` input row (d features), :math:`z = q_\theta(x)` the code of the *whole*
encoder (k units, any depth), :math:`\partial z/\partial x` its (k × d) Jacobian,
:math:`\lVert\cdot\rVert_F` the Frobenius norm (sum of squared entries), λ = ``lam``, ℓ the
reconstruction loss of :class:`npae.Autoencoder`, :math:`\Omega_{wd}` the optional weight decay.

Why: :math:`\lVert q(x + \delta) - q(x) \rVert \le \lVert \partial q/\partial x \rVert_F
\lVert \delta \rVert` to first order, so a small Jacobian
makes the code insensitive to small changes of the input, except along the
directions the reconstruction term needs (the data manifold): the Jacobian's
singular values decay fast (see ``tutorials/contractive.py``).  A denoising
autoencoder with small Gaussian noise is the finite-perturbation cousin.

The penalty and its exact gradient (which needs f'') are computed in
:mod:`npae.nn.jacobian` (derivation in its docstring): Rifai's closed form
:math:`\sum_j f'(a_j)^2 \sum_m W_{mj}^2` for a one-layer encoder, and for a deep encoder a
reverse accumulation of :math:`\partial z/\partial a_l` whose input side is summed once per
batch through the Gram matrix :math:`W_1^\top W_1` — never the (batch × code × input) Jacobian.
The penalty's gradients on the pre-activations join the reconstruction's in
one backward pass of the encoder.
"""

from __future__ import annotations

import numpy as np

from ..estimator.hyperparams import Interval, Param
from ..nn import get_ops
from ..nn.jacobian import (backward_with_preactivation, contractive_penalty,
                           encoder_jacobian, jacobian_frobenius_sq)
from ..estimator.registry import register
from .autoencoder import Autoencoder

__all__ = ["ContractiveAutoencoder"]

# rows per chunk in jacobian_norm: bounds the (chunk, k, h_1) work arrays
_CHUNK = 512


@register("contractive")
class ContractiveAutoencoder(Autoencoder):
    r"""Autoencoder with the contractive penalty :math:`\lambda \operatorname{mean} \lVert \partial z/\partial x \rVert_F^2` on the whole encoder.

    Parameters
    ----------
    lam : float, default=0.1
        λ ≥ 0, the weight of the mean squared Frobenius norm of the encoder
        Jacobian.  Its scale depends on the data: with ``loss="mse"`` on
        digits in [0, 1] values around 0.01–1 are a useful range.
    hidden, latent_dim, decoder_hidden, activation, code_activation, output_activation, loss, tied
        As in :class:`npae.Autoencoder`.  Every activation of the encoder is
        allowed; ReLU and leaky ReLU use their a.e. derivative (f'' = 0), so
        their penalty is piecewise quadratic in the weights.

    Attributes
    ----------
    params_, history_, n_features_in_, encoder_, decoder_
        As in :class:`npae.Autoencoder`; ``history_["contractive"]`` holds
        the penalty per epoch (λ included).

    Examples
    --------
    >>> import numpy as np, npae
    >>> X = np.random.default_rng(0).random((200, 20))
    >>> cae = npae.ContractiveAutoencoder(latent_dim=8, lam=0.1, epochs=2).fit(X)
    >>> cae.jacobian(X[:3]).shape
    (3, 8, 20)
    """

    _examples = ({"hidden": (5,), "latent_dim": 3, "lam": 0.5},
                 {"latent_dim": 4, "activation": "tanh", "lam": 1.0, "loss": "bce"},
                 {"hidden": (5, 4), "latent_dim": 3, "activation": "softplus", "lam": 0.3})
    _parameters = {"lam": Param(0.1, Interval("real", 0, None))}

    # ---------------------------------------------------------------- loss
    def _loss(self, params, X, y, rng, ops, grads):
        r"""Reconstruction + :math:`\lambda \operatorname{mean} \lVert \partial z/\partial x \rVert_F^2`; one backward pass through the encoder."""
        Z, enc_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, k)
        out, dec_cache = self.decoder_.forward(params, Z, ops)  # (n, k) -> (n, d)
        rec, dout = self._reconstruction_loss(out, X)
        dZ = self.decoder_.backward(params, dec_cache, dout, grads, ops)  # (n, k)
        # The penalty adds its direct weight gradients into grads and leaves its
        # gradients on the pre-activations A_l in dA: they are carried down the
        # encoder with the reconstruction's dZ in the same backward pass.
        dA = {}
        omega = contractive_penalty(self.encoder_, params, X, self.lam, ops, grads=grads,
                                    cache=enc_cache, dA=dA) if self.lam else 0.0
        backward_with_preactivation(self.encoder_, params, enc_cache, dZ, dA, grads, ops,
                                    need_dX=False)
        return {"reconstruction": rec, "contractive": omega}

    # ------------------------------------------------------------ inference
    def jacobian(self, X):
        r"""The encoder Jacobian :math:`\partial z/\partial x` at each row of ``X``.

        Materialises an (n, k, d) array: meant for a few points (figures,
        checks).  For the norm alone use :meth:`jacobian_norm`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, code_size, n_features)
            ``J[i, j, m]`` = :math:`\partial z_j(x^{(i)}) / \partial x_m`.
        """
        self._check_fitted()
        X = self._validate_X(X)
        return encoder_jacobian(self.encoder_, self.params_, X, get_ops(True))

    def jacobian_norm(self, X, squared=False):
        r"""Frobenius norm :math:`\lVert \partial z/\partial x \rVert_F` of the encoder Jacobian at each row of ``X``.

        Computed without forming the Jacobian (the same formulas as the
        penalty), in chunks of rows.  The penalty is ``lam`` times the mean of
        ``jacobian_norm(X, squared=True)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        squared : bool, default=False
            Return :math:`\lVert \partial z/\partial x \rVert_F^2` instead.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        self._check_fitted()
        X = self._validate_X(X)
        out = np.empty(X.shape[0], dtype=X.dtype)
        for start in range(0, X.shape[0], _CHUNK):
            rows = slice(start, start + _CHUNK)
            out[rows] = jacobian_frobenius_sq(self.encoder_, self.params_, X[rows],
                                              get_ops(True))
        return out if squared else np.sqrt(out)

