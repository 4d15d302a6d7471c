"""Autoencoders for images: denoising, super-resolution and compression against the classics
=========================================================================================

Three of the encyclopedia's image applications, each measured against the classical
method it has to beat, in PSNR (dB) and SSIM (:mod:`npae.metrics.image`: Wang et al.
2004's structural similarity with an 11×11 Gaussian window):

1. **denoising** (Vincent et al. 2010): a denoising autoencoder against a Gaussian filter
   whose width is chosen on validation images, on digits with Gaussian noise σ = 0.2
   (``denoising.png``);
2. **super-resolution** (Zeng et al. 2017): 14×14 → 28×28 by an autoencoder-style MLP
   (:class:`npae.imaging.upsampler.MLPUpsampler`) against bicubic interpolation
   (``super_resolution.png``);
3. **compression** (Ballé, Laparra & Simoncelli 2017): a rate–distortion autoencoder whose
   rounded latents are written by a real arithmetic coder (:mod:`npae.imaging.entropy_coding`),
   against JPEG, in bits per pixel (``rate_distortion.png``).

The full measurements on Fashion-MNIST are ``benchmarks/images_restore.py`` and
``benchmarks/compression.py``; a convolutional autoencoder belongs beside the dense ones.

    python tutorials/images.py            # about two minutes on 2 cores
    python tutorials/images.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import io
import os

import numpy as np
from scipy import ndimage

import npae
from npae import plot
from npae.datasets import load_mnist
from npae.imaging.entropy_coding import encode, frequency_table
from npae.imaging.upsampler import MLPUpsampler
from npae.metrics.image import psnr, ssim
from npae.imaging.rate_distortion import RateDistortionAutoencoder, clip_codes
from npae.terms.noise import gaussian
from npae.plot._base import _plt, save

from _tutorial import banner, make_parser, parse


def quality(X, X_hat):
    """(mean PSNR, mean SSIM) of estimates clipped to [0, 1]."""
    X_hat = np.clip(X_hat, 0.0, 1.0)
    return float(np.mean(psnr(X, X_hat))), float(np.mean(ssim(X, X_hat, image_shape=(28, 28))))


def denoising(X_tr, X_val, X_te, epochs, out, say):
    banner("1. Denoising: Gaussian noise σ = 0.2", say, gap=False)
    noisy_val, noisy_te = gaussian(X_val, 0.2, 1), gaussian(X_te, 0.2, 2)
    # the filter's width is chosen on validation images, never on the test images
    widths = (0.5, 0.75, 1.0, 1.5)
    blur = lambda X, w: ndimage.gaussian_filter(X.reshape(-1, 28, 28), (0, w, w)).reshape(X.shape)  # noqa: E731
    w = max(widths, key=lambda w: quality(X_val, blur(noisy_val, w))[0])
    dae = npae.DenoisingAutoencoder(hidden=(), latent_dim=256, activation="sigmoid", loss="bce", noise="gaussian",
                                    corruption_level=0.2, epochs=epochs, learning_rate=3e-3, batch_size=64,
                                    random_state=0).fit(X_tr)
    res = {"noisy": quality(X_te, noisy_te), f"Gaussian filter (σ_f = {w})": quality(X_te, blur(noisy_te, w)),
           "denoising AE": quality(X_te, dae.reconstruct(noisy_te))}
    for name, (p, s) in res.items():
        say(f"  {name:26s} PSNR {p:5.2f} dB   SSIM {s:.3f}")
    best = max(res, key=lambda k: res[k][0])
    say(f"Best PSNR: {best}.  The filter knows only that images are smooth; the autoencoder "
        "can learn what digits look like, " + ("and here that knowledge wins." if best == "denoising AE"
                                               else "but with this little training it has not "
                                               "learned enough to beat the filter."))
    plot.reconstructions([X_te, np.clip(noisy_te, 0, 1), np.clip(blur(noisy_te, w), 0, 1),
                          dae.reconstruct(noisy_te)], ["clean", "noisy", "filter", "DAE"], n=8,
                         title="denoising, σ = 0.2", path=os.path.join(out, "denoising.png"))
    return {"denoise_" + k.split()[0].lower(): v for k, v in res.items()}


def super_resolution(X_tr, X_te, epochs, out, say):
    banner("2. Super-resolution: 14×14 → 28×28", say)
    down = lambda X: X.reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4)).reshape(-1, 196)  # noqa: E731
    lo_te = down(X_te)
    bicubic = ndimage.zoom(lo_te.reshape(-1, 14, 14), (1, 2, 2), order=3, grid_mode=True,
                           mode="nearest").reshape(X_te.shape)
    up = MLPUpsampler(hidden=(256,), epochs=epochs, random_state=0).fit(down(X_tr), X_tr)
    res = {"bicubic": quality(X_te, bicubic), "MLP upsampler": quality(X_te, up.predict(lo_te))}
    for name, (p, s) in res.items():
        say(f"  {name:26s} PSNR {p:5.2f} dB   SSIM {s:.3f}")
    nearest = np.kron(lo_te.reshape(-1, 14, 14), np.ones((2, 2))).reshape(X_te.shape)
    plot.reconstructions([X_te, nearest, np.clip(bicubic, 0, 1), up.predict(lo_te)],
                         ["original", "14×14", "bicubic", "MLP"], n=8, title="super-resolution",
                         path=os.path.join(out, "super_resolution.png"))
    return {"sr_bicubic": res["bicubic"], "sr_mlp": res["MLP upsampler"]}


def jpeg(X, q):
    """(bits per pixel of the scan only, decoded images) of Pillow's JPEG at quality q."""
    from PIL import Image

    bits, dec = [], []
    for x in X:
        buf = io.BytesIO()
        Image.fromarray(np.rint(255 * x).astype(np.uint8).reshape(28, 28), mode="L").save(
            buf, format="JPEG", quality=q)
        data = buf.getvalue()
        sos = data.index(b"\xff\xda")
        start = sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")  # after the SOS header
        bits.append(8 * (data.rindex(b"\xff\xd9") - start))  # the tables are shared, not counted
        dec.append(np.asarray(Image.open(io.BytesIO(data)), dtype=np.float64).ravel() / 255)
    return float(np.mean(bits)) / 784, np.array(dec)


def compression(X_tr, X_te, epochs, lams, out, say):
    banner("3. Compression: a rate–distortion autoencoder against JPEG", say)
    curves = {"RD autoencoder": [], "JPEG (scan only)": []}
    for lam in lams:
        m = RateDistortionAutoencoder(hidden=(256,), latent_dim=32, lam=lam, epochs=epochs, random_state=0).fit(X_tr)
        tables = m.code_tables(m.quantize(X_tr))
        Q, _ = clip_codes(m.quantize(X_te), tables)
        freq, lows = [frequency_table(p) for _, p in tables], [lo for lo, _ in tables]
        # every image its own bit stream: real bytes, not an entropy estimate
        nbytes = [len(encode([int(q - lo) for q, lo in zip(row, lows)], freq)) for row in Q]
        bpp = 8 * float(np.mean(nbytes)) / 784
        p, s = quality(X_te, m.dequantize(Q))
        curves["RD autoencoder"].append((bpp, p))
        say(f"  RD-AE λ = {lam:<5g} {bpp:.3f} bpp  PSNR {p:5.2f} dB  SSIM {s:.3f}  "
            f"(prior's bound {np.mean(m.bits_estimate(Q)) / 784:.3f} bpp)")
    for q in (1, 10, 30, 70):
        bpp, dec = jpeg(X_te, q)
        p, s = quality(X_te, dec)
        curves["JPEG (scan only)"].append((bpp, p))
        say(f"  JPEG q = {q:<3d}     {bpp:.3f} bpp  PSNR {p:5.2f} dB  SSIM {s:.3f}")
    say("A JPEG file of a 28×28 image is mostly header (its tables): counting only the scan is "
        "the fair comparison, as the autoencoder's tables are shared too.  Where the curves "
        "do not overlap in rate, neither codec can be said to win there.")
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for name, pts in curves.items():
        ax.plot(*zip(*sorted(pts)), marker="o", label=name)
    ax.set_xlabel("bits per pixel")
    ax.set_ylabel("PSNR (dB)")
    ax.legend()
    save(fig, os.path.join(out, "rate_distortion.png"))
    return curves


def main(argv=None):
    args, say = parse(make_parser(__doc__, "images"), argv)
    X, _ = load_mnist()
    if args.quick:
        X_tr, X_val, X_te, epochs, lams = X[:800], X[800:900], X[7900:], 2, (8.0,)
    else:
        X_tr, X_val, X_te, epochs, lams = X[:6000], X[6000:7000], X[7000:], 20, (4.0, 16.0, 64.0)
    res = denoising(X_tr, X_val, X_te, epochs, args.out, say)
    res.update(super_resolution(X_tr, X_te, epochs, args.out, say))
    res["rd"] = compression(X_tr, X_te, epochs, lams, args.out, say)
    return res


if __name__ == "__main__":
    main()
