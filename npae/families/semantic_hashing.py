r"""Semantic hashing: an autoencoder whose sigmoid code units are pushed to be binary by noise.

Reference: R. Salakhutdinov, G. Hinton, *Semantic hashing*, International
Journal of Approximate Reasoning 50 (2009), §3 ("to make the codes binary,
... add deterministic Gaussian noise to the bottom-up input of the code
layer" during fine-tuning); Caron, *Literature review – Autoencoders* (2020), §4.2.

Objective (mean over the n observations of a batch), and the binary code at test time
(no noise):

.. math:: L(\theta, \phi) = \frac1n \sum_i \ell\big(x^{(i)}, p_\phi(\tilde z^{(i)})\big) + \Omega_{wd},
          \qquad \tilde z^{(i)} = \sigma\big(a(x^{(i)}) + \nu \varepsilon^{(i)}\big), \quad
          \varepsilon^{(i)} \sim \mathcal N(0, I),

          b(x) = \mathbb 1\{\sigma(a(x)) > \tfrac12\} = \mathbb 1\{a(x) > 0\}

Symbols: a(x) the pre-activation of the code layer (the encoder q_θ with a
linear last layer), σ the logistic sigmoid, ν = ``code_noise_std`` the standard
deviation of the noise, :math:`\tilde z` the noisy code fed to the decoder p_φ, ℓ the
reconstruction loss of :class:`npae.Autoencoder`, b(x) the binary code
(:meth:`SemanticHashingAutoencoder.hash`).

Why the noise makes codes binary: a code unit whose input a lies near 0 sends
the decoder a value that the noise scrambles from one minibatch to the next,
so the reconstruction improves when the magnitude of a grows beyond ν and σ saturates; the
decoder then only ever sees values near 0 or 1, and thresholding at ½ loses
little.  The paper pretrains a stack of RBMs before this fine-tuning; here the
network is trained end to end by backpropagation from a random start (greedy
pretraining is :func:`npae.pretrain_stack` where available).  The noise ε is
drawn from the loss's generator, so a gradient check holds it fixed.
"""

from __future__ import annotations

from dataclasses import replace

from ..estimator.hyperparams import Interval, Options, Param
from ..nn import get_ops
from ..nn.activations import ACTIVATIONS, SIGMOID
from ..estimator.registry import register
from .autoencoder import Autoencoder

__all__ = ["SemanticHashingAutoencoder"]


@register("semantic_hashing")
class SemanticHashingAutoencoder(Autoencoder):
    """Binary codes from a noisy sigmoid code layer (Salakhutdinov & Hinton 2009).

    Parameters
    ----------
    hidden : tuple of int, default=(256,)
        The encoder's layers before the code.
    latent_dim : int, default=32
        The code size: the number of bits.
    code_noise_std : float, default=2.0
        ν, the standard deviation of the Gaussian noise added to the code
        layer's input during training (0: a plain sigmoid-code autoencoder).
    code_activation : "sigmoid"
        Fixed: the code units are logistic (the noise is added before them).

    Attributes
    ----------
    params_, history_, n_features_in_, encoder_, decoder_
        As in :class:`npae.Autoencoder`; the encoder's last layer is linear
        (its sigmoid is applied by the family, after the noise).

    Examples
    --------
    >>> import numpy as np, npae
    >>> X = np.random.default_rng(0).random((64, 10))
    >>> sh = npae.SemanticHashingAutoencoder(hidden=(8,), latent_dim=4, epochs=2).fit(X)
    >>> sh.hash(X).dtype, sh.hash(X).shape
    (dtype('bool'), (64, 4))
    """

    _examples = ({"hidden": (5,), "latent_dim": 3, "activation": "tanh", "code_noise_std": 1.0},
                 {"latent_dim": 4, "loss": "bce", "tied": True, "code_noise_std": 2.0})
    _renamed = {"noise_level": "code_noise_std"}
    _parameters = {
        "hidden": Param((256,)),
        "latent_dim": Param(32),
        "code_noise_std": Param(2.0, Interval("real", 0, None)),
        "code_activation": Param("sigmoid", Options("sigmoid")),
        "activation": Param("sigmoid", Options(*ACTIVATIONS)),
    }

    def _build(self, n_features, y=None):
        shapes = super()._build(n_features, y)
        # The network stops at the code layer's pre-activation a(x); σ comes after the noise.
        last = self.encoder_.layers[-1]
        self.encoder_.layers[-1] = replace(last, activation=ACTIVATIONS["identity"])
        return shapes

    def _loss(self, params, X, y, rng, ops, grads):
        A, enc_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, bits)
        # ε from the loss's generator (held fixed by a gradient check); elementwise.
        A_noisy = A + self.code_noise_std * rng.standard_normal(A.shape).astype(A.dtype, copy=False)
        Z = SIGMOID.forward(A_noisy)  # z̃ = σ(a + ν ε)
        out, dec_cache = self.decoder_.forward(params, Z, ops)  # (n, bits) -> (n, d)
        rec, dout = self._reconstruction_loss(out, X)
        dZ = self.decoder_.backward(params, dec_cache, dout, grads, ops)
        self.encoder_.backward(params, enc_cache, SIGMOID.backward(dZ, A_noisy, Z), grads, ops,
                               need_dX=False)
        return {"reconstruction": rec}

    def _encode(self, params, X):
        """Deterministic codes σ(a(x)) in (0, 1) (no noise at test time)."""
        return SIGMOID.forward(self.encoder_.forward(params, X, get_ops(True))[0])

    def hash(self, X):
        r"""Binary codes :math:`b(x) = \sigma(a(x)) > \frac12`.  (n, d) -> (n, bits) bool"""
        return self.transform(X) > 0.5
