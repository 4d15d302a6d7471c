"""When likelihoods fail: a VAE that prefers digits to the clothes it was trained on
=================================================================================

Nalisnick et al. (*Do deep generative models know what they don't know?*, ICLR 2019)
showed that generative models can give out-of-distribution inputs a *higher*
likelihood than their own test data.  The classic pair is in npae: a VAE trained on
Fashion-MNIST scores MNIST digits as more likely than Fashion-MNIST's test images —
digits are mostly black background, cheap for any model to explain.  This tutorial

1. trains the VAE on Fashion-MNIST and shows the histograms of −log p(x)
   (importance-weighted) for its test images and for digits (``nll_histogram.png``);
2. computes the three published corrections, each a method of the VAE
   (:mod:`npae.families._ood_scores`): likelihood regret (Xiao, Yan & Amit 2020: how
   much the ELBO improves when the posterior is re-fitted to the single input),
   input complexity (Serrà et al. 2020: −log2 p(x) minus the PNG length of x) and the
   likelihood ratio against a background VAE trained on noise-perturbed images (Ren et
   al. 2019) — and their AUROC for telling digits from clothes (``scores.png``);
3. uses one of them through :class:`npae.OutlierDetector` (``score="regret"``).

Without the Fashion-MNIST files (Debian's ``dataset-fashion-mnist``), the digits play the
"in" part and the same digits rotated by 180° the "out" part.
The full measurement, both directions: ``benchmarks/ood_likelihood.py``.

    python tutorials/likelihoods.py            # about a minute on 2 cores
    python tutorials/likelihoods.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import os

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist
from npae.metrics import roc_auc

from _tutorial import banner, make_parser, parse


def load(quick):
    """(train, in-distribution test, out-of-distribution rows, their names)."""
    digits, _ = load_mnist()
    n_tr, n_te = (1000, 150) if quick else (20000, 2000)
    try:
        from npae.datasets import load_fashion_mnist
        F_tr, _ = load_fashion_mnist(kind="train", n=n_tr)
        F_te, _ = load_fashion_mnist(kind="test", n=n_te)
        return F_tr, F_te, digits[-n_te:], ("Fashion-MNIST", "MNIST digits")
    except FileNotFoundError:
        return digits[:n_tr], digits[-n_te:], digits[-2 * n_te:-n_te, ::-1], ("digits", "rotated digits")


def main(argv=None):
    args, say = parse(make_parser(__doc__, "likelihoods"), argv)
    X_tr, X_in, X_out, names = load(args.quick)
    # quick: a small network and few draws, so that the tests run it in seconds
    epochs, hidden, latent, draws, n_reg = (2, 64, 8, 20, 50) if args.quick else (10, 256, 16, 50, 500)
    banner(f"1. A VAE trained on {names[0]}", say, gap=False)
    vae = npae.VariationalAutoencoder(latent_dim=latent, hidden=(hidden,), epochs=epochs,
                                      batch_size=100, random_state=0).fit(X_tr)
    nll_in = -vae.log_likelihood(X_in, n_samples=draws, rng=0)
    nll_out = -vae.log_likelihood(X_out, n_samples=draws, rng=0)
    say(f"mean −log p(x): {names[0]} test {nll_in.mean():.1f} nats, {names[1]} "
        f"{nll_out.mean():.1f} nats")
    if nll_out.mean() < nll_in.mean():
        say(f"The {names[1]} — never seen in training — are given the HIGHER likelihood.")
    plot.histograms({f"{names[0]} test (in)": nll_in, f"{names[1]} (out)": nll_out}, bins=50,
                    xlabel="−log p(x) (nats)", title=f"VAE trained on {names[0]}",
                    path=os.path.join(args.out, "nll_histogram.png"))

    banner("2. Three corrections, as OOD scores (higher = more abnormal)", say)
    background = vae.fit_background(X_tr, rate=0.2, rng=1)
    # (the regret re-fits the posterior of every row: the costly score, on n_reg rows a set)
    scores = {
        "−log p(x)": (nll_in, nll_out),
        "likelihood regret": (vae.likelihood_regret(X_in[:n_reg]), vae.likelihood_regret(X_out[:n_reg])),
        "input complexity": tuple(vae.input_complexity(X, image_shape=(28, 28), n_samples=draws, rng=0)
                                  for X in (X_in, X_out)),
        "likelihood ratio": tuple(-vae.likelihood_ratio(X, background, n_samples=draws, rng=0)
                                  for X in (X_in, X_out)),
    }
    aurocs = {}
    for name, (a, b) in scores.items():
        aurocs[name] = roc_auc(np.r_[np.zeros(len(a), bool), np.ones(len(b), bool)], np.r_[a, b])
        say(f"  {name:18s} AUROC {aurocs[name]:.3f}" + ("   (below 0.5: ranks the wrong way)"
                                                         if aurocs[name] < 0.5 else ""))
    say("AUROC is the chance that a random out-of-distribution image scores above a random "
        "in-distribution one: 0.5 is a coin, below 0.5 worse than a coin.  Each correction "
        "removes a different confound: the regret asks how typical the encoder's answer was, "
        "the complexity subtracts what a generic compressor would pay, the ratio subtracts "
        "what a model of generic (noisy) images would pay.")
    r_in, r_out = scores["likelihood regret"]
    plot.histograms({f"{names[0]} (in)": r_in, f"{names[1]} (out)": r_out}, bins=40,
                    xlabel="likelihood regret (nats)", title="likelihood regret",
                    path=os.path.join(args.out, "scores.png"))

    banner("3. The same score inside OutlierDetector", say)
    det = npae.OutlierDetector(estimator=npae.VariationalAutoencoder(
        latent_dim=latent, hidden=(hidden,), epochs=epochs, batch_size=100, random_state=0),
        score="regret", contamination=0.05).fit(X_tr[:n_reg * 4])
    flagged = det.predict(np.r_[X_in[:n_reg], X_out[:n_reg]])
    say(f"threshold {det.threshold_:.2f} nats (95th percentile of the training rows): flags "
        f"{flagged[:n_reg].mean():.0%} of {names[0]} and {flagged[n_reg:].mean():.0%} of {names[1]}")
    return {"aurocs": aurocs, "nll_in": float(nll_in.mean()), "nll_out": float(nll_out.mean()),
            "flagged_in": float(flagged[:n_reg].mean()), "flagged_out": float(flagged[n_reg:].mean())}


if __name__ == "__main__":
    main()
