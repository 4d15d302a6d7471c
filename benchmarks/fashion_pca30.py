"""PCA-30 against 30-D autoencoders on full Fashion-MNIST (Hinton & Salakhutdinov's comparison).

Hinton & Salakhutdinov (2006, Fig. 2) compare, on MNIST with 30-D codes, PCA
(squared error per image 13.87), logistic PCA (8.01) and a pretrained deep
autoencoder 784-1000-500-250-30 (3.00).  Here, on Fashion-MNIST (60,000
training / 10,000 test images of the Debian package): PCA with 30 components,
a 784-30-784 autoencoder with a linear code and a sigmoid output trained with
the Bernoulli loss (the logistic-PCA-like model), and the deep
784-1000-500-250-30 autoencoder (ReLU hidden, linear code, sigmoid output,
Bernoulli loss, Adam from a Glorot start), each for ``--epochs`` /
``--deep-epochs`` epochs, and the same deep autoencoder after greedy
layer-wise pretraining (:func:`npae.pretrain_stack`: ``--pretrain-epochs``
epochs of each shallow autoencoder, then ``--deep-epochs`` of joint
fine-tuning; Hinton & Salakhutdinov pretrain with RBMs, here with shallow
autoencoders as in Bengio et al. 2006).  Metric: squared error summed over
the 784 pixels, mean over the test images.

    python benchmarks/fashion_pca30.py --md benchmarks/results/fashion_pca30.md
    python benchmarks/fashion_pca30.py --quick
"""

from __future__ import annotations

import sys
import time

import numpy as np

import npae
from npae.classical import PCA

from _common import (benchmark_parser, finish, load_benchmark_data, machine_line,
                     parse_benchmark_args)


def main(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--deep-epochs", type=int, default=3)
    parser.add_argument("--pretrain-epochs", type=int, default=2)
    args = parse_benchmark_args(parser, argv, "fashion_pca30.py")
    n_tr, n_te = (2000, 500) if args.quick else (None, None)
    Xtr, Xte, _, _ = load_benchmark_data("fashion-mnist", n_tr, n_te, dtype=np.float32)
    deep = (1000, 500, 250)
    if args.quick:
        args.epochs, args.deep_epochs, args.pretrain_epochs, deep = 1, 1, 1, (64, 32)
    rows = []

    def sse(Xhat):
        return float(np.mean(np.sum((Xte - Xhat) ** 2, axis=1)))

    t0 = time.perf_counter()
    pca = PCA(30).fit(Xtr.astype(np.float64))
    rows.append(("PCA, 30 components", sse(pca.inverse_transform(pca.transform(Xte))), "—",
                 time.perf_counter() - t0))
    for name, hidden, epochs in (("AE 784-30-784, sigmoid output", (30,), args.epochs),
                                 (f"deep AE 784-{'-'.join(map(str, deep))}-30", (*deep, 30),
                                  args.deep_epochs)):
        t0 = time.perf_counter()
        ae = npae.Autoencoder(hidden=hidden[:-1], latent_dim=hidden[-1], activation="relu", code_activation="identity",
                              loss="bce", epochs=epochs, dtype="float32",
                              random_state=0).fit(Xtr)
        rows.append((name, sse(ae.reconstruct(Xte)), epochs, time.perf_counter() - t0))
        print(rows[-1], flush=True)
    t0 = time.perf_counter()
    ae = npae.pretrain_stack(Xtr, deep, 30, activation="relu", code_activation="identity",
                             loss="bce", pretrain_epochs=args.pretrain_epochs,
                             finetune_epochs=args.deep_epochs, dtype="float32", random_state=0)
    before = npae.Autoencoder(hidden=(*deep,), latent_dim=30, activation="relu", code_activation="identity",
                              loss="bce", dtype="float32").initialize(Xtr)
    before._flat.assign(ae.pretraining_["params"])
    rows.append((f"deep AE, greedy pretraining ({len(deep) + 1} × {args.pretrain_epochs} shallow "
                 f"epochs), before fine-tuning", sse(before.reconstruct(Xte)), "—", float("nan")))
    rows.append((f"deep AE, greedy pretraining + fine-tuning",
                 sse(ae.reconstruct(Xte)), args.deep_epochs, time.perf_counter() - t0))
    print(rows[-2:], flush=True)
    lines = ["# PCA-30 vs 30-D autoencoders on Fashion-MNIST", "",
             f"Command: `{args.command}`", "",
             f"- data: Fashion-MNIST, {len(Xtr):,} train / {len(Xte):,} test (Debian package)",
             "- autoencoders: ReLU hidden, linear 30-D code, sigmoid output, Bernoulli loss, Adam "
             "1e-3, batch 128, float32, seed 0; pretraining: shallow ReLU autoencoders "
             "(the first with the Bernoulli loss, the others squared error on the codes), "
             "`npae.pretrain_stack`",
             "- metric: squared error summed over the 784 pixels, mean over the test images "
             "(Hinton & Salakhutdinov's; their MNIST figures: PCA 13.87, logistic PCA 8.01, "
             "pretrained deep AE 3.00 — another data set, quoted for scale only)",
             machine_line(args.t_start), "",
             "| method | test squared error / image | epochs | time (s) |", "|---|---|---|---|"]
    for name, err, ep, sec in rows:
        lines.append(f"| {name} | {err:.2f} | {ep} | {'—' if sec != sec else f'{sec:.0f}'} |")
    finish("\n".join(lines) + "\n", args.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
