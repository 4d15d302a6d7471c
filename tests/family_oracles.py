"""Independent loss formulas, one per registered family, for the shared suite.

Gradient checks and batch == reference comparisons cannot see a loss that is
wrong in value and gradient alike (dropping the ½ of the squared error passes
both).  Each function here recomputes a family's total loss from its
``params_`` with plain NumPy, written from the paper's equation and sharing
no code with npae's forward passes (only the *random draws* are reproduced,
from the same seed, in the order the family draws them).  The shared suite
fails for a registered family without an oracle.
"""

import numpy as np

F = {
    "identity": lambda a: a, "linear": lambda a: a,
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)), "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0.0), "leaky_relu": lambda a: np.where(a > 0, a, 0.01 * a),
    "softplus": lambda a: np.log1p(np.exp(a)),
}
DF = {  # f'(a)
    "identity": lambda a: np.ones_like(a), "linear": lambda a: np.ones_like(a),
    "sigmoid": lambda a: F["sigmoid"](a) * (1 - F["sigmoid"](a)),
    "tanh": lambda a: 1 - np.tanh(a) ** 2, "relu": lambda a: (a > 0).astype(float),
    "leaky_relu": lambda a: np.where(a > 0, 1.0, 0.01), "softplus": lambda a: F["sigmoid"](a),
}


def mlp(p, prefix, X, acts, tied_prefix=None):
    """Layers h = f(h W + b); returns the list of (pre-activation, activation) per layer."""
    out, h = [], X
    L = len(acts)
    for l, act in enumerate(acts):
        W = p[f"{prefix}.{l}.W"] if tied_prefix is None else p[f"{tied_prefix}.{L - 1 - l}.W"].T
        a = h @ W + p[f"{prefix}.{l}.b"]
        h = F[act](a)
        out.append((a, h))
    return out


def rec_loss(loss, out, X):
    """Mean over rows of ½‖x − x̂‖² (mse, out = x̂) or −log Bernoulli(x | σ(out)) (bce)."""
    if loss == "mse":
        return 0.5 * np.sum((out - X) ** 2) / len(X)
    s = F["sigmoid"](out)
    return -np.sum(X * np.log(s) + (1 - X) * np.log(1 - s)) / len(X)


def weight_decay(m):
    return 0.5 * m.weight_decay * sum(np.sum(v ** 2) for k, v in m.params_.items() if k.endswith(".W"))


def softplus(a):
    return np.log1p(np.exp(a))


def _sizes(h):
    return (h,) if isinstance(h, int) else tuple(h)


def _ae_acts(m):
    hidden = (*_sizes(m.hidden), m.latent_dim)  # the encoder's layers, the code last
    dec = hidden[-2::-1] if m.decoder_hidden is None else _sizes(m.decoder_hidden)
    enc = [m.activation] * (len(hidden) - 1) + [m.code_activation or m.activation]
    out = "identity" if m.loss == "bce" else (m.output_activation or "identity")
    return enc, [m.activation] * len(dec) + [out]


def ae_forward(m, X_in):
    enc, dec = _ae_acts(m)
    e = mlp(m.params_, "encoder", X_in, enc)
    return e, e[-1][1]


def ae_decode(m, Z):
    _, dec = _ae_acts(m)
    return mlp(m.params_, "decoder", Z, dec, "encoder" if m.tied else None)[-1][1]


def autoencoder(m, X, y, seed):
    _, Z = ae_forward(m, X)
    return rec_loss(m.loss, ae_decode(m, Z), X) + weight_decay(m)


def sparse(m, X, y, seed):
    e, Z = ae_forward(m, X)
    enc, _ = _ae_acts(m)
    layers = list(zip(enc, e)) if m.sparse_layers == "all" else [(enc[-1], e[-1])]
    omega = 0.0
    for act, (_, H) in layers:
        if m.penalty == "activity":
            omega += m.beta * np.sum(np.abs(H)) / len(X)
            continue
        rho_hat = H.mean(axis=0)
        if m.penalty == "kl":
            rho, rh = m.rho, rho_hat
            if act == "tanh":  # mapped from [−1, 1] to [0, 1]
                rho, rh = (1 + rho) / 2, (1 + rho_hat) / 2
            omega += m.beta * np.sum(rho * np.log(rho / rh) + (1 - rho) * np.log((1 - rho) / (1 - rh)))
        elif m.penalty == "l1":
            omega += m.beta * np.sum(np.abs(rho_hat - m.rho))
        else:
            omega += m.beta * np.sum((rho_hat - m.rho) ** 2)
    return rec_loss(m.loss, ae_decode(m, Z), X) + omega + weight_decay(m)


def ksparse(m, X, y, seed):
    _, Z = ae_forward(m, X)
    S = Z if m.selection == "value" else np.abs(Z)
    keep = np.argsort(-S, axis=1, kind="stable")[:, :m.k]  # ties: lowest index first
    Zk = np.zeros_like(Z)
    np.put_along_axis(Zk, keep, np.take_along_axis(Z, keep, 1), 1)
    return rec_loss(m.loss, ae_decode(m, Zk), X) + weight_decay(m)


def denoising(m, X, y, seed):
    X_tilde = m.corrupt(X, rng=seed)  # the loss's first (and only) draw
    _, Z = ae_forward(m, X_tilde)
    return rec_loss(m.loss, ae_decode(m, Z), X) + weight_decay(m)


def contractive(m, X, y, seed):
    e, Z = ae_forward(m, X)
    enc, _ = _ae_acts(m)
    penalty = 0.0
    for i in range(len(X)):  # J = Π_l diag(f'(a_l)) W_lᵀ, one sample at a time
        J = np.eye(X.shape[1])
        for l, act in enumerate(enc):
            J = (DF[act](e[l][0][i])[:, None] * m.params_[f"encoder.{l}.W"].T) @ J
        penalty += np.sum(J ** 2)
    return rec_loss(m.loss, ae_decode(m, Z), X) + m.lam * penalty / len(X) + weight_decay(m)


def _decoder_var(m):
    """σ² of p(x|z): fixed σ², or the floor ξ plus exp(v) when learned (Mattei & Frellsen)."""
    p = m.params_
    if m.likelihood == "student_t" or (m.likelihood == "gaussian" and m.decoder_var == "learned"):
        return m.decoder_min_var + np.exp(p["decoder.log_var"])
    return m.sigma ** 2


def _log_px(m, out, X):
    """log p(x|z) per row, from scipy's densities where they exist."""
    from scipy import stats

    if m.likelihood == "bernoulli":
        s = F["sigmoid"](out)
        return np.sum(X * np.log(s) + (1 - X) * np.log(1 - s), -1)
    scale = np.sqrt(_decoder_var(m))
    if m.likelihood == "student_t":
        return np.sum(stats.t.logpdf(X, df=np.exp(m.params_["decoder.log_df"]), loc=out,
                                     scale=scale), -1)
    return np.sum(stats.norm.logpdf(X, loc=out, scale=scale), -1)


def _vae_parts(m, X, seed, K=None):
    """(mu, log_var, eps (K, n, k) or (n, k), log p(x|z) per draw, X as the loss sees it)."""
    p, rng = m.params_, np.random.default_rng(seed)
    if getattr(m, "binarize", False):
        X = (rng.random(X.shape) < X).astype(float)
    hidden = _sizes(m.hidden)
    H = mlp(p, "encoder", X, [m.activation] * len(hidden))[-1][1] if hidden else X
    mu = H @ p["mu.0.W"] + p["mu.0.b"]
    lv = H @ p["log_var.0.W"] + p["log_var.0.b"]
    eps = rng.standard_normal(mu.shape if K is None else (K, *mu.shape))
    z = mu + np.exp(0.5 * lv) * eps
    out = mlp(p, "decoder", z.reshape(-1, mu.shape[1]), [m.activation] * len(hidden) + ["identity"])[-1][1]
    log_px = _log_px(m, out, np.broadcast_to(X, (1 if K is None else K, *X.shape)).reshape(-1, X.shape[1]))
    return mu, lv, eps, log_px.reshape(eps.shape[:-1]), X


def _vae_nll_kl(m, X, seed):
    mu, lv, _, log_px, _ = _vae_parts(m, X, seed)
    return mu, lv, -np.mean(log_px)


def vae(m, X, y, seed):
    if getattr(m, "iwae_samples", 1) > 1:  # Burda et al.: −mean log (1/K) Σ_k w_k
        K = m.iwae_samples
        mu, lv, eps, log_px, _ = _vae_parts(m, X, seed, K)
        z = mu + np.exp(0.5 * lv) * eps
        log_w = log_px - 0.5 * np.sum(z ** 2, -1) + 0.5 * np.sum(lv + eps ** 2, -1)  # (K, n)
        top = log_w.max(0)
        return -np.mean(top + np.log(np.mean(np.exp(log_w - top), 0))) + weight_decay(m)
    mu, lv, nll = _vae_nll_kl(m, X, seed)
    kl = 0.5 * np.sum(mu ** 2 + np.exp(lv) - 1 - lv) / len(X)
    return nll + m.beta * kl + weight_decay(m)


def clvae(m, X, y, seed):
    mu, lv, nll = _vae_nll_kl(m, X, seed)
    means = m.prior_means_[np.searchsorted(m.classes_, y)]  # classes_ sorted: row of y's mean
    kl = 0.5 * np.sum(np.exp(lv) + (mu - means) ** 2 - 1 - lv) / len(X)
    return m.gamma * nll + m.beta * kl + weight_decay(m)


def aae(m, X, y, seed):
    p, rng, n, k = m.params_, np.random.default_rng(seed), len(X), m.latent_dim
    hidden = _sizes(m.hidden)
    dec = hidden[::-1] if m.decoder_hidden is None else _sizes(m.decoder_hidden)
    dis = _sizes(m.discriminator_hidden)
    Z = mlp(p, "encoder", X, [m.activation] * len(hidden) + [m.code_activation])[-1][1]
    out_act = "identity" if m.loss == "bce" else (m.output_activation or "identity")
    rec = rec_loss(m.loss, mlp(p, "decoder", Z, [m.activation] * len(dec) + [out_act])[-1][1], X)
    s = m.prior_scale
    if m.prior == "gaussian":
        Zp = s * rng.standard_normal((n, k))
    elif m.prior == "uniform":
        Zp = rng.uniform(-s, s, size=(n, k))
    else:  # components on a circle of radius 4s, standard deviation s/2
        comp = rng.integers(m.n_components, size=n)
        ang = 2 * np.pi * comp / m.n_components
        Zp = 0.5 * s * rng.standard_normal((n, k))
        Zp[:, 0] += 4 * s * np.cos(ang)
        Zp[:, 1] += 4 * s * np.sin(ang)
    d_acts = [m.discriminator_activation] * len(dis) + ["identity"]
    a_p = mlp(p, "discriminator", Zp, d_acts)[-1][1]
    a_q = mlp(p, "discriminator", Z, d_acts)[-1][1]
    L_D = (np.sum(softplus(-a_p)) + np.sum(softplus(a_q))) / (2 * n)
    L_G = np.sum(softplus(-a_q)) / n
    return rec + L_D + L_G + weight_decay(m)


def concrete(m, X, y, seed):
    p = m.params_
    alpha = p["selector.alpha"]
    u = np.random.default_rng(seed).uniform(np.finfo(float).tiny, 1.0, size=alpha.shape)
    S = (alpha - np.log(-np.log(u))) / m.temperature_
    M = np.exp(S - S.max(1, keepdims=True))
    M /= M.sum(1, keepdims=True)
    hidden = _sizes(m.decoder_hidden)
    out_act = "identity" if m.loss == "bce" else (m.output_activation or "identity")
    out = mlp(p, "decoder", X @ M.T, [m.activation] * len(hidden) + [out_act])[-1][1]
    return rec_loss(m.loss, out, X) + weight_decay(m)


def wae(m, X, y, seed):
    _, Z = ae_forward(m, X)
    n, k = Z.shape
    P = m.prior_scale * np.random.default_rng(seed).standard_normal((n, k))
    if m.kernel == "imq":
        scales = [2 * k * m.prior_scale ** 2 * c for c in (0.1, 0.2, 0.5, 1, 2, 5, 10)]
        kern = lambda r, c: c / (c + r)  # noqa: E731
    else:
        scales = [m.prior_scale ** 2]
        kern = lambda r, c: np.exp(-r / (2 * c))  # noqa: E731
    r = lambda A, B: np.sum((A[:, None, :] - B[None, :, :]) ** 2, -1)  # noqa: E731
    off = 1 - np.eye(n)
    mmd = sum(np.sum(kern(r(Z, Z), c) * off) / (n * (n - 1)) + np.sum(kern(r(P, P), c) * off) / (n * (n - 1))
              - 2 * np.mean(kern(r(Z, P), c)) for c in scales)
    return rec_loss(m.loss, ae_decode(m, Z), X) + m.lam * mmd + weight_decay(m)


def dec(m, X, y, seed):
    """KL(P ‖ Q) of Xie et al. (eqs. 1-3), P from the frozen target parameters."""
    enc, _ = _ae_acts(m)

    def q(p):
        Z = mlp(p, "encoder", X, enc)[-1][1]
        u = (1 + ((Z[:, None, :] - p["clusters.centers"][None]) ** 2).sum(-1) / m.student_df) \
            ** (-(m.student_df + 1) / 2)
        return u / u.sum(1, keepdims=True)

    frozen, start = {}, 0
    for name, shape in m._flat.shapes.items():  # the frozen flat vector, unpacked by hand
        size = int(np.prod(shape))
        frozen[name] = m.target_theta_[start:start + size].reshape(shape)
        start += size
    Qf = q(frozen)
    P = Qf ** 2 / m.target_freq_
    P /= P.sum(1, keepdims=True)
    Q = q(m.params_)
    return np.sum(P * np.log(P / Q)) / len(X) + weight_decay(m)


def vade(m, X, y, seed):
    """−log p(x|z) + β [−½ Σ_j (1 + s_j) − log Σ_c exp(e_c)] (Jiang et al., the optimal q(c|x))."""
    mu, lv, nll = _vae_nll_kl(m, X, seed)
    p = m.params_
    log_pi = p["prior.logits"] - np.log(np.sum(np.exp(p["prior.logits"])))
    M, V = p["prior.means"], p["prior.log_var"]
    e = log_pi[None, :] - 0.5 * np.sum(
        V[None] + (np.exp(lv)[:, None, :] + (mu[:, None, :] - M[None]) ** 2) * np.exp(-V[None]), -1)
    kl = -0.5 * np.sum(1 + lv, 1) - np.log(np.sum(np.exp(e), 1))
    return nll + m.beta * np.mean(kl) + weight_decay(m)


def semantic_hashing(m, X, y, seed):
    """Salakhutdinov & Hinton: the decoder sees σ(a(x) + ν ε)."""
    enc, dec_acts = _ae_acts(m)
    A = mlp(m.params_, "encoder", X, enc[:-1] + ["identity"])[-1][1]
    Z = F["sigmoid"](A + m.code_noise_std * np.random.default_rng(seed).standard_normal(A.shape))
    return rec_loss(m.loss, ae_decode(m, Z), X) + weight_decay(m)


def ocnn(m, X, y, seed):
    """Chalapathy et al.: ½‖w‖² + ½‖V‖² + (1/ν) mean max(0, r − g(zV)w) − r (+ α ℓ_rec)."""
    _, Z = ae_forward(m, X)
    V, w = m.params_["ocnn.V"], m.params_["ocnn.w"]
    y_hat = F[m.head_activation](Z @ V) @ w
    total = 0.5 * (np.sum(V ** 2) + np.sum(w ** 2)) + np.mean(np.maximum(0, m.r_ - y_hat)) / m.nu - m.r_
    if m.reconstruction_weight:
        total += m.reconstruction_weight * rec_loss(m.loss, ae_decode(m, Z), X)
    return total + weight_decay(m)


def dagmm(m, X, y, seed):
    """Zong et al.: ℓ_rec + λ1 mean E(z) + λ2 Σ_k Σ_j 1/Σ_k,jj, the mixture fitted to the batch."""
    _, Zc = ae_forward(m, X)
    X_hat = ae_decode(m, Zc)
    nrm = lambda A: np.sqrt(np.sum(A ** 2, 1))  # noqa: E731
    Z = np.column_stack([Zc, nrm(X - X_hat) / nrm(X), np.sum(X * X_hat, 1) / (nrm(X) * nrm(X_hat))])
    est = [m.estimation_activation] * len(_sizes(m.estimation_hidden)) + ["identity"]
    logits = mlp(m.params_, "estimation", Z, est)[-1][1]
    g = np.exp(logits - logits.max(1, keepdims=True))
    g /= g.sum(1, keepdims=True)
    n, dim = Z.shape
    energy_terms, inv_diag = np.zeros((n, g.shape[1])), 0.0
    for k in range(g.shape[1]):
        Nk = g[:, k].sum()
        mu = g[:, k] @ Z / Nk
        E = Z - mu
        cov = (g[:, k, None] * E).T @ E / Nk + 1e-6 * np.eye(dim)
        maha = np.sum(E @ np.linalg.inv(cov) * E, 1)
        energy_terms[:, k] = Nk / n * np.exp(-0.5 * maha) / np.sqrt(np.linalg.det(2 * np.pi * cov))
        inv_diag += np.sum(1 / np.diag(cov))
    energy = -np.log(energy_terms.sum(1))
    return (rec_loss(m.loss, X_hat, X) + m.lambda_energy * energy.mean() + m.lambda_cov * inv_diag
            + weight_decay(m))


ORACLES = {"autoencoder": autoencoder, "sparse": sparse, "ksparse": ksparse,
           "denoising": denoising, "contractive": contractive, "vae": vae, "clvae": clvae,
           "aae": aae, "concrete": concrete, "wae": wae, "dec": dec, "vade": vade,
           "semantic_hashing": semantic_hashing, "ocnn": ocnn, "dagmm": dagmm}


def _elsewhere(name):
    """An oracle written in conv_oracles.py (imported at call time: it imports this module)."""
    def oracle(m, X, y, seed):
        import conv_oracles

        return getattr(conv_oracles, name)(m, X, y, seed)
    return oracle


ORACLES.update({key: _elsewhere(key) for key in ("conv", "wta", "conv_wta")})
