"""Denoising and super-resolution: dense autoencoders against classical filters and interpolation.

Data: Fashion-MNIST — models fitted on the first ``--n-train`` training images, each
classical method's parameter chosen by mean PSNR on the next 1,000 training images
(the validation images, corrupted with their own seed), everything reported on the first
``--n-test`` test images; the bundled digits in ``--quick`` mode.

Denoising (5 corruptions: Gaussian σ = 0.1, 0.2, 0.3 added to [0, 1] pixels without
clipping; salt-and-pepper on 10 % and 30 % of the pixels, set to 0 or 1):

- ``noisy input``: the corrupted image itself;
- ``Gaussian filter``: ``scipy.ndimage.gaussian_filter``, σ_f from 0.5–2.0 on validation;
- ``median filter``: ``scipy.ndimage.median_filter``, window 2–5 on validation;
- ``PCA projection``: onto the first k principal components of the clean training images,
  k from 10–160 on validation;
- ``denoising AE``: :class:`npae.DenoisingAutoencoder` 784-512-256-512-784 (tanh, linear
  code, sigmoid output with cross-entropy), trained with the same corruption as the test
  (Vincent et al. 2010), Adam 1e-3, batch 64, ``--epochs`` epochs, float32.

Super-resolution (14×14 → 28×28 and 7×7 → 28×28; the low-resolution image is the mean of
each 2×2 or 4×4 block): ``scipy.ndimage.zoom`` with orders 0, 1, 3 (nearest, bilinear,
bicubic; ``grid_mode=True`` so pixels are areas) against :class:`npae.imaging.upsampler.MLPUpsampler`
(n_in-512-784, tanh, cross-entropy, the same training settings).

Every estimate is clipped to [0, 1] before PSNR and SSIM (:mod:`npae.metrics.image`;
SSIM with an 11×11 Gaussian window, σ = 1.5, as Wang et al. 2004).

    python benchmarks/images_restore.py --md benchmarks/results/images_restore.md   # ~15 min
    python benchmarks/images_restore.py --quick
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy import ndimage

import npae
from npae.imaging.upsampler import MLPUpsampler
from npae.terms.noise import gaussian, salt_and_pepper

from _common import (benchmark_parser, finish, load_benchmark_data, machine_line, markdown_table,
                     parse_benchmark_args, quality)

CORRUPTIONS = (("gaussian", 0.1), ("gaussian", 0.2), ("gaussian", 0.3),
               ("salt_and_pepper", 0.1), ("salt_and_pepper", 0.3))
GAUSS_SIGMAS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
MEDIAN_SIZES = (2, 3, 4, 5)
PCA_KS = (10, 20, 40, 80, 160)
SHAPE = (28, 28)


def corrupt(X, kind, level, seed):
    rng = np.random.default_rng(seed)
    return gaussian(X, level, rng) if kind == "gaussian" else salt_and_pepper(X, level, rng, 0.0, 1.0)


def images(X):
    return X.reshape(-1, *SHAPE)


def classical(X_noisy, method, param, pca):
    """One classical denoiser on rows (n, 784) -> (n, 784)."""
    if method == "Gaussian filter":
        return ndimage.gaussian_filter(images(X_noisy), sigma=(0, param, param)).reshape(X_noisy.shape)
    if method == "median filter":
        return ndimage.median_filter(images(X_noisy), size=(1, param, param)).reshape(X_noisy.shape)
    V = pca.components_[:param]  # (k, 784)
    return pca.mean_ + ((X_noisy - pca.mean_) @ V.T) @ V  # (n, 784) @ (784, k) @ (k, 784)


def choose(X_val, X_val_noisy, method, grid, pca):
    """The grid value with the best mean PSNR on the validation images."""
    scores = [quality(X_val, classical(X_val_noisy, method, p, pca))[0] for p in grid]
    return grid[int(np.argmax(scores))]


def denoising(X_tr, X_val, X_te, args):
    pca = npae.PCA(n_components=max(PCA_KS)).fit(X_tr)
    rows = []
    for kind, level in CORRUPTIONS:
        name = f"Gaussian σ = {level}" if kind == "gaussian" else f"salt-and-pepper {level:.0%}"
        Xv, Xt = corrupt(X_val, kind, level, 1), corrupt(X_te, kind, level, 2)
        res = {"noisy input": ("—", *quality(X_te, Xt))}
        for method, grid in (("Gaussian filter", GAUSS_SIGMAS), ("median filter", MEDIAN_SIZES),
                             ("PCA projection", PCA_KS)):
            p = choose(X_val, Xv, method, grid, pca)
            res[method] = (p, *quality(X_te, classical(Xt, method, p, pca)))
        t = time.perf_counter()
        dae = npae.DenoisingAutoencoder(hidden=(512,), latent_dim=256, activation="tanh", code_activation="identity",
                                        loss="bce", noise=kind, corruption_level=level, epochs=args.epochs,
                                        learning_rate=1e-3, batch_size=64, random_state=0,
                                        dtype="float32").fit(X_tr)
        res["denoising AE"] = (f"{args.epochs} epochs", *quality(X_te, dae.reconstruct(Xt)))
        print(f"{name}: DAE {time.perf_counter() - t:.0f} s; " +
              ", ".join(f"{m} {v[1]:.2f}" for m, v in res.items()), file=sys.stderr, flush=True)
        rows.append((name, res))
    return rows


def downsample(X, f):
    """Block means: (n, 784) -> (n, (28/f)²)."""
    n, s = X.shape[0], SHAPE[0] // f
    return images(X).reshape(n, s, f, s, f).mean(axis=(2, 4)).reshape(n, s * s)


def super_resolution(X_tr, X_te, args):
    rows = []
    for f in (2, 4):
        s = SHAPE[0] // f
        lo_te = downsample(X_te, f)
        res = {}
        for name, order in (("nearest", 0), ("bilinear", 1), ("bicubic", 3)):
            up = ndimage.zoom(lo_te.reshape(-1, s, s), (1, f, f), order=order, grid_mode=True,
                              mode="nearest").reshape(X_te.shape)
            res[name] = quality(X_te, up)
        t = time.perf_counter()
        model = MLPUpsampler(hidden=(512,), epochs=args.epochs, random_state=0).fit(downsample(X_tr, f), X_tr)
        res["AE-style upsampler (MLP)"] = quality(X_te, model.predict(lo_te))
        print(f"{s}→28: upsampler {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
        rows.append((f"{s}×{s} → 28×28", res))
    return rows


def verdict(res, key_index):
    best = max(res, key=lambda m: res[m][key_index])
    return best


def main(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument("--n-train", type=int, default=20000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=10)
    args = parse_benchmark_args(parser, argv, "images_restore.py")
    if args.quick:
        X, X_te, _, _ = load_benchmark_data("digits", 1200, 200, dtype="float32")
        X_tr, X_val, args.epochs, data = X[:1000], X[1000:1200], 1, "bundled digits (quick mode)"
    else:
        X, X_te, _, _ = load_benchmark_data("fashion", args.n_train + 1000, args.n_test, dtype="float32")
        X_tr, X_val, data = X[:args.n_train], X[args.n_train:], "Fashion-MNIST"
    X_tr, X_val, X_te = (np.asarray(a, dtype=np.float64) for a in (X_tr, X_val, X_te))
    den = denoising(X_tr, X_val, X_te, args)
    sr = super_resolution(X_tr, X_te, args)
    lines = ["# Denoising and super-resolution: autoencoders vs filters, PCA and interpolation", "",
             f"Command: `{args.command}`", "",
             f"- data: {data}; {len(X_tr):,} training, {len(X_val):,} validation (parameter choice), "
             f"{len(X_te):,} test images; every estimate clipped to [0, 1]; mean PSNR (dB) / mean SSIM",
             machine_line(args.t_start), "", "## Denoising", ""]
    methods = list(den[0][1])
    table = [(name, *(f"{res[m][1]:.2f} / {res[m][2]:.3f}" for m in methods),
              ", ".join(f"{m.split()[0]}: {res[m][0]}" for m in ("Gaussian filter", "median filter",
                                                                 "PCA projection")))
             for name, res in den]
    lines += markdown_table(("corruption", *methods, "chosen on validation (σ_f, window, k)"), table)
    lines += [""] + [f"- {name}: best PSNR {verdict(res, 1)}, best SSIM {verdict(res, 2)}"
                     + ("" if verdict(res, 1) == "denoising AE" and verdict(res, 2) == "denoising AE"
                        else " — the denoising AE does NOT win on both") for name, res in den]
    lines += ["", "## Super-resolution", ""]
    sr_methods = list(sr[0][1])
    lines += markdown_table(("task", *sr_methods),
                            [(name, *(f"{res[m][0]:.2f} / {res[m][1]:.3f}" for m in sr_methods))
                             for name, res in sr])
    lines += [""] + [f"- {name}: best PSNR {verdict(res, 0)}, best SSIM {verdict(res, 1)}"
                     for name, res in sr]
    lines += ["", "The convolutional autoencoder (`npae.ConvolutionalAutoencoder`) is "
              "not run by this script: these tables compare the dense families. Its rows would "
              "belong beside 'denoising AE' and the upsampler."]
    lines += ["", "Papers: no published PSNR/SSIM for these settings on Fashion-MNIST was at hand (Vincent et al. 2010 report classification errors; Zeng et al. 2017 report on natural images), so these rows stand without a paper's number beside them."]
    finish("\n".join(lines) + "\n", args.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
