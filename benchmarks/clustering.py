"""Clustering with autoencoders: k-means on pixels, PCA and AE codes, DEC, VaDE and the CL-VAE.

Every model is trained on the training rows; the clusterings are scored on the
held-out rows (10 clusters; V-measure, and accuracy under the best one-to-one
matching of clusters to classes), so that the CL-VAE, which uses labels when it
is trained, is scored on rows whose labels it never saw (its codes are then
clustered by k-means, without labels).  The last columns are the maximum of the
V-score against the number of clusters (Norlander & Sopasakis 2019, Table 1) for
the k-means rows, and the number of clusters where it is reached.

Rows:
- k-means on pixels, on 10 PCA components, on the 10-D codes of a deep AE
  784-256-64-10 (tanh, linear code, cross-entropy), and on those codes standardised
  (each coordinate divided by its standard deviation: k-means is isotropic);
- DEC (Xie et al. 2016) from that AE's architecture (denoising pretraining);
- VaDE (Jiang et al. 2017), 10-D latent space, 784-256-64 encoder;
- CL-VAE (Norlander & Sopasakis 2019), same network, γ = 0.3, k-means on its codes.

    python benchmarks/clustering.py                      # digits, ~4 min on 2 cores
    python benchmarks/clustering.py --dataset fashion    # Fashion-MNIST (installed)
    python benchmarks/clustering.py --quick              # smoke test (seconds)
    python benchmarks/clustering.py --md benchmarks/results/clustering.md
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import npae
from npae.classical.kmeans import kmeans
from npae.classical import PCA
from npae.metrics import clustering_accuracy, v_measure, v_measure_curve

from _common import load_benchmark_data, markdown_table, write_markdown

NET = dict(activation="tanh", learning_rate=2e-3, batch_size=64, dtype="float32")


def run(dataset="digits", quick=False, seed=0):
    n_train, n_test, epochs = (800, 300, 2) if quick else (6000, 2000, 20)
    X_tr, X_te, y_tr, y_te = load_benchmark_data(dataset, n_train, n_test, seed)
    ks = range(2, 6) if quick else range(2, 16)
    rows = {}

    def score(name, labels, t, codes=None):
        curve = (v_measure_curve(codes, y_te, n_clusters=ks, rng=seed, n_init=2)
                 if codes is not None else None)
        rows[name] = (v_measure(y_te, labels), clustering_accuracy(y_te, labels), curve,
                      time.perf_counter() - t)
        print(f"{name:34s} V {rows[name][0]:.3f}  acc {rows[name][1]:.3f}  "
              f"({rows[name][3]:.1f} s)", file=sys.stderr, flush=True)

    def km(codes, t, name):
        score(name, kmeans(codes, 10, rng=seed, n_init=4).labels, t, codes)

    t = time.perf_counter()
    km(X_te, t, "k-means on pixels")
    t = time.perf_counter()
    km(PCA(n_components=10).fit(X_tr).transform(X_te), t, "k-means on PCA (10)")
    t = time.perf_counter()
    ae = npae.Autoencoder(hidden=(256, 64), latent_dim=10, code_activation="identity", loss="bce",
                          epochs=epochs, random_state=seed, **NET).fit(X_tr)
    Z = ae.transform(X_te)
    km(Z, t, "k-means on AE codes (10)")
    t = time.perf_counter()
    km(Z / ae.transform(X_tr).std(axis=0), t, "k-means on AE codes, standardised")
    t = time.perf_counter()
    dec = npae.DeepEmbeddedClustering(hidden=(256, 64), latent_dim=10, n_clusters=10, loss="bce",
                                      pretrain_epochs=epochs, epochs=epochs, random_state=seed,
                                      **NET).fit(X_tr)
    score("DEC", dec.predict(X_te), t)
    t = time.perf_counter()
    vade = npae.VariationalDeepEmbedding(n_components=10, latent_dim=10, hidden=(256, 64),
                                         pretrain_epochs=epochs, epochs=epochs,
                                         random_state=seed, **NET).fit(X_tr)
    score("VaDE", vade.predict(X_te), t)
    t = time.perf_counter()
    cl = npae.ConditionalLatentVAE(latent_dim=10, hidden=(256, 64), gamma=0.3, epochs=epochs,
                                   random_state=seed, **NET).fit(X_tr, y_tr)
    km(cl.transform(X_te), t, "CL-VAE codes (labels at training)")
    return {"rows": rows, "n_train": n_train, "n_test": n_test, "epochs": epochs,
            "dataset": dataset, "dec_init_v": v_measure(y_tr, dec.init_labels_),
            "dec_train_v": v_measure(y_tr, dec.labels_),
            "dec_epochs_run": len(dec.history_["kl"]),
            "vade_init_v": v_measure(y_tr, vade.init_labels_),
            "vade_train_v": v_measure(y_tr, vade.labels_)}


def format_lines(res):
    rows = []
    for name, (v, acc, curve, sec) in res["rows"].items():
        best = f"{curve.best_v:.3f} | {curve.best_n_clusters}" if curve is not None else "— | —"
        rows.append((name, f"{v:.3f}", f"{acc:.3f}", best, f"{sec:.0f}"))
    lines = [f"{res['dataset']}: {res['n_train']} training rows, {res['n_test']} held-out rows "
             f"scored; {res['epochs']} epochs per network (and per DEC/VaDE pretraining); "
             "10 clusters.", ""]
    lines += markdown_table(("method (held-out rows)", "V-measure", "accuracy",
                             "max V over k", "k at max", "seconds"), rows)
    lines += ["", f"On the training rows: DEC moves the V-measure of its k-means start from "
              f"{res['dec_init_v']:.3f} to {res['dec_train_v']:.3f} "
              f"({res['dec_epochs_run']} epochs before the tol rule or the budget stopped it); "
              f"VaDE from its EM start {res['vade_init_v']:.3f} to {res['vade_train_v']:.3f}."]
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="800 rows, 2 epochs (seconds)")
    parser.add_argument("--dataset", choices=("digits", "fashion"), default="digits")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--md", default=None, help="write the table to this markdown file")
    args = parser.parse_args(argv)
    res = run(args.dataset, args.quick, args.seed)
    lines = format_lines(res)
    print("\n".join(lines))
    if args.md:
        cmd = "python benchmarks/clustering.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_markdown(args.md, f"Clustering ({args.dataset})", cmd.strip(), lines)
    return res


if __name__ == "__main__":
    main()
