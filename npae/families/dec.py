r"""Deep embedded clustering (DEC): sharpen an autoencoder's codes into clusters.

Reference: J. Xie, R. Girshick, A. Farhadi, *Unsupervised Deep Embedding for
Clustering Analysis*, ICML 2016 (arXiv:1511.06335), §3 (eqs. 1–5).

Objective (mean over the n observations of a batch; P held fixed; f over the training set):

.. math:: & L(\theta, \mu) = \frac1n \sum_i \sum_j p_{ij} \log\frac{p_{ij}}{q_{ij}} + \Omega_{wd}, \\
          & q_{ij} = \frac{(1 + \lVert z_i - \mu_j \rVert^2/\alpha)^{-(\alpha+1)/2}}{\sum_{j'} (1
          + \lVert z_i - \mu_{j'} \rVert^2/\alpha)^{-(\alpha+1)/2}}, \qquad p_{ij} = \frac{\bar q_{ij}^2
          / f_j}{\sum_{j'} \bar q_{ij'}^2 / f_{j'}}, \qquad f_j = \sum_i \bar q_{ij}

Symbols: :math:`z_i = q_\theta(x_i)` the code of the encoder q_θ, :math:`\mu_j` the cluster
centres (parameter ``"clusters.centers"``, (n_clusters, k); the paper's μ_j, renamed to keep
``mu`` for a VAE's encoder mean), α the degrees of freedom of the Student-t kernel
(``student_df``, 1 in the paper), Q the soft assignments, P the sharpened target, :math:`\bar q`
the assignments under the *frozen* parameters :math:`\theta_T, \mu_T` of the last refresh.

Initialisation (the paper's §3.2): an autoencoder of the same encoder is pretrained on
the data — end to end with 20 % masking noise (default) or without, or as the paper,
greedily layer by layer as stacked denoising autoencoders and then fine-tuned
(``pretrain="stacked_denoising"``) — and k-means on its codes gives the initial centres.
This runs inside ``fit`` (and ``initialize``); a fitted autoencoder is not accepted as a
hyperparameter because scikit-learn's ``clone`` would hand back an unfitted copy of it.

The target P is refreshed every ``update_interval`` epochs (the paper's "every
T iterations").  It is stored as a frozen copy of the parameters
(``target_theta_``) and the cluster frequencies f (``target_freq_``), so that
p_i is recomputed exactly for any row of any minibatch without row indices,
and ``_loss`` reads P as state: the gradient check holds P fixed, as the
paper's gradients (eqs. 4–5) do.  Training stops when fewer than a fraction
``assignment_tol`` of the training points change cluster between two refreshes.  The
decoder keeps its pretrained weights (DEC discards it; it is kept for
``inverse_transform`` and is not trained).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import logsumexp

from .._validation import check_rng
from ..classical.kmeans import kmeans
from ..estimator.hyperparams import Interval, Options, Param
from ..nn.network import accumulate
from ..estimator.params import pack_like
from ..estimator.registry import register
from .autoencoder import Autoencoder
from .denoising import DenoisingAutoencoder
from .stacked import pretrain_stack
from ..estimator.training import ParamGroup

__all__ = ["DeepEmbeddedClustering", "soft_assignments", "target_distribution"]


def soft_assignments(Z, centers, alpha):
    """Student-t soft assignments q_ij (eq. 1) and the kernel factor 1 / (1 + d_ij/α).

    (n, k), (K, k) -> Q (n, K), inv (n, K), diff (n, K, k).  Row by row (the
    normaliser is a sum over clusters, not samples): shared by both paths.
    """
    diff = Z[:, None, :] - centers[None, :, :]  # (n, 1, k) - (1, K, k) -> (n, K, k)
    d = np.sum(diff * diff, axis=2)  # (n, K)
    inv = 1.0 / (1.0 + d / alpha)
    log_u = 0.5 * (alpha + 1.0) * np.log(inv)  # log of the unnormalised kernel
    Q = np.exp(log_u - logsumexp(log_u, axis=1, keepdims=True))
    return Q, inv, diff


def target_distribution(Q, freq):
    r""":math:`p_{ij} \propto q_{ij}^2 / f_j` (eq. 3): (n, K), (K,) -> (n, K), rows summing to 1."""
    W = Q * Q / freq
    return W / W.sum(axis=1, keepdims=True)


@register("dec")
class DeepEmbeddedClustering(Autoencoder):
    """Deep embedded clustering (Xie et al. 2016) with hand-written gradients.

    Parameters
    ----------
    n_clusters : int, default=10
    student_df : float, default=1.0
        Degrees of freedom of the Student-t kernel.
    hidden, latent_dim, decoder_hidden, activation, code_activation, output_activation, loss, tied
        The autoencoder, as in :class:`npae.Autoencoder`.  Defaults: the
        paper's d–500–500–2000–10, ReLU units, linear codes.
    pretrain : {"denoising", "plain", "stacked_denoising"}, default="denoising"
        The autoencoder trained before clustering: end to end, with or without
        masking noise, or as the paper: a stack of shallow denoising
        autoencoders trained greedily (:func:`npae.pretrain_stack`), then the
        whole stack fine-tuned without noise (``pretrain_epochs`` per layer and
        for the fine-tuning; needs a mirrored, untied decoder).
    pretrain_epochs : int, default=50
    corruption_level : float, default=0.2
        Masking fraction of the denoising pretraining (the paper's 20 % dropout).
    update_interval : int, default=1
        Epochs between refreshes of the target P.
    assignment_tol : float, default=0.001
        Stop when fewer than this fraction of assignments change between refreshes.

    Attributes
    ----------
    params_ : dict
        The autoencoder's, plus ``"clusters.centers"`` (n_clusters, code size).
    labels_ : ndarray of shape (n_samples,)
        Clusters of the training rows at the end.
    init_labels_ : ndarray of shape (n_samples,)
        k-means clusters of the pretrained codes (DEC's starting point).
    cluster_centers_ : ndarray of shape (n_clusters, code size)
    target_theta_, target_freq_ : ndarray
        The frozen parameters and cluster frequencies defining P.
    history_ : dict
        Per epoch "loss", "kl", "changed" (fraction of training points that
        changed cluster at the last refresh).

    Notes
    -----
    Training settings: they also drive the pretraining (with
    ``pretrain_epochs``).  The paper uses SGD at 0.01 and batches of 256.
    """

    _examples = ({"hidden": (5,), "latent_dim": 2, "n_clusters": 3, "pretrain_epochs": 2, "batch_size": 4,
                  "activation": "tanh"},
                 {"hidden": (4,), "latent_dim": 3, "n_clusters": 2, "student_df": 2.0, "pretrain": "plain",
                  "pretrain_epochs": 1, "activation": "tanh", "loss": "bce"},
                 {"hidden": (5,), "latent_dim": 2, "n_clusters": 2, "pretrain": "stacked_denoising",
                  "pretrain_epochs": 1, "activation": "softplus"})
    _renamed = {"alpha": "student_df", "noise_level": "corruption_level"}

    @classmethod
    def _upgrade_settings(cls, settings, warn=True):
        """Before npae 0.3 DEC's ``tol`` was both its assignment tolerance and early
        stopping's; it is early stopping's alone now: say so when it is passed."""
        if not warn and "tol" in settings and "assignment_tol" not in settings:
            settings = {**settings, "assignment_tol": settings["tol"]}  # a file of npae < 0.3
        if warn and "tol" in settings and "assignment_tol" not in settings:
            warnings.warn(f"{cls.__name__}(tol=...) sets early stopping's tolerance only since "
                          "npae 0.3; DEC's stopping rule (the fraction of changed assignments) "
                          "is assignment_tol", FutureWarning, stacklevel=4)
        return super()._upgrade_settings(settings, warn)

    _parameters = {
        "n_clusters": Param(10, Interval("int", 1, None)),
        "student_df": Param(1.0, Interval("real", 0, None, closed="neither")),
        "hidden": Param((500, 500, 2000)),
        "latent_dim": Param(10),
        "activation": Param("relu"),
        "code_activation": Param("identity"),
        "pretrain": Param("denoising", Options("denoising", "plain", "stacked_denoising")),
        "pretrain_epochs": Param(50, Interval("int", 0, None)),
        "corruption_level": Param(0.2, Interval("real", 0, 1)),
        "update_interval": Param(1, Interval("int", 1, None)),
        "assignment_tol": Param(0.001, Interval("real", 0, 1)),
    }
    _state = ("target_theta_", "target_freq_", "labels_", "init_labels_")
    _diagnostics = ("changed",)

    def _check_settings(self):
        super()._check_settings()
        if self.pretrain == "stacked_denoising" and (self.tied or self.decoder_hidden is not None):
            raise ValueError("pretrain='stacked_denoising' stacks shallow autoencoders: it needs "
                             "the mirrored, untied decoder (decoder_hidden=None, tied=False)")

    # ---------------------------------------------------------------- build
    def _build(self, n_features, y=None):
        shapes = super()._build(n_features, y)
        enc = {k: v for k, v in shapes.items() if k.startswith("encoder.")}
        dec = {k: v for k, v in shapes.items() if not k.startswith("encoder.")}
        # Encoder and centres adjacent: the one trained group (the decoder is frozen).
        return {**enc, "clusters.centers": (int(self.n_clusters), self._layer_sizes()[0][-1]), **dec}

    def _init_params(self, rng):
        params = super()._init_params(rng)
        params["clusters.centers"] = np.zeros((int(self.n_clusters), self.encoder_.n_out),
                                              dtype=self._dtype)
        return params

    def _param_groups(self):
        names = [k for k in self._flat.shapes if not k.startswith("decoder.")]
        return [ParamGroup(tuple(names), self.learning_rate)]

    def _prepare_fit(self, X, y):
        """Pretrain the autoencoder, k-means its codes, set the first target."""
        if self.n_clusters > X.shape[0]:
            raise ValueError(f"n_clusters={self.n_clusters} exceeds the number of training "
                             f"samples {X.shape[0]}; lower n_clusters")
        seed = int(check_rng(self.random_state).integers(2**31 - 1))
        settings = {k: getattr(self, k) for k in (
            "hidden", "latent_dim", "decoder_hidden", "activation", "code_activation", "output_activation",
            "loss", "tied", "weight_decay", "init", "optimizer", "learning_rate", "batch_size", "dtype")}
        if self.pretrain == "stacked_denoising":  # the paper's: greedy SDAE, then fine-tuning
            for k in ("hidden", "latent_dim", "activation", "code_activation", "loss",
                      "decoder_hidden", "tied", "output_activation"):
                settings.pop(k)
            ae = pretrain_stack(X, self.hidden, self.latent_dim, family="denoising", activation=self.activation,
                                layer_params={"noise": "masking", "corruption_level": self.corruption_level},
                                code_activation=self.code_activation, loss=self.loss, random_state=seed,
                                pretrain_epochs=int(self.pretrain_epochs),
                                finetune_epochs=int(self.pretrain_epochs), **settings)
        else:
            ae = (DenoisingAutoencoder(noise="masking", corruption_level=self.corruption_level, **settings)
                  if self.pretrain == "denoising" else Autoencoder(**settings))
            ae.set_params(epochs=int(self.pretrain_epochs), random_state=seed).fit(X)
        self._flat.assign({**ae.params_, "clusters.centers": self.params_["clusters.centers"]})
        self.pretrain_history_ = ae.history_
        km = kmeans(self._encode(self.params_, X), int(self.n_clusters), rng=seed)
        self.params_["clusters.centers"][...] = km.centers
        self.init_labels_ = self.labels_ = km.labels
        self._X_train, self._changed, self._stop = X, 0.0, False
        self._refresh_target()

    def _prepare_warm(self, X, y, previous):  # continue the fitted model, no new pretraining
        self._carry(previous, "pretrain_history_", "init_labels_")
        self._continue_fit(X, y)
        self._refresh_target()

    def _continue_fit(self, X, y):  # a later partial_fit: this chunk, as _prepare_fit's data
        self._X_train, self._changed, self._stop = X, 0.0, False
        self.labels_ = np.argmax(self._assignments(self.params_, X), axis=1)

    def _refresh_target(self):
        r"""Freeze θ and μ and the cluster frequencies :math:`f_j = \sum_i q_{ij}` over the training set."""
        Q = self._assignments(self.params_, self._X_train)
        self.target_theta_ = self._flat.flat.copy()
        self.target_freq_ = Q.sum(axis=0)
        return Q

    # ------------------------------------------------------------ objective
    def _assignments(self, params, X):
        """Q of rows X under ``params``.  (n, d) -> (n, K)"""
        Z = self._encode(params, X)
        return soft_assignments(Z, params["clusters.centers"], float(self.student_df))[0]

    def _target(self, X):
        """P of rows X, from the frozen parameters and frequencies (state, not θ)."""
        frozen = pack_like(self.target_theta_, self._flat.shapes)
        return target_distribution(self._assignments(frozen, X), self.target_freq_)

    def _loss(self, params, X, y, rng, ops, grads):
        P = self._target(X)  # (n, K), held fixed
        Z, enc_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, k)
        M = params["clusters.centers"]  # (K, k)
        a = float(self.student_df)
        Q, inv, diff = soft_assignments(Z, M, a)
        n = X.shape[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(P > 0, P * np.log(P), 0.0)
        kl = float(np.sum(ops.sum_over_samples(plogp - P * np.log(Q)))) / n
        # eqs. 4-5: w_ij = (α+1)/α (p_ij − q_ij) / (1 + d_ij/α), divided by n (mean)
        Wt = ((a + 1.0) / a) * (P - Q) * inv / n  # (n, K)
        dZ = np.sum(Wt[:, :, None] * diff, axis=1)  # (n, K, 1) * (n, K, k) -> (n, k)
        accumulate(grads, "clusters.centers", -ops.sum_over_samples(Wt[:, :, None] * diff))
        self.encoder_.backward(params, enc_cache, dZ, grads, ops, need_dX=False)
        return {"kl": kl}

    # ---------------------------------------------------------------- fit
    def _epoch_start(self, epoch):
        if epoch == 0 or epoch % int(self.update_interval):
            return
        Q = self._assignments(self.params_, self._X_train)
        labels = np.argmax(Q, axis=1)
        self._changed, self.labels_ = float(np.mean(labels != self.labels_)), labels
        if self._changed < self.assignment_tol:  # the paper's stopping rule
            self._stop = True
            return
        self.target_theta_ = self._flat.flat.copy()
        self.target_freq_ = Q.sum(axis=0)

    def _should_stop(self):
        return self._stop

    def _epoch_diagnostics(self):
        return {"changed": self._changed}

    def _after_fit(self):
        self.labels_ = self.predict(self._X_train)
        del self._X_train

    # ------------------------------------------------------------ inference
    @property
    def cluster_centers_(self):
        """The centres μ_j in code space, (n_clusters, code size)."""
        self._check_fitted()
        return self.params_["clusters.centers"].copy()

    def predict_proba(self, X):
        """Soft assignments Q (eq. 1).  (n, d) -> (n, n_clusters), rows sum to 1."""
        self._check_fitted()
        return self._assignments(self.params_, self._validate_X(X))

    def predict(self, X):
        """The most probable cluster of each row.  (n, d) -> (n,) int64"""
        return np.argmax(self.predict_proba(X), axis=1).astype(np.int64)

    def fit_predict(self, X, y=None):
        """``fit(X)`` then the training rows' clusters ``labels_``."""
        return self.fit(X).labels_
