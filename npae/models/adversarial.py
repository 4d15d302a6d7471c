"""The adversarial autoencoder (AAE): a discriminator on the codes imposes a prior.

Reference: A. Makhzani, J. Shlens, N. Jaitly, I. Goodfellow, B. Frey,
*Adversarial Autoencoders*, arXiv:1511.05644 (2015); Caron, *Literature review –
Autoencoders* (2020), §2.7.

Objective: a minimax game, played in three phases on every minibatch
(mean over the n rows of the batch; D_ψ(z) = σ(a_ψ(z)), a_ψ the logit)::

    (1) reconstruction   min_{θ,φ}  L_rec = (1/n) Σ_i ℓ(x^(i), p_φ(q_θ(x^(i))))
    (2) discriminator    min_ψ      L_D   = (1/2n) Σ_i [ −log D_ψ(z_p^(i))
                                                     − log(1 − D_ψ(q_θ(x^(i)))) ]
    (3) generator        min_θ      L_G   = (1/n) Σ_i −log D_ψ(q_θ(x^(i)))

with z_p^(i) ~ p(z) drawn afresh for every batch.  Phase (3) is the
"non-saturating" generator loss of Goodfellow et al. (2014): the encoder q_θ
plays the generator of a GAN whose data distribution is the prior p(z), so the
aggregated posterior q(z) = ∫ q_θ(z|x) p_d(x) dx is pushed towards p(z) (the
review's §2.7).  From logits, −log σ(a) = softplus(−a) and
−log(1 − σ(a)) = softplus(a).  At chance (D = ½ everywhere) L_D = L_G = log 2.

Symbols: x input row, z = q_θ(x) the deterministic code (encoder θ),
x̂ = p_φ(z) the reconstruction (decoder φ), D_ψ the discriminator (ψ), p(z)
the prior ("gaussian": N(0, s² I); "uniform": U[−s, s]^k; "mixture": K
Gaussians with means on a circle of radius 4s in the first two code
dimensions and standard deviation s/2), s = ``prior_scale``.

Each phase has its own optimizer over its own contiguous slice of the flat
parameter buffer, ordered encoder | decoder | discriminator: phase (1) updates
encoder+decoder, (2) the discriminator, (3) the encoder alone — through the
gradient that flows from the discriminator's logit back into the code and the
encoder (``MLP.backward`` of the discriminator with ``need_dX=True``).

What ``loss_and_grads`` returns.  The game has no single objective, so for
gradient checking and monitoring npae defines the *total*
``L = L_rec + L_D + L_G (+ weight decay)`` at fixed parameters and returns its
exact gradient with respect to every parameter (so L_D contributes an encoder
gradient through the codes and L_G a discriminator gradient).  Training never
follows that total: each phase uses its own loss's gradient restricted to its
own parameters.  :meth:`AdversarialAutoencoder.phase_loss_and_grads` returns
each phase's loss and its full gradient, so every phase — including the
encoder-through-discriminator path — can be checked on its own.

Supervised variant (Makhzani et al. §2.3, "incorporating label information in
the adversarial regularization"):
``fit(X, y)`` with ``prior="mixture"`` gives one mixture component per class;
the discriminator also receives the one-hot label, prior samples of row i come
from component y_i, and the encoder is thereby pushed to map class c onto
component c.  (The paper's extra "unlabelled" class is not implemented: every
row needs its label.)

Adversarial training is fragile; what was measured on 6,000 digits with 2-D
codes (``benchmarks/results/aae_concrete.md``): with the defaults the Gaussian
and uniform priors are matched within 20 epochs (discriminator at chance); the
discriminator must be slower than the encoder (with the generator also at
2e-4 it wins and the codes drift away); a mixture prior needs a much longer
game (after 60 epochs the codes still fill the ring's hole); and with labels
a digit whose codes first settle near another digit's component tends to stay
there, so the supervised variant can end with a partly permuted assignment,
more often on small data.
"""

from __future__ import annotations

import numpy as np

from .._validation import (check_array, check_choice, check_labels, check_layer_sizes,
                           check_positive, check_rng)
from ..hyperparams import Boolean, Interval, LayerSizes, NoneValue, Options, Param
from ..mmd import rbf_mmd2
from ..nn import ACTIVATIONS, MLP, get_activation, get_ops
from ..nn.activations import SIGMOID
from ..nn.losses import (decoder_last_activation, decoder_output, discriminator_loss,
                         generator_loss, reconstruction_loss)
from ..priors import PRIORS, draw_prior
from ..registry import register
from .base import BaseAutoencoder
from .training import ParamGroup

__all__ = ["AdversarialAutoencoder", "discriminator_loss", "generator_loss", "rbf_mmd2",
           "PRIORS", "PHASES"]

PHASES = ("reconstruction", "discriminator", "generator")


@register("aae")
class AdversarialAutoencoder(BaseAutoencoder):
    """Adversarial autoencoder with hand-written gradients for all three phases.

    Parameters
    ----------
    hidden : int or tuple of int, default=(256,)
        Encoder hidden sizes, *without* the code layer (whose size is
        ``latent_dim``): d → 256 → latent_dim.
    latent_dim : int, default=2
        Code size k.
    decoder_hidden : tuple of int or None, default=None
        Decoder hidden sizes; None mirrors ``hidden``.
    discriminator_hidden : int or tuple of int, default=(128, 128)
        Hidden sizes of D_ψ: k (+ K one-hot labels) → ... → 1 logit.
    activation : str, default="relu"
        Encoder and decoder hidden units.
    discriminator_activation : str, default="leaky_relu"
        The discriminator's hidden units (a leaky unit keeps the gradient that
        reaches the encoder from vanishing where a ReLU would be off).
    code_activation : str, default="identity"
        Linear codes, so that they can match an unbounded prior.
    output_activation : str or None, default=None
        None: "identity" for loss="mse", "sigmoid" (fused) for loss="bce".
    loss : {"mse", "bce"}, default="mse"
        Reconstruction loss ℓ (see :class:`npae.Autoencoder`).
    prior : {"gaussian", "mixture", "uniform"}, default="gaussian"
    prior_components : int, default=10
        K, the number of mixture components (prior="mixture").  With labels,
        at least the number of classes.
    prior_scale : float, default=1.0
        s: Gaussian standard deviation; half-width of the uniform box; the
        mixture's circle radius is 4s and its component standard deviation s/2.
    weight_decay : float, default=0.0
        (λ/2) Σ ‖W‖² on every weight matrix.  In training its gradient joins
        phase (1) for encoder and decoder weights and phase (2) for the
        discriminator's (not phase (3), so the encoder is decayed once per step).
    init : {"auto", "glorot", "he"}, default="auto"
    optimizer : {"adam", "sgd", "momentum"} or optimizer object, default="adam"
        One fresh optimizer per phase (an object is deep-copied three times).
        With "adam", the two adversarial phases use β1 = 0.5, the usual choice
        for GANs (Radford et al. 2016); the reconstruction phase β1 = 0.9.
    learning_rate : float, default=1e-3
        Step size of the reconstruction phase.
    discriminator_learning_rate : float, default=2e-4
        Step size of the discriminator phase.  Smaller than the encoder's: the
        game is fragile, and a discriminator that wins starves the encoder of
        useful gradient (measured on the digits: with 2e-4 for both adversarial
        phases the discriminator stayed at ~80% accuracy and the codes moved
        *away* from the prior; see ``benchmarks/results/aae_concrete.md``).
    generator_learning_rate : float or None, default=None
        Step size of the generator phase; None uses ``learning_rate`` (both
        phases move the encoder).
    supervised : bool, default=False
        True: the supervised variant, ``fit(X, y)`` puts class ``c`` on mixture
        component ``c`` (needs prior="mixture").  False: ``y`` is ignored (as
        for every unsupervised family: scikit-learn passes one to ``fit``).
    batch_size : int, default=128
    epochs : int, default=10
    validation_data : array-like, (X, y) tuple or None
        ``history_["val_loss"]`` gets the total L on it per epoch.
    random_state : int, Generator or None, default=0
        Seeds the initialisation, the minibatch order and the prior draws.
    dtype : {"float64", "float32"}, default="float64"
    verbose : bool, default=False

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
                  "prior_components": 3, "loss": "bce", "weight_decay": 0.01})
    _parameters = {
        "hidden": Param((256,), LayerSizes(allow_empty=True)),
        "latent_dim": Param(2, Interval("int", 1, None)),
        "decoder_hidden": Param(None, NoneValue(), LayerSizes(allow_empty=True)),
        "discriminator_hidden": Param((128, 128), LayerSizes(allow_empty=True)),
        "activation": Param("relu", Options(*ACTIVATIONS)),
        "discriminator_activation": Param("leaky_relu", Options(*ACTIVATIONS)),
        "code_activation": Param("identity", Options(*ACTIVATIONS)),
        "output_activation": Param(None, NoneValue(), Options(*ACTIVATIONS)),
        "loss": Param("mse", Options("mse", "bce")),
        "prior": Param("gaussian", Options(*PRIORS)),
        "prior_components": Param(10, Interval("int", 1, None)),
        "prior_scale": Param(1.0, Interval("real", 0, None, closed="neither")),
        "discriminator_learning_rate": Param(2e-4, Interval("real", 0, None, closed="neither")),
        "generator_learning_rate": Param(None, NoneValue(), Interval("real", 0, None, closed="neither")),
        "supervised": Param(False, Boolean()),
    }
    _state = ("supervised_", "classes_")
    _diagnostics = ("discriminator_accuracy",)

    # ----------------------------------------------------------- validation
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

    def _validate_y(self, y, n_samples, fitting=False):
        """Labels select the mixture component of each row, only with ``supervised=True``
        (otherwise ``y`` is ignored, as scikit-learn passes one to every ``fit``)."""
        if fitting:
            if self.supervised and y is None:
                raise ValueError("supervised=True needs the class labels: call fit(X, y)")
            if y is None or not self.supervised:
                self.supervised_ = False
                self.classes_ = np.zeros(0, dtype=np.int64)
                return None
            y = check_labels(y, n_samples)
            if self.prior != "mixture":
                raise ValueError(
                    f"labels were given with prior={self.prior!r}; the supervised AAE gives "
                    "each class its own component and needs prior='mixture' (or call fit(X) "
                    "without labels)"
                )
            classes = np.unique(y)
            if classes.size > self.prior_components:
                raise ValueError(
                    f"y has {classes.size} classes but the prior has prior_components="
                    f"{self.prior_components}; set prior_components >= {classes.size}"
                )
            self.supervised_ = True
            self.classes_ = classes
            return np.searchsorted(classes, y)
        if not getattr(self, "supervised_", False):
            return None  # unsupervised model: labels are not used
        if y is None:
            raise ValueError(
                "this AdversarialAutoencoder was fitted with labels (supervised variant); "
                "pass y as well"
            )
        y = check_labels(y, n_samples)
        idx = np.searchsorted(self.classes_, y)
        idx = np.minimum(idx, self.classes_.size - 1)
        unknown = self.classes_[idx] != y
        if np.any(unknown):
            raise ValueError(
                f"y holds labels not seen at fit time: {np.unique(y[unknown]).tolist()}; "
                f"known labels are {self.classes_.tolist()}"
            )
        return idx

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
        n_in = k + (self.prior_components if getattr(self, "supervised_", False) else 0)
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

    # --------------------------------------------------------------- prior
    def _draw_prior(self, rng, n, components=None):
        """n draws z ~ p(z) (row i from mixture component ``components[i]`` if given)."""
        return draw_prior(self.prior, rng, n, self.latent_dim, self.prior_scale,
                          self.prior_components, components, self._dtype)

    def _disc_input(self, Z, comp):
        """The discriminator's input: z, or [z, one-hot(component)] when supervised."""
        if comp is None:
            return Z
        onehot = np.zeros((Z.shape[0], int(self.prior_components)), dtype=Z.dtype)
        onehot[np.arange(Z.shape[0]), comp] = 1.0
        return np.hstack([Z, onehot])  # (n, k + K)

    # --------------------------------------------------------------- phases
    def _phase(self, params, X, comp, rng, ops, grads, phase, full=True):
        """Loss of one phase at ``params``; its gradient is added into ``grads``.

        ``full=True`` adds the gradient with respect to *every* parameter the
        phase loss depends on (for checking and for the total);
        ``full=False`` (training) only what the phase's optimizer uses:
        phase (2) then skips the backward pass into the encoder, and phase (3)
        sends the discriminator's own gradient to a scratch dict.

        Returns
        -------
        value : float
        accuracy : float or None
            The discriminator's accuracy on the 2n rows (phase 2 only).
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

    def phase_loss_and_grads(self, X, phase, y=None, rng=None, vectorized=True):
        """One phase's loss and its gradient with respect to every parameter.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        phase : {"reconstruction", "discriminator", "generator"}
        y : array-like of shape (n_samples,), optional
            Labels (required for a model fitted with labels).
        rng : int, Generator or None
            Source of the prior draws (phase "discriminator"); pass the same
            int to hold them fixed.
        vectorized : bool
            Batch path (True) or per-example reference path (False).

        Returns
        -------
        loss : float
            L_rec, L_D or L_G (no weight decay).
        grads : dict name -> ndarray
            Same keys and shapes as ``params_``; zero for parameters the phase
            does not depend on (the decoder for L_D and L_G, the discriminator
            for L_rec).  For "generator" the encoder entries are the gradient
            that flows back through the discriminator; for "discriminator"
            they are L_D's dependence on the codes (which training does not use).
        """
        self._check_fitted()
        check_choice(phase, "phase", set(PHASES))
        X = self._validate_X(X)
        y = self._validate_y(y, X.shape[0])
        grads = {k: np.zeros_like(v) for k, v in self.params_.items()}
        value, _ = self._phase(self.params_, X, y, check_rng(rng), get_ops(vectorized),
                               grads, phase, full=True)
        return float(value), grads

    # ------------------------------------------------------------- training
    def _param_groups(self):
        """One phase per group: encoder+decoder | discriminator | encoder.

        With "adam" the two adversarial phases use β1 = 0.5, the usual choice
        for GANs (Radford et al. 2016).  The generator phase takes no weight
        decay, so that the encoder is decayed once per step.
        """
        enc, dec, dis = self._groups()
        gan = {"beta1": 0.5} if self.optimizer == "adam" else {}
        g_lr = self.learning_rate if self.generator_learning_rate is None \
            else self.generator_learning_rate
        return [ParamGroup(tuple(enc + dec), self.learning_rate, "reconstruction"),
                ParamGroup(tuple(dis), self.discriminator_learning_rate, "discriminator", options=gan),
                ParamGroup(tuple(enc), g_lr, "generator", weight_decay=False, options=gan)]

    def _phase_loss(self, phase, params, X, y, rng, ops, grads):
        """The phase's loss with only the gradient its optimizer uses (``full=False``)."""
        value, acc = self._phase(params, X, y, rng, ops, grads, phase, full=False)
        return {phase: value} if acc is None else {phase: value, "discriminator_accuracy": acc}

    # ------------------------------------------------------------ inference
    def _encode(self, params, X):
        return self.encoder_.forward(params, X, get_ops(True))[0]

    def _decode(self, params, Z):
        return decoder_output(self.loss, self.decoder_.forward(params, Z, get_ops(True))[0])

    def _components(self, component, n):
        """Validate ``component`` (a label, or one per row) -> component indices or None."""
        if component is None:
            return None
        if self.prior != "mixture":
            raise ValueError(f"component= applies to prior='mixture' only (prior={self.prior!r})")
        comp = np.broadcast_to(np.asarray(component), (n,))
        if getattr(self, "supervised_", False):
            return self._validate_y(np.array(comp), n)
        comp = check_labels(np.array(comp), n, name="component")
        if comp.min() < 0 or comp.max() >= self.prior_components:
            raise ValueError(f"component must lie in [0, {self.prior_components - 1}], "
                             f"got {np.unique(comp).tolist()}")
        return comp

    def sample_prior(self, n, rng=None, component=None):
        """n draws z ~ p(z).

        Parameters
        ----------
        n : int
        rng : int, Generator or None
        component : int or array of shape (n,), optional
            Mixture prior only: the component of each draw (a class label of
            ``classes_`` for a model fitted with labels).

        Returns
        -------
        ndarray of shape (n, latent_dim)
        """
        self._check_fitted()
        check_positive(n, "n", integer=True)
        return self._draw_prior(check_rng(rng), int(n), self._components(component, int(n)))

    def sample(self, n, rng=None, component=None):
        """Decode n prior draws: x = p_φ(z), z ~ p(z).  Returns (n, n_features)."""
        Z = self.sample_prior(n, rng, component)  # checks fitted first
        return self._decode(self.params_, Z)

    def discriminate(self, Z, y=None):
        """D_ψ(z): the discriminator's probability that each code came from the prior.

        Parameters
        ----------
        Z : array-like of shape (n, latent_dim)
        y : array-like of shape (n,), optional
            Labels (required when fitted with labels).

        Returns
        -------
        ndarray of shape (n,)
        """
        self._check_fitted()
        Z = check_array(Z, name="Z", dtype=self._dtype, n_features=self.code_size_)
        comp = self._validate_y(y, Z.shape[0])
        logits = self.discriminator_.forward(self.params_, self._disc_input(Z, comp),
                                             get_ops(True))[0]
        return SIGMOID.forward(logits[:, 0])

    # ------------------------------------------------------------ save/load
    def _set_extra_state(self, state):
        self.supervised_ = bool(state.get("supervised_", False))
        self.classes_ = np.asarray(state.get("classes_", np.zeros(0, np.int64)), dtype=np.int64)
