"""The CL-VAE preprint's clustering protocol, on training codes and on held-out codes.

Norlander & Sopasakis (2019), Table 1: V-scores 0.63 (VAE), 0.81 (CL-VAE),
0.92 (CL-VAE, γ = 0.3), each at the number of clusters that maximises it.
The preprint clusters the codes with EM, scans the number of clusters and
keeps the maximum; its Figure 3 clusters "the latent spaces of Figure 2",
which are those of "the MNIST test data".  ``npae.metrics.v_measure_curve``
(method "gmm") is that protocol; each model is scored on the codes of its
training digits and on held-out ones.

Rows (2-D codes, Bernoulli on grey levels, Adam 1e-3, batch 100, ``--epochs``
epochs, 6,000 training / 2,000 held-out bundled digits unless said):

- protocol and γ: VAE, CL-VAE (γ = 1), CL-VAE (γ = 0.3), 784-256-2 tanh;
- training-set size: the γ = 0.3 CL-VAE on 2,000 digits, for the same epochs and
  for as many optimizer steps as on 6,000 (3 × the epochs);
- prior placement (γ = 0.3): the class means on the default circle with
  neighbours 2 or 8 apart instead of 4 (prior variance 1, as in the
  preprint), and means learned with the rest ("learned", as the preprint's
  "N Gaussians each with unknown mean" and its reference [12] suggest);
- architecture (γ = 0.3): ReLU 784-512-2 (the layout of the Keras examples
  the preprint cites) and a deeper tanh 784-256-128-2;
- epochs (γ = 0.3): twice ``--epochs``;
- combined: the three models of Table 1 with the deeper encoder and twice
  the epochs (the γ = 0.3 one also with means 8 apart).

``--data fashion-mnist``: the γ = 0.3 CL-VAE on 6,000 and on 60,000
Fashion-MNIST training images (held-out: the first 2,000 test images), and on
6,000 for as many steps as on 60,000: the training-set-size effect at full
scale (not the preprint's MNIST figure).
``--rows`` picks rows by index (the table lists them); ``--seeds S`` fits
every row with seeds 0..S−1 (one seed's V moves by up to ~0.1).  Clusters: npae's
full-covariance EM (2 initialisations), k in 6..16 as in the preprint.

    python benchmarks/clvae_protocol.py --epochs 20 --seeds 3 --md benchmarks/results/clvae_protocol.md
    python benchmarks/clvae_protocol.py --quick
"""

from __future__ import annotations

import sys
import time

import numpy as np

import npae
from npae.metrics import v_measure_curve
from npae.terms.priors import default_prior_means

from _common import (benchmark_parser, load_benchmark_data, machine_line, parse_benchmark_args,
                     write_markdown)

#: Norlander & Sopasakis (2019), Table 1, EM column: (best V, its number of clusters).
PAPER = {"VAE": (0.63, 14), "CL-VAE γ=1": (0.81, 7), "CL-VAE γ=0.3": (0.92, 10)}


def digit_rows(n_train, n_small, hidden, epochs):
    """(group, label, paper key, model class, settings, n) for the MNIST rows."""
    VAE, CL = npae.VariationalAutoencoder, npae.ConditionalLatentVAE
    base = dict(latent_dim=2, hidden=hidden, epochs=epochs, batch_size=100)
    wide, deep, ep2 = (2 * hidden[0],), (hidden[0], hidden[0] // 2), 2 * epochs
    g3 = {**base, "gamma": 0.3}
    far = default_prior_means(10, 2, separation=8.0)
    return [
        ("protocol", "VAE", "VAE", VAE, base, n_train),
        ("γ", "CL-VAE γ=1", "CL-VAE γ=1", CL, {**base, "gamma": 1.0}, n_train),
        ("reference", "CL-VAE γ=0.3", "CL-VAE γ=0.3", CL, g3, n_train),
        ("training-set size", "γ=0.3, fewer digits", "CL-VAE γ=0.3", CL, g3, n_small),
        ("training-set size", f"γ=0.3, fewer digits, {epochs * n_train // n_small} epochs "
         "(the steps of row 2)", "CL-VAE γ=0.3", CL,
         {**g3, "epochs": epochs * n_train // n_small}, n_small),
        ("prior placement", "γ=0.3, means 2 apart", "CL-VAE γ=0.3", CL,
         {**g3, "prior_means": default_prior_means(10, 2, separation=2.0)}, n_train),
        ("prior placement", "γ=0.3, means 8 apart", "CL-VAE γ=0.3", CL,
         {**g3, "prior_means": far}, n_train),
        ("prior placement", "γ=0.3, means learned", "CL-VAE γ=0.3", CL,
         {**g3, "prior_means": "learned"}, n_train),
        ("architecture", f"γ=0.3, ReLU 784-{wide[0]}-2", "CL-VAE γ=0.3", CL,
         {**g3, "hidden": wide, "activation": "relu"}, n_train),
        ("architecture", f"γ=0.3, tanh 784-{deep[0]}-{deep[1]}-2", "CL-VAE γ=0.3", CL,
         {**g3, "hidden": deep}, n_train),
        ("epochs", f"γ=0.3, {ep2} epochs", "CL-VAE γ=0.3", CL, {**g3, "epochs": ep2}, n_train),
        ("combined", f"VAE, 784-{deep[0]}-{deep[1]}-2, {ep2} epochs", "VAE", VAE,
         {**base, "hidden": deep, "epochs": ep2}, n_train),
        ("combined", f"γ=1, 784-{deep[0]}-{deep[1]}-2, {ep2} epochs", "CL-VAE γ=1", CL,
         {**base, "hidden": deep, "epochs": ep2}, n_train),
        ("combined", f"γ=0.3, 784-{deep[0]}-{deep[1]}-2, {ep2} epochs, means 8 apart",
         "CL-VAE γ=0.3", CL, {**g3, "hidden": deep, "epochs": ep2, "prior_means": far}, n_train),
    ]


def fashion_rows(n_train, n_small, hidden, epochs):
    base = dict(latent_dim=2, hidden=hidden, epochs=epochs, batch_size=100, gamma=0.3)
    steps = {**base, "epochs": epochs * n_train // n_small}
    return [("training-set size", "γ=0.3", None, npae.ConditionalLatentVAE, base, n_small),
            ("training-set size", "γ=0.3", None, npae.ConditionalLatentVAE, base, n_train),
            ("training-set size", f"γ=0.3, {steps['epochs']} epochs (the steps of row 1)", None,
             npae.ConditionalLatentVAE, steps, n_small)]


def _span(values, fmt="{:.3f}"):
    """'mean (min–max)' over seeds, or the one value."""
    v = np.asarray(values, dtype=float)
    if v.size == 1:
        return fmt.format(v[0])
    return f"{fmt.format(v.mean())} ({fmt.format(v.min())}–{fmt.format(v.max())})"


def table_row(i, run, results):
    """One markdown row from the per-seed results [(tr curve, te curve, fit s), ...]."""
    group, label, key, _, _, n = run
    tr = [r[0] for r in results]
    te = [r[1] for r in results]
    paper = f"{PAPER[key][0]:.2f} ({PAPER[key][1]})" if key else "–"
    ks = lambda cs: ",".join(str(c.best_n_clusters) for c in cs)  # noqa: E731
    return (f"| {i} | {group} | {label} | {n:,} | {_span([c.best_v for c in tr])} [{ks(tr)}] "
            f"| {_span([c.best_v for c in te])} [{ks(te)}] "
            f"| {np.mean([c.at(10) for c in tr]):.3f} / {np.mean([c.at(10) for c in te]):.3f} "
            f"| {paper} | {np.mean([r[2] for r in results]):.0f} |")


def main(argv=None):
    parser = benchmark_parser(__doc__, data=True)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0..seeds-1 per row")
    parser.add_argument("--rows", type=int, nargs="*", default=None)
    args = parse_benchmark_args(parser, argv, "clvae_protocol.py")
    digits = args.data == "digits"
    n_train, n_small = (6000, 2000) if digits else (60000, 6000)
    ks, hidden = range(6, 17), (256,)
    if args.quick:
        n_train, n_small, ks, hidden, args.epochs = 400, 200, range(9, 11), (16,), 1
    Xtr, Xte, ytr, yte = load_benchmark_data("digits" if digits else "fashion", n_train, 2000)
    if args.quick:
        Xte, yte = Xte[:200], yte[:200]
    runs = (digit_rows if digits else fashion_rows)(n_train, n_small, hidden, args.epochs)
    chosen = list(range(len(runs))) if args.rows is None else args.rows
    results = {i: [] for i in chosen}
    for seed in range(args.seeds):  # seeds outermost: a stopped run has every row
        for i in chosen:
            _, _, key, cls, settings, n = runs[i]
            model = cls(**settings, random_state=seed)
            t0 = time.perf_counter()
            model.fit(Xtr[:n]) if key == "VAE" else model.fit(Xtr[:n], ytr[:n])
            fit_s = time.perf_counter() - t0
            tr = v_measure_curve(model.transform(Xtr[:n]), ytr[:n], ks, method="gmm",
                                 n_init=2, rng=seed)
            te = v_measure_curve(model.transform(Xte), yte, ks, method="gmm", n_init=2, rng=seed)
            results[i].append((tr, te, fit_s))
            print(f"seed {seed} row {i}: {tr.best_v:.3f} ({tr.best_n_clusters}) / "
                  f"{te.best_v:.3f} ({te.best_n_clusters}), fit {fit_s:.0f} s", flush=True)
            if args.md:  # after every fit: a long run that is stopped keeps what it measured
                lines = header(args, Xtr, Xte, ks, hidden, digits, seed + 1)
                lines += [table_row(j, runs[j], results[j]) for j in chosen if results[j]]
                write_markdown(args.md, TITLE, args.command, lines)
    lines = header(args, Xtr, Xte, ks, hidden, digits, args.seeds)
    lines += [table_row(j, runs[j], results[j]) for j in chosen]
    print("\n".join(lines))
    if args.md:
        write_markdown(args.md, TITLE, args.command, lines)
    return 0


TITLE = "The CL-VAE preprint's protocol: V-score maximised over the number of clusters"


def header(args, Xtr, Xte, ks, hidden, digits, n_seeds):
    data = ("bundled digits (train_test_split rng=0)" if digits
            else "Fashion-MNIST (its own train / test files, the first rows)")
    return [
        f"- data: {data}; training codes of the first n of {len(Xtr):,} training images, "
        f"held-out codes of {len(Xte):,}",
        f"- models: 2-D codes, 784-{hidden[0]}-2 tanh unless said, Bernoulli on grey levels, "
        f"Adam 1e-3, batch 100, {args.epochs} epochs unless said; CL-VAE prior "
        "N(m_y, I), m_y on a circle with neighbours 4 apart unless said",
        f"- clustering: `npae.metrics.v_measure_curve(..., method=\"gmm\", n_init=2)` "
        f"(full-covariance EM), k in {ks.start}..{ks.stop - 1}, V-measure against the labels",
        f"- seeds: {n_seeds} (model and clustering seed s = 0..{n_seeds - 1}); a cell is the "
        "mean over seeds (min–max), [the maximising k of each seed]",
        machine_line(args.t_start), "",
        "| # | varies | model | n train | best V, training codes [k] | best V, held-out codes [k] "
        "| V at k = 10, train / held-out | paper best V (k) | fit (s) |",
        "|---|---|---|---|---|---|---|---|---|"]


if __name__ == "__main__":
    sys.exit(main())
