r"""An autoencoder-style image upsampler: a decoder-shaped MLP from low- to high-resolution pixels.

Reference: Zeng, Yu, Wang, Li & Tao, *Coupled deep autoencoder for single image
super-resolution*, IEEE Trans. Cybernetics 47 (2017) — map a low-resolution image to
its high-resolution version through learned hidden representations; here the simplest
dense form, one network trained on (low, high) pairs, as a baseline against
interpolation (``benchmarks/images_restore.py``).

Objective (minimised; mean over the n pairs of a batch):

.. math:: L(W) = \frac1n \sum_i \sum_j \big[\operatorname{softplus}(a_{ij}) - y_{ij} a_{ij}\big], \qquad
          a_i = f_W(x_i), \qquad \hat y_i = \sigma(a_i)

Symbols: :math:`x_i` the low-resolution image (n_in pixels), :math:`y_i` in [0, 1] the
high-resolution one (n_out pixels), f_W an MLP n_in → hidden → n_out whose last layer
is linear, σ the logistic sigmoid: the Bernoulli cross-entropy on grey levels that
npae's autoencoders use (:func:`npae.nn.losses.bernoulli_cross_entropy`; :math:`\partial L/\partial a = (\sigma(a) - y)/n`).
The gradient is the MLP's hand-written backward pass (:mod:`npae.nn`), on the per-example
reference path or the vectorized batch path, checked numerically in the tests.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_int, check_layer_sizes, check_real, check_rng, not_fitted
from ..nn import MLP, get_activation, get_ops
from ..nn.activations import SIGMOID
from ..nn.losses import bernoulli_cross_entropy
from ..estimator.optim import Adam

__all__ = ["MLPUpsampler"]


class MLPUpsampler:
    """Learn low-resolution → high-resolution images with an MLP (sigmoid output, cross-entropy).

    Parameters
    ----------
    hidden : tuple of int, default (512,)
    activation : str, default "tanh"
        Hidden units (any of :data:`npae.nn.ACTIVATIONS`).
    learning_rate : float, default 1e-3
        Adam's step size.
    batch_size : int, default 64
    epochs : int, default 10
    random_state : int or Generator, default 0
        Initial weights and the order of the minibatches.
    dtype : {"float32", "float64"}, default "float32"

    Attributes
    ----------
    params_ : dict name -> ndarray
        ``"net.l.W"`` (n_in_l, n_out_l) and ``"net.l.b"``.
    history_ : dict
        ``"loss"``: the mean training loss of each epoch (nats per image).
    """

    def __init__(self, *, hidden=(512,), activation="tanh", learning_rate=1e-3, batch_size=64,
                 epochs=10, random_state=0, dtype="float32"):
        self.hidden, self.activation, self.learning_rate = hidden, activation, learning_rate
        self.batch_size, self.epochs, self.random_state, self.dtype = batch_size, epochs, random_state, dtype

    def _check_pairs(self, X_low, X_high=None):
        X = check_array(X_low, name="X_low", dtype=self._dtype)
        if X_high is None:
            return X, None
        Y = check_array(X_high, name="X_high", dtype=self._dtype, unit_interval=True,
                        bernoulli_setting=("the cross-entropy loss", "scale the targets to [0, 1]"),
                        estimator="MLPUpsampler")
        if Y.shape[0] != X.shape[0]:
            raise ValueError(f"X_low has {X.shape[0]} rows but X_high has {Y.shape[0]}")
        return X, Y

    def initialize(self, X_low, X_high):
        """Validate the settings and one batch of pairs, build the network, draw the weights."""
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")
        self._dtype = np.dtype(self.dtype)
        hidden = check_layer_sizes(self.hidden, "hidden")
        act = get_activation(self.activation)
        check_real("learning_rate", self.learning_rate, 0, low_open=True)
        check_int("batch_size", self.batch_size, 1)
        check_int("epochs", self.epochs, 0)
        X, Y = self._check_pairs(X_low, X_high)
        self.net_ = MLP.build("net", (X.shape[1], *hidden, Y.shape[1]), [act] * len(hidden) + ["identity"])
        self._rng = check_rng(self.random_state)
        self.params_ = self.net_.init_params(self._rng, self._dtype)
        self.n_features_in_, self.n_features_out_ = X.shape[1], Y.shape[1]
        return self

    def loss_and_grads(self, X_low, X_high, vectorized=True):
        """The mean cross-entropy of a batch and its gradient w.r.t. every parameter.

        ``vectorized=False`` runs the per-example reference path of :mod:`npae.nn`.
        Returns (loss, grads) with grads a dict shaped like ``params_``.
        """
        X, Y = self._check_pairs(X_low, X_high)
        ops = get_ops(vectorized)
        out, cache = self.net_.forward(self.params_, X, ops)  # (n, n_in) -> (n, n_out) logits
        loss, dout = bernoulli_cross_entropy(out, Y)  # dout = (σ(a) − y) / n
        grads = {}
        self.net_.backward(self.params_, cache, dout, grads, ops, need_dX=False)
        return loss, grads

    def fit(self, X_low, X_high):
        """Train on pairs: X_low (n, n_in), X_high (n, n_out) in [0, 1].  Returns self."""
        self.initialize(X_low, X_high)
        X, Y = self._check_pairs(X_low, X_high)
        opts = {name: Adam(self.learning_rate) for name in self.params_}  # elementwise: one per array
        self.history_ = {"loss": []}
        for _ in range(self.epochs):
            order = self._rng.permutation(X.shape[0])
            total = 0.0
            for i in range(0, X.shape[0], self.batch_size):
                idx = order[i:i + self.batch_size]
                loss, grads = self.loss_and_grads(X[idx], Y[idx])
                for name, g in grads.items():
                    opts[name].step(self.params_[name].reshape(-1), g.reshape(-1))
                total += loss * idx.size
            self.history_["loss"].append(total / X.shape[0])
        return self

    def predict(self, X_low):
        """High-resolution estimates σ(f_W(x)) in (0, 1).  (n, n_in) -> (n, n_out)"""
        if not hasattr(self, "params_"):
            raise not_fitted("this MLPUpsampler is not fitted yet; call fit(X_low, X_high) first")
        X = check_array(X_low, name="X_low", dtype=self._dtype, n_features=self.n_features_in_)
        return SIGMOID.forward(self.net_.forward(self.params_, X, get_ops(True))[0])
