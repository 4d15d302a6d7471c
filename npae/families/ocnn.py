r"""The one-class neural network (OC-NN): the one-class SVM objective trained through an encoder.

Reference: R. Chalapathy, A. K. Menon, S. Chawla, *Anomaly Detection using One-Class
Neural Networks*, arXiv:1802.06360 (2018), eq. 2-4 and Algorithm 1; Caron's review §4.

Objective (mean over the n observations of a batch), after ``pretrain_epochs`` of
plain autoencoder training (the paper pretrains the autoencoder, then trains the
encoder and the one-class head together):

.. math:: L = \tfrac12 \lVert w \rVert^2 + \tfrac12 \lVert V \rVert_F^2
          + \frac1\nu \frac1n \sum_i \max(0, r - \hat y^{(i)}) - r + \alpha\, \ell_{rec} + \Omega_{wd},

          \hat y^{(i)} = \langle w, g(V z^{(i)}) \rangle = g(z^{(i)} V)\, w, \qquad
          z^{(i)} = q_\theta(x^{(i)}),

with r held fixed during an epoch and set, before every epoch and at the end, to
the ν-quantile of :math:`\hat y` on the training rows (Algorithm 1: r is the ν-quantile, so a
fraction ν of the training rows lies on the wrong side of the boundary).

Symbols: z the code of the encoder q_θ (as :class:`npae.Autoencoder`), V (k, h) and
w (h,) the head's weights (no biases: r plays the role of the offset), g the head's
activation (``head_activation``: linear or sigmoid, as the paper), ν = ``nu``,
r = ``r_``, α = ``reconstruction_weight`` (the reconstruction term kept after pretraining; 0 is the
paper's objective), :math:`\ell_{rec}` the reconstruction loss of the decoder p_φ.
The normality score is :math:`\hat y - r` (``score_samples``; negative = outside the boundary).
"""

from __future__ import annotations

import numpy as np

from ..estimator.hyperparams import Interval, Options, Param
from ..nn import get_activation, get_ops
from ..nn.network import accumulate
from ..estimator.registry import register
from .autoencoder import Autoencoder

__all__ = ["OneClassNeuralNetwork"]


@register("ocnn")
class OneClassNeuralNetwork(Autoencoder):
    """OC-NN (Chalapathy et al. 2018) on an autoencoder's encoder, with hand-written gradients.

    Parameters
    ----------
    hidden, latent_dim, decoder_hidden, activation, code_activation, output_activation, loss, tied
        The autoencoder, as in :class:`npae.Autoencoder` (tanh units, linear code by default).
    nu : float in (0, 1], default 0.1
        ν: the fraction of training rows allowed outside the boundary.
    head_units : int, default 16
        h, the width of the one-class head.
    head_activation : {"identity", "sigmoid"}, default "identity"
        g. Measured on standardised toy data (4 features, 5% uniform outliers, 40
        epochs): the sigmoid head collapses under the weight penalty (ŷ almost
        constant, ROC AUC 0.50) where the linear head reaches 0.94
        (``tests/families/test_ocnn.py``); the paper reports both.
    pretrain_epochs : int, default 10
        Epochs of reconstruction only before the one-class objective takes over.
    reconstruction_weight : float, default 0.0
        Weight of the reconstruction term after pretraining.

    Attributes
    ----------
    params_ : dict
        The autoencoder's, plus ``"ocnn.V"`` (k, h) and ``"ocnn.w"`` (h,).
    r_ : float
        The boundary offset r.

    Notes
    -----
    Training settings: ``epochs`` counts the pretraining.
    """

    _examples = ({"hidden": (5,), "latent_dim": 3, "head_units": 4, "nu": 0.2,
                  "reconstruction_weight": 0.5},
                 {"latent_dim": 4, "head_activation": "sigmoid", "nu": 0.3, "pretrain_epochs": 0})
    _renamed = {"alpha": "reconstruction_weight"}
    _parameters = {
        "activation": Param("tanh"),
        "code_activation": Param("identity"),
        "nu": Param(0.1, Interval("real", 0, 1, closed="right")),
        "head_units": Param(16, Interval("int", 1, None)),
        "head_activation": Param("identity", Options("identity", "sigmoid")),
        "pretrain_epochs": Param(10, Interval("int", 0, None)),
        "reconstruction_weight": Param(0.0, Interval("real", 0, None)),
    }
    _state = ("r_",)
    #: score_samples is a one-class score: npae.OutlierDetector uses it by default
    _one_class_score = True
    _diagnostics = ("r",)

    # ---------------------------------------------------------------- build
    def _build(self, n_features, y=None):
        shapes = super()._build(n_features, y)
        return {**shapes, "ocnn.V": (self.encoder_.n_out, int(self.head_units)),
                "ocnn.w": (int(self.head_units),)}

    def _init_params(self, rng):
        k, h = self.encoder_.n_out, int(self.head_units)
        params = super()._init_params(rng)
        params["ocnn.V"] = (rng.standard_normal((k, h)) * np.sqrt(1.0 / k)).astype(self._dtype)
        params["ocnn.w"] = (rng.standard_normal(h) * np.sqrt(1.0 / h)).astype(self._dtype)
        return params

    # ------------------------------------------------------------ the head
    def _head_forward(self, params, Z, ops):
        """ŷ = g(Z V) w, with what the backward pass needs."""
        V, w = params["ocnn.V"], params["ocnn.w"]
        g = get_activation(self.head_activation)
        A = ops.dense_forward(Z, V, np.zeros(V.shape[1], dtype=Z.dtype))  # (n, k) @ (k, h) -> (n, h)
        G = g.forward(A)
        y_hat = ops.dense_forward(G, w[:, None], np.zeros(1, dtype=Z.dtype))[:, 0]  # (n, h) @ (h, 1)
        return y_hat, (Z, A, G, g)

    def _head_backward(self, params, cache, dy_hat, grads, ops):
        """Chain rule through ŷ = g(Z V) w; adds dV, dw into grads, returns dZ."""
        Z, A, G, g = cache
        V, w = params["ocnn.V"], params["ocnn.w"]
        dG, dw, _ = ops.dense_backward(dy_hat[:, None], G, w[:, None])  # (n, 1) -> (n, h), (h, 1)
        dA = g.backward(dG, A, G)
        dZ, dV, _ = ops.dense_backward(dA, Z, V)  # (n, h) -> (n, k), (k, h)
        accumulate(grads, "ocnn.w", dw[:, 0])
        accumulate(grads, "ocnn.V", dV)
        return dZ

    def _loss(self, params, X, y, rng, ops, grads):
        if getattr(self, "_pretraining", False):
            return super()._loss(params, X, y, rng, ops, grads)
        Z, enc_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, k)
        terms = {}
        dZ = np.zeros_like(Z)
        if self.reconstruction_weight:
            out, dec_cache = self.decoder_.forward(params, Z, ops)  # (n, k) -> (n, d)
            rec, dout = self._reconstruction_loss(out, X)
            terms["reconstruction"] = self.reconstruction_weight * rec
            dZ += self.decoder_.backward(params, dec_cache, self.reconstruction_weight * dout, grads, ops)
        y_hat, head_cache = self._head_forward(params, Z, ops)
        r, nu, n = float(self.r_), float(self.nu), X.shape[0]
        margin = np.maximum(0.0, r - y_hat)  # (n,)
        terms["hinge"] = float(ops.mean_over_samples(margin[:, None])[0]) / nu
        V, w = params["ocnn.V"], params["ocnn.w"]
        terms["ocnn_weights"] = 0.5 * float(np.sum(V * V) + np.sum(w * w))
        terms["minus_r"] = -r  # constant within an epoch: no gradient
        # d hinge / d ŷ_i = -(1/ν)(1/n) [r − ŷ_i > 0]
        dy_hat = -(margin > 0).astype(Z.dtype) / (nu * n)
        dZ += self._head_backward(params, head_cache, dy_hat, grads, ops)
        accumulate(grads, "ocnn.V", V)
        accumulate(grads, "ocnn.w", w)
        self.encoder_.backward(params, enc_cache, dZ, grads, ops, need_dX=False)
        return terms

    # ------------------------------------------------------------- training
    def _update_r(self):
        y_hat = self._head_forward(self.params_, self._encode(self.params_, self._X_fit), get_ops(True))[0]
        self.r_ = float(np.quantile(y_hat, float(self.nu)))

    def _prepare_fit(self, X, y):
        self._X_fit = X
        self._pretraining = False
        self._update_r()

    def _continue_fit(self, X, y):
        self._X_fit = X  # a later partial_fit: this chunk, as _prepare_fit's data

    def _epoch_start(self, epoch):
        self._pretraining = self.optimizer != "lbfgs" and epoch < self.pretrain_epochs
        if not self._pretraining:
            self._update_r()

    def _epoch_diagnostics(self):
        return {"r": float(self.r_)}

    def _after_fit(self):
        self._pretraining = False
        self._update_r()
        del self._X_fit

    # ------------------------------------------------------------ inference
    def score_samples(self, X):
        """Normality score ŷ − r (higher = more normal; negative outside the boundary).  (n, d) -> (n,)"""
        self._check_fitted()
        Z = self._encode(self.params_, self._validate_X(X))
        return self._head_forward(self.params_, Z, get_ops(True))[0] - float(self.r_)
