"""The pieces every exported family shares: activations, losses, the MLP, a base module.

Imported only by :func:`npae.to_torch` (this module imports torch at its top).
Each formula is npae's own, written with torch operations, so that autograd
differentiates exactly the function npae differentiates by hand:

- softplus is ``max(a, 0) + log1p(exp(−|a|))`` as in :mod:`npae.nn.activations`
  (``torch.nn.functional.softplus`` returns ``a`` itself above its threshold 20,
  which differs from npae by up to 2e-9);
- leaky ReLU takes npae's slope and its value ``slope · a`` at the kink;
- the Bernoulli loss is computed from the logits, ``softplus(a) − x a``
  (:func:`npae.nn.losses.bernoulli_cross_entropy`);
- every loss sums over features and averages over the rows of the batch.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ..terms.gaussian import LOG_VAR_BOUNDS

__all__ = ["softplus", "ACTIVATIONS", "squared_error", "bernoulli_nll", "gaussian_nll",
           "MLP", "ExportedModule", "clip_log_var"]

LOG_2PI = math.log(2.0 * math.pi)


def softplus(a):
    """log(1 + e^a) in npae's overflow-free form (no threshold)."""
    return torch.clamp_min(a, 0.0) + torch.log1p(torch.exp(-a.abs()))


def _leaky_relu(act):
    slope = float(act.slope)
    return lambda a: torch.where(a > 0, a, slope * a)


#: npae activation name -> function of (npae activation object) returning a torch function
ACTIVATIONS = {
    "identity": lambda act: (lambda a: a),
    "linear": lambda act: (lambda a: a),
    "sigmoid": lambda act: torch.sigmoid,
    "tanh": lambda act: torch.tanh,
    "relu": lambda act: torch.relu,
    "leaky_relu": _leaky_relu,
    "softplus": lambda act: softplus,
}


def torch_activation(act):
    """The torch function of an npae :class:`~npae.nn.activations.Activation`."""
    if act.name not in ACTIVATIONS:
        raise ValueError(
            f"cannot export the activation {act!r}: to_torch knows {sorted(ACTIVATIONS)}; "
            "write its forward in torch and add it to npae.export._torch_core.ACTIVATIONS"
        )
    return ACTIVATIONS[act.name](act)


def squared_error(X_hat, X):
    """(1/n) Σ_i ½ ‖x^(i) − x̂^(i)‖² (:func:`npae.nn.losses.squared_error`)."""
    return 0.5 * ((X_hat - X) ** 2).sum() / X.shape[0]


def bernoulli_nll(logits, X):
    """(1/n) Σ_ij [softplus(a_ij) − x_ij a_ij], npae's ``bernoulli_cross_entropy``."""
    return (softplus(logits) - X * logits).sum() / X.shape[0]


def gaussian_nll(mu, log_var, X):
    """(1/n) Σ_ij ½ [log 2π + s_ij + (x_ij − mu_ij)² e^{−s_ij}], npae's ``gaussian_nll``."""
    s = torch.broadcast_to(log_var, mu.shape)
    return 0.5 * (LOG_2PI + s + (X - mu) ** 2 * torch.exp(-s)).sum() / X.shape[0]


def clip_log_var(log_var):
    """s = clip(log_var, *LOG_VAR_BOUNDS): the value npae evaluates (gradient 0 outside)."""
    return torch.clamp(log_var, *LOG_VAR_BOUNDS)


class Dense(nn.Module):
    """h = f(x W + b), W of shape (n_in, n_out) as in npae.

    A tied layer owns no weight: it multiplies by ``tied.W.T``, the weight of
    the encoder layer it mirrors (kept out of this module's parameters, so
    that the weight is trained once and its name appears once).
    """

    def __init__(self, layer, dtype, tied=None):
        super().__init__()
        self.f = torch_activation(layer.activation)
        self._tied = [tied] if tied is not None else []  # a plain list: not a submodule
        if tied is None:
            self.W = nn.Parameter(torch.empty(layer.n_in, layer.n_out, dtype=dtype))
        self.b = nn.Parameter(torch.empty(layer.n_out, dtype=dtype))

    def weight(self):
        return self._tied[0].W.T if self._tied else self.W

    def forward(self, X):
        return self.f(X @ self.weight() + self.b)  # (n, n_in) @ (n_in, n_out) -> (n, n_out)


class MLP(nn.ModuleList):
    """An :class:`npae.nn.MLP` in torch: layer l's parameters are ``"<prefix>.l.W"`` and
    ``"<prefix>.l.b"`` in the parent's ``state_dict``, the names of npae's ``params_``."""

    def __init__(self, mlp, dtype, tied_to=None):
        layers = []
        for layer in mlp.layers:
            tied = None
            if layer.transpose:  # layer.W names the encoder weight it mirrors
                if tied_to is None or layer.W not in tied_to.weight_names:
                    raise ValueError(f"layer {layer.b} uses {layer.W}, which tied_to lacks")
                tied = tied_to[tied_to.weight_names.index(layer.W)]
            layers.append(Dense(layer, dtype, tied))
        super().__init__(layers)
        self.weight_names = [layer.W for layer in mlp.layers]

    def forward(self, X):
        return self.hidden(X)[-1]

    def hidden(self, X):
        """Every layer's activation [H_1, ..., H_L] (H_L is the output)."""
        H = []
        for layer in self:
            X = layer(X)
            H.append(X)
        return H


class ExportedModule(nn.Module):
    """Base of the exported families: inputs, weight decay, ``loss`` and ``forward``.

    Subclasses define ``encode``, ``decode`` and ``loss_terms``.  ``forward``
    is the deterministic reconstruction ``decode(encode(X))``
    (npae's ``reconstruct``).
    """

    def __init__(self, model):
        super().__init__()
        self.weight_decay = float(getattr(model, "weight_decay", 0.0))
        self.n_features_in = int(model.n_features_in_)

    @property
    def dtype(self):
        return next(self.parameters()).dtype

    @property
    def device(self):
        return next(self.parameters()).device

    def _tensor(self, X):
        """X as a tensor of the module's dtype and device (arrays and tensors are converted)."""
        return torch.as_tensor(X, dtype=self.dtype, device=self.device)

    def forward(self, X):
        return self.decode(self.encode(X))

    def weight_decay_term(self):
        """(λ/2) Σ ‖W‖² over the weight matrices (names ending in ".W"), as npae adds it."""
        total = sum((p ** 2).sum() for name, p in self.named_parameters() if name.endswith(".W"))
        return 0.5 * self.weight_decay * total

    def _with_weight_decay(self, terms):
        if self.weight_decay:
            terms["weight_decay"] = self.weight_decay_term()
        return terms

    def loss(self, *args, **kwargs):
        """The sum of :meth:`loss_terms` (a 0-dim tensor, differentiable)."""
        return sum(self.loss_terms(*args, **kwargs).values())

    def load_npae_params(self, params):
        """Copy npae's ``params_`` (dict name -> ndarray) into this module's parameters:
        the same names, the same shapes, nothing left over on either side.  Returns self."""
        named = dict(self.named_parameters())
        if set(named) != set(params):
            raise ValueError(f"npae parameters {sorted(set(params) - set(named))} have no torch "
                             f"counterpart, torch parameters {sorted(set(named) - set(params))} "
                             "no npae one")
        with torch.no_grad():
            for name, value in params.items():
                if tuple(named[name].shape) != np.shape(value):
                    raise ValueError(f"{name}: npae shape {np.shape(value)}, torch shape "
                                     f"{tuple(named[name].shape)}")
                named[name].copy_(torch.from_numpy(np.asarray(value)))
        return self
