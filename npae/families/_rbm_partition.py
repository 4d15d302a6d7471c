"""The RBM's free energy, pseudo-likelihood and partition function (exact and by AIS).

References: Besag, *Statistical analysis of non-lattice data*, The Statistician
24 (1975) (pseudo-likelihood); Neal, *Annealed importance sampling*,
Statistics and Computing 11 (2001); Salakhutdinov & Murray, *On the
quantitative analysis of deep belief networks*, ICML 2008, §3-4 (AIS for RBMs).

With the energy of :mod:`npae.families.rbm`, E(v, h) = E_v(v; b) + E_h(h; c) − vᵀ W h::

    F(v) = E_v(v; b) − A_h(c + Wᵀ v; c),          F_h(h) = E_h(h; c) − A_v(b + W h; b),
    log Z = log Σ_v exp(−F(v)) = log Σ_h exp(−F_h(h))       (enumeration of a Bernoulli side)
    log p(v_i | v_−i) = log σ(F(v^(i)) − F(v))               (v^(i): v with bit i flipped)

AIS anneals from the model without interactions (W = 0, same biases), whose
log Z_0 = A_v(b; b) + A_h(c; c) is known, to the RBM, through the models
p_β ∝ exp(−E_v(v; b) − E_h(h; c) + β vᵀ W h) for 0 = β_0 < β_1 < … < β_K = 1::

    log p*_β(v) = −E_v(v; b) + A_h(c + β Wᵀ v; c)
    log w = Σ_k [log p*_βk(v_(k−1)) − log p*_β(k−1)(v_(k−1))],   v_(k) ~ T_βk(v_(k−1)) (one Gibbs sweep)
    log Z ≈ log Z_0 + log( (1/M) Σ_chains w )

Symbols: A_u(x; a) the log-partition of the units u given their total inputs
x (summed over units; :class:`npae.families._rbm_parts._Bernoulli`), M chains,
T_β a block Gibbs sweep h ~ p_β(h | v), v ~ p_β(v | h) that leaves p_β
invariant.  The AIS estimate of Z is unbiased, so that of log Z is biased
low by Jensen's inequality, by about half the variance of log w.
"""

from __future__ import annotations

import itertools

import numpy as np

from .._validation import check_int, check_rng

#: the most units enumerated by the exact partition function (2**20 states)
MAX_ENUMERATED = 20


def free_energy(rbm, X):
    """F(v) per row.  (n, d) -> (n,)"""
    p = rbm.params_
    return rbm._vis.energy(X, p["b"]) - rbm._hid.log_partition(X @ p["W"] + p["c"], p["c"])


def pseudo_log_likelihood(rbm, X):
    """Σ_i log p(v_i | v_−i) per row, for binary X and Bernoulli visible units.  (n,)"""
    if rbm._vis.name != "bernoulli":
        raise ValueError("the pseudo-likelihood is computed for Bernoulli visible units only: "
                         "with Gaussian ones p(v_i | v_−i) is a mixture over all hidden states")
    if not np.all((X == 0) | (X == 1)):
        raise ValueError("the pseudo-likelihood needs binary data (every value 0 or 1); "
                         "binarise X first, e.g. X > 0.5")
    p = rbm.params_
    A = X @ p["W"] + p["c"]  # (n, d) @ (d, m) -> (n, m)
    base = rbm._hid.log_partition(A, p["c"])
    out = np.zeros(X.shape[0])
    for i in range(X.shape[1]):
        s = 1.0 - 2.0 * X[:, i]  # +1 where the bit turns on, −1 where it turns off
        # F(v^(i)) − F(v): the visible energy moves by −b_i s, the hidden inputs by s W_i:
        gap = -p["b"][i] * s - rbm._hid.log_partition(A + s[:, None] * p["W"][i], p["c"]) + base
        out -= np.logaddexp(0.0, -gap)  # log σ(gap)
    return out


def _binary_states(n_units, dtype, chunk=4096):
    """All 2**n_units binary vectors, in chunks of (≤ chunk, n_units)."""
    states = itertools.product((0.0, 1.0), repeat=n_units)
    while True:
        block = np.array(list(itertools.islice(states, chunk)), dtype=dtype)
        if block.size == 0:
            return
        yield block.reshape(-1, n_units)


def exact_log_partition(rbm):
    """log Z by enumerating the smaller Bernoulli side (at most ``MAX_ENUMERATED`` units)."""
    p = rbm.params_
    d, m = p["W"].shape
    sides = [(m, "hidden")] * (rbm._hid.name == "bernoulli") + \
            [(d, "visible")] * (rbm._vis.name == "bernoulli")
    n_units, side = min(sides)
    if n_units > MAX_ENUMERATED:
        raise ValueError(f"exact log Z enumerates 2**{n_units} {side} states: at most "
                         f"{MAX_ENUMERATED} units; use method='ais'")
    # accumulate log Σ exp(−F) over chunks of states as a running logaddexp
    total = -np.inf
    for S in _binary_states(n_units, p["W"].dtype):
        if side == "hidden":
            neg_f = -rbm._hid.energy(S, p["c"]) + rbm._vis.log_partition(S @ p["W"].T + p["b"],
                                                                          p["b"])  # (s, m) @ (m, d)
        else:
            neg_f = -free_energy(rbm, S)
        total = np.logaddexp(total, _logsumexp(neg_f.astype(np.float64)))
    return float(total)


def _logsumexp(a):
    top = a.max()
    return top + np.log(np.exp(a - top).sum())


def ais_log_partition(rbm, n_chains=100, n_betas=1000, random_state=0):
    """Annealed importance sampling estimate of log Z.

    Parameters
    ----------
    rbm : fitted npae.RBM
    n_chains : int
        M, independent annealing runs.
    n_betas : int
        K, the number of intermediate distributions, β_k = k / K (uniform spacing).
    random_state : int, Generator or None

    Returns
    -------
    log_z : float
    log_w : ndarray of shape (n_chains,)
        The runs' log importance weights (their spread measures the estimate's
        reliability).
    """
    n_chains = check_int("n_chains", n_chains, minimum=1)
    n_betas = check_int("n_betas", n_betas, minimum=1)
    rng = check_rng(random_state)
    p = rbm.params_
    W, b, c = (p[k].astype(np.float64) for k in ("W", "b", "c"))
    vis, hid = rbm._vis, rbm._hid

    def log_p_star(v, beta):
        return -vis.energy(v, b) + hid.log_partition(c + beta * (v @ W), c)  # (M, d) @ (d, m)

    log_z0 = float(vis.log_partition(b[None, :], b)[0] + hid.log_partition(c[None, :], c)[0])
    v = vis.sample(np.broadcast_to(vis.mean(b), (n_chains, b.size)).copy(), rng)  # v ~ p_0
    log_w = np.zeros(n_chains)
    betas = np.linspace(0.0, 1.0, n_betas + 1)
    for prev, beta in zip(betas[:-1], betas[1:]):
        log_w += log_p_star(v, beta) - log_p_star(v, prev)
        h = hid.sample(hid.mean(c + beta * (v @ W)), rng)  # (M, d) @ (d, m) -> (M, m)
        v = vis.sample(vis.mean(b + beta * (h @ W.T)), rng)  # (M, m) @ (m, d) -> (M, d)
    return log_z0 + _logsumexp(log_w) - np.log(n_chains), log_w
