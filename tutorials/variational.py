r"""Variational autoencoders (Kingma & Welling 2013; Caron's review §2.6)
=====================================================================

A VAE's encoder q_θ(z|x) outputs a Gaussian N(mu, diag exp(log_var)) rather
than a point; a code is drawn from it with the reparameterisation trick
z = mu + exp(½ log_var) ⊙ ε, ε ~ N(0, I), and the decoder p_φ(x|z) scores
the input.  Training minimises minus the evidence lower bound (ELBO),

.. math::

   -\mathrm{ELBO}(x) = -\mathbb{E}_q\big[\log p_\phi(x \mid z)\big]
   + \mathrm{KL}\big(q_\theta(z \mid x) \,\|\, \mathcal{N}(0, I)\big),

whose KL has a closed form.  (Kingma & Welling call the encoder q_φ and the
decoder p_θ: the letters are swapped with respect to the review and npae.)
This tutorial

1. checks the pieces on their own: the closed-form KL against a Monte-Carlo
   estimate, the draws z against the mean and variance the encoder states,
   the gradients with ε held fixed, and the documented bound on log_var;
2. trains a VAE with a 2-D code on the bundled digits and draws its latent
   space coloured by digit (``latent_2d.png``), the decoded manifold
   (``manifold.png``, Kingma & Welling's Fig. 4), samples from the prior
   (``samples.png``) and reconstructions (``reconstructions.png``);
3. measures the held-out ELBO as the code grows from 2 to 10 dimensions and
   the importance-weighted estimate of log p(x) beside it
   (``elbo_vs_latent.png``);
4. shows what β (the β-VAE weight) trades: reconstruction against KL.

Run it from the repository::

    python tutorials/variational.py            # a few minutes on 2 cores
    python tutorials/variational.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import os
import time
import warnings

import numpy as np

from scipy.stats import norm

import npae
from npae import plot
from npae.datasets import load_mnist, train_test_split
from npae.gradcheck import check_gradient, check_gradients
from npae.terms.gaussian import LOG_VAR_BOUNDS, kl_standard_normal, reparameterize

from _tutorial import make_parser, parse


def part1_pieces(say):
    say("== 1. The pieces on their own")
    rng = np.random.default_rng(0)
    mu = np.array([[0.5, -1.0, 2.0]])
    log_var = np.array([[-1.0, 0.3, 0.8]])
    kl, _, _ = kl_standard_normal(mu, log_var)
    # Monte-Carlo: KL = E_q[log q(z) − log p(z)], with z drawn from q.
    eps = rng.standard_normal((200_000, 3))
    z, _ = reparameterize(mu, log_var, eps)
    std = np.exp(0.5 * log_var)
    ratio = (norm.logpdf(z, mu, std) - norm.logpdf(z)).sum(axis=1)
    se = ratio.std() / np.sqrt(len(ratio))
    say(f"KL(q ‖ N(0, I)): closed form {kl:.5f}, Monte Carlo {ratio.mean():.5f} ± {se:.5f}")
    say(f"draws z: mean {np.round(z.mean(0), 3)} (mu {mu[0]}), "
        f"variance {np.round(z.var(0), 3)} (exp(log_var) {np.round(np.exp(log_var[0]), 3)})")

    report = check_gradient(lambda p: (lambda v, dm, dl: (v, {"mu": dm, "log_var": dl}))(
        *kl_standard_normal(p["mu"], p["log_var"])),
        {"mu": rng.standard_normal((4, 3)), "log_var": rng.standard_normal((4, 3))})
    say("gradient of the KL alone:\n" + str(report))

    X = rng.random((6, 8))
    vae = npae.VariationalAutoencoder(latent_dim=2, hidden=(5,), beta=0.7).initialize(X)
    say("\nthe whole model (ε held fixed by seeding every evaluation with rng=0), "
        "per-example reference path:")
    say(str(check_gradients(vae, X, rng=0, vectorized=False)))

    lo, hi = LOG_VAR_BOUNDS
    say(f"\nexp(log_var) is evaluated at clip(log_var, {lo:g}, {hi:g}); outside, the KL is flat:")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        at_bound = kl_standard_normal(np.zeros((1, 1)), np.array([[hi]]))
        beyond = kl_standard_normal(np.zeros((1, 1)), np.array([[hi + 5]]))
    say(f"KL at log_var={hi:g}: {at_bound[0]:.4g}; at {hi + 5:g}: {beyond[0]:.4g} with gradient "
        f"{beyond[2][0, 0]:g} — and a warning: {caught[0].message!s:.60}...")


def part2_latent_2d(X_tr, X_te, y_te, hidden, epochs, n_show, out, say, learning_rate=1e-3):
    say("\n== 2. A VAE with a 2-D code on the digits")
    t0 = time.perf_counter()
    vae = npae.VariationalAutoencoder(latent_dim=2, hidden=hidden, epochs=epochs, batch_size=100,
                                      learning_rate=learning_rate, random_state=0).fit(X_tr)
    say(f"trained {epochs} epochs on {len(X_tr)} digits in {time.perf_counter() - t0:.1f}s; "
        f"last epoch: reconstruction {vae.history_['reconstruction'][-1]:.2f}, "
        f"KL {vae.history_['kl'][-1]:.2f} nats")
    say(f"held-out ELBO {vae.elbo(X_te, n_samples=5, rng=0).mean():.2f} nats per digit")
    Z = vae.transform(X_te)
    plot.latent_scatter(Z, y_te, title="VAE: posterior means of held-out digits",
                        path=os.path.join(out, "latent_2d.png"))
    # Kingma & Welling's manifold: codes on a grid of prior quantiles, Φ⁻¹(u),
    # so that the grid covers the prior's mass evenly.
    g = norm.ppf(np.linspace(0.05, 0.95, 15))
    Z1, Z2 = np.meshgrid(g, g)  # rows: z2, columns: z1
    grid = vae.inverse_transform(np.column_stack([Z1.ravel(), Z2.ravel()]))
    plot.manifold_grid(grid, g, g, title="decoded means on a grid of prior quantiles",
                       path=os.path.join(out, "manifold.png"))
    plot.image_tiles(vae.sample(n_show, rng=0), n_cols=8, normalize=None,
                     title="samples: z ~ N(0, I), decoded means",
                     path=os.path.join(out, "samples.png"))
    plot.reconstructions([X_te[:10], vae.reconstruct(X_te[:10])], ["input", "VAE(mu)"],
                         path=os.path.join(out, "reconstructions.png"))
    return vae


def part3_latent_size(X_tr, X_te, hidden, epochs, sizes, n_iw, out, say):
    say("\n== 3. The ELBO as the code grows (Kingma & Welling's Fig. 2, in spirit)")
    say(f"{'latent':>6} {'ELBO':>9} {'log p(x) IW':>12} {'train s':>8}")
    elbos, iws = [], []
    for k in sizes:
        t0 = time.perf_counter()
        vae = npae.VariationalAutoencoder(latent_dim=k, hidden=hidden, epochs=epochs,
                                          batch_size=100, random_state=0).fit(X_tr)
        dt = time.perf_counter() - t0
        elbo = vae.elbo(X_te, n_samples=5, rng=1).mean()
        iw = vae.log_likelihood(X_te, n_samples=n_iw, rng=1).mean()
        elbos.append(elbo)
        iws.append(iw)
        say(f"{k:>6} {elbo:>9.2f} {iw:>12.2f} {dt:>8.1f}")
    say(f"The importance-weighted estimate (K = {n_iw}) is above the ELBO: it is a tighter "
        "lower bound on log p(x) (Burda et al. 2016).")
    plot.curves(list(sizes), {"ELBO": elbos, f"importance weighted, K={n_iw}": iws},
                "latent dimension", "nats per held-out digit", title="VAE on the digits",
                path=os.path.join(out, "elbo_vs_latent.png"))


def part4_beta(X_tr, X_te, hidden, epochs, say):
    say("\n== 4. β trades reconstruction for KL (β-VAE), latent_dim = 10")
    say(f"{'beta':>5} {'reconstruction':>15} {'KL':>8} {'ELBO (β=1)':>11}")
    for beta in (0.5, 1.0, 4.0):
        vae = npae.VariationalAutoencoder(latent_dim=10, hidden=hidden, beta=beta,
                                          warmup_epochs=min(3, epochs), epochs=epochs,
                                          batch_size=100, random_state=0).fit(X_tr)
        terms = vae.loss_terms(X_te, rng=0)
        kl = terms["kl"] / beta
        say(f"{beta:>5} {terms['reconstruction']:>15.2f} {kl:>8.2f} "
            f"{vae.elbo(X_te, n_samples=5, rng=0).mean():>11.2f}")
    say("A larger β buys a code closer to the prior (smaller KL) with blurrier "
        "reconstructions; the KL warm-up (history_['beta']) ramps β up from 0 over the "
        "first epochs so that the decoder learns to use the code first.")


def main(argv=None):
    args, say = parse(make_parser(__doc__, "variational", quiet=False), argv)

    part1_pieces(say)
    X, y = load_mnist()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=2000, rng=0)
    if args.quick:
        X_tr, X_te, y_te = X_tr[:600], X_te[:200], y_te[:200]
        hidden, epochs, sizes, n_iw, n_show = (32,), 2, (2, 5), 10, 8
    else:
        hidden, epochs, sizes, n_iw, n_show = (256,), 30, (2, 5, 10), 100, 64
    # The 2-D manifold shows the digit classes only when trained long enough: 5 classes
    # after 30 epochs, 9 after 100, all 10 after 100 at a step of 3e-3
    # (benchmarks/results/vae_manifold.md).
    epochs_2d, lr_2d = (epochs, 1e-3) if args.quick else (100, 3e-3)
    part2_latent_2d(X_tr, X_te, y_te, hidden, epochs_2d, n_show, args.out, say, lr_2d)
    part3_latent_size(X_tr, X_te, hidden, epochs, sizes, n_iw, args.out, say)
    part4_beta(X_tr, X_te, hidden, epochs, say)
    if args.quick:
        say(f"\n(--quick: {epochs} epochs on {len(X_tr)} digits: the latent space, samples and "
            "ELBOs above show the method, not what a trained VAE reaches — run without --quick.)")
    say(f"\nfigures in {args.out}")


if __name__ == "__main__":
    main()
