"""The convolutional and winner-take-all families in torch: ``F.conv2d``,
``F.max_pool2d`` with indices, ``F.max_unpool2d`` and ``F.conv_transpose2d`` with
npae's kernels.

npae's kernels (f, c, kh, kw) are torch's ``conv2d`` weights and, unchanged,
its ``conv_transpose2d`` weights (in_channels = f, out_channels = c): the
transposed convolution of both is the adjoint of the correlation.  Max-pooling
breaks ties at the first maximum in both.  Imported only by :func:`npae.to_torch`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._torch_core import ExportedModule, bernoulli_nll, squared_error, torch_activation
from ._torch_families import AutoencoderModule, DenoisingModule, k_sparse_mask

__all__ = ["ConvModule", "WTAModule", "ConvWTAModule", "lifetime_mask"]


def lifetime_mask(Z, rate):
    """npae's :func:`~npae.families.wta.lifetime_mask`: the ⌈rate n⌉ largest of each column."""
    n = Z.shape[0]
    return k_sparse_mask(Z.T, min(n, max(1, math.ceil(rate * n)))).T


class _Kernels(nn.Module):
    """One layer's ``W`` (absent when tied) and ``b``: state_dict ``"<prefix>.l.W"``."""

    def __init__(self, W_shape, b_shape, dtype):
        super().__init__()
        if W_shape is not None:
            self.W = nn.Parameter(torch.empty(W_shape, dtype=dtype))
        self.b = nn.Parameter(torch.empty(b_shape, dtype=dtype))


class ConvModule(ExportedModule):
    """:class:`npae.ConvolutionalAutoencoder`.  ``encode(X, return_switches=True)`` also
    returns the pooling indices; ``decode(Z, switches)`` unpools through them (None:
    the top-left of each window, as npae's ``inverse_transform``); ``forward(X)``
    decodes with the encoder's switches (npae's ``reconstruct``).  With ``noise``,
    ``loss_terms(X, X_tilde)`` takes npae's corruption, else draws one with torch."""

    corrupt = DenoisingModule.corrupt

    def __init__(self, model, dtype):
        super().__init__(model)
        self.layers = model.encoder_.layers
        self.image_shape, self.code_shape = tuple(model.image_shape_), tuple(model.code_shape_)
        self.tied, self.bce = model.tied, model.loss == "bce"
        self.enc_f = [torch_activation(layer.activation) for layer in self.layers]
        self.dec_f = [torch_activation(a) for a in model.decoder_.activations]
        shapes = [(layer.filters, layer.in_shape[0], *layer.kernel) for layer in self.layers]
        self.encoder = nn.ModuleList(_Kernels(s, s[:1], dtype) for s in shapes)
        self.decoder = nn.ModuleList(_Kernels(None if self.tied else s, s[1:2], dtype)
                                     for s in shapes)
        self.noise, self.noise_level = model.noise, float(model.corruption_level)
        self.register_buffer("noise_range", torch.tensor(model.noise_range_, dtype=dtype))

    def _kernel(self, l):
        return (self.encoder if self.tied else self.decoder)[l].W

    def encode(self, X, return_switches=False):
        X = self._tensor(X)
        H, switches = X.reshape(X.shape[0], *self.image_shape), []
        for l, layer in enumerate(self.layers):
            G = self.enc_f[l](F.conv2d(H, self.encoder[l].W, self.encoder[l].b,
                                       stride=layer.stride, padding=layer.padding))
            S = None
            if layer.pooled:
                G, S = F.max_pool2d(G, layer.pool, layer.pool, return_indices=True)
            switches.append(S)
            H = G
        Z = H.reshape(X.shape[0], -1)
        return (Z, switches) if return_switches else Z

    def _top_left(self, layer, H):
        """Indices of each window's top-left pixel in the (oh, ow) plane before pooling."""
        (ph, pw), ow = layer.pool, layer.conv_shape[2]
        y = torch.arange(H.shape[2], device=H.device)[:, None] * ph
        x = torch.arange(H.shape[3], device=H.device)[None, :] * pw
        return (y * ow + x).expand(H.shape)

    def decoder_network(self, Z, switches=None):
        """Codes -> the decoder network's output (the logits for "bce")."""
        H = self._tensor(Z).reshape(Z.shape[0], *self.code_shape)
        for l in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[l]
            if layer.pooled:
                S = switches[l] if switches is not None else self._top_left(layer, H)
                H = F.max_unpool2d(H, S, layer.pool, layer.pool, output_size=layer.conv_shape[1:])
            hw = layer.in_shape[1:]
            base = [(o - 1) * s - 2 * p + k for o, s, p, k in
                    zip(H.shape[2:], layer.stride, layer.padding, layer.kernel)]
            H = self.dec_f[l](F.conv_transpose2d(
                H, self._kernel(l), self.decoder[l].b, stride=layer.stride,
                padding=layer.padding, output_padding=tuple(a - b for a, b in zip(hw, base))))
        return H.reshape(H.shape[0], -1)

    def decode(self, Z, switches=None):
        out = self.decoder_network(Z, switches)
        return torch.sigmoid(out) if self.bce else out

    def forward(self, X):
        return self.decode(*self.encode(X, return_switches=True))

    def sparsify(self, H):
        """The codes the decoder sees (a seam for the convolutional WTA)."""
        return H

    def loss_terms(self, X, X_tilde=None):
        X = self._tensor(X)
        if self.noise is not None:
            X_tilde = self.corrupt(X) if X_tilde is None else self._tensor(X_tilde)
        # the dense codes (a subclass's encode may sparsify them), then the loss's sparsity
        Z, S = ConvModule.encode(self, X if X_tilde is None else X_tilde, return_switches=True)
        out = self.decoder_network(self.sparsify(Z), S)
        rec = bernoulli_nll(out, X) if self.bce else squared_error(out, X)
        return self._with_weight_decay({"reconstruction": rec})


class WTAModule(AutoencoderModule):
    """:class:`npae.WinnerTakeAllAutoencoder`: the loss keeps each code unit's ⌈ρ n⌉
    largest values over the batch given; ``encode`` keeps z ≥ the fitted thresholds."""

    def __init__(self, model, dtype):
        super().__init__(model, dtype)
        self.sparsity = float(model.sparsity)
        self.register_buffer("thresholds", torch.tensor(model.thresholds_, dtype=dtype))

    def encode(self, X):
        Z = self.encoder(self._tensor(X))
        return Z * (Z >= self.thresholds)

    def loss_terms(self, X):
        X = self._tensor(X)
        Z = self.encoder(X)
        Zs = Z * lifetime_mask(Z.detach(), self.sparsity)
        return self._with_weight_decay({"reconstruction": self.reconstruction(self.decoder(Zs),
                                                                              X)})


class ConvWTAModule(ConvModule):
    """:class:`npae.ConvolutionalWTAAutoencoder`: one spatial winner per map (first on
    ties), then lifetime sparsity over the batch in the loss; ``encode`` keeps the winners
    at or above the fitted thresholds."""

    def __init__(self, model, dtype):
        super().__init__(model, dtype)
        self.sparsity = float(model.sparsity)
        self.register_buffer("thresholds", torch.tensor(model.thresholds_, dtype=dtype))

    def _spatial(self, Z):
        H = Z.reshape(Z.shape[0], *self.code_shape)
        flat = H.reshape(H.shape[0], H.shape[1], -1)
        first = torch.argmax(flat.detach(), dim=2, keepdim=True)  # first maximum on ties
        mask = torch.zeros_like(flat, dtype=torch.bool).scatter_(2, first, True)
        return flat, mask, torch.gather(flat.detach(), 2, first)[..., 0]

    def encode(self, X, return_switches=False):
        Z, S = super().encode(X, return_switches=True)
        flat, mask, winners = self._spatial(Z)
        mask = mask & (winners >= self.thresholds)[..., None]
        Z = (flat * mask).reshape(Z.shape)
        return (Z, S) if return_switches else Z

    def sparsify(self, Z):
        flat, mask, winners = self._spatial(Z)
        mask = mask & lifetime_mask(winners, self.sparsity)[..., None]
        return (flat * mask).reshape(Z.shape)
