"""VAE and CL-VAE on the bundled digits: the paper's Table 1 and the ELBO vs code size.

1. Clustering of the latent space (Norlander & Sopasakis 2019, Table 1).
   A VAE, a CL-VAE (γ = 1) and the weighted CL-VAE (γ = 0.3, β = 1), all with
   2-D codes, are trained on 6000 digits; the 2000 held-out digits are
   encoded (posterior means) and clustered with EM (a full-covariance
   Gaussian mixture, :func:`npae.classical.gaussian_mixture`) and k-means
   (:func:`npae.classical.kmeans`).  The V-measure against the digit labels is
   reported at 10 clusters and, as the paper does, at the number of
   clusters in 6..16 that maximises it.  Medians over ``--seeds`` training
   seeds.  scikit-learn's KMeans / v_measure_score, when installed, recheck
   the first seed's codes (an outside oracle for npae.metrics).
2. The held-out ELBO and the importance-weighted estimate of log p(x)
   (K = 100, Burda et al. 2016) as the code grows (Kingma & Welling 2013:
   the bound improves with the latent size).

Architecture: 784-256-(2 × k) encoder, k-256-784 decoder, tanh, Bernoulli
likelihood on grey levels in [0, 1], Adam 1e-3, batch 100.

    python benchmarks/generative_vae.py --out benchmarks/results/vae.md
    python benchmarks/generative_vae.py --quick        # seconds, smoke test
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

import npae
from npae.datasets import load_mnist, train_test_split
from npae.classical import gaussian_mixture, kmeans
from npae.metrics import v_measure

from _common import finish

PAPER = {"VAE": (0.6313, 14, 0.5572, 14), "CL-VAE": (0.8132, 7, 0.8088, 7),
         "CL-VAE γ=0.3": (0.9248, 10, 0.9233, 10)}


def make_models(hidden, epochs, seed, latent_dim=2):
    common = dict(latent_dim=latent_dim, hidden=hidden, epochs=epochs, batch_size=100,
                  learning_rate=1e-3, random_state=seed)
    return {"VAE": npae.VariationalAutoencoder(**common),
            "CL-VAE": npae.ConditionalLatentVAE(gamma=1.0, **common),
            "CL-VAE γ=0.3": npae.ConditionalLatentVAE(gamma=0.3, **common)}


def cluster_scores(Z, y, ks):
    """V-measure of EM and k-means clusterings for each number of clusters in ks."""
    em = {k: v_measure(y, gaussian_mixture(Z, k, rng=0, n_init=2).labels) for k in ks}
    km = {k: v_measure(y, kmeans(Z, k, rng=0).labels) for k in ks}
    return em, km


def part1(X_tr, y_tr, X_te, y_te, hidden, epochs, seeds, ks, say):
    rows = {name: [] for name in PAPER}
    first_codes = {}
    for seed in seeds:
        for name, model in make_models(hidden, epochs, seed).items():
            t0 = time.perf_counter()
            model.fit(X_tr) if name == "VAE" else model.fit(X_tr, y_tr)
            seconds = time.perf_counter() - t0
            Z = model.transform(X_te)
            if seed == seeds[0]:
                first_codes[name] = Z
            em, km = cluster_scores(Z, y_te, ks)
            best_em = max(em, key=em.get)
            best_km = max(km, key=km.get)
            acc = float("nan")
            if name != "VAE":  # nearest class prior mean as a classifier of held-out codes
                d = ((Z[:, None, :] - model.prior_means_[None]) ** 2).sum(-1)
                acc = float(np.mean(model.classes_[d.argmin(1)] == y_te))
            elbo = float(model.elbo(X_te, n_samples=5, rng=0).mean())
            rows[name].append(dict(em10=em[10], km10=km[10], em=em[best_em], k_em=best_em,
                                   km=km[best_km], k_km=best_km, acc=acc, elbo=elbo,
                                   seconds=seconds))
            say(f"seed {seed} {name:<13} EM@10 {em[10]:.3f} km@10 {km[10]:.3f} "
                f"best EM {em[best_em]:.3f} (k={best_em}) best km {km[best_km]:.3f} "
                f"(k={best_km}) prior-mean acc {acc:.3f} ELBO {elbo:.1f} [{seconds:.0f}s]")
    return rows, first_codes


def oracle(first_codes, y_te, say):
    try:
        from sklearn.cluster import KMeans
        from sklearn.metrics import v_measure_score
    except ImportError:  # pragma: no cover
        return None
    out = {}
    for name, Z in first_codes.items():
        ours = v_measure(y_te, kmeans(Z, 10, rng=0).labels)
        sk_labels = KMeans(10, n_init=10, random_state=0).fit_predict(Z)
        out[name] = (ours, v_measure_score(y_te, sk_labels),
                     v_measure_score(y_te, kmeans(Z, 10, rng=0).labels))
        say(f"oracle {name:<13} npae k-means+V {out[name][0]:.4f}; sklearn KMeans+V "
            f"{out[name][1]:.4f}; sklearn V of npae's clusters {out[name][2]:.4f}")
    return out


def part2(X_tr, X_te, hidden, epochs, sizes, n_iw, n_iw_rows, say):
    out = []
    for k in sizes:
        vae = npae.VariationalAutoencoder(latent_dim=k, hidden=hidden, epochs=epochs,
                                          batch_size=100, random_state=0)
        t0 = time.perf_counter()
        vae.fit(X_tr)
        seconds = time.perf_counter() - t0
        elbo = vae.elbo(X_te, n_samples=5, rng=1)
        iw = vae.log_likelihood(X_te[:n_iw_rows], n_samples=n_iw, rng=1)
        out.append(dict(k=k, elbo=float(elbo.mean()), elbo_se=float(elbo.std() / np.sqrt(elbo.size)),
                        iw=float(iw.mean()), gap=float((iw - elbo[:n_iw_rows]).mean()),
                        kl=float(vae.loss_terms(X_te, rng=0)["kl"]), seconds=seconds))
        r = out[-1]
        say(f"latent {k:>3}: ELBO {r['elbo']:.2f} ± {r['elbo_se']:.2f}, IW(K={n_iw}) {r['iw']:.2f}, "
            f"IW − ELBO {r['gap']:.2f}, KL {r['kl']:.2f} [{seconds:.0f}s]")
    return out


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def markdown(rows, oracle_rows, sizes_rows, args, n_tr, n_te, n_iw, n_iw_rows, ks, seconds):
    L = []
    L.append(f"## VAE and CL-VAE on {'Fashion-MNIST' if args.data == 'fashion-mnist' else 'the bundled digits'}\n")
    L.append(f"Command: `python benchmarks/generative_vae.py {' '.join(args.argv)}` "
             f"({seconds / 60:.0f} min wall on this machine).\n")
    data = ("Fashion-MNIST (Debian package), test split held out" if args.data == "fashion-mnist"
            else "the bundled 8000 MNIST digits (`train_test_split(test_size=2000, rng=0)`)")
    L.append(f"Data: {data}, grey levels in [0, 1] read as Bernoulli "
             f"probabilities (not binarised), {n_tr} training / {n_te} held-out images. "
             "Architecture 784-"
             f"{'-'.join(map(str, args.hidden))}-(μ, log_var) / mirrored decoder, tanh, "
             f"Adam 1e-3, batch 100, {args.epochs} epochs.\n")
    L.append("### Clustering of held-out 2-D codes (Norlander & Sopasakis 2019, Table 1)\n")
    L.append(f"V-measure of the class labels against EM (full-covariance Gaussian mixture) and "
             f"k-means clusters of the posterior means; median over {args.seeds} training "
             f"seeds. \"best k\" is the number of clusters in {min(ks)}..{max(ks)} that "
             "maximises V, as in the paper's table (the k of each seed in parentheses). "
             "Paper: MNIST, 60,000 training digits, its own architecture.\n")
    L.append("| model | EM, 10 clusters | k-means, 10 clusters | EM, best k (k) | "
             "k-means, best k (k) | paper EM (k) | paper k-means (k) | held-out codes nearest "
             "their class prior mean | held-out ELBO |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for name, rs in rows.items():
        p = PAPER[name]
        acc = med(rs, "acc")
        L.append(f"| {name} | {med(rs, 'em10'):.3f} | {med(rs, 'km10'):.3f} | "
                 f"{med(rs, 'em'):.3f} ({', '.join(str(r['k_em']) for r in rs)}) | "
                 f"{med(rs, 'km'):.3f} ({', '.join(str(r['k_km']) for r in rs)}) | "
                 f"{p[0]:.2f} ({p[1]}) | {p[2]:.2f} ({p[3]}) | "
                 f"{'—' if np.isnan(acc) else f'{acc:.3f}'} | {med(rs, 'elbo'):.1f} |")
    L.append("")
    L.append("Per seed (EM at 10 clusters): " + "; ".join(
        f"{name} " + ", ".join(f"{r['em10']:.3f}" for r in rs) for name, rs in rows.items()))
    L.append("")
    if oracle_rows:
        L.append("Outside check of `npae.metrics` on the first seed's codes (k-means, 10 clusters): "
                 + "; ".join(f"{n}: npae {o[0]:.4f}, scikit-learn KMeans {o[1]:.4f}, "
                             f"scikit-learn's V of npae's clusters {o[2]:.4f}"
                             for n, o in oracle_rows.items()) + ".\n")
    L.append("### ELBO and importance-weighted log-likelihood vs latent size (VAE)\n")
    L.append(f"Held-out ELBO (5 draws of ε per image, mean ± standard error over {n_te} images), "
             f"importance-weighted estimate of log p(x) with K = {n_iw} (first {n_iw_rows} "
             "held-out images), in nats per image; one training seed.\n")
    L.append("| latent | ELBO | log p(x), IW K=" + str(n_iw) + " | IW − ELBO | KL | train s |")
    L.append("|---|---|---|---|---|---|")
    for r in sizes_rows:
        L.append(f"| {r['k']} | {r['elbo']:.2f} ± {r['elbo_se']:.2f} | {r['iw']:.2f} | "
                 f"{r['gap']:.2f} | {r['kl']:.2f} | {r['seconds']:.0f} |")
    L.append("")
    L.append(f"- numpy {np.__version__}; machine {platform.machine()}, {os.cpu_count()} cores "
             "(shared with other jobs: times are indicative only)")
    return "\n".join(L) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--hidden", type=int, nargs="+", default=[256])
    parser.add_argument("--out", default=None, help="write the markdown results here")
    parser.add_argument("--data", choices=("digits", "fashion-mnist"), default="digits",
                        help="the bundled digits (6,000/2,000) or Fashion-MNIST (60,000/10,000)")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    say = print
    t_start = time.perf_counter()
    if args.data == "fashion-mnist":
        from npae.datasets import load_fashion_mnist
        X_tr, y_tr = load_fashion_mnist(kind="train", n=600 if args.quick else None)
        X_te, y_te = load_fashion_mnist(kind="test", n=300 if args.quick else None)
        say("data: Fashion-MNIST (the paper's Table 1 figures are for MNIST)")
    else:
        X, y = load_mnist()
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=2000, rng=0)
    hidden = tuple(args.hidden)
    sizes, n_iw, n_iw_rows, ks = (2, 5, 10, 20), 100, 2000, range(6, 17)
    if args.quick:
        X_tr, y_tr, X_te, y_te = X_tr[:600], y_tr[:600], X_te[:300], y_te[:300]
        args.seeds, args.epochs, hidden = 1, 2, (32,)
        args.hidden = list(hidden)
        sizes, n_iw, n_iw_rows, ks = (2, 5), 10, 100, range(8, 12)
    seeds = list(range(args.seeds))
    say("== 1. clustering of held-out 2-D codes")
    rows, first = part1(X_tr, y_tr, X_te, y_te, hidden, args.epochs, seeds, ks, say)
    oracle_rows = oracle(first, y_te, say)
    say("== 2. ELBO vs latent size")
    sizes_rows = part2(X_tr, X_te, hidden, args.epochs, sizes, n_iw, n_iw_rows, say)
    text = markdown(rows, oracle_rows, sizes_rows, args, len(X_tr), len(X_te), n_iw, n_iw_rows,
                    ks, time.perf_counter() - t_start)
    print()
    finish(text, args.out)


if __name__ == "__main__":
    main()
