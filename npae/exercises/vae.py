r"""Exercise ``vae``: the VAE's KL term, the reparameterisation and its gradient
with :math:`\varepsilon` held fixed, and the total gradient at the Gaussian heads (review §2.6).

Reference: :mod:`npae.terms.gaussian` (``kl_standard_normal``,
``reparameterize``, ``reparameterize_backward``), as
:class:`npae.VariationalAutoencoder` uses them.
"""

from __future__ import annotations

import numpy as np

from ..terms.gaussian import kl_standard_normal, reparameterize, reparameterize_backward
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "vae"
TITLE = "the VAE's KL term and the reparameterised gradient (epsilon held fixed)"

STUB = '''"""Exercise 9 — the variational autoencoder's latent layer.

Review §2.6 (Kingma & Welling 2013): the encoder outputs, per sample, a mean
mu and a log VARIANCE log_var (never a log standard deviation), i.e.
q_θ(z|x) = N(mu, diag exp(log_var)).  Shapes: mu, log_var, eps, z, dz (n, k).

1. The KL term against the prior N(0, I), npae's reduction (sum over the k
   coordinates, mean over the n samples):

       KL = (1/n) Σ_i ½ Σ_j [mu_ij² + exp(log_var_ij) − 1 − log_var_ij]

   kl_standard_normal(mu, log_var) -> (value, dmu, dlog_var)

2. The reparameterisation trick, with ε ~ N(0, I) drawn by the caller:

       std = exp(½ log_var),   z = mu + std ⊙ ε

   reparameterize(mu, log_var, eps) -> (z, std)

3. Its backward pass with ε held fixed: given dz = dL/dz,

   reparameterize_backward(dz, eps, std) -> (dmu, dlog_var)

4. The whole gradient at the encoder's two heads for the loss
   L = (terms that see z, whose gradient is dz) + KL:

   latent_backward(mu, log_var, eps, dz) -> (dmu, dlog_var)

Check:  python -m npae exercise check vae vae.py
"""

import numpy as np


def kl_standard_normal(mu, log_var):
    raise NotImplementedError("return (value, dmu, dlog_var)")


def reparameterize(mu, log_var, eps):
    raise NotImplementedError("return (z, std)")


def reparameterize_backward(dz, eps, std):
    raise NotImplementedError("return (dmu, dlog_var)")


def latent_backward(mu, log_var, eps, dz):
    raise NotImplementedError("return (dmu, dlog_var)")
'''

SHAPES = [(5, 3), (8, 6), (1, 4)]


def _draw(rng):
    """mu, log_var, eps, dz for each shape."""
    return [(rng.normal(size=s), rng.uniform(-2.0, 1.5, size=s), rng.normal(size=s),
             rng.normal(size=s), s) for s in draw_shapes(rng, SHAPES)]


def _latent_reference(mu, log_var, eps, dz):
    _, std = reparameterize(mu, log_var, eps)
    dmu, dlv = reparameterize_backward(dz, eps, std, log_var)
    _, dmu_kl, dlv_kl = kl_standard_normal(mu, log_var)
    return dmu + dmu_kl, dlv + dlv_kl


def _kl_hints(case):
    mu, lv = case.args
    n = case.sizes["n"]
    hints = [
        Hint("value", "log_var is the log of the VARIANCE: σ² = exp(log_var), not exp(2 log_var)",
             alt=0.5 * np.sum(mu ** 2 + np.exp(2 * lv) - 1 - 2 * lv) / n),
        Hint("dlog_var", "the −1 from the −log_var term of the KL is missing",
             alt=0.5 * np.exp(lv) / n),
        Hint("value", "the KL is ≥ 0 and the loss adds +KL (the ELBO has −KL): the sign",
             factor=-1.0),
    ]
    for out in ("value", "dmu", "dlog_var"):
        hints += [Hint(out, f"a sum over the samples where npae takes the mean (off by n = {n})",
                       factor=n),
                  Hint(out, "twice the expected value: the ½ of the KL is missing", factor=2.0)]
    hints += [Hint(out, "the sign of the KL's gradient is flipped", factor=-1.0)
              for out in ("dmu", "dlog_var")]
    return hints


def _reparam_hints(case):
    mu, lv, eps = case.args
    return [Hint("std", "log_var is the log of the variance: std is not exp(log_var)",
                 alt=np.exp(lv)),
            Hint("z", "you scaled ε by the variance, not the standard deviation",
                 alt=mu + np.exp(lv) * eps),
            Hint("z", "ε is missing from z", alt=mu + np.exp(0.5 * lv))]


def _backward_hints(case):
    dz, eps, std = case.args
    return [Hint("dlog_var", "the ½ of std = exp(½ log_var) is missing from the chain rule",
                 factor=2.0),
            Hint("dlog_var", "ε is held fixed but it still multiplies std: it belongs in "
                             "dz/dlog_var", alt=0.5 * dz * std),
            Hint("dlog_var", "the chain rule goes on through std = exp(½ log_var): "
                             "dz/dlog_var is not ε", alt=dz * eps),
            Hint("dmu", "dz/dmu is the identity: ε and std do not enter dmu", alt=dz * eps),
            Hint("dmu", "dz/dmu is the identity: ε and std do not enter dmu", alt=dz * std)]


def _latent_hints(case):
    mu, lv, eps, dz = case.args
    _, std = reparameterize(mu, lv, eps)
    dmu_r, dlv_r = reparameterize_backward(dz, eps, std)
    _, dmu_kl, dlv_kl = kl_standard_normal(mu, lv)
    return [Hint("dmu", "only the path through z: add the KL's gradient", alt=dmu_r),
            Hint("dlog_var", "only the path through z: add the KL's gradient", alt=dlv_r),
            Hint("dmu", "only the KL's gradient: add the path through z", alt=dmu_kl),
            Hint("dlog_var", "only the KL's gradient: add the path through z", alt=dlv_kl),
            Hint("dlog_var", "the KL's gradient enters with a minus sign: the loss is +KL",
                 alt=dlv_r - dlv_kl),
            Hint("dmu", "the KL's gradient enters with a minus sign: the loss is +KL",
                 alt=dmu_r - dmu_kl)]


def _kl_cases(rng):
    return [Case((mu, lv), f"mu {s}", {"n": s[0]}) for mu, lv, _, _, s in _draw(rng)]


def _reparam_cases(rng):
    return [Case((mu, lv, eps), f"mu {s}", {"n": s[0]}) for mu, lv, eps, _, s in _draw(rng)]


def _backward_cases(rng):
    return [Case((dz, eps, np.exp(0.5 * lv)), f"dz {s}", {"n": s[0]})
            for _, lv, eps, dz, s in _draw(rng)]


def _latent_cases(rng):
    return [Case((mu, lv, eps, dz), f"mu {s}", {"n": s[0]}) for mu, lv, eps, dz, s in _draw(rng)]


def _kl_objective(mu, log_var):
    return {"mu": mu, "log_var": log_var}, lambda p: kl_standard_normal(p["mu"], p["log_var"])[0]


def _backward_objective(dz, eps, std):
    # L = Σ dz ⊙ z(mu, log_var) with ε fixed; mu is arbitrary (z is linear in it).
    params = {"mu": np.zeros_like(dz), "log_var": 2.0 * np.log(std)}
    return params, lambda p: float(np.sum(dz * reparameterize(p["mu"], p["log_var"], eps)[0]))


def _latent_objective(mu, log_var, eps, dz):
    def value(p):
        z, _ = reparameterize(p["mu"], p["log_var"], eps)
        return float(np.sum(dz * z)) + kl_standard_normal(p["mu"], p["log_var"])[0]
    return {"mu": mu, "log_var": log_var}, value


GRADS = {"dmu": "mu", "dlog_var": "log_var"}

PARTS = [
    Part("kl_standard_normal", ("value", "dmu", "dlog_var"), kl_standard_normal, _kl_cases,
         objective=_kl_objective, grad_of=GRADS, hints=_kl_hints, points=2),
    Part("reparameterize", ("z", "std"), reparameterize, _reparam_cases, hints=_reparam_hints,
         points=1),
    Part("reparameterize_backward", ("dmu", "dlog_var"),
         lambda dz, eps, std: reparameterize_backward(dz, eps, std), _backward_cases,
         objective=_backward_objective, grad_of=GRADS, hints=_backward_hints, points=2),
    Part("latent_backward", ("dmu", "dlog_var"), _latent_reference, _latent_cases,
         objective=_latent_objective, grad_of=GRADS, hints=_latent_hints, points=2),
]
