r"""Winner-take-all autoencoders: lifetime sparsity (fully connected), spatial and
lifetime sparsity (convolutional).

Reference: Makhzani & Frey, *Winner-Take-All Autoencoders*, NIPS 2015
(arXiv:1409.2752; the convolutional version first at the NIPS 2014
deep-learning workshop); the h2o chapter's list of variants.

Objective (mean over the n rows of a minibatch B), with the winners b of a fully
connected layer (lifetime sparsity) or of a convolutional one (spatial, one winner per
map, then lifetime):

.. math:: L(\theta, \phi) = \frac1n \sum_i \ell\big(x^{(i)}, p_\phi(z^{(i)} \odot b^{(i)})\big)
          + \Omega_{wd}, \qquad z^{(i)} = q_\theta(x^{(i)}),

          & \text{fully connected:} \quad b_j^{(i)} = 1 \iff z_j^{(i)} \text{ is among the }
          k = \lceil \rho n \rceil \text{ largest of } \{z_j^{(i')} : i' \in B\} \\
          & \text{convolutional:} \quad s_c^{(i)} = \operatorname{argmax}_{y,x} z_c^{(i)}[y, x], \quad
          b_c^{(i)}[y, x] = 1 \iff (y, x) = s_c^{(i)} \text{ and } \\
          & \qquad z_c^{(i)}[s_c^{(i)}] \text{ is among the k largest of }
          \{z_c^{(i')}[s_c^{(i')}] : i' \in B\}

Symbols: z the ReLU code (a hidden unit j, or a feature map c of the last
convolutional layer), :math:`b \in \{0, 1\}` the winners, ρ = ``sparsity`` the lifetime
rate (the paper's k %), ℓ the reconstruction loss, :math:`\Omega_{wd}` weight decay.

Gradient.  b is piecewise constant in z, so
:math:`\partial L/\partial z = b \odot \partial L/\partial(z \odot b)`: only the
winners pass a gradient back (the mask is held fixed, as in the paper).  The
lifetime winners depend on the whole minibatch: the mask is computed once from
the batch and shared by the batch and the reference path (the reference path
then runs every layer one example at a time).  Ties go to the lowest index
(:func:`npae.families.ksparse.k_sparse_mask`).

Encoding.  Lifetime sparsity is a minibatch statistic, and a row's code must
depend on that row alone: ``transform`` (and ``reconstruct``) keep a unit j
(a map's spatial winner) where its value is :math:`\ge t_j`, the unit's threshold
(``thresholds_``): the mean over the last epoch's minibatches of the k-th
largest value of that unit (of that map's winners).  Without it, a decoder
trained on ρ of its units active would see all of them.

Dead units (as for k-sparse): ``history_["dead_fraction"]`` is the fraction of
code units (maps) none of whose winners in the epoch was positive.
"""

from __future__ import annotations

import math

import numpy as np

from ..estimator.hyperparams import Interval, Param
from ..nn import get_ops
from ..estimator.registry import register
from .autoencoder import Autoencoder
from .convolutional import ConvolutionalAutoencoder
from .ksparse import k_sparse_mask

__all__ = ["WinnerTakeAllAutoencoder", "ConvolutionalWTAAutoencoder", "lifetime_mask",
           "spatial_mask"]


def lifetime_mask(Z, rate):
    """Lifetime sparsity: True at the ⌈rate n⌉ largest entries of each *column* of Z (n, m).

    Examples
    --------
    >>> import numpy as np
    >>> lifetime_mask(np.array([[1., 5.], [3., 4.], [2., 6.]]), 0.34).astype(int)
    array([[0, 0],
           [1, 1],
           [0, 1]])
    """
    k = min(Z.shape[0], max(1, math.ceil(rate * Z.shape[0])))
    return k_sparse_mask(Z.T, k).T


def spatial_mask(H):
    """Spatial sparsity: True at the largest entry of each map of H (n, c, h, w), the
    first one on ties.  Returns (mask of H's shape, winner values (n, c))."""
    n, c = H.shape[:2]
    flat = H.reshape(n, c, -1)
    where = np.argmax(flat, axis=2)  # (n, c)
    mask = np.zeros(flat.shape, dtype=bool)
    np.put_along_axis(mask, where[..., None], True, axis=2)
    return mask.reshape(H.shape), np.take_along_axis(flat, where[..., None], axis=2)[..., 0]


class _Tracking:
    """Dead units and the encoding thresholds t_j, per epoch."""

    _diagnostics = ("dead_fraction",)

    def _prepare_fit(self, X, y):
        super()._prepare_fit(X, y)
        # before the first epoch: keep every code (the lowest finite value)
        self.thresholds_ = np.full(self._code_units(), np.finfo(self._dtype).min,
                                   dtype=self._dtype)

    def _epoch_start(self, epoch):
        m = self._code_units()
        self._alive = np.zeros(m, dtype=bool)  # a positive winner seen this epoch
        self._kth = [np.zeros(m), 0]

    def _track(self, winners_positive, kth=None):
        if getattr(self, "_alive", None) is not None:
            self._alive |= winners_positive
            if kth is not None:
                self._kth[0] += kth
                self._kth[1] += 1

    def _epoch_diagnostics(self):
        total, count = self._kth
        if count:
            self.thresholds_ = (total / count).astype(self._dtype)
        return {"dead_fraction": float(np.mean(~self._alive))}

    def _after_fit(self):
        self._alive = None


@register("wta")
class WinnerTakeAllAutoencoder(_Tracking, Autoencoder):
    """A fully connected autoencoder with lifetime sparsity (Makhzani & Frey 2015, FC-WTA).

    Parameters
    ----------
    hidden, latent_dim, decoder_hidden, activation, output_activation, loss, tied
        Architecture, as in :class:`npae.Autoencoder` (default: one code layer of 1000 units).
    code_activation : str, default="relu"
        The paper's ReLU code.
    sparsity : float in (0, 1], default=0.05
        ρ, the fraction of the minibatch each code unit keeps (its k %).

    Attributes
    ----------
    thresholds_ : ndarray (code size,)
        t_j, the encoding thresholds (see the module docstring).
    history_ : dict of lists
        Also "dead_fraction".
    """

    _examples = ({"latent_dim": 6, "sparsity": 0.25},
                 {"hidden": (5,), "latent_dim": 4, "sparsity": 0.5, "tied": True, "loss": "bce",
                  "activation": "softplus"})  # a ReLU below the code could hit its kink
    _parameters = {
        "latent_dim": Param(1000),
        "activation": Param("relu"),
        "code_activation": Param("relu"),
        "sparsity": Param(0.05, Interval("real", 0, 1, closed="right")),
    }
    _state = ("thresholds_",)

    def _code_units(self):
        return self._code_size()

    def _loss(self, params, X, y, rng, ops, grads):
        Z, enc_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, m)
        mask = lifetime_mask(Z, self.sparsity)  # (n, m), ⌈ρ n⌉ True per column
        Zs = Z * mask
        if grads:  # a training step; not a loss without gradients (validation, divergence probe)
            self._track((Zs > 0).any(axis=0), np.where(mask, Z, np.inf).min(axis=0))
        out, dec_cache = self.decoder_.forward(params, Zs, ops)  # (n, m) -> (n, d)
        rec, dout = self._reconstruction_loss(out, X)
        dZs = self.decoder_.backward(params, dec_cache, dout, grads, ops)
        self.encoder_.backward(params, enc_cache, dZs * mask, grads, ops, need_dX=False)
        return {"reconstruction": rec}

    def _encode(self, params, X):
        """z ⊙ [z ≥ t]: each row against the fitted thresholds alone."""
        Z = self.encoder_.forward(params, X, get_ops(True))[0]  # (n, m)
        return Z * (Z >= self.thresholds_)


@register("conv_wta")
class ConvolutionalWTAAutoencoder(_Tracking, ConvolutionalAutoencoder):
    """A convolutional autoencoder with spatial and lifetime sparsity (Conv-WTA).

    Parameters
    ----------
    image_shape, filters, kernel_size, stride, padding, activation, code_activation,
    output_activation, loss, tied, noise, corruption_level, pretrain_epochs
        As in :class:`npae.ConvolutionalAutoencoder`; no pooling by default
        (``pool=1``: the paper's encoder is convolutions only, and its decoder
        one transposed convolution from the sparse maps).
    sparsity : float in (0, 1], default=0.05
        ρ, the fraction of the minibatch whose winner each map keeps.

    Attributes
    ----------
    thresholds_ : ndarray (maps,)
        t_c, the encoding thresholds of the maps' winners (see the module docstring).
    history_ : dict of lists
        Also "dead_fraction" (maps without a positive winner in the epoch).
    """

    _examples = ({"filters": (3,), "kernel_size": 3, "padding": 1, "sparsity": 0.25},
                 {"image_shape": (1, 1, 7), "filters": (2, 3), "kernel_size": (1, 2),
                  "pool": (1, 2), "sparsity": 0.5, "tied": True, "loss": "bce",
                  "activation": "softplus", "code_activation": "relu"})
    _parameters = {
        "pool": Param(1),
        "sparsity": Param(0.05, Interval("real", 0, 1, closed="right")),
    }
    _state = ConvolutionalAutoencoder._state + ("thresholds_",)

    def _code_units(self):
        return self.code_shape_[0]

    def _sparsify(self, H, ops, training=True, track=True):
        spatial, winners = spatial_mask(H)  # (n, c, h, w), (n, c)
        if training:
            life = lifetime_mask(winners, self.sparsity)  # (n, c)
            if track:
                self._track((winners * life > 0).any(axis=0), np.where(life, winners, np.inf).min(0))
        else:  # a row alone: its winners against the fitted thresholds
            life = winners >= self.thresholds_
        mask = spatial & life[:, :, None, None]
        return H * mask, mask

    def _encode(self, params, X):
        def encode(Xb):
            H = self.encoder_.forward(params, self._images(Xb), get_ops(True))[0]
            return self._sparsify(H, None, training=False)[0].reshape(Xb.shape[0], -1)
        return self._blocks(encode, X)
