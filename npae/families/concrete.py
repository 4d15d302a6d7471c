r"""The concrete autoencoder: differentiable selection of k input features.

Reference: A. Abid, M. F. Balin, J. Zou, *Concrete Autoencoders for Differentiable
Feature Selection and Reconstruction*, ICML 2019 (arXiv:1901.09346); the encyclopedia
article *Autoencoder*, "Concrete autoencoder".  The relaxation is the concrete /
Gumbel-softmax distribution (Maddison, Mnih & Teh 2017; Jang, Gu & Poole 2017).

Objective (mean over the n rows of a batch):

.. math:: L(\alpha, \phi) = \frac1n \sum_i \ell\big(x^{(i)}, p_\phi(M x^{(i)})\big), \qquad
          M_j = \operatorname{softmax}\big((\alpha_j + g_j) / T\big), \quad
          g_{jl} \sim \mathrm{Gumbel}(0, 1) \text{ i.i.d.}, \quad j = 1..k

Symbols: x input row (d features); the encoder q_θ is the *concrete selector layer*,
θ = α the (k, d) logits, one row per selector unit j; M the (k, d) matrix of relaxed
one-hot rows, so :math:`z = M x` holds k (relaxed) input features (:math:`Z = X M^\top` for
a batch); T the temperature; p_φ the decoder MLP; ℓ the reconstruction loss.  One Gumbel
draw g (k, d) is shared by the rows of a minibatch, as in the authors' implementation.

As T → 0, :math:`M_j` tends to the one-hot vector of
:math:`\operatorname{argmax}_l (\alpha_{jl} + g_{jl})`, a draw from the categorical distribution
:math:`\operatorname{softmax}(\alpha_j)` (the Gumbel-max trick), so training anneals T
exponentially from ``temperature[0]`` to ``temperature[1]`` over the epochs,
:math:`T(e) = T_0 (T_{end} / T_0)^{e / (E - 1)}` (Abid et al. §3).  At inference the selector
is deterministic: unit j picks feature :math:`\operatorname{argmax}_l \alpha_{jl}`, so
``transform(X) = X[:, selected_features_]``.

The selector's forward and backward passes are in :mod:`npae.nn.selector`.

Uniqueness (Abid et al. §3, "several neurons may select the same feature"):
npae reports it — ``n_unique_selected_`` — and by default keeps duplicates
(a duplicate costs one of the k slots but is otherwise harmless).
``unique=True`` resolves them at the end of training, greedily: units are
taken in decreasing order of confidence :math:`\max_l \operatorname{softmax}(\alpha_j)_l` and
each picks its most probable feature not yet taken.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_layer_sizes
from ..estimator.hyperparams import (Boolean, Interval, LayerSizes, NoneValue, Options, Param,
                           PositivePair)
from ..nn import ACTIVATIONS, MLP, get_ops
from ..nn.selector import (concrete_weights, concrete_weights_backward, gumbel_noise,
                           temperature_schedule)
from ..nn.losses import decoder_last_activation, decoder_output, reconstruction_loss
from ..nn.network import accumulate
from ..estimator.registry import register
from ..estimator.base import BaseAutoencoder
from ..estimator.training import ParamGroup

__all__ = ["ConcreteAutoencoder", "gumbel_noise", "concrete_weights",
           "concrete_weights_backward", "temperature_schedule"]


@register("concrete")
class ConcreteAutoencoder(BaseAutoencoder):
    """Concrete selector layer (k Gumbel-softmax units) followed by a decoder MLP.

    Parameters
    ----------
    n_selected : int, default=50
        k, the number of features to select.
    decoder_hidden : int or tuple of int, default=(320, 320)
        Decoder hidden sizes, k → 320 → 320 → d (the paper's decoder has two
        hidden layers of 320 units).  ``()`` is a linear decoder.
    activation : str, default="leaky_relu"
        Decoder hidden units (leaky ReLU as in the paper).
    output_activation : str or None, default=None
        None: "identity" for loss="mse", "sigmoid" (fused) for loss="bce".
    loss : {"mse", "bce"}, default="mse"
    temperature : tuple (start, end), default=(10.0, 0.1)
        T0 and T_end of the exponential annealing (the authors' released code;
        the paper's text ends at 0.01).  Ending too cold too early freezes an
        unconverged selector: at small T, M_j is one-hot and the softmax
        Jacobian (hence dL/dα) vanishes, so the unit keeps a random feature.
    unique : bool, default=False
        Resolve duplicate selections after training (see the module notes).
    selector_learning_rate : float, default=1e-2
        Step size of α (its own optimizer; ``learning_rate`` is the decoder's).
        Larger because a unit must build a logit gap of order log d in few
        steps: on 6,000 digits with 1e-3 for everything, softmax(α) was still
        nearly uniform after 20 epochs and no better than random pixels.
    epochs : int, default=50
        The temperature reaches ``temperature[1]`` at the last epoch.

    Attributes
    ----------
    params_ : dict name -> ndarray
        ``"selector.alpha"`` (k, d) then ``"decoder.l.W"``, ``"decoder.l.b"``.
    selected_features_ : ndarray of int, shape (k,)
        Column index chosen by each selector unit.
    n_unique_selected_ : int
        Number of distinct features among them.
    temperature_ : float
        The current temperature (T_end after ``fit``; T0 after ``initialize``);
        ``loss_and_grads`` uses it.
    fixed_features_ : ndarray or None
        Set by :meth:`fit_fixed_features` (the selector was not learned).
    history_ : dict of lists
        Per epoch: "loss", "reconstruction", "temperature", "mean_max_prob"
        (mean over units of max_l softmax(α_j)_l, which tends to 1 as the
        selection converges — the paper's convergence diagnostic), "val_loss",
        "time".

    Notes
    -----
    Training settings: (weight decay on the decoder's weights only;
    α starts from U(−r, r), r = sqrt(6/(k + d)); L-BFGS is refused: the temperature anneals
    over minibatch epochs).

    Examples
    --------
    >>> import numpy as np, npae
    >>> X = np.random.default_rng(0).random((64, 10))
    >>> cae = npae.ConcreteAutoencoder(n_selected=3, decoder_hidden=(8,), epochs=3).fit(X)
    >>> cae.transform(X).shape, cae.selected_features_.shape
    ((64, 3), (3,))
    """

    _examples = ({"n_selected": 3, "decoder_hidden": (5,)},
                 {"n_selected": 2, "decoder_hidden": (), "loss": "bce"})
    _renamed = {"hidden": "decoder_hidden"}
    _parameters = {
        "n_selected": Param(50, Interval("int", 1, None)),
        "decoder_hidden": Param((320, 320), LayerSizes(allow_empty=True)),
        "activation": Param("leaky_relu", Options(*ACTIVATIONS)),
        "output_activation": Param(None, NoneValue(), Options(*ACTIVATIONS)),
        "loss": Param("mse", Options("mse", "bce")),
        "temperature": Param((10.0, 0.1), PositivePair()),
        "unique": Param(False, Boolean()),
        "selector_learning_rate": Param(1e-2, Interval("real", 0, None, closed="neither")),
        "epochs": Param(50),
    }
    _state = ("temperature_", "selected_features_", "fixed_features_")

    # ----------------------------------------------------------- validation
    def _temperatures(self):
        return tuple(float(t) for t in self.temperature)

    def _check_settings(self):
        if self.optimizer == "lbfgs":
            raise ValueError(
                "the concrete autoencoder anneals its temperature over minibatch epochs and "
                "draws fresh Gumbel noise per batch; use optimizer='adam' (or 'sgd', 'momentum')"
            )
        decoder_last_activation(self.loss, self.output_activation)

    # ---------------------------------------------------------------- build
    def _build(self, n_features, y=None):
        k = int(self.n_selected)
        if k > n_features:
            raise ValueError(f"n_selected={k} exceeds the number of features ({n_features}); "
                             "choose n_selected <= n_features")
        hidden = check_layer_sizes(self.decoder_hidden, "decoder_hidden", allow_empty=True)
        last = decoder_last_activation(self.loss, self.output_activation)
        self.decoder_ = MLP.build("decoder", (k, *hidden, n_features),
                                  [self.activation] * len(hidden) + [last])
        return {"selector.alpha": (k, n_features), **self.decoder_.param_shapes()}

    def _init_params(self, rng):
        k, d = int(self.n_selected), self.n_features_in_
        fixed = getattr(self, "fixed_features_", None)
        if fixed is not None:
            # α with its maximum at the given features: argmax (inference) picks them.
            alpha = np.zeros((k, d), dtype=self._dtype)
            alpha[np.arange(k), fixed] = 1.0
        else:
            r = np.sqrt(6.0 / (k + d))
            alpha = rng.uniform(-r, r, size=(k, d)).astype(self._dtype)
        return {"selector.alpha": alpha, **self.decoder_.init_params(rng, self._dtype, self.init)}

    def _prepare_fit(self, X, y):
        self.fixed_features_ = getattr(self, "fixed_features_", None)
        self.temperature_ = self._temperatures()[0]
        self._set_selection()

    def _code_size(self):
        return int(self.n_selected)

    def _epoch_start(self, epoch):
        start, end = self._temperatures()
        self.temperature_ = float(temperature_schedule(start, end, self.epochs)[epoch])

    def _loss(self, params, X, y, rng, ops, grads):
        alpha = params["selector.alpha"]
        k = alpha.shape[0]
        fixed = getattr(self, "fixed_features_", None)
        T = self.temperature_
        if fixed is None:
            G = gumbel_noise(rng, alpha.shape, alpha.dtype)  # one draw per minibatch
            M = concrete_weights(alpha, G, T)  # (k, d)
        else:
            M = np.zeros_like(alpha)
            M[np.arange(k), fixed] = 1.0
        # z^(i) = M x^(i): a dense layer with weight Mᵀ and no bias.
        zero = np.zeros(k, dtype=X.dtype)
        Z = ops.dense_forward(X, M.T, zero)  # (n, d) @ (d, k) -> (n, k)
        out, dec_cache = self.decoder_.forward(params, Z, ops)  # (n, k) -> (n, d)
        rec, dout = reconstruction_loss(self.loss, out, X)
        dZ = self.decoder_.backward(params, dec_cache, dout, grads, ops)  # (n, k)
        if fixed is None:
            # dL/dMᵀ = Σ_i x^(i) dz^(i)ᵀ (the dense layer's weight gradient).
            _, dMT, _ = ops.dense_backward(dZ, X, M.T, need_dX=False)  # (d, n) @ (n, k)
            dalpha = concrete_weights_backward(dMT.T, M, T)
        else:
            dalpha = np.zeros_like(alpha)  # the selector is held fixed
        accumulate(grads, "selector.alpha", dalpha)  # in place: grads may view a flat buffer
        return {"reconstruction": rec}

    # ------------------------------------------------------------- training
    def _after_fit(self):
        self._set_selection()

    def fit_fixed_features(self, X, features):
        """Train only the decoder on the given columns ``X[:, features]``.

        The baseline the learned selector must beat: the same decoder, loss,
        optimizer, epochs and seed, with the selector held at the one-hot rows
        of ``features`` (e.g. k random pixels).  Afterwards the model behaves
        like a fitted concrete autoencoder whose ``selected_features_`` are
        ``features``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        features : array-like of int, shape (n_selected,)
        """
        Xa = check_array(X, dtype=self._dtype)
        features = np.asarray(features)
        if features.shape != (int(self.n_selected),) or not np.issubdtype(features.dtype,
                                                                        np.integer):
            raise ValueError(f"features must be {self.n_selected} integer column indices "
                             f"(n_selected), got an array of shape {features.shape} and dtype "
                             f"{features.dtype}")
        if features.min() < 0 or features.max() >= Xa.shape[1]:
            raise ValueError(f"features must lie in [0, {Xa.shape[1] - 1}], got values in "
                             f"[{features.min()}, {features.max()}]")
        fixed = features.astype(np.int64)
        return self._fit(Xa, None, prepare=lambda new: setattr(new, "fixed_features_", fixed))

    def _param_groups(self):
        # Two optimizers, each over its own contiguous slice: α | decoder.
        return [ParamGroup(("selector.alpha",), self.selector_learning_rate),
                ParamGroup(tuple(self.decoder_.param_shapes()), self.learning_rate)]

    def _epoch_diagnostics(self):
        P = concrete_weights(self.params_["selector.alpha"], 0.0, 1.0)  # softmax(α)
        return {"temperature": float(self.temperature_),
                "mean_max_prob": float(P.max(axis=1).mean())}

    # ------------------------------------------------------------ selection
    def _selection(self, alpha):
        """Feature index of each unit: argmax_l α_jl (or the greedy distinct choice)."""
        fixed = getattr(self, "fixed_features_", None)
        if fixed is not None:
            return fixed.copy()
        if not self.unique:
            return np.argmax(alpha, axis=1)
        P = concrete_weights(alpha, 0.0, 1.0)  # softmax(α), (k, d)
        chosen = np.empty(alpha.shape[0], dtype=np.int64)
        taken = np.zeros(alpha.shape[1], dtype=bool)
        for j in np.argsort(-P.max(axis=1), kind="stable"):
            p = np.where(taken, -np.inf, P[j])
            chosen[j] = int(np.argmax(p))
            taken[chosen[j]] = True
        return chosen

    def _set_selection(self):
        self.selected_features_ = self._selection(self.params_["selector.alpha"])
        self.n_unique_selected_ = int(np.unique(self.selected_features_).size)

    def selection_probabilities(self):
        """softmax(α) row-wise: each unit's distribution over the features, (k, d)."""
        self._check_fitted()
        return concrete_weights(self.params_["selector.alpha"], 0.0, 1.0)

    # ------------------------------------------------------------ inference
    def _encode(self, params, X):
        # The deterministic selector: the one-hot rows of the chosen features.
        return X[:, self._selection(params["selector.alpha"])]

    def _decode(self, params, Z):
        return decoder_output(self.loss, self.decoder_.forward(params, Z, get_ops(True))[0])

    # ------------------------------------------------------------ save/load
    def _extra_state(self):
        fixed = getattr(self, "fixed_features_", None)
        return {"temperature_": np.array(self.temperature_),
                "selected_features_": np.asarray(self.selected_features_),
                **({} if fixed is None else {"fixed_features_": fixed})}

    def _set_extra_state(self, state):
        self.temperature_ = float(state["temperature_"])
        fixed = state.get("fixed_features_")
        self.fixed_features_ = None if fixed is None else np.asarray(fixed, dtype=np.int64)
        self.selected_features_ = np.asarray(state["selected_features_"], dtype=np.int64)
        self.n_unique_selected_ = int(np.unique(self.selected_features_).size)
