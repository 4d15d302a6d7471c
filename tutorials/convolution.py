"""Convolution by hand: the sums, im2col, the gradient check, a convolutional autoencoder
======================================================================================

Every family so far treats an image as a row of 784 unrelated numbers.  A
convolution knows that a pixel has neighbours: one small kernel slides over
the image and the same weights are used at every position.  This tutorial

1. computes a convolution as the textbook sum, one output position at a time,
   and again as im2col (every window a column of one matrix) and one matrix
   product — the two agree to round-off;
2. checks that the transposed convolution is the adjoint,
   ⟨C x, y⟩ = ⟨x, Cᵀ y⟩, and that the backward pass passes a gradient check
   (the derivations: ``docs/convolution.md``);
3. trains a convolutional autoencoder (Masci et al. 2011) on the bundled
   digits, with max-pooling and unpooling through the switches, and shows its
   kernels (``kernels_conv.png``) and reconstructions (``reconstructions_conv.png``).

    python tutorials/convolution.py            # about a minute on 2 cores
    python tutorials/convolution.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import os
import time

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist
from npae.gradcheck import check_gradient
from npae.nn import batch, conv, reference

from _tutorial import make_parser, parse


def main(argv=None):
    args, say = parse(make_parser(__doc__, "convolution"), argv)
    rng = np.random.default_rng(0)

    say("== 1. The sum, then im2col")
    X = rng.standard_normal((2, 3, 7, 6))  # 2 images, 3 channels, 7 x 6 pixels
    W = rng.standard_normal((4, 3, 3, 3))  # 4 kernels of 3 channels, 3 x 3
    b = np.zeros(4)
    stride, padding = (2, 1), (1, 1)
    Y_sum = conv.conv2d_forward(X, W, b, stride, padding, reference)  # loops over positions
    Y_gemm = conv.conv2d_forward(X, W, b, stride, padding, batch)  # im2col + one GEMM
    cols = conv._batch.im2col(X, W.shape[2:], stride, padding, Y_sum.shape[2:])
    say(f"   X {X.shape}, W {W.shape}, stride {stride}, padding {padding} -> Y {Y_sum.shape}")
    say(f"   im2col matrix: {cols.shape} (c·kh·kw rows, one column per window and image)")
    say(f"   max |sum − GEMM| = {np.abs(Y_sum - Y_gemm).max():.1e}")

    say("\n== 2. The transpose is the adjoint; the backward pass checks out")
    Y = rng.standard_normal(Y_sum.shape)
    CtY = conv.conv_transpose2d_forward(Y, W, np.zeros(3), stride, padding, X.shape[2:], batch)
    lhs, rhs = float(np.sum(Y_sum * Y)), float(np.sum(X * CtY))
    say(f"   <C x, y> = {lhs:.12f}\n   <x, Cᵀy> = {rhs:.12f}")

    def fun(p):  # L = Σ R ⊙ tanh(conv(X)), a nonlinear loss of the output
        out = conv.conv2d_forward(p["X"], p["W"], p["b"], stride, padding, batch)
        G = Y * (1 - np.tanh(out) ** 2)
        dX, dW, db = conv.conv2d_backward(G, p["X"], p["W"], stride, padding, batch)
        return float(np.sum(Y * np.tanh(out))), {"X": dX, "W": dW, "b": db}

    report = check_gradient(fun, {"X": X.copy(), "W": W.copy(), "b": b.copy()})
    say(f"   gradient check (central differences): {'PASSED' if report.passed else 'FAILED'}, "
        f"worst relative error {report.max_rel_error:.1e}")

    Xd, _ = load_mnist(dtype="float32")
    Xtr, Xte = (Xd[:256], Xd[7000:7100]) if args.quick else (Xd[:6000], Xd[6000:])
    epochs = 1 if args.quick else 5
    say(f"\n== 3. A convolutional autoencoder on {len(Xtr)} digits, {epochs} epoch(s)")
    filters = (8, 4) if args.quick else (16, 8)
    cae = npae.ConvolutionalAutoencoder(filters=filters, kernel_size=5, padding=2, pool=2,
                                        activation="relu", loss="bce", epochs=epochs,
                                        dtype="float32", random_state=0)
    t0 = time.perf_counter()
    cae.fit(Xtr)  # flat rows of 784 = one 28 x 28 grey image each
    say(f"   image_shape_ {cae.image_shape_}, code {cae.code_shape_} = {cae.code_size_} values, "
        f"{sum(v.size for v in cae.params_.values()):,} parameters; "
        f"{time.perf_counter() - t0:.1f}s")
    err = float(cae.reconstruction_error(Xte).mean()) * 784
    say(f"   held-out squared error per image {err:.1f}")
    kernels = cae.params_["encoder.0.W"].reshape(filters[0], 25)
    plot.image_tiles(kernels, image_shape=(5, 5), n_cols=8, title="first-layer kernels",
                     path=os.path.join(args.out, "kernels_conv.png"))
    plot.reconstructions([Xte, cae.reconstruct(Xte), cae.inverse_transform(cae.transform(Xte))],
                         ["original", "through the switches", "codes alone"],
                         n=6 if args.quick else 10, title="convolutional AE reconstructions",
                         path=os.path.join(args.out, "reconstructions_conv.png"))
    say("   'codes alone' decodes without the pooling switches (each value to the top-left of")
    say(f"   its window): the switches carry information the codes do not.  Figures: {args.out}")
    return {"max_diff": float(np.abs(Y_sum - Y_gemm).max()), "adjoint_gap": abs(lhs - rhs),
            "gradcheck": report.passed, "held_out_error": err}


if __name__ == "__main__":
    main()
