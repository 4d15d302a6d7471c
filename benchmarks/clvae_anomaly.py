"""The CL-VAE preprint's anomaly protocol: EM/MV of detectors on VAE and CL-VAE latent codes.

Norlander & Sopasakis (2019), "Latent space conditioning for improved classification
and anomaly detection", §4.2, Table 2 and Figures 4-5: a VAE and the weight-adjusted
CL-VAE (γ = 0.3, β = 1) map MNIST to 2-D codes; isolation forest, LOF and a one-class
SVM are fitted on the codes and compared, without anomaly labels, by the Excess-Mass
(higher is better) and Mass-Volume (lower is better) areas of Goix (2016); then the
share of each digit among the flagged codes is compared with the digits' share in
the data (RMSE; the paper: CL-VAE 0.0326, VAE 0.0408).

Here: the bundled 8,000 digits (6,000 training / 2,000 held out, ``train_test_split(
test_size=2000, rng=0)``), 784-256-2 networks, tanh, Adam 1e-3, batch 100, 40 epochs
(the setting of ``benchmarks/generative_vae.py``); detectors fitted on the training
codes, EM/MV on the held-out codes (one uniform sample of 100,000 points of their
bounding box shared by all detectors, EM areas on a common interval, as
:func:`npae.metrics.em_mv_scores`); scikit-learn's detectors with their default
settings (the paper tuned its own; it does not give them) beside npae's Parzen,
Gaussian-mixture (10 components) and Mahalanobis detectors on the codes. Flagged:
each detector's 10% highest anomaly scores.

    python benchmarks/clvae_anomaly.py --md benchmarks/results/clvae_anomaly.md   # ~5 min
    python benchmarks/clvae_anomaly.py --quick                                     # smoke
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist, train_test_split
from npae.detection import OutlierDetector
from npae.metrics import em_mv_scores

from _common import finish

#: Table 2 of the preprint (MNIST, 2-D latent space): (EM in 1e-3, MV)
PAPER = {"VAE": {"IsolationForest": (2.532, 2.465), "LOF": (2.014, 3.136), "OneClassSVM": (2.533, 2.442)},
         "CL-VAE γ=0.3": {"IsolationForest": (0.884, 7.065), "LOF": (0.841, 7.236),
                          "OneClassSVM": (0.926, 6.754)}}
PAPER_RMSE = {"VAE": 0.0408, "CL-VAE γ=0.3": 0.0326}
HERE = os.path.dirname(os.path.abspath(__file__))


def detectors():
    """name -> unfitted detector with fit(Z) and score_samples(Z) (higher = more normal)."""
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor
    from sklearn.svm import OneClassSVM

    return {"IsolationForest": IsolationForest(random_state=0),
            "LOF": LocalOutlierFactor(novelty=True),
            "OneClassSVM": OneClassSVM(),
            "npae Parzen": OutlierDetector(estimator="input", score="kde"),
            "npae mixture (10)": OutlierDetector(estimator="input", score="gmm", n_components=10),
            "npae Mahalanobis": OutlierDetector(estimator="input", score="mahalanobis")}


def run(quick, out, say=print):
    X, y = load_mnist()
    if quick:
        X, y = X[:800], y[:800]
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25 if quick else 2000, rng=0)
    common = dict(latent_dim=2, hidden=(256,), epochs=2 if quick else 40, batch_size=100,
                  learning_rate=1e-3, random_state=0)
    models = {"VAE": npae.VariationalAutoencoder(**common).fit(X_tr),
              "CL-VAE γ=0.3": npae.ConditionalLatentVAE(gamma=0.3, **common).fit(X_tr, y_tr)}
    share = np.bincount(y_te, minlength=10) / len(y_te)
    res, codes, flagged = {}, {}, {}
    for lname, model in models.items():
        Z_tr, Z_te = model.transform(X_tr), model.transform(X_te)
        codes[lname] = Z_te
        fitted = {k: d.fit(Z_tr) for k, d in detectors().items()}
        scores = em_mv_scores(fitted, Z_te, n_generated=10_000 if quick else 100_000, rng=0)
        res[lname] = {}
        for name, det in fitted.items():
            s = det.score_samples(Z_te)
            top = np.argsort(s)[: len(s) // 10]  # the 10% least normal
            rmse = float(np.sqrt(np.mean((np.bincount(y_te[top], minlength=10) / len(top) - share) ** 2)))
            res[lname][name] = (scores[name]["em"], scores[name]["mv"], rmse)
            flagged[(lname, name)] = np.argsort(s)[:15]
        say(f"{lname}: " + ", ".join(f"{k} EM {v[0]:.3g} MV {v[1]:.3g} RMSE {v[2]:.4f}"
                                     for k, v in res[lname].items()), flush=True)
    plt = plot._plt()
    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    for ax, lname in zip(axes, models):
        Z = codes[lname]
        sc = ax.scatter(*Z.T, c=y_te, cmap="tab10", s=3)
        top = flagged[(lname, "LOF")]
        ax.scatter(*Z[top].T, marker="*", s=90, c="red", edgecolors="k", label="15 most anomalous (LOF)")
        ax.set_title(f"{lname}: held-out codes")
        ax.legend(fontsize=8)
    fig.colorbar(sc, ax=axes, label="digit")
    plot.save(fig, os.path.join(out, "clvae_anomaly_lof.png"))
    return res, len(X_te)


def report(res, n_test, command):
    lines = ["## The CL-VAE preprint's anomaly protocol (issue 10)", "", f"Command: `{command}`", "",
             f"EM area (higher is better) and MV area (lower is better) on the {n_test} held-out codes; "
             "RMSE between the digits' shares among each detector's 10% flagged codes and their "
             "shares in the held-out set (lower = anomalies spread over the classes as the data). "
             "Paper: full MNIST, its own networks and tuned detectors; its EM is in units of 1e-3.",
             "", "| latent space | detector | EM | MV | RMSE of flagged classes | paper EM (1e-3) | paper MV |",
             "|---|---|---|---|---|---|---|"]
    for lname, rows in res.items():
        for name, (em, mv, rmse) in rows.items():
            p = PAPER[lname].get(name)
            lines.append(f"| {lname} | {name} | {em:.4g} | {mv:.4g} | {rmse:.4f} | "
                         f"{p[0] if p else '—'} | {p[1] if p else '—'} |")
    lines += ["", "Paper's RMSE of the flagged classes (its Figure 4): "
              + ", ".join(f"{k} {v}" for k, v in PAPER_RMSE.items()) + ".", "",
              "Figure: `benchmarks/results/clvae_anomaly_lof.png` (held-out codes, the 15 most "
              "anomalous by LOF starred; the paper's Figure 5)."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="800 digits, 2 epochs (smoke)")
    parser.add_argument("--md", default=None, help="write the markdown report here")
    parser.add_argument("--out", default=None, help="folder of the figure (default: beside --md, "
                        "else the working directory)")
    args = parser.parse_args(argv)
    out = args.out or (os.path.dirname(os.path.abspath(args.md)) if args.md else os.getcwd())
    res, n_test = run(args.quick, out)
    command = "python benchmarks/clvae_anomaly.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(res, n_test, command.strip())
    finish(text, args.md)


if __name__ == "__main__":
    main()
