r"""Conditioning the latent space on the labels: the CL-VAE (Norlander & Sopasakis 2019)
====================================================================================

A VAE pulls every code towards one prior N(0, I), so the classes of the
digits crowd around the origin and overlap.  The CL-VAE gives each class y
its own prior N(m_y, I) and trains with

.. math::

   L = \gamma \cdot \big(-\log p_\phi(x \mid z)\big)
       + \beta \cdot \mathrm{KL}\big(q_\theta(z \mid x) \,\|\, \mathcal{N}(m_y, I)\big),

the KL again in closed form (the VAE's, with the prior mean moved to m_y).
Labels are used for training only: afterwards the encoder maps any digit
into a latent space that is already clustered.  This tutorial

1. checks the class-prior KL against the general formula for two Gaussians
   (matrix algebra), and its gradient with respect to mu, log_var and the
   prior means;
2. trains a VAE, a CL-VAE (γ = 1) and the paper's weighted CL-VAE (γ = 0.3)
   with 2-D codes and draws the three latent spaces of held-out digits side
   by side (``latent_vae_vs_clvae.png``, the paper's Fig. 2);
3. clusters the held-out codes with k-means and EM (a Gaussian mixture) and
   scores the clusters with the V-measure, as the paper's Table 1;
4. generates digits of a chosen class, z ~ N(m_y, I) (``samples_by_class.png``),
   which a VAE cannot do, and lets the prior means be learned.

Run it from the repository::

    python tutorials/clvae.py            # a few minutes on 2 cores
    python tutorials/clvae.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import os
import time

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist, train_test_split
from npae.gradcheck import check_gradient
from npae.classical import gaussian_mixture, kmeans
from npae.metrics import v_measure
from npae.families.clvae import default_prior_means, kl_to_class_prior

from _tutorial import make_parser, parse

PAPER = {"VAE": (0.6313, 0.5572), "CL-VAE": (0.8132, 0.8088), "CL-VAE γ=0.3": (0.9248, 0.9233)}


def general_gaussian_kl(m0, S0, m1, S1):
    """KL(N(m0, S0) ‖ N(m1, S1)) for full covariances, by matrix algebra."""
    k = len(m0)
    S1_inv = np.linalg.inv(S1)
    d = m1 - m0
    return 0.5 * (np.trace(S1_inv @ S0) + d @ S1_inv @ d - k
                  + np.linalg.slogdet(S1)[1] - np.linalg.slogdet(S0)[1])


def part1_kl(say):
    say("== 1. The KL to a class prior")
    rng = np.random.default_rng(0)
    mu, log_var, m = rng.standard_normal((3, 1, 4))
    value, *_ = kl_to_class_prior(mu, log_var, m)
    ref = general_gaussian_kl(mu[0], np.diag(np.exp(log_var[0])), m[0], np.eye(4))
    say(f"closed form {value:.12f}; general Gaussian formula {ref:.12f}")

    def fun(p):
        v, dmu, dlv, dm = kl_to_class_prior(p["mu"], p["log_var"], p["m"])
        return v, {"mu": dmu, "log_var": dlv, "m": dm}

    report = check_gradient(fun, {"mu": rng.standard_normal((5, 2)),
                                  "log_var": rng.standard_normal((5, 2)),
                                  "m": rng.standard_normal((5, 2))})
    say(str(report))
    say("default prior means for 10 classes in 2-D (a regular decagon, neighbours 4 apart):")
    say(np.array2string(default_prior_means(10, 2), precision=2, suppress_small=True))


def fit_three(X_tr, y_tr, hidden, epochs, say):
    common = dict(latent_dim=2, hidden=hidden, epochs=epochs, batch_size=100, random_state=0)
    models = {"VAE": npae.VariationalAutoencoder(**common),
              "CL-VAE": npae.ConditionalLatentVAE(gamma=1.0, **common),
              "CL-VAE γ=0.3": npae.ConditionalLatentVAE(gamma=0.3, **common)}
    for name, model in models.items():
        t0 = time.perf_counter()
        model.fit(X_tr) if name == "VAE" else model.fit(X_tr, y_tr)
        say(f"{name:<13} trained in {time.perf_counter() - t0:5.1f}s; last epoch "
            f"reconstruction {model.history_['reconstruction'][-1]:.2f}, "
            f"KL {model.history_['kl'][-1]:.2f} (as they enter the loss)")
    return models


def part2_latent(models, X_te, y_te, out, say):
    say("\n== 2. Three latent spaces (the paper's Fig. 2)")
    names = list(models)
    codes = [models[n].transform(X_te) for n in names]
    means = [getattr(models[n], "prior_means_", None) for n in names]
    plot.latent_panels(codes, y_te, titles=names, prior_means=means,
                       suptitle="held-out digits: posterior means (crosses: class prior means)",
                       path=os.path.join(out, "latent_vae_vs_clvae.png"))
    return dict(zip(names, codes))


def part3_clustering(codes, y_te, say):
    say("\n== 3. Clustering the held-out codes, scored by the V-measure (10 clusters)")
    say(f"{'model':<13} {'EM':>6} {'k-means':>8}   {'paper EM':>8} {'paper k-means':>13}")
    scores = {}
    for name, Z in codes.items():
        em = v_measure(y_te, gaussian_mixture(Z, 10, rng=0).labels)
        km = v_measure(y_te, kmeans(Z, 10, rng=0).labels)
        scores[name] = (em, km)
        pe, pk = PAPER[name]
        say(f"{name:<13} {em:>6.3f} {km:>8.3f}   {pe:>8.3f} {pk:>13.3f}")
    say("The paper trained on the 60,000 MNIST digits and picked the number of clusters that "
        "maximises V; here fewer digits and exactly 10 clusters — compare the ordering.")
    return scores


def part4_generate(models, X_tr, y_tr, hidden, epochs, n_per_class, out, say):
    say("\n== 4. Class-conditional samples and learned prior means")
    cl = models["CL-VAE γ=0.3"]
    rows = np.concatenate([cl.sample(n_per_class, rng=c, y=c) for c in cl.classes_])
    plot.image_tiles(rows, n_cols=n_per_class, normalize=None,
                     title="CL-VAE (γ=0.3): z ~ N(m_y, I), one row per digit y",
                     path=os.path.join(out, "samples_by_class.png"))
    plot.image_tiles(models["VAE"].sample(5 * n_per_class, rng=0), n_cols=n_per_class,
                     normalize=None, title="VAE: z ~ N(0, I)",
                     path=os.path.join(out, "samples_vae.png"))
    learned = npae.ConditionalLatentVAE(latent_dim=2, gamma=0.3, prior_means="learned",
                                        hidden=hidden, epochs=epochs, batch_size=100,
                                        random_state=0).fit(X_tr, y_tr)
    moved = np.linalg.norm(learned.prior_means_ - default_prior_means(10, 2), axis=1)
    say(f"learned prior means moved from the decagon by {np.round(moved, 2)} "
        "(distance per class)")


def main(argv=None):
    args, say = parse(make_parser(__doc__, "clvae", quiet=False), argv)

    part1_kl(say)
    X, y = load_mnist()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=2000, rng=0)
    if args.quick:
        X_tr, y_tr, X_te, y_te = X_tr[:600], y_tr[:600], X_te[:300], y_te[:300]
        hidden, epochs, n_per_class = (32,), 2, 2
    else:
        hidden, epochs, n_per_class = (256,), 40, 8
    say(f"\ntraining on {len(X_tr)} digits, testing on {len(X_te)} held-out digits")
    models = fit_three(X_tr, y_tr, hidden, epochs, say)
    codes = part2_latent(models, X_te, y_te, args.out, say)
    part3_clustering(codes, y_te, say)
    part4_generate(models, X_tr, y_tr, hidden, epochs, n_per_class, args.out, say)
    if args.quick:
        say(f"\n(--quick: {epochs} epochs on {len(X_tr)} digits are far too few for the codes to "
            "gather around their class priors; the figures and V-measures show the method, "
            "not its result — run without --quick.)")
    say(f"\nfigures in {args.out}")


if __name__ == "__main__":
    main()
