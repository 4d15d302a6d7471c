"""The VAE, CL-VAE, adversarial and concrete autoencoders as torch modules.

Same contract as :mod:`npae.export._torch_families`: ``encode``, ``decode``,
``forward`` (reconstruction), ``loss_terms`` / ``loss``; a random draw is an
argument (``eps``, ``z_prior``, ``gumbel``), drawn by torch when left out.
Labels (``y``) are *row indices* into the model's ``classes_`` (for the
default ``classes=None`` that is ``np.searchsorted(model.classes_, labels)``).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ._torch_core import (MLP, ExportedModule, bernoulli_nll, clip_log_var, gaussian_nll,
                          softplus, squared_error)

__all__ = ["VAEModule", "CLVAEModule", "AdversarialModule", "ConcreteModule"]


class VAEModule(ExportedModule):
    """:class:`npae.VariationalAutoencoder`: trunk ``encoder`` (None for ``hidden=()``),
    heads ``mu`` and ``log_var``, ``decoder`` (and ``decoder.log_var`` when learned).

    ``log_var`` is clipped to ``LOG_VAR_BOUNDS`` before every exp, as in npae
    (zero gradient outside).  ``beta`` is the KL weight (set it for a warm-up)."""

    def __init__(self, model, dtype):
        super().__init__(model)
        self.encoder = MLP(model.encoder_, dtype) if model.encoder_ is not None else None
        self.mu = MLP(model.mu_head_, dtype)
        self.log_var = MLP(model.log_var_head_, dtype)
        self.decoder = MLP(model.decoder_, dtype)
        unsupported = {"likelihood='student_t'": model.likelihood == "student_t",
                       f"iwae_samples={model.iwae_samples}": model.iwae_samples > 1,
                       "binarize=True": bool(model.binarize)}
        if any(unsupported.values()):
            raise ValueError(
                f"to_torch does not export {[k for k, v in unsupported.items() if v]} "
                "(npae-only objectives); export a VAE with the Bernoulli or Gaussian "
                "likelihood, iwae_samples=1 and binarize=False")
        self.bernoulli = model.likelihood == "bernoulli"
        self.learned_var = not self.bernoulli and model.decoder_var == "learned"
        # the floor on a learned variance: σ² = ξ + exp(v) (npae.terms.gaussian.floor_log_var)
        self.min_var = float(model.decoder_min_var)
        if self.learned_var:  # params_ name "decoder.log_var"
            self.decoder.register_parameter(
                "log_var", nn.Parameter(torch.empty(model.n_features_in_, dtype=dtype)))
        self.fixed_log_var = 2.0 * math.log(float(model.sigma))
        self.beta, self.gamma = float(model.beta), 1.0

    def posterior(self, X):
        """mu and the clipped log variance of q_θ(z|x), each (n, k)."""
        H = self._tensor(X)
        if self.encoder is not None:
            H = self.encoder(H)
        return self.mu(H), clip_log_var(self.log_var(H))

    def encode(self, X):
        return self.posterior(X)[0]

    def decode(self, Z):
        out = self.decoder(self._tensor(Z))
        return torch.sigmoid(out) if self.bernoulli else out

    def reconstruction(self, out, X):
        """−log p_φ(x|z), mean over the batch, from the decoder's output."""
        if self.bernoulli:
            return bernoulli_nll(out, X)
        if self.learned_var:
            s = clip_log_var(self.decoder.log_var)
            if self.min_var > 0:
                s = torch.logaddexp(torch.tensor(math.log(self.min_var), dtype=s.dtype,
                                                 device=s.device), s)
        else:
            s = torch.tensor(self.fixed_log_var, dtype=out.dtype, device=out.device)
        return gaussian_nll(out, s, X)

    def kl(self, mu, s, y=None):
        """(1/n) Σ_i KL(N(mu, e^s) ‖ N(0, I)), closed form."""
        return 0.5 * (mu ** 2 + torch.exp(s) - 1.0 - s).sum() / mu.shape[0]

    def _terms(self, X, y, eps):
        X = self._tensor(X)
        mu, s = self.posterior(X)
        eps = torch.randn_like(mu) if eps is None else self._tensor(eps)
        Z = mu + torch.exp(0.5 * s) * eps  # the reparameterisation
        terms = {"reconstruction": self.gamma * self.reconstruction(self.decoder(Z), X),
                 "kl": self.beta * self.kl(mu, s, y)}
        return self._with_weight_decay(terms)

    def loss_terms(self, X, eps=None):
        """npae's terms with ε (n, k) given — ``np.random.default_rng(seed)
        .standard_normal((n, k))`` is npae's draw for ``loss_terms(X, rng=seed)``."""
        return self._terms(X, None, eps)


class CLVAEModule(VAEModule):
    """:class:`npae.ConditionalLatentVAE`: the KL to N(m_y, I); the class means are the
    parameter ``prior.means`` when learned, else the buffer ``prior_means``."""

    def __init__(self, model, dtype):
        super().__init__(model, dtype)
        self.gamma = float(model.gamma)
        if "prior.means" in model.params_:
            self.prior = nn.Module()
            self.prior.means = nn.Parameter(torch.empty(model.prior_means_.shape, dtype=dtype))
        else:
            self.register_buffer("prior_means", torch.tensor(model.prior_means_, dtype=dtype))

    def means(self):
        return self.prior.means if hasattr(self, "prior") else self.prior_means

    def kl(self, mu, s, y):
        diff = mu - self.means()[y]  # (n, k) - m_{y_i}
        return 0.5 * (torch.exp(s) + diff ** 2 - 1.0 - s).sum() / mu.shape[0]

    def loss_terms(self, X, y, eps=None):
        return self._terms(X, torch.as_tensor(y, dtype=torch.int64, device=self.device), eps)


class AdversarialModule(ExportedModule):
    """:class:`npae.AdversarialAutoencoder`: ``encoder``, ``decoder`` and ``discriminator``;
    :meth:`phase_loss` for each of the three phases (train each on its own parameters,
    as npae does: a torch optimizer per phase)."""

    PHASES = ("reconstruction", "discriminator", "generator")

    def __init__(self, model, dtype):
        super().__init__(model)
        self.encoder = MLP(model.encoder_, dtype)
        self.decoder = MLP(model.decoder_, dtype)
        self.discriminator = MLP(model.discriminator_, dtype)
        self.bce = model.loss == "bce"
        self.prior, self.scale = model.prior, float(model.prior_scale)
        self.n_components, self.latent_dim = int(model.n_components), int(model.latent_dim)
        self.supervised = bool(getattr(model, "supervised_", False))

    def encode(self, X):
        return self.encoder(self._tensor(X))

    def decode(self, Z):
        out = self.decoder(self._tensor(Z))
        return torch.sigmoid(out) if self.bce else out

    def sample_prior(self, n, component=None, generator=None):
        """n draws z ~ p(z) from torch's generator (component: mixture index per row)."""
        kw = dict(generator=generator, dtype=self.dtype, device=self.device)
        shape = (n, self.latent_dim)
        if self.prior == "gaussian":
            return self.scale * torch.randn(shape, **kw)
        if self.prior == "uniform":
            return self.scale * (2.0 * torch.rand(shape, **kw) - 1.0)
        if component is None:
            component = torch.randint(self.n_components, (n,), generator=generator,
                                      device=self.device)
        component = torch.as_tensor(component, dtype=torch.int64, device=self.device)
        angle = 2.0 * math.pi * torch.arange(self.n_components, dtype=self.dtype,
                                             device=self.device) / self.n_components
        means = torch.zeros(self.n_components, self.latent_dim, dtype=self.dtype,
                            device=self.device)
        means[:, 0], means[:, 1] = 4.0 * self.scale * torch.cos(angle), \
            4.0 * self.scale * torch.sin(angle)
        return means[component] + 0.5 * self.scale * torch.randn(shape, **kw)

    def _disc(self, Z, comp):
        """Discriminator logits (n, 1) on z, or on [z, one-hot(component)] when supervised."""
        if comp is not None:
            Z = torch.cat([Z, nn.functional.one_hot(comp, self.n_components).to(Z.dtype)], 1)
        return self.discriminator(Z)

    def phase_loss(self, X, phase, z_prior=None, y=None):
        """L_rec, L_D or L_G (no weight decay), as npae's ``phase_loss_and_grads``.

        ``z_prior`` (n, k): the prior draws of L_D (npae's for ``rng=seed`` are
        ``model.sample_prior(n, rng=seed, component=y)``); ``y``: component
        indices, required when the model was fitted with labels."""
        X = self._tensor(X)
        if self.supervised and y is None:
            raise ValueError("this model was fitted with labels: pass y, the component index "
                             "of each row (np.searchsorted(model.classes_, labels))")
        comp = torch.as_tensor(y, dtype=torch.int64, device=self.device) \
            if self.supervised else None
        if phase == "reconstruction":
            out = self.decoder(self.encoder(X))
            return bernoulli_nll(out, X) if self.bce else squared_error(out, X)
        a_q = self._disc(self.encoder(X), comp)
        if phase == "generator":
            return softplus(-a_q).sum() / a_q.shape[0]  # −log D(q(x)), non-saturating
        if phase != "discriminator":
            raise ValueError(f"unknown phase {phase!r}; expected one of {list(self.PHASES)}")
        Zp = self.sample_prior(X.shape[0], comp) if z_prior is None else self._tensor(z_prior)
        a_p = self._disc(Zp, comp)
        return (softplus(-a_p).sum() + softplus(a_q).sum()) / (a_p.shape[0] + a_q.shape[0])

    def loss_terms(self, X, z_prior=None, y=None):
        """npae's monitoring total: the three phase losses (and weight decay)."""
        return self._with_weight_decay({p: self.phase_loss(X, p, z_prior, y)
                                        for p in self.PHASES})


class ConcreteModule(ExportedModule):
    """:class:`npae.ConcreteAutoencoder`: ``selector.alpha`` (k, d) and the ``decoder``.

    ``encode`` is the deterministic selector X[:, argmax α] (npae's greedy rule with
    ``unique=True``, the fixed columns after ``fit_fixed_features``); the loss uses
    M = softmax((α + g)/T) at ``temperature`` (npae's ``temperature_``; anneal it)."""

    def __init__(self, model, dtype):
        super().__init__(model)
        self.selector = nn.Module()
        self.selector.alpha = nn.Parameter(torch.empty(model.params_["selector.alpha"].shape,
                                                       dtype=dtype))
        self.decoder = MLP(model.decoder_, dtype)
        self.bce = model.loss == "bce"
        self.temperature, self.unique = float(model.temperature_), bool(model.unique)
        fixed = getattr(model, "fixed_features_", None)
        self.register_buffer("fixed_features",
                             None if fixed is None else torch.as_tensor(fixed, dtype=torch.int64))

    def selection(self):
        """The feature index of each selector unit, (k,)."""
        if self.fixed_features is not None:
            return self.fixed_features
        alpha = self.selector.alpha.detach()
        if not self.unique:
            return torch.argmax(alpha, dim=1)
        P = torch.softmax(alpha, dim=1)  # greedy: most confident unit first, distinct features
        chosen = torch.empty(alpha.shape[0], dtype=torch.int64)
        taken = torch.zeros(alpha.shape[1], dtype=torch.bool)
        for j in torch.argsort(-P.max(dim=1).values, stable=True).tolist():
            chosen[j] = torch.argmax(P[j].masked_fill(taken, -math.inf))
            taken[chosen[j]] = True
        return chosen

    def encode(self, X):
        return self._tensor(X)[:, self.selection()]

    def decode(self, Z):
        out = self.decoder(self._tensor(Z))
        return torch.sigmoid(out) if self.bce else out

    def weights(self, gumbel=None):
        """M (k, d): softmax((α + g)/T) row-wise, or the fixed one-hot rows."""
        alpha = self.selector.alpha
        if self.fixed_features is not None:
            return nn.functional.one_hot(self.fixed_features, alpha.shape[1]).to(alpha.dtype)
        if gumbel is None:  # g = −log(−log u), u in [tiny, 1) as npae draws it
            u = torch.rand(alpha.shape, dtype=alpha.dtype, device=alpha.device).clamp_min(
                torch.finfo(alpha.dtype).tiny)
            gumbel = -torch.log(-torch.log(u))
        return torch.softmax((alpha + self._tensor(gumbel)) / self.temperature, dim=1)

    def loss_terms(self, X, gumbel=None):
        """npae's terms; ``gumbel`` (k, d) is npae's draw
        ``npae.families.concrete.gumbel_noise(np.random.default_rng(seed), (k, d))``."""
        X = self._tensor(X)
        out = self.decoder(X @ self.weights(gumbel).T)  # z = M x: (n, d) @ (d, k)
        rec = bernoulli_nll(out, X) if self.bce else squared_error(out, X)
        return self._with_weight_decay({"reconstruction": rec})
