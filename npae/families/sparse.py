r"""The sparse autoencoder: a penalty on how active the hidden units are.

References: Ng, *Sparse autoencoder*, CS294A lecture notes (2011), §3 and the
exercise's ``sparseAutoencoderCost.m``; Caron, *Literature review –
Autoencoders* (2020), §2.3; the encyclopedia article, §"Sparse autoencoder"
(KL, L1 and L2 forms); Boehmke & Greenwell, *Hands-On Machine Learning with
R*, §19.3, eq. 19.2–19.5 (the h2o chapter: tanh units, target −0.1).

Objective (mean over the n observations of a batch), with the mean activation
:math:`\hat\rho_{lj}` of unit j of layer l and the penalty Ω chosen by ``penalty``:

.. math:: L(\theta, \phi) = \frac1n \sum_i \ell\big(x^{(i)}, p_\phi(q_\theta(x^{(i)}))\big)
          + \sum_{l \in S} \Omega(\hat\rho_l) + \Omega_{wd},

          \hat\rho_{lj} = \frac1n \sum_i h_{lj}(x^{(i)}),

          \Omega = \begin{cases}
          \beta \sum_j \mathrm{KL}(\rho \,\|\, \hat\rho_{lj}) & \texttt{kl} \text{ (Ng; h2o eq. 19.5)} \\
          \beta \sum_j |\hat\rho_{lj} - \rho| & \texttt{l1} \\
          \beta \sum_j (\hat\rho_{lj} - \rho)^2 & \texttt{l2} \\
          \beta \frac1n \sum_i \sum_j |h_{lj}(x^{(i)})| & \texttt{activity} \text{ (no target)}
          \end{cases}

Symbols: :math:`h_l` the activations of encoder layer l (the code z is the last
one), S the penalised layers (``sparse_layers``: every encoder layer, or
the code only), ρ the target ``rho``, :math:`\hat\rho` its batch estimate, β the weight
``beta``, ℓ the reconstruction loss, :math:`\Omega_{wd} = \frac\lambda2 \sum \lVert W \rVert^2`
(``weight_decay``).

Gradient.  A penalty on :math:`\hat\rho_l` reaches the activations through
:math:`\partial\hat\rho_{lj}/\partial h_{lj}^{(i)} = 1/n`, so
:math:`d\Omega/dH_l = \mathbf 1\, (d\Omega/d\hat\rho_l)^\top / n` (every row the same);
it enters backpropagation at layer l (``MLP.backward(..., dH_hidden=...)``), which is
Ng's "add :math:`\beta\big(-\rho/\hat\rho + (1-\rho)/(1-\hat\rho)\big)` to :math:`\delta^{(2)}`".
The penalties themselves, with their own gradients, are in :mod:`npae.terms.penalties`.

Ng's exercise is ``SparseAutoencoder(latent_dim=25, activation="sigmoid",
output_activation="sigmoid", rho=0.01, beta=3, weight_decay=1e-4,
optimizer="lbfgs", epochs=400)`` on 10,000 8×8 patches (his J is exactly this
L: :math:`\frac12 \lVert x - \hat x \rVert^2` averaged over the patches,
:math:`\frac\lambda2 \sum W^2`, :math:`\beta \sum \mathrm{KL}`).

Two remarks.  :math:`\hat\rho` is a *batch* mean: with L-BFGS (full batch) it is Ng's
:math:`\hat\rho` over the training set; with minibatches it is an estimate per step
(larger batches estimate it better).  For tanh units the KL is taken after mapping ρ
and :math:`\hat\rho` from [−1, 1] to [0, 1] by :math:`(1 + \cdot)/2` (see
:func:`npae.terms.penalties.kl_sparsity`), so h2o's target ``average_activation =
-0.1`` is ``rho=-0.1`` here.  (The h2o *book* describes the KL; the h2o-3
code itself, as we read it, nudges each hidden bias by :math:`-\text{rate}\cdot\beta(\hat\rho - \rho)` on
the raw tanh scale, which is close to ``penalty="l2"``.)
"""

from __future__ import annotations

import numpy as np

from ..estimator.hyperparams import Interval, Options, Param
from ..nn import get_activation, get_ops
from ..terms.penalties import kl_sparsity, l1_activity, l1_sparsity, l2_sparsity
from ..estimator.registry import register
from .autoencoder import Autoencoder

__all__ = ["SparseAutoencoder"]

#: Output range of the units for which the KL penalty is defined.
_KL_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
_TARGET_PENALTIES = {"kl": kl_sparsity, "l1": l1_sparsity, "l2": l2_sparsity}


@register("sparse")
class SparseAutoencoder(Autoencoder):
    """An autoencoder whose hidden layers are pushed toward a target mean activation.

    Parameters
    ----------
    hidden, latent_dim, decoder_hidden, activation, code_activation, output_activation, loss, tied
        Architecture, as in :class:`npae.Autoencoder`.  The KL penalty needs
        units with a bounded range (sigmoid, or tanh with the mapping above).
    penalty : {"kl", "l1", "l2", "activity"}, default="kl"
        Form of Ω (see the module docstring).  "activity" ignores ``rho``.
    rho : float, default=0.05
        Target mean activation ρ, in the units' own scale: in (0, 1) for
        sigmoid, in (−1, 1) for tanh (h2o's ``average_activation``).
    beta : float, default=3.0
        Weight β of the penalty (Ng's exercise: 3; h2o's ``sparsity_beta``).
    sparse_layers : {"all", "code"}, default="all"
        Penalise every encoder layer (hidden layers and the code), or the code
        layer only.

    Attributes
    ----------
    params_, history_, n_features_in_, encoder_, decoder_
        As in :class:`npae.Autoencoder`; ``history_["sparsity"]`` holds Ω per
        epoch.

    Examples
    --------
    >>> import numpy as np, npae
    >>> X = np.random.default_rng(0).random((200, 16))
    >>> sae = npae.SparseAutoencoder(latent_dim=8, rho=0.1, beta=3.0, epochs=2).fit(X)
    >>> [r.shape for r in sae.mean_activations(X)]
    [(8,)]
    """

    _examples = ({"hidden": (5,), "latent_dim": 3},
                 {"latent_dim": 4, "activation": "tanh", "rho": -0.1, "loss": "bce"},
                 {"hidden": (5,), "latent_dim": 3, "activation": "softplus", "penalty": "activity", "beta": 0.5})
    _parameters = {
        "penalty": Param("kl", Options("kl", "l1", "l2", "activity")),
        "rho": Param(0.05, Interval("real")),
        "beta": Param(3.0, Interval("real", 0, None)),
        "sparse_layers": Param("all", Options("all", "code")),
    }

    # ------------------------------------------------------------ validation
    def _penalised_layers(self):
        """[(encoder layer index, activation name)] of the layers Ω acts on."""
        hidden, _ = self._layer_sizes()
        acts = [get_activation(self.activation).name] * (len(hidden) - 1)
        acts.append(get_activation(self.code_activation or self.activation).name)
        layers = list(enumerate(acts))
        return layers if self.sparse_layers == "all" else layers[-1:]

    def _check_settings(self):
        super()._check_settings()
        if self.penalty != "kl":
            return
        for l, act in self._penalised_layers():
            if act not in _KL_RANGES:
                raise ValueError(
                    f"penalty='kl' compares mean activations as Bernoulli probabilities, so the "
                    f"penalised units must have a bounded range (sigmoid or tanh); encoder layer "
                    f"{l} uses {act!r}. Use penalty='l1', 'l2' or 'activity', or a sigmoid/tanh "
                    "activation (code_activation for the code layer)."
                )
            lo, hi = _KL_RANGES[act]
            if not lo < self.rho < hi:
                raise ValueError(
                    f"rho={self.rho!r} must lie strictly inside ({lo:g}, {hi:g}), the range of the "
                    f"{act} units of encoder layer {l}; e.g. rho=0.05 (sigmoid) or rho=-0.1 (tanh)"
                )

    # ------------------------------------------------------------- penalty
    def _layer_penalty(self, H, act, ops):
        """Ω of one layer and dΩ/dH (n, h), from its activations H (n, h)."""
        if self.penalty == "activity":
            return l1_activity(H, self.beta, ops)
        rho_hat = ops.mean_over_samples(H)  # (n, h) -> (h,)
        if self.penalty == "kl":
            value, g = kl_sparsity(rho_hat, self.rho, self.beta, interval=_KL_RANGES[act])
        else:
            value, g = _TARGET_PENALTIES[self.penalty](rho_hat, self.rho, self.beta)
        # ∂ρ̂_j/∂h_ij = 1/n: every row of dΩ/dH is dΩ/dρ̂ / n.
        dH = np.empty_like(H)
        dH[...] = g / H.shape[0]  # (h,) broadcast to (n, h)
        return value, dH

    def _loss(self, params, X, y, rng, ops, grads):
        Z, enc_cache = self.encoder_.forward(params, X, ops)  # (n, d) -> (n, k)
        out, dec_cache = self.decoder_.forward(params, Z, ops)  # (n, k) -> (n, d)
        rec, dout = self._reconstruction_loss(out, X)
        sparsity, dH_hidden = 0.0, {}
        for l, act in self._penalised_layers():
            H = enc_cache[l].H  # activations h_l of encoder layer l, (n, h_l)
            value, dH_hidden[l] = self._layer_penalty(H, act, ops)
            sparsity += value
        dZ = self.decoder_.backward(params, dec_cache, dout, grads, ops)
        # dΩ/dH_l joins the backward walk where it passes layer l.
        self.encoder_.backward(params, enc_cache, dZ, grads, ops, need_dX=False,
                               dH_hidden=dH_hidden)
        return {"reconstruction": rec, "sparsity": sparsity}

    # ---------------------------------------------------------------- public
    def mean_activations(self, X):
        """Mean activation ρ̂ of each penalised layer over the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        list of ndarray
            One array of shape (h_l,) per layer in ``sparse_layers`` (encoder
            order), in the units' own scale (tanh: [−1, 1]).  Histograms of
            these are the h2o chapter's Fig. 19.5/19.6.
        """
        self._check_fitted()
        X = self._validate_X(X)
        ops = get_ops(True)
        _, cache = self.encoder_.forward(self.params_, X, ops)
        return [ops.mean_over_samples(cache[l].H) for l, _ in self._penalised_layers()]
