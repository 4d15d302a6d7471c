"""Semantic hashing against linear hashes: precision@100 and mAP of Hamming ranking.

For 16, 32 and 64 bits, binary codes of the held-out queries are ranked against
the codes of the training rows (the database) by Hamming distance, ties broken
by database order; a retrieved item is relevant when it has the query's class.
Methods:

- ``semantic hashing``: :class:`npae.SemanticHashingAutoencoder` 784-256-b
  (tanh hidden, sigmoid code with Gaussian noise ν = ``--noise`` before it in
  training, cross-entropy), codes thresholded at ½ (Salakhutdinov & Hinton 2009).
  ν = 2 is the family's default.  A probe on 2,250 training digits at 32 bits, 20
  epochs (precision@100): tanh hidden units ν = 0: 0.520, ν = 2: 0.559; sigmoid
  hidden units ν = 0: 0.569, 1: 0.550, 2: 0.506, 4: 0.450 — the noise saturates the
  codes (80-90 % of code values beyond 0.1/0.9 against ~50 % without) but does not
  always rank better;
- ``sigmoid AE, no noise``: the same network with ν = 0 (what the noise buys);
- ``ITQ``: PCA to b dimensions rotated by iterative quantisation (Gong & Lazebnik 2011);
- ``PCA signs``: signs of the b centred principal components;
- ``LSH``: signs of b random Gaussian projections of the centred data (Charikar 2002).

    python benchmarks/hashing.py                       # digits and Fashion-MNIST, ~6 min
    python benchmarks/hashing.py --datasets digits     # one data set
    python benchmarks/hashing.py --quick               # smoke test (seconds, digits only)
    python benchmarks/hashing.py --md benchmarks/results/hashing.md
"""

from __future__ import annotations

import argparse
import sys
import time

import npae
from npae.classical.hashing import fit_linear_hash
from npae.metrics import mean_average_precision, precision_at_k

from _common import load_benchmark_data, markdown_table, write_markdown

BITS = (16, 32, 64)


def hashers(X_tr, bits, epochs, noise, seed):
    """name -> (hash function, seconds to fit)."""
    out = {}
    for name, nu in (("semantic hashing", noise), ("sigmoid AE, no noise", 0.0)):
        t = time.perf_counter()
        m = npae.SemanticHashingAutoencoder(hidden=(256,), latent_dim=bits, activation="tanh", loss="bce",
                                            code_noise_std=nu, epochs=epochs, learning_rate=2e-3,
                                            batch_size=64, random_state=seed,
                                            dtype="float32").fit(X_tr)
        out[name] = (m.hash, time.perf_counter() - t)
    for name, method in (("ITQ", "itq"), ("PCA signs", "pca"), ("LSH", "lsh")):
        t = time.perf_counter()
        h = fit_linear_hash(X_tr, bits, method, rng=seed)
        out[name] = (h.hash, time.perf_counter() - t)
    return out


def run(datasets=("digits", "fashion"), quick=False, noise=2.0, seed=0):
    # quick: 10 epochs, the fewest at which neither network's codes are all alike on 600
    # rows (at 2 they were, and the quick figures could not show a change in training)
    n_train, n_test, epochs = (600, 100, 10) if quick else (6000, 1000, 20)
    bits_list = (16,) if quick else BITS
    res = {}
    for ds in datasets:
        X_tr, X_te, y_tr, y_te = load_benchmark_data(ds, n_train, n_test, seed)
        for bits in bits_list:
            for name, (fn, sec) in hashers(X_tr, bits, epochs, noise, seed).items():
                B_tr, B_te = fn(X_tr), fn(X_te)
                p = precision_at_k(B_te, y_te, B_tr, y_tr, k=100, metric="hamming")
                m = mean_average_precision(B_te, y_te, B_tr, y_tr)
                res[ds, bits, name] = (p, m, sec)
                print(f"{ds} {bits:3d} bits {name:22s} P@100 {p:.3f}  mAP {m:.3f}  ({sec:.1f} s)",
                      file=sys.stderr, flush=True)
    return {"res": res, "n_train": n_train, "n_test": n_test, "epochs": epochs, "noise": noise,
            "datasets": datasets, "bits": bits_list}


def format_lines(out):
    res = out["res"]
    lines = [f"Database: {out['n_train']} training rows; queries: {out['n_test']} held-out rows; "
             f"networks trained {out['epochs']} epochs, noise ν = {out['noise']}.", ""]
    names = list(dict.fromkeys(k[2] for k in res))
    for ds in out["datasets"]:
        lines += [f"**{ds}** (precision@100 / mAP; seconds to fit at {out['bits'][-1]} bits)", ""]
        rows = [(n, *(f"{res[ds, b, n][0]:.3f} / {res[ds, b, n][1]:.3f}" for b in out["bits"]),
                 f"{res[ds, out['bits'][-1], n][2]:.1f}") for n in names]
        lines += markdown_table(("method", *(f"{b} bits" for b in out["bits"]), "seconds"), rows)
        lines.append("")
    return lines + notes(out)


def notes(out):
    """What the tables say, computed from them (so a re-run cannot leave stale prose)."""
    res, bits = out["res"], out["bits"]
    lines = ["The seconds are wall times on a shared 2-core machine, useful only to compare rows.",
             ""]
    for ds in out["datasets"]:
        gain = [res[ds, b, "semantic hashing"][1] - res[ds, b, "sigmoid AE, no noise"][1]
                for b in bits]
        verdict = "beats" if min(gain) > 0 else "does not always beat"
        lines.append(f"- {ds}: semantic hashing {verdict} the same network trained without "
                     f"noise (mAP {' / '.join(f'{g:+.3f}' for g in gain)} at "
                     f"{' / '.join(map(str, bits))} bits).")
        for k, what in ((1, "mAP"), (0, "precision@100")):
            best = [max(("semantic hashing", "ITQ"), key=lambda n: res[ds, b, n][k]) for b in bits]
            lines.append(f"- {ds}, {what}: the better of semantic hashing and ITQ at "
                         f"{' / '.join(map(str, bits))} bits: {' / '.join(best)}.")
        pca = [res[ds, b, "PCA signs"][1] for b in bits]
        lines.append(f"- {ds}: PCA signs' mAP {' → '.join(f'{m:.3f}' for m in pca)} with more "
                     "bits" + (" (worse: the later principal directions carry little variance; "
                               "ITQ's rotation spreads it over the bits)"
                               if len(pca) > 1 and pca[-1] < pca[0] else "") + ".")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="600 rows, 16 bits, 10 epochs")
    parser.add_argument("--datasets", nargs="+", choices=("digits", "fashion"), default=None)
    parser.add_argument("--noise", type=float, default=2.0, help="ν of semantic hashing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--md", default=None, help="write the tables to this markdown file")
    args = parser.parse_args(argv)
    datasets = args.datasets or (("digits",) if args.quick else ("digits", "fashion"))
    out = run(tuple(datasets), args.quick, args.noise, args.seed)
    lines = format_lines(out)
    print("\n".join(lines))
    if args.md:
        cmd = "python benchmarks/hashing.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_markdown(args.md, "Semantic hashing vs linear hashes", cmd.strip(), lines)
    return out


if __name__ == "__main__":
    main()
