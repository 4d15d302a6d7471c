"""One torch module per npae family, holding copies of a fitted model's parameters.

Every module has ``encode(X)``, ``decode(Z)``, ``forward(X)`` (the
reconstruction) and ``loss_terms(X, ...)`` / ``loss(X, ...)``, which compute
the terms npae's ``loss_terms`` reports, weights and weight decay included.
A stochastic loss takes its draw as an argument (``X_tilde``, ``eps``,
``z_prior``, ``gumbel``); left out, torch draws it from its own generator
(the same distribution, other numbers).  See :func:`npae.to_torch`.
"""

from __future__ import annotations

import torch
from torch import nn

from ..families.sparse import _KL_RANGES
from ..terms.penalties import KL_EPS
from ._torch_core import (MLP, ExportedModule, bernoulli_nll, clip_log_var, gaussian_nll,
                          softplus, squared_error)

__all__ = ["AutoencoderModule", "SparseModule", "KSparseModule", "DenoisingModule",
           "ContractiveModule", "VAEModule", "CLVAEModule", "AdversarialModule",
           "ConcreteModule", "k_sparse_mask"]


class AutoencoderModule(ExportedModule):
    """:class:`npae.Autoencoder`: ``encoder`` and ``decoder`` MLPs (a tied decoder uses
    the encoder's weights transposed); loss "mse" or "bce" (from the logits)."""

    def __init__(self, model, dtype):
        super().__init__(model)
        self.encoder = MLP(model.encoder_, dtype)
        self.decoder = MLP(model.decoder_, dtype, tied_to=self.encoder)
        self.bce = model.loss == "bce"  # the decoder network stops at the logits

    def encode(self, X):
        return self.encoder(self._tensor(X))

    def decode(self, Z):
        out = self.decoder(self._tensor(Z))
        return torch.sigmoid(out) if self.bce else out

    def reconstruction(self, out, X):
        """ℓ from the decoder network's output (x̂, or the logits for "bce")."""
        return bernoulli_nll(out, X) if self.bce else squared_error(out, X)

    def loss_terms(self, X):
        X = self._tensor(X)
        rec = self.reconstruction(self.decoder(self.encoder(X)), X)
        return self._with_weight_decay({"reconstruction": rec})


class SparseModule(AutoencoderModule):
    """:class:`npae.SparseAutoencoder`: adds β Σ_l Ω(ρ̂_l), ρ̂ the mean activation of the
    batch given (npae's penalty is on the batch too: the same rows, the same ρ̂).

    The KL clips ρ̂ to [eps, 1 − eps] (mapped scale) as npae does; where that clip
    is active npae's gradient is the derivative at the boundary, torch's is 0
    (values agree; a saturated unit is the only case)."""

    def __init__(self, model, dtype):
        super().__init__(model, dtype)
        self.penalty, self.rho, self.beta = model.penalty, float(model.rho), float(model.beta)
        layers = list(enumerate(model.encoder_.layers))
        layers = layers if model.sparse_layers == "all" else layers[-1:]
        self.sparse_layers = [(l, layer.activation.name) for l, layer in layers]

    def sparsity(self, H, act):
        if self.penalty == "activity":
            return self.beta * H.abs().sum() / H.shape[0]
        rho_hat = H.mean(dim=0)  # (n, h) -> (h,)
        if self.penalty == "l1":
            return self.beta * (rho_hat - self.rho).abs().sum()
        if self.penalty == "l2":
            return self.beta * ((rho_hat - self.rho) ** 2).sum()
        lo, hi = _KL_RANGES[act]
        rho_u = (self.rho - lo) / (hi - lo)  # mapped to [0, 1] (tanh: (1 + v) / 2)
        u = torch.clamp((rho_hat - lo) / (hi - lo), KL_EPS, 1.0 - KL_EPS)
        kl = rho_u * torch.log(rho_u / u) + (1.0 - rho_u) * torch.log((1.0 - rho_u) / (1.0 - u))
        return self.beta * kl.sum()

    def loss_terms(self, X):
        X = self._tensor(X)
        H = self.encoder.hidden(X)
        rec = self.reconstruction(self.decoder(H[-1]), X)
        omega = sum(self.sparsity(H[l], act) for l, act in self.sparse_layers)
        return self._with_weight_decay({"reconstruction": rec, "sparsity": omega})


def k_sparse_mask(Z, k, selection="value"):
    """npae's :func:`~npae.families.ksparse.k_sparse_mask` in torch: True at the k largest
    entries of each row, ties at the k-th value to the lowest indices."""
    S = Z if selection == "value" else Z.abs()
    kth = torch.topk(S, k, dim=1).values[:, -1:]  # (n, 1) the k-th largest score
    above = S > kth
    tie = S == kth
    need = k - above.sum(dim=1, keepdim=True)
    return above | (tie & (torch.cumsum(tie.to(torch.int64), dim=1) <= need))


class KSparseModule(AutoencoderModule):
    """:class:`npae.KSparseAutoencoder`: training keeps the k largest codes, ``encode``
    round(α k), with npae's tie rule; the gradient flows through the kept units."""

    def __init__(self, model, dtype):
        super().__init__(model, dtype)
        self.k, self.encoding_k = int(model.k), int(model.encoding_k_)
        self.selection = model.selection

    def encode(self, X):
        Z = self.encoder(self._tensor(X))
        return Z * k_sparse_mask(Z.detach(), self.encoding_k, self.selection)

    def loss_terms(self, X):
        X = self._tensor(X)
        Z = self.encoder(X)
        Zk = Z * k_sparse_mask(Z.detach(), self.k, self.selection)  # f_k(z)
        return self._with_weight_decay({"reconstruction": self.reconstruction(self.decoder(Zk),
                                                                              X)})


class DenoisingModule(AutoencoderModule):
    """:class:`npae.DenoisingAutoencoder`: the loss reconstructs the clean X from
    ``X_tilde``.  Pass ``X_tilde`` (e.g. ``model.corrupt(X, rng)``, npae's draw; ``X``
    itself to switch the corruption off) or leave it None for a torch draw of the
    same process (:meth:`corrupt`)."""

    def __init__(self, model, dtype):
        super().__init__(model, dtype)
        self.noise, self.noise_level = model.noise, float(model.corruption_level)
        self.register_buffer("noise_range", torch.tensor(model.noise_range_, dtype=dtype))

    def corrupt(self, X, generator=None):
        """x̃ ~ T(x̃ | x) with torch's random numbers (exactly round(ν d) entries per row)."""
        X = self._tensor(X)
        if self.noise == "gaussian":
            return X + self.noise_level * torch.randn(X.shape, generator=generator,
                                                      dtype=X.dtype, device=X.device)
        n, d = X.shape
        m = int(round(self.noise_level * d))
        u = torch.rand(X.shape, generator=generator, dtype=X.dtype, device=X.device)
        mask = torch.zeros_like(X, dtype=torch.bool)
        mask.scatter_(1, torch.topk(u, m, dim=1, largest=False).indices, True)
        if self.noise == "masking":
            return torch.where(mask, torch.zeros_like(X), X)
        salt = torch.rand(X.shape, generator=generator, dtype=X.dtype, device=X.device) < 0.5
        low, high = self.noise_range[0], self.noise_range[1]
        return torch.where(mask, torch.where(salt, high, low), X)

    def loss_terms(self, X, X_tilde=None):
        X = self._tensor(X)
        X_tilde = self.corrupt(X) if X_tilde is None else self._tensor(X_tilde)
        rec = self.reconstruction(self.decoder(self.encoder(X_tilde)), X)  # against clean x
        return self._with_weight_decay({"reconstruction": rec})


class ContractiveModule(AutoencoderModule):
    """:class:`npae.ContractiveAutoencoder`: adds λ mean ‖∂z/∂x‖²_F, the Jacobian rows
    by reverse mode kept in the graph (``create_graph``), so ``loss.backward()`` is a
    double backward: k backward passes per loss, k the code size."""

    def __init__(self, model, dtype):
        super().__init__(model, dtype)
        self.lam = float(model.lam)

    def jacobian(self, X):
        """∂z/∂x at each row, (n, k, d), differentiable with respect to the parameters."""
        x = self._tensor(X).detach().requires_grad_(True)
        Z = self.encoder(x)
        rows = [torch.autograd.grad(Z[:, j].sum(), x, create_graph=True)[0]
                for j in range(Z.shape[1])]  # row j of every sample's Jacobian: (n, d)
        return torch.stack(rows, dim=1)

    def loss_terms(self, X):
        X = self._tensor(X)
        terms = super().loss_terms(X)
        omega = self.lam * (self.jacobian(X) ** 2).sum(dim=(1, 2)).mean() if self.lam else 0.0
        terms = {"reconstruction": terms["reconstruction"], "contractive": omega,
                 **{k: v for k, v in terms.items() if k == "weight_decay"}}
        return terms


class WAEModule(AutoencoderModule):
    """:class:`npae.WassersteinAutoencoder`: adds λ·MMD²(codes, z_prior), the unbiased
    estimate with npae's kernel and scales (:func:`npae.terms.mmd.mmd2_penalty`)."""

    def __init__(self, model, dtype):
        super().__init__(model, dtype)
        self.lam, self.kernel = float(model.lam), model.kernel
        self.scales, self.prior_scale = model._scales(), float(model.prior_scale)

    def mmd2(self, Z, P):
        n = Z.shape[0]
        off = 1.0 - torch.eye(n, dtype=Z.dtype, device=Z.device)
        sq = lambda A, B: ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)  # noqa: E731 (n, n)
        rZZ, rPP, rZP = sq(Z, Z), sq(P, P), sq(Z, P)
        total = Z.new_zeros(())
        for c in self.scales:
            k = (lambda r: c / (c + r)) if self.kernel == "imq" else (lambda r: torch.exp(-r / (2 * c)))
            total = total + ((k(rZZ) * off).sum() + (k(rPP) * off).sum()) / (n * (n - 1)) \
                - 2.0 * k(rZP).mean()
        return total

    def loss_terms(self, X, z_prior=None):
        X = self._tensor(X)
        Z = self.encoder(X)
        rec = self.reconstruction(self.decoder(Z), X)
        P = self.prior_scale * torch.randn_like(Z) if z_prior is None else self._tensor(z_prior)
        mmd = self.mmd2(Z, P) if self.lam and Z.shape[0] >= 2 else Z.new_zeros(())
        return self._with_weight_decay({"reconstruction": rec, "mmd": self.lam * mmd})
