"""Greedy layer-wise pretraining of a deep autoencoder, then joint fine-tuning.

References: Hinton & Salakhutdinov, *Reducing the dimensionality of data with
neural networks*, Science 313 (2006) (a stack of RBMs, unrolled and
fine-tuned); Bengio, Lamblin, Popovici & Larochelle, *Greedy layer-wise
training of deep networks*, NIPS 2006 (the same with shallow autoencoders);
Vincent et al., *Stacked denoising autoencoders*, JMLR 11 (2010), §3.5; the
encyclopedia article *Autoencoder*, "Training".

Objective: layer l (1..L) is a shallow autoencoder trained alone on the codes
of the layers below it, then the unrolled stack is trained jointly::

    H_0 = X,   (W_l, b_l, W'_l, b'_l) = argmin (1/n) Σ_i ℓ_l(h_{l−1}^(i), g_l(f_l(h_{l−1}^(i)))) + Ω_l,
    H_l = f_l(H_{l−1}) = s(H_{l−1} W_l + b_l),
    then min over all layers of (1/n) Σ_i ℓ(x^(i), g_1(… g_L(f_L(… f_1(x^(i)))))).

Symbols: f_l the encoder layer l (weights W_l, b_l, activation s; the last
uses ``code_activation``), g_l its decoder layer (W'_l, b'_l), ℓ_1 the
model's loss on the data and ℓ_l (l > 1) the squared error on the codes H_{l−1}
(the decoder layer's output activation is then the hidden activation, so
that g_l is exactly the deep decoder's layer), Ω_l the regulariser of the
family chosen for the layers (none, denoising → stacked denoising
autoencoders, sparse, contractive, ...).

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
from .autoencoder import Autoencoder
from ..estimator.registry import get_family

__all__ = ["pretrain_stack"]


def pretrain_stack(X, hidden, latent_dim=None, *, family="autoencoder", layer_params=None,
                   activation="sigmoid", code_activation=None, loss="mse", pretrain_epochs=10,
                   finetune_epochs=10, random_state=0, **training_settings):
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
        "denoising" or "sparse", or a subclass of :class:`npae.Autoencoder`).
    layer_params : dict, optional
        Hyperparameters of that family given to every shallow model (e.g.
        ``{"noise": "masking", "corruption_level": 0.3}`` for stacked denoising
        autoencoders, ``{"rho": 0.05, "beta": 3.0}`` for sparse ones).
    activation, code_activation, loss
        As in :class:`npae.Autoencoder`, for the deep model; ``loss`` is the
        first shallow model's too (the others reconstruct codes by squared error).
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
    cls = get_family(family) if isinstance(family, str) else family
    if not (isinstance(cls, type) and issubclass(cls, Autoencoder)):
        raise TypeError(f"family must be a registry key or a subclass of npae.Autoencoder whose "
                        f"layers stack, got {family!r}")
    layer_params = dict(layer_params or {})
    clash = {"hidden", "latent_dim", "activation", "code_activation", "output_activation", "loss", "epochs",
             "random_state"} & set(layer_params)
    if clash:
        raise ValueError(f"layer_params may not set {sorted(clash)}: pretrain_stack sets them "
                         "(pass activation, code_activation, loss, pretrain_epochs, random_state)")
    deep = Autoencoder(hidden=hidden[:-1], latent_dim=hidden[-1], activation=activation, code_activation=code_activation,
                       loss=loss, epochs=finetune_epochs, random_state=random_state,
                       **training_settings)
    dtype = deep._dtype
    X = check_array(X, name="X", dtype=dtype)
    rng = check_rng(random_state)
    code_act = code_activation or activation
    L = len(hidden)

    t0 = time.perf_counter()
    layers, assembled, H = [], {}, X
    for l, size in enumerate(hidden):
        first = l == 0
        shallow = cls(hidden=(), latent_dim=size, activation=activation,
                      code_activation=code_act if l == L - 1 else activation,
                      output_activation=None if first else activation,
                      loss=loss if first else "mse", epochs=pretrain_epochs,
                      random_state=int(rng.integers(2**31 - 1)),
                      **{**training_settings, **layer_params}).fit(H)
        layers.append(shallow)
        p = shallow.params_
        assembled[f"encoder.{l}.W"], assembled[f"encoder.{l}.b"] = p["encoder.0.W"], p["encoder.0.b"]
        # The deep decoder runs the shallow decoders in reverse: layer l's is decoder.{L-1-l}.
        j = L - 1 - l
        assembled[f"decoder.{j}.W"], assembled[f"decoder.{j}.b"] = p["decoder.0.W"], p["decoder.0.b"]
        H = shallow.transform(H)  # (n, size): the next layer's data
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
