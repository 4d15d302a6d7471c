"""Convolutional vs dense autoencoders, and Conv-WTA vs FC-WTA vs k-sparse features.

Two comparisons on the bundled digits (6,000 training / 2,000 held out) or a
stated subset of Fashion-MNIST (``--data fashion-mnist``: the first
``--n-train`` training and ``--n-test`` test images of the Debian package):

1. **Equal parameters and code size** (Masci et al. 2011 vs a dense
   autoencoder): a convolutional autoencoder, 3 × 3 kernels (padding 1),
   ReLU, 2 × 2 max-pooling, filters 32-80-8 (28 → 14 → 7 → 3: a linear code
   of 8 × 3 × 3 = 72), decoder through the switches; against a dense
   autoencoder 784-72 with tied weights and a linear code (the smallest dense
   autoencoder with a 72-unit code; the parameter counts are printed beside).
   Both Bernoulli cross-entropy, Adam 1e-3, batch 128, float32.  Held-out
   squared error per image (sum over the 784 pixels) of ``reconstruct`` — for
   the convolutional model *through the encoder's pooling switches*, which
   carry information beyond the 72 code values (a 2-bit position for each of
   32·14·14 + 80·7·7 + 8·3·3 pooled values) — and of
   ``inverse_transform(transform(X))``, from the 72 values alone (each
   unpooled to the top-left of its window): only the latter is a comparison
   at equal code size.  And the test error of a logistic regression on the codes.
2. **Sparse features** (Makhzani & Frey's protocol: features frozen, a linear
   classifier on them): FC-WTA 784-1000 with 5 % lifetime sparsity; k-sparse
   784-1000 tied, k = 25, αk = 75 features; Conv-WTA, 64 maps of 7 × 7
   (padding 3, no pooling), spatial + 5 % lifetime sparsity, decoder the
   transposed convolution; its features are the ReLU maps max-pooled over
   7 × 7 windows (64 × 4 × 4 = 1,024; the paper too classifies max-pooled
   maps).  Squared error, Adam 1e-3, batch 128.  Raw pixels as the baseline.
   The WTA models reconstruct with their fitted per-unit thresholds (the
   lifetime rule is a minibatch statistic; see :mod:`npae.families.wta`).
   The classifier is ``LogisticRegression`` on standardised features, as in
   ``ksparse_classify.py`` (whose helper this script uses).

The learned filters are written as figures beside the table.  The WTA
paper's own MNIST error rates are not in the literature folder this project
reads, so none are quoted here.

    python benchmarks/conv_wta.py --md benchmarks/results/conv_wta_digits.md
    python benchmarks/conv_wta.py --data fashion-mnist --md benchmarks/results/conv_wta_fashion.md
    python benchmarks/conv_wta.py --quick
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

import npae
from npae.nn import batch as batch_ops
from npae.nn.conv import max_pool

from _common import (benchmark_parser, finish, load_benchmark_data, machine_line, markdown_table,
                     parse_benchmark_args)
from ksparse_classify import logistic_error

FIT = dict(optimizer="adam", learning_rate=1e-3, batch_size=128, dtype="float32",
           random_state=0)


def n_params(model):
    return int(sum(v.size for v in model.params_.values()))


def pooled_maps(model, X, window=7):
    """Conv-WTA features: the encoder's dense ReLU maps, max-pooled over window × window."""
    out = []
    for s in range(0, len(X), 500):
        H = model.encoder_.forward(model.params_, model._images(X[s:s + 500]), batch_ops)[0]
        out.append(max_pool(H, (window, window), batch_ops)[0].reshape(len(H), -1))
    return np.concatenate(out)


def evaluate(label, model, Xtr, ytr, Xte, yte, features, max_iter, seconds):
    rec = float(model.reconstruction_error(Xte).mean()) * Xte.shape[1]
    from_codes = model.inverse_transform(model.transform(Xte))
    rec_codes = float(np.sum((from_codes - Xte) ** 2) / len(Xte))
    Ftr, Fte = features(model, Xtr), features(model, Xte)
    err = logistic_error(Ftr, ytr, Fte, yte, max_iter)
    dead = model.history_.get("dead_fraction", ["–"])[-1]
    dead = dead if isinstance(dead, str) else f"{dead:.3f}"
    return [label, f"{n_params(model):,}", f"{Ftr.shape[1]:,}", f"{rec:.2f}", f"{rec_codes:.2f}",
            f"{err:.2f}", dead, f"{seconds:.0f}"]


def timed_fit(model, X):
    t0 = time.perf_counter()
    model.fit(X)
    return model, time.perf_counter() - t0


def main(argv=None):
    parser = benchmark_parser(__doc__, data=True)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--n-train", type=int, default=6000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--figures", default="benchmarks/results",
                        help="folder for the filter figures")
    args = parse_benchmark_args(parser, argv, "conv_wta.py")
    if args.quick:
        args.epochs, args.n_train, args.n_test = 1, 512, 256
    Xtr, Xte, ytr, yte = load_benchmark_data(args.data, args.n_train, args.n_test,
                                             dtype="float32")
    max_iter = 100 if args.quick else 1000
    codes = lambda m, X: m.transform(X)  # noqa: E731
    small = args.quick

    # 1. convolutional vs dense at equal parameters and code size
    conv = npae.ConvolutionalAutoencoder(
        filters=(4, 8, 8) if small else (32, 80, 8), kernel_size=3, padding=1, pool=2,
        activation="relu", code_activation="identity", loss="bce", epochs=args.epochs, **FIT)
    dense = npae.Autoencoder(hidden=(), latent_dim=72, tied=True, code_activation="identity", loss="bce",
                             epochs=args.epochs, **FIT)
    rows1 = [["raw pixels", "–", "784", "–", "–",
              f"{logistic_error(Xtr, ytr, Xte, yte, max_iter):.2f}", "–", "–"]]
    conv, t_conv = timed_fit(conv, Xtr)
    label = "convolutional {}, code {}".format("-".join(map(str, conv.filters)),
                                               "×".join(map(str, conv.code_shape_)))
    rows1.append(evaluate(label, conv, Xtr, ytr, Xte, yte, codes, max_iter, t_conv))
    dense, t_dense = timed_fit(dense, Xtr)
    rows1.append(evaluate("dense 784-72 tied", dense, Xtr, ytr, Xte, yte, codes, max_iter,
                          t_dense))

    # 2. sparse features: Conv-WTA, FC-WTA, k-sparse
    fc = npae.WinnerTakeAllAutoencoder(hidden=(), latent_dim=100 if small else 1000, sparsity=0.05,
                                       epochs=args.epochs, **FIT)
    ks = npae.KSparseAutoencoder(hidden=(), latent_dim=100 if small else 1000, k=10 if small else 25,
                                 transform_k_factor=3.0, tied=True, epochs=args.epochs, **FIT)
    cw = npae.ConvolutionalWTAAutoencoder(filters=(8 if small else 64,), kernel_size=7,
                                          padding=3, sparsity=0.05, epochs=args.epochs, **FIT)
    rows2 = [rows1[0]]
    for label, model, feats in (
            (f"FC-WTA 784-{fc.latent_dim}, 5 % lifetime", fc, codes),
            (f"k-sparse 784-{ks.latent_dim} tied, k = {ks.k}, αk = {3 * ks.k}", ks, codes),
            (f"Conv-WTA {cw.filters[0]} @ 7×7, 5 % lifetime; pooled maps", cw, pooled_maps)):
        model, seconds = timed_fit(model, Xtr)
        rows2.append(evaluate(label, model, Xtr, ytr, Xte, yte, feats, max_iter, seconds))

    figs = []
    if not args.quick:
        from npae import plot

        os.makedirs(args.figures, exist_ok=True)
        for name, images, shape, title in (
                ("conv_layer1", conv.params_["encoder.0.W"].reshape(conv.filters[0], -1), (3, 3),
                 "convolutional AE: first-layer kernels"),
                ("fcwta", fc.params_["decoder.0.W"][:100], (28, 28),
                 "FC-WTA: decoder rows of 100 units"),
                ("convwta", cw.params_["decoder.0.W"].reshape(cw.filters[0], -1), (7, 7),
                 "Conv-WTA: decoder kernels")):
            path = os.path.join(args.figures, f"conv_wta_{args.data}_{name}.png")
            plot.image_tiles(images, image_shape=shape, title=title, path=path)
            figs.append(path)

    source = (f"bundled MNIST digits, {len(Xtr):,} train / {len(Xte):,} held out"
              if args.data == "digits" else
              f"Fashion-MNIST subset: the first {len(Xtr):,} train / {len(Xte):,} test images")
    headers = ["model", "parameters", "features", "held-out squared error / image",
               "the same, from the codes alone",
               "logistic regression test error (%)", "dead units (last epoch)", "fit (s)"]
    lines = [f"- command: `{args.command}`", f"- data: {source}; {args.epochs} epochs, float32",
             machine_line(), "", "## 1. Convolutional vs dense, equal code size (72)", ""]
    lines += markdown_table(headers, rows1)
    lines += ["", "## 2. Sparse features: Conv-WTA vs FC-WTA vs k-sparse", ""]
    lines += markdown_table(headers, rows2)
    if figs:
        lines += ["", "Filters: " + ", ".join(f"`{p}`" for p in figs)]
    lines += ["", machine_line(args.t_start)]
    finish(f"# Convolutional and winner-take-all autoencoders ({args.data})\n\n"
           + "\n".join(lines) + "\n", args.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
