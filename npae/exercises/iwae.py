r"""Exercise ``iwae``: the normalised importance weights and the IWAE bound, then
the bound's gradient with respect to the encoder's mean and log variance
(Burda, Grosse & Salakhutdinov 2016, eq. 8 and §3).

Reference: :func:`npae.families._iwae.iwae_loss` itself — the objective
:class:`npae.VariationalAutoencoder` trains with ``iwae_samples=K`` — run on
a "model" whose encoder hands back the given (mu, log_var) and whose decoder
is the linear map :math:`z \mapsto z A` with a unit-variance Gaussian likelihood, the draws
:math:`\varepsilon` held fixed.  The weights' reference is the log-sum-exp that function uses.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from ..nn import MLP, batch
from ..families._iwae import iwae_loss
from ._shapes import draw_shapes
from .grader import Case, Hint, Part

NAME = "iwae"
TITLE = "importance weights, the IWAE bound and its gradient w.r.t. mu and log_var"

STUB = '''"""Exercise 11 — the importance-weighted autoencoder (IWAE) bound.

Burda et al. (2016), eq. 8: with K draws z_is = mu_i + exp(½ s_i) ⊙ ε_is per
row x_i (s = log_var) and the log weights

    log w_is = log p(x_i | z_is) + log p(z_is) − log q(z_is | x_i)

the bound on log p(x_i) is log (1/K) Σ_s w_is; its gradient weights each
draw by its normalised weight w̃_is = w_is / Σ_s' w_is'.  Compute log-sums of
exponentials stably (subtract the maximum first): log weights are often
−1000 or less.

Part 1.  importance_weights(log_w) -> (bound, w_tilde)
    log_w (K, n);  bound = (1/n) Σ_i log (1/K) Σ_s exp(log_w_si)  (a float),
    w_tilde (K, n), each column summing to 1.

Part 2.  iwae_backward(X, A, mu, log_var, eps) -> (loss, dmu, dlog_var)
    A linear decoder with unit-variance Gaussian noise and a N(0, I) prior:
        log p(x | z) = −½ Σ_j [(x_j − (z A)_j)² + log 2π]
        log p(z)     = −½ Σ_j [z_j² + log 2π]
        log q(z | x) = −½ Σ_j [log 2π + s_j + ε_j²]     (at z = mu + exp(½ s) ε)
    X (n, d), A (k, d), mu and log_var (n, k), eps (K, n, k) held fixed.
    loss = −bound (the mean over rows, as in part 1); dmu, dlog_var (n, k).
    Every draw contributes through z (∂z/∂mu = 1, ∂z/∂s = ½ exp(½ s) ε), and
    log q contributes through s directly.

Check:  python -m npae exercise check iwae iwae.py
"""

import numpy as np


def importance_weights(log_w):
    raise NotImplementedError("return (bound, w_tilde)")


def iwae_backward(X, A, mu, log_var, eps):
    raise NotImplementedError("return (loss, dmu, dlog_var)")
'''

#: (K, n) patterns of log_w; (n, k, d, K) patterns of part 2 (sizes drawn from the seed).
W_SHAPES = [(4, 3), (5, 1), (3, 3)]
NET_SHAPES = [(4, 2, 3, 5), (1, 3, 2, 4), (3, 3, 3, 2)]
#: the offset of each case's log weights: the middle one underflows a naive exp.
OFFSETS = (0.0, -1000.0, 5.0)


# ------------------------------------------------------------------ part 1
def _weights_reference(log_w):
    lse = logsumexp(log_w, axis=0)  # (n,), as npae.families._iwae
    return float(np.mean(lse - np.log(log_w.shape[0]))), np.exp(log_w - lse)


def _weights_cases(rng):
    return [Case((off + rng.normal(scale=2.0, size=s),), f"log_w {s}, around {off:g}",
                 {"K": s[0], "n": s[1]}) for s, off in zip(draw_shapes(rng, W_SHAPES), OFFSETS)]


def _weights_hints(case):
    (log_w,) = case.args
    K = log_w.shape[0]
    bound, w = _weights_reference(log_w)
    hints = [
        Hint("bound", "the mean of log w over the draws is the ELBO's estimate, not the "
                      "IWAE bound: log of the mean of w, not the mean of log w",
             alt=float(np.mean(log_w))),
        Hint("bound", f"the 1/K inside the log is missing (off by log K = {np.log(K):.3g})",
             alt=bound + np.log(K)),
        Hint("w_tilde", "normalised over the rows: w̃ is normalised over the K draws of each "
                        "row (axis 0)",
             alt=np.exp(log_w - logsumexp(log_w, axis=1, keepdims=True))),
        Hint("bound", "the sign: this is the bound itself, not the loss", factor=-1.0),
    ]
    # (a factor 1 when n = 1: invisible there, the grader skips it)
    hints.append(Hint("bound", "a sum over the rows where the mean belongs",
                      factor=float(log_w.shape[1])))
    return hints


# ------------------------------------------------------------------ part 2
class _GivenPosterior:
    """What ``iwae_loss`` reads of a VAE: here the encoder hands back the given
    (mu, log_var), the decoder is z ↦ z A, the likelihood a unit-variance Gaussian."""

    likelihood = "gaussian"

    def __init__(self, k, d):
        self.decoder_ = MLP.build("decoder", (k, d), ["identity"])

    def _encoder_forward(self, params, X, ops):
        return params["mu"], params["log_var"], None

    def _encoder_backward(self, params, cache, dmu, ds, grads, ops):
        grads["mu"], grads["log_var"] = dmu, ds

    def _decoder_log_var(self, params):
        return 0.0, None  # log σ² = 0: unit variance, not learned

    def _learned_decoder_var(self):
        return False


class _FixedDraws:
    """An rng whose standard normal draws are the given ε (held fixed)."""

    def __init__(self, eps):
        self.eps = eps

    def standard_normal(self, shape):
        assert shape == self.eps.shape, (shape, self.eps.shape)
        return self.eps


def _iwae(X, A, mu, log_var, eps):
    params = {"mu": mu, "log_var": log_var, "decoder.0.W": A, "decoder.0.b": np.zeros(A.shape[1])}
    grads = {}
    value = iwae_loss(_GivenPosterior(*A.shape), params, X, _FixedDraws(eps), batch, grads,
                      eps.shape[0])
    return value, grads["mu"], grads["log_var"]


def _backward_cases(rng):
    out = []
    for n, k, d, K in draw_shapes(rng, NET_SHAPES):
        args = (rng.normal(size=(n, d)), rng.normal(scale=0.5, size=(k, d)),
                rng.normal(scale=0.5, size=(n, k)), rng.uniform(-1.0, 0.5, size=(n, k)),
                rng.normal(size=(K, n, k)))
        out.append(Case(args, f"n, k, d, K = {n}, {k}, {d}, {K}", {"n": n, "K": K}))
    return out


def _backward_objective(X, A, mu, log_var, eps):
    params = {"mu": mu, "log_var": log_var}
    return params, lambda p: _iwae(X, A, p["mu"], p["log_var"], eps)[0]


def _backward_hints(case):
    X, A, mu, log_var, eps = case.args
    n = case.sizes["n"]
    _, dmu, dlv = _iwae(*case.args)
    # Every draw weighted 1/K: the gradient of the mean of the K one-draw ELBOs.
    singles = [_iwae(X, A, mu, log_var, eps[s:s + 1]) for s in range(eps.shape[0])]
    hints = [
        Hint("dmu", "every draw weighted 1/K: the IWAE gradient weights draw s by its "
                    "normalised weight w̃_s", alt=np.mean([g[1] for g in singles], axis=0)),
        Hint("dlog_var", "every draw weighted 1/K: the IWAE gradient weights draw s by its "
                         "normalised weight w̃_s", alt=np.mean([g[2] for g in singles], axis=0)),
        # −log q = ½ Σ (log 2π + s + ε²): ∂/∂s = ½ per row; its weights sum to 1, over n rows.
        Hint("dlog_var", "the direct term of −log q(z|x) is missing: ∂/∂s of ½ (s + ε²) is ½ "
                         "(weighted by w̃, divided by n)", alt=dlv + 0.5 / n),
    ]
    for out in ("loss", "dmu", "dlog_var"):
        hints += [Hint(out, "the sign: the loss is minus the bound", factor=-1.0),
                  Hint(out, f"a sum over the rows where the mean belongs (off by n = {n})",
                       factor=float(n))]
    return hints


PARTS = [
    Part("importance_weights", ("bound", "w_tilde"), _weights_reference, _weights_cases,
         hints=_weights_hints, points=2),
    Part("iwae_backward", ("loss", "dmu", "dlog_var"), _iwae, _backward_cases,
         objective=_backward_objective, grad_of={"dmu": "mu", "dlog_var": "log_var"},
         hints=_backward_hints, points=3),
]
