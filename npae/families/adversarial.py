r"""The adversarial autoencoder (AAE): a discriminator on the codes imposes a prior.

Reference: A. Makhzani, J. Shlens, N. Jaitly, I. Goodfellow, B. Frey,
*Adversarial Autoencoders*, arXiv:1511.05644 (2015); Caron, *Literature review –
Autoencoders* (2020), §2.7.

Objective: a minimax game, played in three phases on every minibatch (mean over the
n rows of the batch; :math:`D_\psi(z) = \sigma(a_\psi(z))`, :math:`a_\psi` the logit):

.. math:: \text{(1) reconstruction}\quad \min_{\theta,\phi} L_{rec} &= \frac1n \sum_i
          \ell\big(x^{(i)}, p_\phi(q_\theta(x^{(i)}))\big) \\ \text{(2) discriminator}\quad \min_\psi L_D
          &= \frac1{2n} \sum_i \Big[-\log D_\psi(z_p^{(i)}) - \log\big(1 - D_\psi(q_\theta(x^{(i)}))\big)\Big] \\
          \text{(3) generator}\quad \min_\theta L_G &= \frac1n \sum_i -\log D_\psi(q_\theta(x^{(i)}))

with :math:`z_p^{(i)} \sim p(z)` drawn afresh for every batch.  Phase (3) is the
"non-saturating" generator loss of Goodfellow et al. (2014): the encoder q_θ plays the
generator of a GAN whose data distribution is the prior p(z), so the aggregated posterior
:math:`q(z) = \int q_\theta(z|x)\, p_d(x)\, dx` is pushed towards p(z) (the review's
§2.7).  At chance (D = ½ everywhere) :math:`L_D = L_G = \log 2`.

Symbols: :math:`x` input row, :math:`z = q_\theta(x)` the deterministic code (encoder θ),
:math:`\hat x = p_\phi(z)` the reconstruction (decoder φ), :math:`D_\psi` the discriminator
(ψ), p(z) the prior ("gaussian": :math:`\mathcal N(0, s^2 I)`; "uniform": :math:`U[-s, s]^k`;
"mixture": K Gaussians with means on a circle of radius 4s in the first two code
dimensions and standard deviation s/2), s = ``prior_scale``.

Each phase has its own optimizer over its own slice of the parameters
(encoder | decoder | discriminator): (1) encoder+decoder, (2) the
discriminator, (3) the encoder, through the discriminator's input gradient.

``loss_and_grads`` returns the *total* L = L_rec + L_D + L_G at fixed
parameters with its exact gradient (for checking); training follows each
phase's own gradient (:meth:`AdversarialAutoencoder.phase_loss_and_grads`).
With labels (``fit(X, y)``, ``prior="mixture"``) class c is mapped onto
component c (the paper's §2.3).  The defaults follow Makhzani et al.'s MNIST
setting where it trained here (8-D code, prior scale 5, sigmoid output) with
the Bernoulli likelihood and Adam: reconstruction step 3e-3, generator and
discriminator 1e-3, two discriminator steps per batch (measured in
``docs/adversarial.md``).  A fit whose discriminator wins or whose
reconstruction loss rises raises a :class:`npae.ConvergenceWarning`.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validation import check_layer_sizes
from ..estimator.hyperparams import Boolean, Interval, LayerSizes, NoneValue, Options, Param
from ..terms.mmd import rbf_mmd2
from ..nn import ACTIVATIONS, MLP, get_activation, get_ops
from ..nn.losses import (decoder_last_activation, decoder_output, discriminator_loss,
                         generator_loss, reconstruction_loss)
from ..terms.priors import PRIORS
from ..estimator.registry import register
from ._adversarial_prior import PHASES, PriorMixin, prior_occupancy
from ..estimator.base import BaseAutoencoder
from ..estimator.training import ConvergenceWarning, ParamGroup

__all__ = ["AdversarialAutoencoder", "discriminator_loss", "generator_loss", "rbf_mmd2",
           "PRIORS", "PHASES", "prior_occupancy"]

#: Last-epoch discriminator accuracy above which the codes miss the prior (docs/adversarial.md).
DISCRIMINATOR_WINS = 0.8


@register("aae")
class AdversarialAutoencoder(PriorMixin, BaseAutoencoder):
    """Adversarial autoencoder with hand-written gradients for all three phases.

    Parameters
    ----------
    hidden : int or tuple of int, default=(256,)
        Encoder hidden sizes, *without* the code layer (whose size is
        ``latent_dim``): d → 256 → latent_dim.
    latent_dim : int, default=8
        Code size k (Makhzani et al.'s MNIST value; 2 for pictures of the codes).
    decoder_hidden : tuple of int or None, default=None
        Decoder hidden sizes; None mirrors ``hidden``.
    discriminator_hidden : int or tuple of int, default=(128, 128)
        Hidden sizes of D_ψ: k (+ K one-hot labels) → ... → 1 logit.
    activation, discriminator_activation : str, default="relu", "leaky_relu"
        (a leaky unit keeps the gradient to the encoder alive where a ReLU is off)
    code_activation, output_activation : str, default="identity", None
        Linear codes (to match an unbounded prior); the output as :class:`npae.Autoencoder`.
    loss : {"mse", "bce"}, default="bce"
        Reconstruction loss ℓ (see :class:`npae.Autoencoder`): the Bernoulli
        likelihood for data in [0, 1] (see "Defaults" above); "mse" for
        other data.
    prior : {"gaussian", "mixture", "uniform"}, default="gaussian"
    n_components : int, default=10
        K, the number of mixture components (prior="mixture").  With labels,
        at least the number of classes.
    prior_scale : float, default=5.0
        s: Gaussian standard deviation; half-width of the uniform box; the
        mixture's circle radius is 4s and its component standard deviation s/2.
    discriminator_learning_rate, discriminator_steps : float, int, default=1e-3, 2
        Discriminator step size and steps per minibatch (fresh prior draws each):
        a weak one cannot show the encoder where codes miss the prior.  Mixture: 3e-3, 3.
    generator_learning_rate : float or None, default=1e-3
        Step size of the generator phase; None uses ``learning_rate``.
    supervised : bool, default=False
        True: the supervised variant, ``fit(X, y)`` puts class ``c`` on mixture
        component ``c`` (needs prior="mixture").  False: ``y`` is ignored (as
        for every unsupervised family: scikit-learn passes one to ``fit``).

    Attributes
    ----------
    params_ : dict name -> ndarray
        ``encoder.l.*``, ``decoder.l.*``, ``discriminator.l.*`` (in this order
        in the flat buffer).
    history_ : dict of lists
        Per epoch: "reconstruction", "discriminator" (L_D), "generator" (L_G),
        "discriminator_accuracy" (on the training batches, before the
        discriminator's step; ½ is chance), "loss" (their total), "val_loss",
        "time".
    supervised_ : bool
        True when fitted as the supervised variant (``supervised=True`` and labels).
    classes_ : ndarray
        The labels seen at fit time (component c serves ``classes_[c]``); empty
        when unsupervised.
    encoder_, decoder_, discriminator_ : npae.nn.MLP

    Notes
    -----
    ``learning_rate`` is the reconstruction phase's step; one fresh optimizer per phase ("adam":
    β1 = 0.5 in the adversarial ones); weight decay joins phases (1) and (2).

    Examples
    --------
    >>> import numpy as np, npae
    >>> X = np.random.default_rng(0).random((64, 6))
    >>> aae = npae.AdversarialAutoencoder(hidden=(8,), latent_dim=2, epochs=2).fit(X)
    >>> aae.transform(X).shape, aae.sample(3, rng=0).shape
    ((64, 2), (3, 6))
    """

    _examples = ({"hidden": (5,), "latent_dim": 2, "discriminator_hidden": (4,)},
                 {"hidden": (5,), "latent_dim": 2, "discriminator_hidden": (4,), "prior": "mixture",
                  "n_components": 3, "loss": "bce", "weight_decay": 0.01})
    _renamed = {"prior_components": "n_components"}
    _parameters = {
        "hidden": Param((256,), LayerSizes(allow_empty=True)),
        "latent_dim": Param(8, Interval("int", 1, None)),
        "decoder_hidden": Param(None, NoneValue(), LayerSizes(allow_empty=True)),
        "discriminator_hidden": Param((128, 128), LayerSizes(allow_empty=True)),
        "activation": Param("relu", Options(*ACTIVATIONS)),
        "discriminator_activation": Param("leaky_relu", Options(*ACTIVATIONS)),
        "code_activation": Param("identity", Options(*ACTIVATIONS)),
        "output_activation": Param(None, NoneValue(), Options(*ACTIVATIONS)),
        "loss": Param("bce", Options("mse", "bce")),
        "prior": Param("gaussian", Options(*PRIORS)),
        "n_components": Param(10, Interval("int", 1, None)),
        "prior_scale": Param(5.0, Interval("real", 0, None, closed="neither")),
        "discriminator_learning_rate": Param(1e-3, Interval("real", 0, None, closed="neither")),
        "discriminator_steps": Param(2, Interval("int", 1, None)),
        "generator_learning_rate": Param(1e-3, NoneValue(), Interval("real", 0, None, closed="neither")),
        "learning_rate": Param(3e-3),
        "supervised": Param(False, Boolean()),
    }
    _state = ("supervised_", "classes_")
    _diagnostics = ("discriminator_accuracy",)

    def _check_settings(self):
        if self.optimizer == "lbfgs":
            raise ValueError(
                "the adversarial autoencoder alternates three phases on every minibatch "
                "and has no single objective for L-BFGS; use optimizer='adam' (or 'sgd', "
                "'momentum')"
            )
        if self.prior == "mixture" and self.latent_dim < 2:
            raise ValueError(
                "prior='mixture' places its components on a circle in the first two code "
                f"dimensions and needs latent_dim >= 2, got latent_dim={self.latent_dim}"
            )
        decoder_last_activation(self.loss, self.output_activation)

    # ---------------------------------------------------------------- build
    def _build(self, n_features, y=None):
        hidden = check_layer_sizes(self.hidden, "hidden", allow_empty=True)
        dec = hidden[::-1] if self.decoder_hidden is None else \
            check_layer_sizes(self.decoder_hidden, "decoder_hidden", allow_empty=True)
        dis = check_layer_sizes(self.discriminator_hidden, "discriminator_hidden", allow_empty=True)
        k = int(self.latent_dim)
        act = get_activation(self.activation)
        dec_last = decoder_last_activation(self.loss, self.output_activation)
        self.encoder_ = MLP.build("encoder", (n_features, *hidden, k),
                                  [act] * len(hidden) + [self.code_activation])
        self.decoder_ = MLP.build("decoder", (k, *dec, n_features),
                                  [act] * len(dec) + [dec_last])
        # The supervised discriminator sees [z, one-hot(y)] (Makhzani et al. §2.3).
        n_in = k + (self.n_components if getattr(self, "supervised_", False) else 0)
        self.discriminator_ = MLP.build(
            "discriminator", (n_in, *dis, 1),
            [self.discriminator_activation] * len(dis) + ["identity"])
        # Order matters: encoder | decoder | discriminator, so that each phase's
        # optimizer owns one contiguous slice of the flat buffer.
        return {**self.encoder_.param_shapes(), **self.decoder_.param_shapes(),
                **self.discriminator_.param_shapes()}

    def _init_params(self, rng):
        return {**self.encoder_.init_params(rng, self._dtype, self.init),
                **self.decoder_.init_params(rng, self._dtype, self.init),
                **self.discriminator_.init_params(rng, self._dtype, self.init)}

    def _code_size(self):
        return int(self.latent_dim)

    def _groups(self):
        """Parameter names of (encoder, decoder, discriminator)."""
        return (list(self.encoder_.param_shapes()), list(self.decoder_.param_shapes()),
                list(self.discriminator_.param_shapes()))

    # --------------------------------------------------------------- phases
    def _phase(self, params, X, comp, rng, ops, grads, phase, full=True):
        """Loss of one phase at ``params``; its gradient is added into ``grads``.

        ``full=True``: the gradient with respect to every parameter the phase
        loss depends on (checks, the total); ``full=False`` (training): only
        what the phase's optimizer uses.  Returns (value, the discriminator's
        accuracy on the 2n rows for phase 2, else None).
        """
        k = int(self.latent_dim)
        if phase == "reconstruction":
            Z, enc_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, k)
            out, dec_cache = self.decoder_.forward(params, Z, ops)  # (n, k) -> (n, d)
            value, dout = reconstruction_loss(self.loss, out, X)
            dZ = self.decoder_.backward(params, dec_cache, dout, grads, ops)
            self.encoder_.backward(params, enc_cache, dZ, grads, ops, need_dX=False)
            return value, None
        if phase == "discriminator":
            # z_p ~ p(z); supervised: row i's draw comes from its own class's component.
            Zp = self._draw_prior(rng, X.shape[0], comp)
            Zq, enc_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, k)
            a_p, cache_p = self.discriminator_.forward(params, self._disc_input(Zp, comp), ops)
            a_q, cache_q = self.discriminator_.forward(params, self._disc_input(Zq, comp), ops)
            value, da_p, da_q = discriminator_loss(a_p, a_q)
            self.discriminator_.backward(params, cache_p, da_p, grads, ops, need_dX=False)
            dIn = self.discriminator_.backward(params, cache_q, da_q, grads, ops, need_dX=full)
            if full:
                # L_D depends on θ through the codes it classifies as fake.
                self.encoder_.backward(params, enc_cache, dIn[:, :k], grads, ops, need_dX=False)
            accuracy = (np.count_nonzero(a_p > 0) + np.count_nonzero(a_q < 0)) / (2 * X.shape[0])
            return value, float(accuracy)
        if phase == "generator":
            Zq, enc_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, k)
            a_q, cache_q = self.discriminator_.forward(params, self._disc_input(Zq, comp), ops)
            value, da_q = generator_loss(a_q)
            # The encoder-through-discriminator path: dL_G/dz = (dL_G/da) (da/dz),
            # the discriminator's input gradient (its label columns are dropped).
            dIn = self.discriminator_.backward(params, cache_q, da_q, grads if full else {}, ops)
            self.encoder_.backward(params, enc_cache, dIn[:, :k], grads, ops, need_dX=False)
            return value, None
        raise ValueError(f"unknown phase {phase!r}; expected one of {list(PHASES)}")

    def _loss(self, params, X, y, rng, ops, grads):
        """The total L_rec + L_D + L_G at fixed parameters, with its exact gradient."""
        terms = {}
        for phase in PHASES:
            terms[phase] = self._phase(params, X, y, rng, ops, grads, phase, full=True)[0]
        return terms

    # ------------------------------------------------------------- training
    def _param_groups(self):
        """encoder+decoder | discriminator | encoder; Adam's β1 = 0.5 in the adversarial
        phases (Radford et al. 2016); no weight decay in (3): the encoder decays once."""
        enc, dec, dis = self._groups()
        gan = {"beta1": 0.5} if self.optimizer == "adam" else {}
        g_lr = self.generator_learning_rate or self.learning_rate  # None: the reconstruction's
        return [ParamGroup(tuple(enc + dec), self.learning_rate, "reconstruction"),
                ParamGroup(tuple(dis), self.discriminator_learning_rate, "discriminator", options=gan,
                           repeats=int(self.discriminator_steps)),
                ParamGroup(tuple(enc), g_lr, "generator", weight_decay=False, options=gan)]

    def _after_fit(self):
        """Warn when the game is not converging (naming the measure that says so)."""
        h = self.history_
        rec, acc = h.get("reconstruction", []), h.get("discriminator_accuracy", [])
        if len(rec) >= 2 and rec[-1] > 1.1 * min(rec):
            warnings.warn(
                f"the reconstruction loss rose from {min(rec):.4g} to {rec[-1]:.4g} (last "
                "epoch): the encoder is pulled away by the adversarial phase; lower "
                "generator_learning_rate or learning_rate", ConvergenceWarning, stacklevel=4)
        if len(acc) >= 2 and acc[-1] > DISCRIMINATOR_WINS:
            warnings.warn(
                f"discriminator_accuracy is {acc[-1]:.2f} in the last epoch (0.5 = chance): "
                "the codes do not match the prior yet; train longer, or raise "
                "generator_learning_rate", ConvergenceWarning, stacklevel=4)

    def _phase_loss(self, phase, params, X, y, rng, ops, grads):
        """The phase's loss with only the gradient its optimizer uses (``full=False``)."""
        value, acc = self._phase(params, X, y, rng, ops, grads, phase, full=False)
        return {phase: value} if acc is None else {phase: value, "discriminator_accuracy": acc}

    def _encode(self, params, X):
        return self.encoder_.forward(params, X, get_ops(True))[0]

    def _decode(self, params, Z):
        return decoder_output(self.loss, self.decoder_.forward(params, Z, get_ops(True))[0])
