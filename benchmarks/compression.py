"""Lossy compression: a rate–distortion autoencoder (Ballé et al. 2017) vs JPEG and quantised PCA.

Fashion-MNIST (28×28 grey): models fitted on the first ``--n-train`` training images,
every codec measured on the first ``--n-test`` test images, each image coded as its own
bit stream; bits per pixel (bpp) = 8 × bytes / 784; PSNR and SSIM of the decoded image
against the original (:mod:`npae.metrics.image`).

- ``RD-AE (λ)``: :class:`npae.imaging.rate_distortion.RateDistortionAutoencoder` 784-256-64-256-784
  (tanh, sigmoid output), one model per λ; the rounded latents written by the arithmetic
  coder of :mod:`npae.imaging.entropy_coding` with 16-bit frequency tables from the learned prior
  (alphabet per channel: the training codes' range ± 4; test codes outside it are clipped,
  and the count is reported).  Also the prior's own −log2 p(ŷ) (the bound the coder meets).
- ``JPEG q``: Pillow's baseline JPEG at quality q.  Two sizes: the whole file, and the
  entropy-coded scan alone (the bytes after the SOS header up to EOI) — the fair
  count, as the autoencoder's "header" (its network and tables) is shared by every image
  and not counted either; a JPEG file's quantisation and Huffman tables (~300 bytes here)
  could be shared the same way (JPEG's "abbreviated" streams).
- ``JPEG 2000``: Pillow's OpenJPEG at fixed compression ratios (3 resolution levels: the
  default 6 leave sub-pixel bands on 28×28 images), the whole codestream (its ~100-byte
  main header included: we do not strip it).
- ``PCA k, Δ``: the first k principal components of the training images, coefficients
  rounded to multiples of Δ and written by the same coder with per-component tables from
  the training images' histograms (+1 smoothing); the lowest-distortion point at each rate
  is kept (the Pareto front over the (k, Δ) grid).

    python benchmarks/compression.py --md benchmarks/results/compression.md   # ~10 min
    python benchmarks/compression.py --quick
"""

from __future__ import annotations

import io
import sys
import time

import numpy as np

import npae
from npae.imaging.entropy_coding import encode, frequency_table
from npae.imaging.rate_distortion import RateDistortionAutoencoder, clip_codes

from _common import (benchmark_parser, finish, load_benchmark_data, machine_line, markdown_table,
                     parse_benchmark_args, quality)

LAMS = (16.0, 64.0, 256.0, 1024.0)
JPEG_Q = (1, 5, 10, 20, 30, 50, 70, 90)
J2K_RATIOS = (8, 5, 4, 3, 2)
PCA_K = (4, 8, 16, 32, 64)
PCA_STEP = (0.25, 0.5, 1.0, 2.0)
PIXELS = 784


def code_rows(Q, lows, freq):
    """Bytes of each row's own stream: (n,)."""
    return np.array([len(encode([int(q - lo) for q, lo in zip(row, lows)], freq)) for row in Q])


def rd_autoencoder(X_tr, X_te, lam, args):
    t = time.perf_counter()
    m = RateDistortionAutoencoder(hidden=(256,), latent_dim=64, lam=lam, epochs=args.epochs, batch_size=64,
                                  learning_rate=1e-3, random_state=0, dtype="float32").fit(X_tr)
    tables = m.code_tables(m.quantize(X_tr))
    Q, n_clipped = clip_codes(m.quantize(X_te), tables)
    nbytes = code_rows(Q, [lo for lo, _ in tables], [frequency_table(p) for _, p in tables])
    bound = float(np.mean(m.bits_estimate(Q))) / PIXELS
    print(f"RD-AE λ={lam}: {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    return (8 * nbytes.mean() / PIXELS, *quality(X_te, m.dequantize(Q)), bound, n_clipped)


def scan_bytes(jpeg):
    """Bytes of the entropy-coded scan: after the SOS segment's header, up to the EOI marker."""
    sos = jpeg.index(b"\xff\xda")
    header = int.from_bytes(jpeg[sos + 2:sos + 4], "big")
    return jpeg.rindex(b"\xff\xd9") - (sos + 2 + header)


def pillow_codec(X_te, fmt, **options):
    from PIL import Image

    sizes, scans, out = [], [], []
    for x in X_te:
        buf = io.BytesIO()
        Image.fromarray(np.rint(255 * x).astype(np.uint8).reshape(28, 28), mode="L").save(
            buf, format=fmt, **options)
        data = buf.getvalue()
        sizes.append(len(data))
        scans.append(scan_bytes(data) if fmt == "JPEG" else len(data))
        out.append(np.asarray(Image.open(io.BytesIO(data)), dtype=np.float64).ravel() / 255.0)
    return 8 * np.mean(sizes) / PIXELS, 8 * np.mean(scans) / PIXELS, *quality(X_te, np.array(out))


def pca_codec(X_tr, X_te):
    pca = npae.PCA(n_components=max(PCA_K)).fit(X_tr)
    C_tr, C_te = ((X - pca.mean_) @ pca.components_.T for X in (X_tr, X_te))  # (n, 784) @ (784, K)
    points = []
    for k in PCA_K:
        for step in PCA_STEP:
            Qtr, Qte = np.rint(C_tr[:, :k] / step).astype(np.int64), np.rint(C_te[:, :k] / step).astype(np.int64)
            lows, freq = [], []
            for c in range(k):
                lo, hi = Qtr[:, c].min() - 4, Qtr[:, c].max() + 4
                lows.append(int(lo))
                freq.append(frequency_table(np.bincount(Qtr[:, c] - lo, minlength=hi - lo + 1) + 1.0))
            hi_all = np.array(lows) + np.array([f.size - 2 for f in freq])
            Qc = np.clip(Qte, lows, hi_all)
            nbytes = code_rows(Qc, lows, freq)
            X_hat = pca.mean_ + (Qc * step) @ pca.components_[:k]  # (n, k) @ (k, 784)
            points.append((8 * nbytes.mean() / PIXELS, *quality(X_te, X_hat), f"k = {k}, Δ = {step}"))
    points.sort()
    front, best = [], -np.inf
    for p in points:  # keep a point only if it beats every cheaper one
        if p[1] > best:
            front.append(p)
            best = p[1]
    return front


def interp(bpp, curve):
    """PSNR of a (bpp, psnr, ...) curve at ``bpp`` by linear interpolation, or None outside it."""
    xs, ys = zip(*[(c[0], c[1]) for c in sorted(curve)])
    return float(np.interp(bpp, xs, ys)) if xs[0] <= bpp <= xs[-1] else None


def main(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument("--n-train", type=int, default=20000)
    parser.add_argument("--n-test", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=10)
    args = parse_benchmark_args(parser, argv, "compression.py")
    lams = LAMS
    if args.quick:
        X_tr, X_te, _, _ = load_benchmark_data("digits", 1000, 30, dtype="float32")
        lams, args.epochs, data = (8.0,), 1, "bundled digits (quick mode)"
    else:
        X_tr, X_te, _, _ = load_benchmark_data("fashion", args.n_train, args.n_test, dtype="float32")
        data = "Fashion-MNIST"
    X_tr, X_te = np.asarray(X_tr, np.float64), np.asarray(X_te, np.float64)
    ae = {lam: rd_autoencoder(X_tr, X_te, lam, args) for lam in lams}
    jpeg = {q: pillow_codec(X_te, "JPEG", quality=q) for q in JPEG_Q}
    j2k = {}
    try:
        for r in J2K_RATIOS:
            j2k[r] = pillow_codec(X_te, "JPEG2000", quality_mode="rates", quality_layers=[r],
                                  irreversible=True, no_jp2=True,
                                  num_resolutions=3)
    except (OSError, KeyError, ValueError) as err:  # Pillow built without OpenJPEG
        print(f"JPEG 2000 skipped: {err}", file=sys.stderr)
    pca = pca_codec(X_tr, X_te)
    jpeg_scan_curve = [(v[1], v[2]) for v in jpeg.values()]
    jpeg_file_curve = [(v[0], v[2]) for v in jpeg.values()]
    rows = [(f"RD-AE λ = {lam:g}", f"{v[0]:.3f}", f"{v[1]:.2f}", f"{v[2]:.3f}",
             f"bound {v[3]:.3f} bpp; {v[4]} clipped codes") for lam, v in ae.items()]
    rows += [(f"JPEG q = {q}", f"{v[1]:.3f} (file {v[0]:.2f})", f"{v[2]:.2f}", f"{v[3]:.3f}", "scan only")
             for q, v in jpeg.items()]
    rows += [(f"JPEG 2000 1:{r}", f"{v[0]:.3f}", f"{v[2]:.2f}", f"{v[3]:.3f}", "whole codestream")
             for r, v in j2k.items()]
    rows += [(f"PCA {p[3]}", f"{p[0]:.3f}", f"{p[1]:.2f}", f"{p[2]:.3f}", "Pareto front") for p in pca]
    lines = ["# Lossy compression: a rate–distortion autoencoder vs JPEG, JPEG 2000 and quantised PCA", "",
             f"Command: `{args.command}`", "",
             f"- data: {data}; {len(X_tr):,} training images, {len(X_te):,} test images, each "
             "coded as its own stream; bpp = 8 × bytes / 784",
             f"- RD-AE: 784-256-64-256-784 tanh, Adam 1e-3, batch 64, {args.epochs} epochs, seed 0, "
             "float32; arithmetic coder of npae.imaging.entropy_coding, 16-bit tables from the learned prior",
             machine_line(args.t_start), ""]
    lines += markdown_table(("codec", "bpp", "PSNR (dB)", "SSIM", "note"), rows)
    lines += ["", "## At matched rates (PSNR interpolated along the other codec's curve)", ""]
    for lam, v in ae.items():
        verdicts = []
        for name, curve in (("JPEG (scan only)", jpeg_scan_curve), ("JPEG (whole file)", jpeg_file_curve),
                            ("quantised PCA", [(p[0], p[1]) for p in pca])):
            ref = interp(v[0], curve)
            if ref is None:
                verdicts.append(f"{name}: no point at this rate (its curve spans "
                                f"{min(c[0] for c in curve):.2f}–{max(c[0] for c in curve):.2f} bpp)")
            else:
                verdicts.append(f"{name} {ref:.2f} dB — the autoencoder "
                                + ("WINS" if v[1] > ref else "LOSES") + f" by {abs(v[1] - ref):.2f} dB")
        # where the rates do not overlap, a point can still dominate another: fewer bits AND more dB
        beats = [f"q = {q}" for q, j in jpeg.items() if v[0] <= j[1] and v[1] >= j[2]]
        beaten = [f"q = {q}" for q, j in jpeg.items() if j[1] <= v[0] and j[2] >= v[1]]
        verdicts.append("dominates JPEG (scan only) " + (", ".join(beats) if beats else "at no quality")
                        + "; dominated by " + (", ".join(beaten) if beaten else "no JPEG point"))
        lines.append(f"- RD-AE λ = {lam:g} at {v[0]:.3f} bpp, {v[1]:.2f} dB: " + "; ".join(verdicts))
    top = max(v[1] for v in ae.values())
    better = [q for q, j in jpeg.items() if j[2] > top]
    lines += ["", f"- The autoencoders' best PSNR is {top:.2f} dB; JPEG (scan only) exceeds it from "
              f"q = {min(better)} on ({jpeg[min(better)][1]:.2f} bpp): above that quality the "
              "autoencoder LOSES at any rate." if better else
              f"- The autoencoders' best PSNR is {top:.2f} dB, above every JPEG point measured."]
    lines += ["", "The coder's bytes include each stream's termination and final partial byte: the "
              "gap to the prior's bound is the 'bound' column against 'bpp'."]
    lines += ["", "Papers: Ballé et al. (2017) measure convolutional transforms with GDN on the Kodak photographs, and Theis et al. (2017) likewise on natural images; neither reports on 28×28 Fashion-MNIST, so no paper's number is set beside these rows."]
    finish("\n".join(lines) + "\n", args.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
