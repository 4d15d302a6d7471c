r"""The k-sparse autoencoder: keep the k largest codes of each sample, zero the rest.

Reference: Makhzani & Frey, *k-Sparse Autoencoders*, ICLR 2014
(arXiv:1312.5663), Algorithm 1; the encyclopedia article, §"Sparse
autoencoder" (the k-sparse function f_k).

Objective (mean over the n observations of a batch):

.. math:: L(\theta, \phi) = \frac1n \sum_i \ell\Big(x^{(i)}, p_\phi\big(f_k(q_\theta(x^{(i)}))\big)\Big)
          + \Omega_{wd}, \qquad f_k(z)_j = z_j b_j, \quad
          b_j = \begin{cases} 1 & \text{if } z_j \text{ is among the k largest entries of } z \\
          0 & \text{otherwise} \end{cases}

Symbols: :math:`z = q_\theta(x)` the code (linear by default: ``code_activation=
"identity"``, the paper's choice, :math:`z = W x + b`), :math:`b \in \{0, 1\}^m` the support
mask of the m code units, :math:`f_k` the k-sparse function, ℓ the reconstruction
loss, Ω_wd weight decay.  ``selection="magnitude"`` ranks ``|z_j|`` instead of z_j
(the encyclopedia article's form).

Gradient.  f_k is linear on the support (b is piecewise constant in z), so
:math:`\partial L/\partial z = b \odot \partial L/\partial f_k(z)`: the gradient flows only through the kept units
("a generalized ReLU"); the mask is held fixed, exactly as in the paper.

Encoding after training.  The paper encodes with the αk largest units
(α ≥ 1, e.g. α = 3) when the codes feed a classifier.  Here ``transform``
(and therefore ``reconstruct``, ``reconstruction_error``) keeps
round(α k) units; the training loss always keeps k.  With the default
``transform_k_factor=1`` transform and training agree.

Ties.  Selection is deterministic: among equal values the unit with the
lowest index wins (the same result as a *stable* sort of −z taking the first
k), so every row has exactly k non-zero entries whenever its k largest
values are non-zero.

Schedule of k (Makhzani & Frey §3.2, "to avoid dead hidden units").  A unit
that is never among the k largest gets no gradient and can stay off for
ever.  The paper starts with a large k (100 for a target of 15), where every
unit trains, and lowers it linearly to the target over the first half of the
epochs.  Here ``k_start`` (default "auto": min(code size, max(k, 100))) and
``k_anneal`` (the fraction of the epochs over which k falls; default ½, 0
switches the schedule off): in epoch e (0-based) of E the training loss keeps
:math:`k_e = \operatorname{round}(k_{start} - (k_{start} - k)\, e / T)` units,
:math:`T = \max(1, \lfloor k_{anneal} E \rfloor)`,
and k from epoch T on.  ``history_["k"]`` records k_e and
``history_["dead_fraction"]`` the fraction of code units that were never
selected in any training batch of the epoch.  Gradient checks and inference
after ``fit`` always use the target k.  Measured (784-1000 tied, k = 25, 30
epochs, 6,000 digits; ``benchmarks/results/ksparse_digits.md``): 9 % of the
units dead at the end with the schedule, 39 % without; logistic regression
on the αk = 75 features errs on 3.90 % vs 4.25 % of held-out digits (raw
pixels: 11.85 %).
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import check_choice
from ..estimator.hyperparams import Interval, Options, Param
from ..nn import get_ops
from ..estimator.registry import register
from .autoencoder import Autoencoder

__all__ = ["KSparseAutoencoder", "k_sparse_mask"]


def k_sparse_mask(Z, k, selection="value"):
    """The support b of f_k: True at the k largest entries of each row.

    Parameters
    ----------
    Z : ndarray of shape (n, m)
    k : int, 1 <= k <= m
    selection : {"value", "magnitude"}
        Rank z_j (Makhzani & Frey) or ``|z_j|``.

    Returns
    -------
    mask : ndarray of bool, shape (n, m), exactly k True per row
        Ties at the k-th largest value go to the lowest indices.

    Examples
    --------
    >>> import numpy as np
    >>> k_sparse_mask(np.array([[0.5, 2.0, 0.5, -3.0]]), 2).astype(int)
    array([[1, 1, 0, 0]])
    >>> k_sparse_mask(np.array([[0.5, 2.0, 0.5, -3.0]]), 2, "magnitude").astype(int)
    array([[0, 1, 0, 1]])
    """
    Z = np.asarray(Z)
    if Z.ndim != 2:
        raise ValueError(f"Z must be 2-D of shape (n_samples, n_units), got shape {Z.shape}")
    m = Z.shape[1]
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= m:
        raise ValueError(f"k must be an integer in [1, {m}] (the code size), got {k!r}")
    check_choice(selection, "selection", {"value", "magnitude"})
    if k == m:
        return np.ones(Z.shape, dtype=bool)
    S = Z if selection == "value" else np.abs(Z)  # (n, m) scores
    # The k-th largest score of each row in O(m) (no full sort) ...
    kth = np.partition(S, m - k, axis=1)[:, m - k:m - k + 1]  # (n, 1)
    above = S > kth  # strictly larger: always kept
    tie = S == kth  # candidates for the remaining places
    need = k - above.sum(axis=1, keepdims=True)  # (n, 1), >= 1
    # ... and the ties filled from the left: lowest index wins, deterministically.
    return above | (tie & (np.cumsum(tie, axis=1) <= need))


@register("ksparse")
class KSparseAutoencoder(Autoencoder):
    """An autoencoder whose code keeps only its k largest units per sample.

    Parameters
    ----------
    hidden, latent_dim, decoder_hidden, activation, output_activation, loss, tied
        Architecture, as in :class:`npae.Autoencoder`.  Makhzani & Frey use
        one hidden layer with tied weights (``tied=True``).
    code_activation : str, default="identity"
        Linear codes, the paper's choice (then ``selection`` matters: by
        value, large negative codes are dropped).
    k : int, default=25
        Units kept per sample during training, 1 <= k <= code size.
    transform_k_factor : float, default=1.0
        α; round(α · k) units are kept by ``transform`` (α ≥ 1; the paper
        uses α = 3 for classification features).
    selection : {"value", "magnitude"}, default="value"
        Rank the codes by value (the paper) or by absolute value.
    k_start : int or "auto", default="auto"
        The k of the first epoch (see the module docstring); "auto" is
        min(code size, max(k, 100)), the paper's starting value.
    k_anneal : float in [0, 1], default=0.5
        Fraction of the epochs over which k falls linearly from ``k_start``
        to ``k`` (the paper: the first half); 0 trains with k throughout.

    Attributes
    ----------
    params_, history_, n_features_in_, encoder_, decoder_
        As in :class:`npae.Autoencoder`.
    encoding_k_ : int
        round(transform_k_factor · k), the number of units ``transform`` keeps.
    history_ : dict of lists
        Also "k" (the k of each epoch) and "dead_fraction" (fraction of code
        units selected in no training batch of the epoch).

    Examples
    --------
    >>> import numpy as np, npae
    >>> X = np.random.default_rng(0).random((100, 20))
    >>> ae = npae.KSparseAutoencoder(latent_dim=10, k=3, epochs=2).fit(X)
    >>> (ae.transform(X) != 0).sum(axis=1).max()
    np.int64(3)
    """

    _examples = ({"latent_dim": 6, "k": 2},
                 {"hidden": (5,), "latent_dim": 6, "k": 3, "transform_k_factor": 2.0,
                  "selection": "magnitude", "tied": True})
    _renamed = {"alpha": "transform_k_factor"}
    _parameters = {
        "latent_dim": Param(100),
        "code_activation": Param("identity"),
        "k": Param(25, Interval("int", 1, None)),
        "transform_k_factor": Param(1.0, Interval("real", 1, None)),
        "selection": Param("value", Options("value", "magnitude")),
        "k_start": Param("auto", Options("auto"), Interval("int", 1, None)),
        "k_anneal": Param(0.5, Interval("real", 0, 1)),
    }
    _diagnostics = ("k", "dead_fraction")

    # ------------------------------------------------------------ validation
    def _check_settings(self):
        super()._check_settings()
        self._check_k(self._layer_sizes()[0][-1])
        if self.k_start != "auto" and self.k_start < self.k:
            raise ValueError(f"k_start={self.k_start} is below k={self.k}: the schedule anneals k "
                             "down from k_start; use k_start >= k, or 'auto'")

    def _k_start(self, code_size):
        """The k of the first epoch (clipped to [k, code size])."""
        start = max(self.k, 100) if self.k_start == "auto" else int(self.k_start)
        return min(code_size, max(start, self.k))

    def _check_k(self, code_size):
        k, alpha = self.k, self.transform_k_factor
        if not 1 <= k <= code_size:
            raise ValueError(
                f"k={k} must be between 1 and the code size {code_size} (the last entry of "
                "hidden); lower k or enlarge the code layer"
            )
        k_enc = int(round(alpha * k))
        if k_enc > code_size:
            raise ValueError(
                f"transform_k_factor * k = {alpha} * {k} keeps {k_enc} units at encoding time, more than the "
                f"code size {code_size}; lower transform_k_factor or k"
            )
        return k_enc

    def _build(self, n_features, y=None):
        shapes = super()._build(n_features, y)
        self._check_k(self.encoder_.n_out)
        return shapes

    @property
    def encoding_k_(self):
        self._check_fitted()
        return self._check_k(self._code_size())

    # -------------------------------------------------------------- schedule
    def _epoch_start(self, epoch):
        m = self._code_size()
        T = max(1, int(np.floor(self.k_anneal * self.epochs)))
        start = self._k_start(m)
        if self.k_anneal == 0 or epoch >= T or self.optimizer == "lbfgs":
            self._k_now = int(self.k)
        else:
            self._k_now = int(round(start - (start - self.k) * epoch / T))
        self._selected = np.zeros(m, dtype=np.int64)  # times each unit was kept

    def _epoch_diagnostics(self):
        return {"k": float(self._k_now), "dead_fraction": float(np.mean(self._selected == 0))}

    def _after_fit(self):
        # The schedule belongs to training: loss_and_grads and checks use k.
        self._k_now = int(self.k)
        self._selected = None

    # ------------------------------------------------------------------ loss
    def _loss(self, params, X, y, rng, ops, grads):
        Z, enc_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, m)
        # The support is per sample (no sum over samples): shared by both paths.
        k = getattr(self, "_k_now", self.k)
        mask = k_sparse_mask(Z, k, self.selection)  # (n, m), k True per row
        if getattr(self, "_selected", None) is not None:
            self._selected += mask.sum(axis=0)
        Zk = Z * mask  # f_k(z)
        out, dec_cache = self.decoder_.forward(params, Zk, ops)  # (n, m) -> (n, d)
        rec, dout = self._reconstruction_loss(out, X)
        dZk = self.decoder_.backward(params, dec_cache, dout, grads, ops)
        dZ = dZk * mask  # only the kept units pass the gradient back
        self.encoder_.backward(params, enc_cache, dZ, grads, ops, need_dX=False)
        return {"reconstruction": rec}

    # ------------------------------------------------------------- inference
    def _encode(self, params, X):
        r""":math:`f_{\alpha k}(q_\theta(x))`: the round(α k) largest codes of each row, the rest 0."""
        Z = self.encoder_.forward(params, X, get_ops(True))[0]  # (n, m)
        return Z * k_sparse_mask(Z, self._check_k(Z.shape[1]), self.selection)
