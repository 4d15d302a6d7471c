"""Which digit classes the 2-D VAE manifold shows (Kingma & Welling 2013, Fig. 4).

The tutorial ``tutorials/variational.py`` decodes a 15 × 15 grid of prior
quantiles z = (Φ⁻¹(u1), Φ⁻¹(u2)), u in [0.05, 0.95], of a VAE with a 2-D code.
Kingma & Welling's Fig. 4 shows every digit class on such a grid.  This
script measures, for several training settings, how many classes the grid
shows: each decoded image is labelled by a logistic regression trained on
the training digits' pixels (scikit-learn; 88 % held-out accuracy on real
digits), and a class counts as shown when at least 3 of the 225 cells
carry it.  Also reported: the held-out ELBO, and the number of classes
whose held-out posterior means have their median inside the grid's square.

Settings varied one at a time from the tutorial's full run (784-256-2 tanh,
Bernoulli on grey levels, Adam 1e-3, batch 100, 30 epochs, 6,000 digits):
epochs (100), dynamic binarisation, the hidden width (500, Kingma & Welling's
MNIST size), the learning rate (3e-3).

    python benchmarks/vae_manifold.py --md benchmarks/results/vae_manifold.md
    python benchmarks/vae_manifold.py --quick
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy.stats import norm

import npae

from _common import (benchmark_parser, finish, load_benchmark_data, machine_line,
                     parse_benchmark_args)


def main(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument("--only", type=int, nargs="+", default=None,
                        help="run only these rows (0-based indices of the settings)")
    args = parse_benchmark_args(parser, argv, "vae_manifold.py")
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        print("scikit-learn is not installed: the class labels of decoded images need it")
        return 0
    Xtr, Xte, ytr, yte = load_benchmark_data("digits")
    base = dict(latent_dim=2, hidden=(256,), epochs=30, batch_size=100, random_state=0)
    runs = [("tutorial (30 epochs)", {}), ("100 epochs", {"epochs": 100}),
            ("binarised, 30 epochs", {"binarize": True}),
            ("binarised, 100 epochs", {"binarize": True, "epochs": 100}),
            ("hidden 500, 30 epochs", {"hidden": (500,)}),
            ("learning rate 3e-3, 30 epochs", {"learning_rate": 3e-3}),
            ("learning rate 3e-3, 100 epochs", {"learning_rate": 3e-3, "epochs": 100})]
    if args.quick:
        Xtr, ytr, Xte, yte = Xtr[:600], ytr[:600], Xte[:200], yte[:200]
        base.update(hidden=(16,), epochs=1)
        runs = runs[:2]
        runs[1] = ("2 epochs", {"epochs": 2})
    if args.only is not None:
        runs = [runs[i] for i in args.only]
    clf = LogisticRegression(max_iter=300).fit(Xtr, ytr)
    acc = float(np.mean(clf.predict(Xte) == yte))
    g = norm.ppf(np.linspace(0.05, 0.95, 15))
    Z1, Z2 = np.meshgrid(g, g)
    grid_z = np.column_stack([Z1.ravel(), Z2.ravel()])
    rows = []
    for name, extra in runs:
        t0 = time.perf_counter()
        vae = npae.VariationalAutoencoder(**{**base, **extra}).fit(Xtr)
        labels = clf.predict(vae.inverse_transform(grid_z))
        counts = np.bincount(labels, minlength=10)
        shown = [c for c in range(10) if counts[c] >= 3]
        Z = vae.transform(Xte)
        inside = [c for c in range(10)
                  if np.all(np.abs(np.median(Z[yte == c], axis=0)) <= g[-1])]
        elbo = float(vae.elbo(Xte, n_samples=5, rng=0).mean())
        rows.append((name, len(shown), shown, counts.tolist(), len(inside), elbo,
                     time.perf_counter() - t0))
        print(rows[-1], flush=True)
    lines = ["# The 2-D VAE manifold: which digit classes the decoded grid shows", "",
             f"Command: `{args.command}`", "",
             f"- data: bundled digits, {len(Xtr):,} train / {len(Xte):,} held out "
             "(train_test_split rng=0)",
             f"- grid: 15 × 15 prior quantiles, u in [0.05, 0.95] (the tutorial's); decoded "
             f"means labelled by a logistic regression on pixels (held-out accuracy "
             f"{acc:.3f}); a class is shown when it labels ≥ 3 cells",
             f"- base VAE: {base}; one setting changed per row",
             machine_line(args.t_start), "",
             "| setting | classes shown | which | cells per class 0..9 | classes with median "
             "code inside the grid | held-out ELBO | time (s) |",
             "|---|---|---|---|---|---|---|"]
    for name, n, shown, counts, inside, elbo, sec in rows:
        lines.append(f"| {name} | {n} | {shown} | {counts} | {inside} | {elbo:.2f} | {sec:.0f} |")
    finish("\n".join(lines) + "\n", args.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
