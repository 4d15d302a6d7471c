"""Student-t vs Gaussian VAE decoder: robustness of the density estimate to outliers.

Takahashi et al. (2018) inject outliers into the training data and show that
the Student-t VAE's density estimate of clean held-out data degrades far less
than the Gaussian VAE's.  Here: the bundled digits (6,000 training / 2,000
held out), a fraction p of the training rows replaced by uniform-noise
images, p in {0, 0.05, 0.1, 0.2}; the same VAE (784-256-10 tanh, learned
per-feature scale with the floor ξ = 1e-3, Adam 1e-3, batch 100) with a
Gaussian or a Student-t decoder (ν learned per feature, starting at 5).
Reported: the importance-weighted log p(x) (K = 50) of the first 500 clean
held-out digits, in nats per image, and its drop from p = 0.

    python benchmarks/vae_student_t.py --md benchmarks/results/vae_student_t.md
    python benchmarks/vae_student_t.py --quick
"""

from __future__ import annotations

import sys
import time

import numpy as np

import npae

from _common import (benchmark_parser, finish, load_benchmark_data, machine_line,
                     parse_benchmark_args)


def main(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument("--epochs", type=int, default=20)
    args = parse_benchmark_args(parser, argv, "vae_student_t.py")
    fractions, hidden, n_eval = (0.0, 0.05, 0.1, 0.2), (256,), 500
    if args.quick:
        fractions, hidden, n_eval, args.epochs = (0.0, 0.1), (16,), 50, 1
    Xtr, Xte, _, _ = load_benchmark_data("digits", *((500, 100) if args.quick else (None, None)))
    rows = {}
    for p in fractions:
        rng = np.random.default_rng(1)
        Xp = Xtr.copy()
        idx = rng.choice(len(Xp), int(round(p * len(Xp))), replace=False)
        Xp[idx] = rng.random((len(idx), Xp.shape[1]))  # outliers: uniform noise images
        for lik in ("gaussian", "student_t"):
            t0 = time.perf_counter()
            vae = npae.VariationalAutoencoder(latent_dim=10, hidden=hidden, likelihood=lik,
                                              decoder_var="learned", sigma=0.3,
                                              epochs=args.epochs, batch_size=100,
                                              random_state=0).fit(Xp)
            ll = float(vae.log_likelihood(Xte[:n_eval], n_samples=50, rng=0).mean())
            rows[lik, p] = (ll, time.perf_counter() - t0)
            print(f"{lik}, outlier fraction {p}: log p(x) {ll:.1f} ({rows[lik, p][1]:.1f} s)",
                  flush=True)
    lines = ["# Student-t vs Gaussian VAE decoder under injected outliers", "",
             f"Command: `{args.command}`", "",
             f"- data: bundled digits, {len(Xtr):,} train / first {n_eval} of {len(Xte):,} "
             "held out (clean); a fraction p of the training rows replaced by U[0, 1] noise",
             f"- VAE 784-{'-'.join(map(str, hidden))}-10 tanh, learned per-feature scale "
             f"(initial σ = 0.3, floor ξ = 1e-3), Adam 1e-3, batch 100, {args.epochs} epochs, "
             "seed 0; Student-t: ν learned per feature from 5",
             "- measure: log p(x) of the clean held-out digits, importance sampling K = 50 "
             "(nats per image; a density on [0, 1]^784, so positive)",
             machine_line(args.t_start), "",
             "| outlier fraction p | Gaussian log p(x) | drop from p = 0 | Student-t log p(x) "
             "| drop from p = 0 |", "|---|---|---|---|---|"]
    for p in fractions:
        g, s = rows["gaussian", p][0], rows["student_t", p][0]
        lines.append(f"| {p:.2f} | {g:.1f} | {rows['gaussian', 0.0][0] - g:.1f} | {s:.1f} "
                     f"| {rows['student_t', 0.0][0] - s:.1f} |")
    finish("\n".join(lines) + "\n", args.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
