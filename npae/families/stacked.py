r"""Greedy layer-wise pretraining of a deep autoencoder, then joint fine-tuning.

References: Hinton & Salakhutdinov, *Reducing the dimensionality of data with
neural networks*, Science 313 (2006) (a stack of RBMs, unrolled and
fine-tuned); Bengio, Lamblin, Popovici & Larochelle, *Greedy layer-wise
training of deep networks*, NIPS 2006 (the same with shallow autoencoders);
Vincent et al., *Stacked denoising autoencoders*, JMLR 11 (2010), §3.5; the
encyclopedia article *Autoencoder*, "Training".

Objective: layer l (1..L) is a shallow autoencoder trained alone on the codes
of the layers below it, then the unrolled stack is trained jointly:

.. math:: H_0 = X, \qquad (W_l, b_l, W'_l, b'_l) = \operatorname{argmin} \frac1n \sum_i
          \ell_l\big(h_{l-1}^{(i)}, g_l(f_l(h_{l-1}^{(i)}))\big) + \Omega_l,

          H_l = f_l(H_{l-1}) = s(H_{l-1} W_l + b_l),

          \text{then} \min_{\text{all layers}} \frac1n \sum_i
          \ell\Big(x^{(i)}, g_1\big(\cdots g_L(f_L(\cdots f_1(x^{(i)})))\big)\Big)

Symbols: :math:`f_l` the encoder layer l (weights :math:`W_l, b_l`, activation s; the last
uses ``code_activation``), :math:`g_l` its decoder layer (:math:`W'_l, b'_l`), :math:`\ell_1` the
model's loss on the data and :math:`\ell_l` (l > 1) the squared error on the codes :math:`H_{l-1}`
(the decoder layer's output activation is then the hidden activation, so
that :math:`g_l` is exactly the deep decoder's layer), :math:`\Omega_l` the regulariser of the
family chosen for the layers (none, denoising → stacked denoising
autoencoders, sparse, contractive, ...).

With ``family="rbm"`` layer l is instead an RBM (:class:`npae.RBM`) trained by
contrastive divergence on :math:`H_{l-1}` (the hidden probabilities of the RBM below),
and unrolled as the paper: :math:`f_l(h) = s(h W_l + c_l)`, :math:`g_l(h) = u(h W_l^\top + b_l)`,
with :math:`W_l, c_l, b_l` the RBM's weights, hidden and visible biases, and u the
mean of its visible units (σ for Bernoulli, identity for Gaussian).

Why a function and not an option of :class:`npae.Autoencoder`: the
pretraining trains L separate models of *any* family and composes them; as an
option it would make the basic family depend on all the others and give one
``fit`` several models' worth of hyperparameters.  The function returns a
fitted ``Autoencoder`` like any other, with the pieces in ``pretraining_``.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from .._validation import check_array, check_int, check_layer_sizes, check_rng
from ..estimator.registry import get_family
from .autoencoder import Autoencoder
from .rbm import RBM

__all__ = ["pretrain_stack"]


def pretrain_stack(X, hidden, latent_dim=None, *, family="autoencoder", layer_params=None,
                   activation="sigmoid", code_activation=None, loss="mse", pretrain_epochs=10,
                   finetune_epochs=10, finetune_family="autoencoder", finetune_params=None,
                   random_state=0, **training_settings):
    """Train a deep autoencoder one shallow autoencoder at a time, then fine-tune it jointly.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    hidden : tuple of int
        The deep model's hidden layers before the code, as in every family.
    latent_dim : int
        The code size.  One shallow autoencoder per layer of
        ``(*hidden, latent_dim)``; the decoder mirrors the encoder.  (None, for
        one more release: ``hidden`` ends with the code size, as before npae
        0.3, with a ``FutureWarning``.)
    family : str or class, default="autoencoder"
        The family of every shallow model (a registry key such as
        "denoising" or "sparse", or a subclass of :class:`npae.Autoencoder`),
        or ``"rbm"`` (or :class:`npae.RBM`): a stack of RBMs as Hinton &
        Salakhutdinov (2006), each trained by CD on the hidden probabilities
        of the one below, unrolled with the transposed weights as the decoder.
        Their units follow the deep model: the first visible layer is
        Bernoulli for ``loss="bce"`` and Gaussian for ``loss="mse"`` (each
        loss is that unit's negative log-likelihood), the code layer Gaussian
        for ``code_activation="identity"`` (the paper's linear code units) and
        Bernoulli for "sigmoid"; ``activation`` must be "sigmoid".
    layer_params : dict or sequence of dicts, optional
        Hyperparameters of that family given to every shallow model, or one
        dict per layer (e.g.
        ``{"noise": "masking", "corruption_level": 0.3}`` for stacked denoising
        autoencoders, ``{"rho": 0.05, "beta": 3.0}`` for sparse ones,
        ``{"k": 1, "batch_size": 100}`` for RBMs; per layer, e.g. a larger
        learning rate for the top RBM).  RBM layers take only these:
        ``training_settings`` are the deep model's.
    activation, code_activation, loss
        As in :class:`npae.Autoencoder`, for the deep model; ``loss`` is the
        first shallow model's too (the others reconstruct codes by squared error).
    finetune_family : str or class, default="autoencoder"
        The family of the deep model that is fine-tuned (a subclass of
        :class:`npae.Autoencoder` with its parameter names), e.g.
        ``"semantic_hashing"``: binary codes from an RBM-pretrained stack, as
        Salakhutdinov & Hinton (2009).
    finetune_params : dict, optional
        That family's own hyperparameters (e.g. ``{"code_noise_std": 4.0}``).
    pretrain_epochs : int, default=10
        Epochs of each shallow model.
    finetune_epochs : int, default=10
        Epochs of joint training of the whole stack (0: return the stack as assembled).
    random_state : int, Generator or None, default=0
        Seeds every shallow model and the fine-tuning.
    **training_settings
        Other training settings (``learning_rate``, ``batch_size``,
        ``optimizer``, ``weight_decay``, ``dtype``, ``verbose``, ...) for all
        the models.

    Returns
    -------
    Autoencoder
        Fitted: ``params_`` are the fine-tuned weights; ``history_`` is the
        fine-tuning's; ``pretraining_`` is a dict with ``"layers"`` (the
        shallow models), ``"params"`` (the assembled weights before
        fine-tuning) and ``"seconds"`` (time spent pretraining).
    """
    if latent_dim is None:
        sizes = check_layer_sizes(hidden, "hidden")
        warnings.warn(f"pretrain_stack(X, hidden={hidden!r}) without latent_dim: since npae 0.3 "
                      f"hidden holds only the layers before the code; read as "
                      f"hidden={sizes[:-1]!r}, latent_dim={sizes[-1]!r}. Pass both",
                      FutureWarning, stacklevel=2)
    else:
        sizes = (*check_layer_sizes(hidden, "hidden", allow_empty=True),
                 check_int("latent_dim", latent_dim, minimum=1))
    hidden = sizes  # every layer of the stack, the code last
    pretrain_epochs = check_int("pretrain_epochs", pretrain_epochs, minimum=0)
    finetune_epochs = check_int("finetune_epochs", finetune_epochs, minimum=0)
    rbm = family == "rbm" or family is RBM
    cls = RBM if rbm else get_family(family) if isinstance(family, str) else family
    if not rbm and not (isinstance(cls, type) and issubclass(cls, Autoencoder)):
        raise TypeError(f"family must be a registry key or a subclass of npae.Autoencoder whose "
                        f"layers stack, or 'rbm', got {family!r}")
    deep_cls = get_family(finetune_family) if isinstance(finetune_family, str) else finetune_family
    if not (isinstance(deep_cls, type) and issubclass(deep_cls, Autoencoder)):
        raise TypeError(f"finetune_family must be a registry key or a subclass of "
                        f"npae.Autoencoder, got {finetune_family!r}")
    if isinstance(layer_params, (list, tuple)):
        if len(layer_params) != len(hidden):
            raise ValueError(f"layer_params holds {len(layer_params)} dicts for "
                             f"{len(hidden)} layers")
        per_layer = [dict(p or {}) for p in layer_params]
    else:
        per_layer = [dict(layer_params or {}) for _ in hidden]
    clash = ({"n_components", "visible_units", "hidden_units", "epochs", "random_state", "dtype"} if rbm else
             {"hidden", "latent_dim", "activation", "code_activation", "output_activation", "loss",
              "epochs",
              "random_state"}) & set().union(*per_layer)
    if clash:
        raise ValueError(f"layer_params may not set {sorted(clash)}: pretrain_stack sets them "
                         "(pass activation, code_activation, loss, pretrain_epochs, random_state)")
    deep_params = dict(finetune_params or {})
    if code_activation is not None:  # else the fine-tuned family's own default
        deep_params["code_activation"] = code_activation
    deep = deep_cls(hidden=hidden[:-1], latent_dim=hidden[-1], activation=activation, loss=loss,
                    epochs=finetune_epochs,
                    random_state=random_state, **deep_params, **training_settings)
    dtype = deep._dtype
    X = check_array(X, name="X", dtype=dtype)
    rng = check_rng(random_state)
    code_act = deep.code_activation or activation

    t0 = time.perf_counter()
    if rbm:
        layers, assembled = _rbm_stack(X, hidden, activation, code_act, loss, pretrain_epochs,
                                       rng, str(np.dtype(dtype)), per_layer)
    else:
        layers, assembled = _autoencoder_stack(X, hidden, cls, activation, code_act, loss,
                                               pretrain_epochs, rng,
                                               [{**training_settings, **p} for p in per_layer])
    seconds = time.perf_counter() - t0

    deep.initialize(X)
    deep._flat.assign(assembled)
    deep.pretraining_ = {"layers": layers, "seconds": seconds,
                         "params": {k: np.array(v, copy=True) for k, v in deep.params_.items()}}
    if finetune_epochs:
        # Joint fine-tuning continues from the stacked weights: fit's warm start.
        deep.set_params(warm_start=True).fit(X)
        deep.set_params(warm_start=False)
    return deep


def _autoencoder_stack(X, hidden, cls, activation, code_act, loss, epochs, rng, params):
    """Shallow autoencoders of family ``cls``, layer l trained on the codes of layer l − 1."""
    L = len(hidden)
    layers, assembled, H = [], {}, X
    for l, size in enumerate(hidden):
        first = l == 0
        shallow = cls(hidden=(), latent_dim=size, activation=activation,
                      code_activation=code_act if l == L - 1 else activation,
                      output_activation=None if first else activation,
                      loss=loss if first else "mse", epochs=epochs,
                      random_state=int(rng.integers(2**31 - 1)), **params[l]).fit(H)
        layers.append(shallow)
        p = shallow.params_
        assembled[f"encoder.{l}.W"], assembled[f"encoder.{l}.b"] = p["encoder.0.W"], p["encoder.0.b"]
        # The deep decoder runs the shallow decoders in reverse: layer l's is decoder.{L-1-l}.
        j = L - 1 - l
        assembled[f"decoder.{j}.W"], assembled[f"decoder.{j}.b"] = p["decoder.0.W"], p["decoder.0.b"]
        H = shallow.transform(H)  # (n, size): the next layer's data
    return layers, assembled


def _rbm_stack(X, hidden, activation, code_act, loss, epochs, rng, dtype, layer_params):
    """Hinton & Salakhutdinov's stack: RBM l is trained on the hidden probabilities of
    RBM l − 1; unrolled, encoder l is (W_l, c_l) and decoder L − 1 − l is (W_lᵀ, b_l)."""
    if activation != "sigmoid":
        raise ValueError(f"RBM layers unroll into logistic units: activation must be 'sigmoid', "
                         f"got {activation!r}")
    top = {"sigmoid": "bernoulli", "identity": "gaussian"}.get(code_act)
    first = {"bce": "bernoulli", "mse": "gaussian"}.get(loss)
    if top is None or first is None:
        raise ValueError(f"RBM layers need code_activation 'sigmoid' or 'identity' (got "
                         f"{code_act!r}) and loss 'bce' or 'mse' (got {loss!r})")
    L = len(hidden)
    layers, assembled, H = [], {}, X
    for l, size in enumerate(hidden):
        units = dict(visible_units=first if l == 0 else "bernoulli",
                     hidden_units=top if l == L - 1 else "bernoulli")
        if units["visible_units"] == units["hidden_units"] == "gaussian":
            raise ValueError("a one-layer RBM stack with loss='mse' and code_activation="
                             "'identity' would be Gaussian on both sides; use loss='bce' or "
                             "code_activation='sigmoid'")
        layer = RBM(n_components=size, epochs=epochs, random_state=int(rng.integers(2**31 - 1)),
                    dtype=dtype, **units, **layer_params[l]).fit(H)
        p = layer.params_
        assembled[f"encoder.{l}.W"], assembled[f"encoder.{l}.b"] = p["W"], p["c"]
        # the decoder is the same RBM run downwards: p(v | h) has weights Wᵀ and biases b
        j = L - 1 - l
        assembled[f"decoder.{j}.W"], assembled[f"decoder.{j}.b"] = p["W"].T, p["b"]
        layers.append(layer)
        H = layer.transform(H)  # (n, size): hidden probabilities, the next RBM's data
    return layers, assembled
