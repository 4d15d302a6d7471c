"""Hinton & Salakhutdinov's 784-1000-500-250-30: RBM-pretrained vs autoencoder-pretrained vs random.

Hinton & Salakhutdinov (2006, Fig. 2B) report, on MNIST with 30-D codes, a
squared error per test image of 3.00 for the deep autoencoder
784-1000-500-250-30 pretrained with a stack of RBMs, 8.01 for logistic PCA and
13.87 for PCA.  Their budget: each RBM 50 epochs (CD-1, minibatches of 100,
ε = 0.1, 0.001 for the top layer's linear-Gaussian units, momentum 0.5 then
0.9, weight decay 2e-4), then 200 epochs of conjugate-gradient fine-tuning of
the unrolled network on minibatches of 1,000 (their Matlab code: ``maxepoch``
of ``backprop.m``).

Here the same network (logistic hidden units, a linear 30-D code, a sigmoid
output and the Bernoulli cross-entropy, as the paper) is trained four ways:

- ``PCA-30``: :class:`npae.PCA` with 30 components (float64);
- ``RBM-pretrained``: :func:`npae.pretrain_stack` with ``family="rbm"`` (the
  RBMs with the paper's settings, ``--pretrain-epochs`` each, except the top
  layer's ε, ``--rbm-top-lr``: at the paper's 0.001 and our 10-100× fewer
  updates it barely leaves its start), then
  ``--finetune-epochs`` of Adam on the unrolled network;
- ``AE-pretrained``: the same with shallow autoencoders (Adam, ``--pretrain-epochs``
  each; Bengio et al. 2006);
- ``random init``: the deep autoencoder from a Glorot start, ``--finetune-epochs``
  of Adam (the same fine-tuning, no pretraining).

Metric: squared error summed over the 784 pixels, mean over the held-out images.

    python benchmarks/rbm_pretraining.py --md benchmarks/results/rbm_pretraining.md
    python benchmarks/rbm_pretraining.py --data fashion-mnist --md benchmarks/results/rbm_pretraining_fashion.md
    python benchmarks/rbm_pretraining.py --quick
"""

from __future__ import annotations

import sys
import time

import numpy as np

import npae

from _common import (benchmark_parser, finish, load_benchmark_data, machine_line,
                     parse_benchmark_args)

HIDDEN = (1000, 500, 250, 30)
NET = dict(activation="sigmoid", code_activation="identity", loss="bce", dtype="float32")
#: Hinton & Salakhutdinov (2006), MNIST, 60,000 training / 10,000 test images
PAPER = {"PCA-30": 13.87, "logistic PCA": 8.01, "RBM-pretrained": 3.00}


def per_image(X, X_hat):
    return float(np.mean(np.sum((X - X_hat) ** 2, axis=1)))


def unrolled(ae, X):
    """The deep autoencoder as it was before fine-tuning."""
    before = npae.Autoencoder(hidden=ae.hidden, latent_dim=ae.latent_dim, **NET).initialize(X[:2])
    before._flat.assign(ae.pretraining_["params"])
    return before


def run(data, n_train, n_test, pretrain_epochs, finetune_epochs, hidden, lr, top_lr, seed):
    Xtr, Xte, _, _ = load_benchmark_data(data, n_train, n_test, seed, dtype="float32")
    rows = []
    t = time.perf_counter()
    pca = npae.PCA(hidden[-1]).fit(Xtr.astype(np.float64))
    rows.append(("PCA-30", "—", "—", "—", per_image(Xte, pca.reconstruct(Xte.astype(np.float64))),
                 time.perf_counter() - t, PAPER["PCA-30"]))
    fine = dict(learning_rate=lr, batch_size=100, **NET)
    # ε, momentum, weight decay: the RBM's defaults (the paper's), except the top layer's ε
    rbm_params = [{"batch_size": 100}] * (len(hidden) - 1) + [{"batch_size": 100,
                                                               "learning_rate": top_lr}]
    for name, family, params in (("RBM-pretrained", "rbm", rbm_params),
                                 ("AE-pretrained", "autoencoder", None)):
        t = time.perf_counter()
        ae = npae.pretrain_stack(Xtr, hidden[:-1], hidden[-1], family=family, layer_params=params,
                                 pretrain_epochs=pretrain_epochs, finetune_epochs=finetune_epochs,
                                 random_state=seed, **fine)
        rows.append((name, f"{len(hidden)} × {pretrain_epochs}", finetune_epochs,
                     per_image(Xte, unrolled(ae, Xtr).reconstruct(Xte)),
                     per_image(Xte, ae.reconstruct(Xte)), time.perf_counter() - t,
                     PAPER.get(name, "—")))
        print(name, rows[-1][3:6], f"pretraining {ae.pretraining_['seconds']:.0f} s",
              file=sys.stderr, flush=True)
    t = time.perf_counter()
    ae = npae.Autoencoder(hidden=hidden[:-1], latent_dim=hidden[-1], epochs=finetune_epochs, random_state=seed, **fine).fit(Xtr)
    rows.append(("random init", "—", finetune_epochs, "—", per_image(Xte, ae.reconstruct(Xte)),
                 time.perf_counter() - t, "—"))
    rows.append(("logistic PCA", "—", "—", "—", "not run", "—", PAPER["logistic PCA"]))
    return rows, len(Xtr), len(Xte)


def main(argv=None):
    parser = benchmark_parser(__doc__, data=True)
    parser.add_argument("--n-train", type=int, default=None, help="keep the first rows")
    parser.add_argument("--n-test", type=int, default=None)
    parser.add_argument("--pretrain-epochs", type=int, default=10, help="per layer")
    parser.add_argument("--finetune-epochs", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="Adam, fine-tuning")
    parser.add_argument("--rbm-top-lr", type=float, default=0.01,
                        help="ε of the top RBM (Gaussian code units; the paper's 0.001 is for "
                             "50 epochs of 600 minibatches)")
    parser.add_argument("--seed", type=int, default=0)
    args = parse_benchmark_args(parser, argv, "rbm_pretraining.py")
    hidden = HIDDEN
    if args.quick:
        args.n_train, args.n_test = 500, 200
        args.pretrain_epochs, args.finetune_epochs, hidden = 1, 1, (64, 32, 16, 30)
    rows, n_tr, n_te = run(args.data, args.n_train, args.n_test, args.pretrain_epochs,
                           args.finetune_epochs, hidden, args.learning_rate, args.rbm_top_lr,
                           args.seed)
    net = "-".join(map(str, (784, *hidden)))
    lines = [f"# {net}: RBM-pretrained, AE-pretrained and random deep autoencoders ({args.data})",
             "", f"Command: `{args.command}`", "",
             f"- data: {args.data}, {n_tr:,} training / {n_te:,} held-out images",
             f"- network {net}-…-784: logistic hidden units, linear code, sigmoid output, "
             "Bernoulli cross-entropy, float32, seed " + str(args.seed),
             f"- pretraining, per layer: {args.pretrain_epochs} epochs (RBMs: CD-1, batch 100, "
             f"ε 0.1 / {args.rbm_top_lr:g} for the Gaussian code layer (paper: 0.001, for 10-100× "
             "more updates), momentum 0.5 → 0.9 after 5 epochs, "
             "weight decay 2e-4; shallow AEs: Adam); fine-tuning: "
             f"{args.finetune_epochs} epochs of Adam (lr {args.learning_rate:g}, batch 100)",
             f"- paper's budget (MNIST, 60,000 images): 4 × 50 RBM epochs + 200 epochs of "
             "conjugate gradients; ours is "
             f"{len(hidden)} × {args.pretrain_epochs} + {args.finetune_epochs}",
             "- error: squared error summed over the 784 pixels, mean over held-out images; "
             "the paper's column is MNIST (another data set when --data fashion-mnist)",
             f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
             machine_line(args.t_start), "",
             "| method | pretraining epochs | fine-tuning epochs | held-out error before "
             "fine-tuning | held-out error | seconds | Hinton & Salakhutdinov 2006 (MNIST) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, pre, ft, before, err, sec, paper in rows:
        cells = [name, pre, ft] + [f"{v:.2f}" if isinstance(v, float) else v
                                   for v in (before, err)] + \
                [f"{sec:.1f}" if isinstance(sec, float) else sec,
                 f"{paper:.2f}" if isinstance(paper, float) else paper]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    finish("\n".join(lines) + "\n", args.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
