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

import copy

import numpy as np

from .._validation import (check_array, check_choice, check_labels, check_layer_sizes,
                           check_positive, check_rng)
from ..nn import MLP, get_activation, get_ops
from ..nn.activations import SIGMOID
from ..nn.losses import bernoulli_cross_entropy, squared_error
from ..optim import make_optimizer
from ..penalties import weight_decay
from .base import BaseAutoencoder

__all__ = ["AdversarialAutoencoder", "discriminator_loss", "generator_loss", "rbf_mmd2",
           "PRIORS", "PHASES"]

PRIORS = ("gaussian", "mixture", "uniform")
PHASES = ("reconstruction", "discriminator", "generator")


def _softplus(a):
    """log(1 + e^a) without overflow."""
    return np.logaddexp(0.0, a)


def discriminator_loss(logits_prior, logits_code):
    """L_D from the discriminator's logits on prior samples (label 1) and codes (label 0).

    L_D = (1/2n) [Σ_i softplus(−a_p^(i)) + Σ_i softplus(a_q^(i))]
        = the logistic (binary cross-entropy) loss averaged over the 2n rows.

    Parameters
    ----------
    logits_prior : ndarray of shape (n, 1)
        a_ψ(z_p) for prior samples z_p ~ p(z).
    logits_code : ndarray of shape (n, 1)
        a_ψ(q_θ(x)) for the codes of the batch.

    Returns
    -------
    value : float
    dlogits_prior, dlogits_code : ndarrays of the shapes of the inputs
        dL/da_p = −σ(−a_p)/2n = (σ(a_p) − 1)/2n,   dL/da_q = σ(a_q)/2n.
    """
    m = logits_prior.shape[0] + logits_code.shape[0]
    value = (float(np.sum(_softplus(-logits_prior))) + float(np.sum(_softplus(logits_code)))) / m
    d_prior = (SIGMOID.forward(logits_prior) - 1.0) / m
    d_code = SIGMOID.forward(logits_code) / m
    return value, d_prior, d_code


def generator_loss(logits_code):
    """L_G = (1/n) Σ_i −log D(q_θ(x^(i))) = (1/n) Σ_i softplus(−a_q^(i)) (non-saturating).

    Returns
    -------
    value : float
    dlogits_code : ndarray of shape (n, 1)
        dL/da_q = (σ(a_q) − 1)/n: large when the discriminator rejects a code,
        which is why this form trains better than minimising log(1 − D).
    """
    n = logits_code.shape[0]
    value = float(np.sum(_softplus(-logits_code))) / n
    return value, (SIGMOID.forward(logits_code) - 1.0) / n


def rbf_mmd2(A, B, bandwidth=None):
    """Unbiased squared maximum mean discrepancy with a Gaussian (RBF) kernel.

    MMD² = E k(a, a') + E k(b, b') − 2 E k(a, b),  k(u, v) = Σ_h exp(−‖u − v‖² / (2 h²)),
    with the U-statistic (diagonal terms left out) for the first two means
    (Gretton et al. 2012).  Near 0 when A and B come from the same distribution
    (it can be slightly negative); used to measure how close the codes q(z)
    are to the prior p(z).  One bandwidth of the order of the data's spread only
    sees coarse differences (mean, covariance); a sum of kernels over several
    bandwidths (``bandwidth="multiscale"``) also sees finer structure, such as
    codes that fill the gaps between the components of a mixture prior.

    Parameters
    ----------
    A : ndarray of shape (n, k)
    B : ndarray of shape (m, k)
    bandwidth : float, sequence of float, "median", "multiscale" or None
        h.  None or "median": the median pairwise distance m_B within ``B``
        (pass the prior samples as B so that the yardstick does not move with
        the codes); "multiscale": the kernels of h = m_B × (1/8, 1/4, 1/2, 1, 2)
        summed.

    Returns
    -------
    float
    """
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B must be 2-D with the same number of columns, got "
                         f"{A.shape} and {B.shape}")
    if A.shape[0] < 2 or B.shape[0] < 2:
        raise ValueError("rbf_mmd2 needs at least 2 rows in A and in B")

    def sq(U, V):
        d = np.sum(U * U, 1)[:, None] + np.sum(V * V, 1)[None, :] - 2.0 * U @ V.T
        return np.maximum(d, 0.0)

    dAA, dBB, dAB = sq(A, A), sq(B, B), sq(A, B)
    if bandwidth is None or isinstance(bandwidth, str):
        check_choice("median" if bandwidth is None else bandwidth, "bandwidth",
                     {"median", "multiscale"})
        med = float(np.sqrt(np.median(dBB[np.triu_indices(len(B), 1)])))
        widths = [med] if bandwidth in (None, "median") else \
            [med * f for f in (0.125, 0.25, 0.5, 1.0, 2.0)]
    else:
        widths = [bandwidth] if np.ndim(bandwidth) == 0 else list(bandwidth)
    for h in widths:
        check_positive(h, "bandwidth")
    n, m = len(A), len(B)
    total = 0.0
    for h in widths:
        g = 1.0 / (2.0 * h**2)
        kAA, kBB, kAB = np.exp(-g * dAA), np.exp(-g * dBB), np.exp(-g * dAB)
        total += ((kAA.sum() - np.trace(kAA)) / (n * (n - 1))
                  + (kBB.sum() - np.trace(kBB)) / (m * (m - 1)) - 2.0 * kAB.mean())
    return float(total)


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
        True when fitted with labels.
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

    def __init__(self, hidden=(256,), latent_dim=2, decoder_hidden=None,
                 discriminator_hidden=(128, 128), activation="relu",
                 discriminator_activation="leaky_relu", code_activation="identity",
                 output_activation=None, loss="mse", prior="gaussian", prior_components=10,
                 prior_scale=1.0, weight_decay=0.0, init="auto", optimizer="adam",
                 learning_rate=1e-3, discriminator_learning_rate=2e-4,
                 generator_learning_rate=None, batch_size=128,
                 epochs=10, validation_data=None, random_state=0, dtype="float64",
                 verbose=False):
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.decoder_hidden = decoder_hidden
        self.discriminator_hidden = discriminator_hidden
        self.activation = activation
        self.discriminator_activation = discriminator_activation
        self.code_activation = code_activation
        self.output_activation = output_activation
        self.loss = loss
        self.prior = prior
        self.prior_components = prior_components
        self.prior_scale = prior_scale
        self.weight_decay = weight_decay
        self.init = init
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.discriminator_learning_rate = discriminator_learning_rate
        self.generator_learning_rate = generator_learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_data = validation_data
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose

    # ----------------------------------------------------------- validation
    def _validate_hyperparameters(self):
        super()._validate_hyperparameters()
        if self.optimizer == "lbfgs":
            raise ValueError(
                "the adversarial autoencoder alternates three phases on every minibatch "
                "and has no single objective for L-BFGS; use optimizer='adam' (or 'sgd', "
                "'momentum')"
            )
        check_positive(self.discriminator_learning_rate, "discriminator_learning_rate")
        if self.generator_learning_rate is not None:
            check_positive(self.generator_learning_rate, "generator_learning_rate")
        check_positive(self.latent_dim, "latent_dim", integer=True)
        check_choice(self.prior, "prior", set(PRIORS))
        check_positive(self.prior_components, "prior_components", integer=True)
        check_positive(self.prior_scale, "prior_scale")
        if self.prior == "mixture" and self.latent_dim < 2:
            raise ValueError(
                "prior='mixture' places its components on a circle in the first two code "
                f"dimensions and needs latent_dim >= 2, got latent_dim={self.latent_dim}"
            )
        check_layer_sizes(self.hidden, "hidden", allow_empty=True)
        check_layer_sizes(self.discriminator_hidden, "discriminator_hidden", allow_empty=True)
        if self.decoder_hidden is not None:
            check_layer_sizes(self.decoder_hidden, "decoder_hidden", allow_empty=True)
        self._output_activation()

    def _validate_y(self, y, n_samples, fitting=False):
        """Labels select the mixture component of each row (supervised AAE); optional."""
        if fitting:
            if y is None:
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
        dec_last = "identity" if self.loss == "bce" else self._output_activation()
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
    def _mixture_means(self):
        """(K, k) component means: on a circle of radius 4s in (z1, z2), 0 elsewhere."""
        K, s = int(self.prior_components), float(self.prior_scale)
        angles = 2.0 * np.pi * np.arange(K) / K
        means = np.zeros((K, int(self.latent_dim)))
        means[:, 0] = 4.0 * s * np.cos(angles)
        means[:, 1] = 4.0 * s * np.sin(angles)
        return means

    def _draw_prior(self, rng, n, components=None):
        """n draws z ~ p(z) (row i from mixture component ``components[i]`` if given)."""
        k, s = int(self.latent_dim), float(self.prior_scale)
        if self.prior == "gaussian":
            Z = s * rng.standard_normal((n, k))
        elif self.prior == "uniform":
            Z = rng.uniform(-s, s, size=(n, k))
        else:
            if components is None:
                components = rng.integers(int(self.prior_components), size=n)
            Z = self._mixture_means()[components] + 0.5 * s * rng.standard_normal((n, k))
        return Z.astype(self._dtype, copy=False)

    def _disc_input(self, Z, comp):
        """The discriminator's input: z, or [z, one-hot(component)] when supervised."""
        if comp is None:
            return Z
        onehot = np.zeros((Z.shape[0], int(self.prior_components)), dtype=Z.dtype)
        onehot[np.arange(Z.shape[0]), comp] = 1.0
        return np.hstack([Z, onehot])  # (n, k + K)

    # --------------------------------------------------------------- phases
    def _reconstruction_loss(self, out, X):
        if self.loss == "bce":
            return bernoulli_cross_entropy(out, X)
        return squared_error(out, X)

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
            value, dout = self._reconstruction_loss(out, X)
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
    def _make_optimizers(self):
        enc, dec, dis = self._groups()
        self._slices = {
            "reconstruction": self._flat.slice_of(enc + dec),
            "discriminator": self._flat.slice_of(dis),
            "generator": self._flat.slice_of(enc),
        }
        g_lr = self.learning_rate if self.generator_learning_rate is None \
            else self.generator_learning_rate
        rates = {"reconstruction": self.learning_rate,
                 "discriminator": self.discriminator_learning_rate, "generator": g_lr}
        self._optimizers = {}
        for phase in PHASES:
            lr = rates[phase]
            if hasattr(self.optimizer, "step"):
                self._optimizers[phase] = copy.deepcopy(self.optimizer)
            elif self.optimizer == "adam" and phase != "reconstruction":
                self._optimizers[phase] = make_optimizer("adam", lr, beta1=0.5)
            else:
                self._optimizers[phase] = make_optimizer(self.optimizer, lr)

    def _train_step(self, Xb, yb, rng, grads):
        """The three phases in turn, each followed by its own optimizer's step."""
        ops = get_ops(True)
        params, theta = self.params_, self._flat.flat
        enc, dec, dis = self._groups()
        wd_names = {"reconstruction": [n for n in enc + dec if n.endswith(".W")],
                    "discriminator": [n for n in dis if n.endswith(".W")]}
        terms = {}
        wd = 0.0
        for phase in PHASES:
            grads.flat.fill(0.0)
            value, acc = self._phase(params, Xb, yb, rng, ops, grads.views, phase, full=False)
            if self.weight_decay and phase in wd_names:
                wd += weight_decay(params, wd_names[phase], self.weight_decay, grads.views)
            s = self._slices[phase]
            self._optimizers[phase].step(theta[s], grads.flat[s])
            terms[phase] = value
            if acc is not None:
                terms["discriminator_accuracy"] = acc
        if self.weight_decay:
            terms["weight_decay"] = wd
        return terms

    def _record(self, epoch, terms, val, seconds):
        # The accuracy is a diagnostic, not a loss term: keep it out of the total.
        terms = dict(terms)
        acc = terms.pop("discriminator_accuracy", None)
        super()._record(epoch, terms, val, seconds)
        if acc is not None:
            self.history_.setdefault("discriminator_accuracy", []).append(float(acc))

    # ------------------------------------------------------------ inference
    def _encode(self, params, X):
        return self.encoder_.forward(params, X, get_ops(True))[0]

    def _decode(self, params, Z):
        out = self.decoder_.forward(params, Z, get_ops(True))[0]
        if self.loss == "bce":
            out = SIGMOID.forward(out)
        return out

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
    def _extra_state(self):
        return {"supervised_": np.array(bool(getattr(self, "supervised_", False))),
                "classes_": np.asarray(getattr(self, "classes_", np.zeros(0, np.int64)))}

    def _set_extra_state(self, state):
        self.supervised_ = bool(state.get("supervised_", False))
        self.classes_ = np.asarray(state.get("classes_", np.zeros(0, np.int64)), dtype=np.int64)

