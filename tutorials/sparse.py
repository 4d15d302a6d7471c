r"""Sparse autoencoders (Ng's CS294A notes; Caron's review §2.3; the h2o chapter §19.3)
===================================================================================

A sparse autoencoder adds to the reconstruction loss a penalty on how active
each hidden unit is on average,

.. math::

   \hat\rho_j = \frac{1}{n} \sum_i h_j(x^{(i)}), \qquad
   \Omega = \beta \sum_j \mathrm{KL}(\rho \,\|\, \hat\rho_j),

so that each unit fires for few inputs.  This tutorial

1. looks at the KL penalty on its own: its value, its gradient (checked
   numerically) and how tanh units (h2o's target −0.1) are mapped to [0, 1];
2. reproduces Andrew Ng's exercise on 8×8 patches cut from the bundled
   digits — 64 visible, 25 hidden sigmoid units, ρ = 0.01, λ = 1e-4, β = 3,
   sigmoid outputs, ½ squared error, L-BFGS: a gradient check with Ng's
   metric, then training; the filters become localised strokes
   (``filters_sparse.png``), those of the same network without the penalty
   do not (``filters_plain.png``);
3. repeats the h2o chapter's experiment on whole digits (tanh, 100 hidden
   units, target average activation −0.1): the histogram of mean activations
   with and without sparsity (their Fig. 19.5/19.6, ``mean_activation_hist.png``).

Run it from the repository::

    python tutorials/sparse.py            # about a minute on 2 cores
    python tutorials/sparse.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import os
import time

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist
from npae.gradcheck import check_gradient, numerical_gradient
from npae.terms.penalties import kl_sparsity

from _tutorial import make_parser, parse


def cut_patches(X, n, rng):
    """8×8 patches normalised as Ng's sampleIMAGES.m (npae.datasets.extract_patches)."""
    from npae.datasets import extract_patches
    return extract_patches(X, patch_size=8, n_patches=n, rng=rng)


def filter_stats(W, side=8):
    """Two objective measures of "localised stroke" filters, medians over the filters.

    smooth: lag-1 spatial autocorrelation of each centred filter (0 for white
    noise such as the random initial weights, near 1 for a smooth stroke);
    top: fraction of the centred filter's energy in its top 25% pixels.
    """
    F = (W - W.mean(axis=0)).T.reshape(-1, side, side)
    energy = (F ** 2).sum(axis=(1, 2))
    lag = ((F[:, :, 1:] * F[:, :, :-1]).sum(axis=(1, 2))  # horizontal neighbours
           + (F[:, 1:, :] * F[:, :-1, :]).sum(axis=(1, 2)))  # vertical neighbours
    E = np.sort((F ** 2).reshape(len(F), -1), axis=1)[:, ::-1]
    return (float(np.median(lag / (2 * energy))),
            float(np.median(E[:, : side * side // 4].sum(axis=1) / energy)))


def part1_the_penalty(say):
    say("== 1. The KL sparsity penalty on its own")
    rho_hat = np.array([0.001, 0.01, 0.05, 0.3, 0.9])
    value, grad = kl_sparsity(rho_hat, rho=0.01, beta=1.0)
    for r, g in zip(rho_hat, grad):
        v, _ = kl_sparsity(np.array([r]), 0.01, 1.0)
        say(f"   rho_hat = {r:<6}  KL(0.01 || rho_hat) = {v:8.4f}   dKL/drho_hat = {g:9.3f}")
    say("   Zero at the target, steep when a unit is too active or silent.")
    report = check_gradient(lambda r: kl_sparsity(r, 0.01, 3.0), np.array([0.02, 0.2, 0.6]))
    say(f"   gradient check of beta*sum KL: worst relative error {report.max_rel_error:.1e}")
    # tanh units live in [-1, 1]: map u = (1 + v)/2, so h2o's target -0.1 is 0.45,
    # and the chain rule halves the gradient.
    v_t, g_t = kl_sparsity(np.array([-0.3, 0.2]), -0.1, 1.0, interval=(-1, 1))
    v_u, g_u = kl_sparsity(np.array([0.35, 0.6]), 0.45, 1.0)
    say(f"   tanh: KL at rho_hat = (-0.3, 0.2), rho = -0.1: {v_t:.5f} = KL on [0,1] {v_u:.5f}; "
        f"gradients {np.round(g_t, 4)} = 1/2 x {np.round(g_u, 4)}")
    return report.max_rel_error


def part2_ng_exercise(X, quick, out, say):
    say("\n== 2. Ng's exercise on 8x8 patches of the digits")
    n_patches, iters = (2000, 60) if quick else (10000, 400)
    P = cut_patches(X, n_patches, rng=0)
    say(f"   {P.shape[0]} patches of 64 pixels, normalised to [0.1, 0.9] as in sampleIMAGES.m")
    ng = dict(latent_dim=25, activation="sigmoid", output_activation="sigmoid", rho=0.01, beta=3.0,
              weight_decay=1e-4, optimizer="lbfgs", epochs=iters)

    # Gradient check as Ng does it: all 3,289 parameters (--quick: 400 of them,
    # chosen at random), central differences with epsilon = 1e-4, on a few
    # patches, and his difference ||a - n|| / ||a + n||.
    check = npae.SparseAutoencoder(**ng).initialize(P[:20])
    _, grads = check.loss_and_grads(P[:20])
    a = np.concatenate([grads[k].ravel() for k in check.params_])
    idx = np.sort(np.random.default_rng(0).choice(a.size, 400, replace=False)) if quick else None
    n = numerical_gradient(lambda: check.loss_and_grads(P[:20])[0], check._flat.flat, eps=1e-4,
                           indices=idx)
    a = a if idx is None else a[idx]
    ng_diff = float(np.linalg.norm(a - n) / np.linalg.norm(a + n))
    say(f"   gradient check, {a.size} parameters: ||a - n|| / ||a + n|| = {ng_diff:.2e} "
        "(Ng: should be below 1e-9)")

    sae = npae.SparseAutoencoder(**ng)
    W0 = sae.initialize(P).params_["encoder.0.W"].copy()
    t0 = time.perf_counter()
    sae.fit(P)
    say(f"   L-BFGS, {iters} iterations: {time.perf_counter() - t0:.1f}s, loss terms "
        + ", ".join(f"{k} {v:.4f}" for k, v in sae.loss_terms(P).items()))
    plain = npae.SparseAutoencoder(**{**ng, "beta": 0.0}).fit(P)
    rho_hat = sae.mean_activations(P)[0]
    say(f"   mean activation: sparse {rho_hat.mean():.4f} (target 0.01), "
        f"plain {plain.mean_activations(P)[0].mean():.4f}")
    stats = {"init": filter_stats(W0), "sparse": filter_stats(sae.params_["encoder.0.W"]),
             "plain": filter_stats(plain.params_["encoder.0.W"])}
    say("   filters (medians over the 25):     smoothness   energy in top 25% pixels")
    for name, (s, t) in stats.items():
        say(f"     {name:<8}                         {s:6.3f}        {t:6.3f}")
    # Ng displays W1 with one row per hidden unit: that is our encoder weight transposed.
    plot.image_tiles(sae.params_["encoder.0.W"].T, n_cols=5,
                     title="sparse AE filters (rho=0.01, beta=3)",
                     path=os.path.join(out, "filters_sparse.png"))
    plot.image_tiles(plain.params_["encoder.0.W"].T, n_cols=5, title="same network, beta=0",
                     path=os.path.join(out, "filters_plain.png"))
    return ng_diff, rho_hat, stats


def part3_h2o(X, quick, out, say):
    say("\n== 3. h2o's setting: tanh, 100 hidden units, target average activation -0.1")
    n_train, epochs = (1500, 3) if quick else (6000, 20)
    Xtr, Xva = X[:n_train], X[6000:7000] if not quick else X[n_train:n_train + 500]
    kw = dict(latent_dim=100, activation="tanh", rho=-0.1, epochs=epochs, learning_rate=3e-3,
              batch_size=64, random_state=0)
    plain = npae.SparseAutoencoder(beta=0.0, **kw).fit(Xtr)
    sparse = npae.SparseAutoencoder(beta=1.0, **kw).fit(Xtr)
    r_plain, r_sparse = plain.mean_activations(Xva)[0], sparse.mean_activations(Xva)[0]
    for name, m, r in (("plain", plain, r_plain), ("sparse", sparse, r_sparse)):
        say(f"   {name:<6}: mean activation {r.mean():+.3f}, validation MSE "
            f"{m.reconstruction_error(Xva).mean():.4f}")
    plot.histograms({"no sparsity": r_plain, "KL, rho=-0.1, beta=1": r_sparse}, bins=30,
                    xlabel="mean activation of a code unit (tanh)",
                    title="average activation of the 100 code units",
                    targets={"target -0.1": -0.1},
                    path=os.path.join(out, "mean_activation_hist.png"))
    return r_plain, r_sparse


def main(argv=None):
    args, say = parse(make_parser(__doc__, "sparse", quick_help="small data, few iterations"),
                      argv)

    X, _ = load_mnist()
    kl_check = part1_the_penalty(say)
    ng_diff, rho_hat, stats = part2_ng_exercise(X, args.quick, args.out, say)
    r_plain, r_sparse = part3_h2o(X, args.quick, args.out, say)
    say(f"\nfigures written to {args.out}")
    return {"kl_check": kl_check, "ng_gradcheck": ng_diff, "ng_rho_hat": float(rho_hat.mean()),
            "filter_stats": stats, "h2o_gap_plain": float(abs(r_plain.mean() + 0.1)),
            "h2o_gap_sparse": float(abs(r_sparse.mean() + 0.1))}


if __name__ == "__main__":
    main()
