r"""Contractive autoencoders (Rifai et al. 2011; Caron's review §2.5)
=================================================================

A contractive autoencoder (CAE) adds to the reconstruction loss the squared
Frobenius norm of the encoder's Jacobian,

.. math::

   \Omega = \lambda \, \frac{1}{n} \sum_i
   \left\lVert \frac{\partial z^{(i)}}{\partial x^{(i)}} \right\rVert_F^2,

so that the code z = q_θ(x) changes little when x moves a little — except
along the few directions the reconstruction needs.  This tutorial

1. computes the penalty three ways on a tiny encoder (Rifai's closed form,
   the explicit Jacobian, finite differences) and checks its gradient;
2. trains a plain autoencoder and a CAE of the same shape on the bundled
   digits, with a one-layer and a two-layer encoder, and measures at held-out
   digits the mean Jacobian norm and how fast the Jacobian's singular values
   decay (figure: ``jacobian_spectrum.png``);
3. shows the first-layer filters of both (``filters_ae.png``, ``filters_cae.png``)
   and the leading right singular vectors of the CAE's Jacobian at a few digits
   — the input directions the code still follows, i.e. tangents of the digit
   manifold (``tangents_cae.png``).

Run it from the repository::

    python tutorials/contractive.py            # ~10 minutes on 2 busy cores (the 2-layer CAE dominates)
    python tutorials/contractive.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import os
import time

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist
from npae.gradcheck import check_gradient
from npae.nn import MLP, batch, reference
from npae.nn.jacobian import contractive_penalty, encoder_jacobian

from _tutorial import make_parser, parse


def part1_the_penalty(say):
    say("== 1. The penalty on a tiny encoder")
    rng = np.random.default_rng(0)
    X = rng.random((5, 6))

    # One sigmoid layer: Rifai's closed form Σ_j (h_j (1 − h_j))² Σ_i W_ij².
    enc = MLP.build("encoder", (6, 4), ["sigmoid"])
    params = enc.init_params(rng)
    W, b = params["encoder.0.W"], params["encoder.0.b"]
    H = 1.0 / (1.0 + np.exp(-(X @ W + b)))
    closed = np.mean(((H * (1 - H)) ** 2) @ np.sum(W ** 2, axis=0))
    J = encoder_jacobian(enc, params, X)  # (5, 4, 6): one 4 × 6 Jacobian per row
    explicit = np.mean(np.sum(J ** 2, axis=(1, 2)))
    penalty = contractive_penalty(enc, params, X, 1.0, batch)
    say(f"one sigmoid layer: closed form {closed:.12f}, explicit Jacobian {explicit:.12f}, "
        f"contractive_penalty {penalty:.12f}")

    # Two layers: no closed form; the penalty walks ∂z/∂a_l down the encoder and
    # meets the input through the Gram matrix W_1ᵀ W_1 (derivation in npae.nn.jacobian).
    enc2 = MLP.build("encoder", (6, 5, 3), ["tanh", "sigmoid"])
    params2 = enc2.init_params(rng)
    eps = 1e-5
    J_fd = np.stack([(enc2.forward(params2, X + eps * e, batch)[0]
                      - enc2.forward(params2, X - eps * e, batch)[0]) / (2 * eps)
                     for e in np.eye(6)], axis=2)
    say(f"two layers: penalty {contractive_penalty(enc2, params2, X, 1.0, batch):.10f}, "
        f"finite-difference Jacobian {np.mean(np.sum(J_fd ** 2, axis=(1, 2))):.10f}")

    # The gradient with respect to every encoder parameter needs f'' — check it.
    def fun(p):
        grads = {}
        return contractive_penalty(enc2, p, X, 1.0, reference, grads=grads), grads

    report = check_gradient(fun, params2)
    say("gradient check of the penalty alone (per-example reference path):")
    say(str(report))


def spectrum(J):
    """Singular values of each Jacobian, normalised by the largest: (n, k)."""
    s = np.linalg.svd(J, compute_uv=False)
    return s / s[:, :1]


def part2_train(X_tr, X_te, hidden, lam, epochs, out, say):
    tag = "-".join(map(str, hidden))
    say(f"\n== 2. Plain AE vs CAE (λ = {lam}), encoder 784-{tag}, {epochs} epochs")
    kw = dict(hidden=hidden[:-1], latent_dim=hidden[-1], activation="sigmoid", loss="mse", learning_rate=3e-3,
              batch_size=64, epochs=epochs, random_state=0)
    models = {}
    for name, model in [("AE", npae.Autoencoder(**kw)),
                        ("CAE", npae.ContractiveAutoencoder(lam=lam, **kw))]:
        t0 = time.perf_counter()
        model.fit(X_tr)
        models[name] = (model, time.perf_counter() - t0)
    rows = {}
    for name, (model, seconds) in models.items():
        J = encoder_jacobian(model.encoder_, model.params_, X_te)  # (n_te, k, 784)
        s = spectrum(J)
        rows[name] = dict(
            norm=float(np.mean(np.sqrt(np.sum(J ** 2, axis=(1, 2))))),
            above=float(np.mean(np.sum(s > 0.1, axis=1))),
            rec=float(model.reconstruction_error(X_te).mean()),
            seconds=seconds, s=s.mean(axis=0), model=model)
        say(f"{name:>3}: mean ‖∂z/∂x‖_F {rows[name]['norm']:.3f}   singular values > 0.1·max "
            f"{rows[name]['above']:.1f} of {s.shape[1]}   test MSE {rows[name]['rec']:.4f}   "
            f"fit {seconds:.1f}s")
    return tag, rows


def part3_pictures(X_te, rows1, out, say):
    say("\n== 3. Filters and tangent directions (one-layer encoders)")
    for name in ("AE", "CAE"):
        W = rows1[name]["model"].params_["encoder.0.W"]  # (784, k)
        plot.image_tiles(W.T[:64], title=f"{name}: first-layer filters",
                         path=os.path.join(out, f"filters_{name.lower()}.png"))
    cae = rows1["CAE"]["model"]
    J = cae.jacobian(X_te[:4])  # (4, k, 784)
    _, s, Vt = np.linalg.svd(J, full_matrices=False)  # rows of Vt: input directions
    tiles = []
    for i in range(4):
        tiles.append(X_te[i])
        tiles.extend(Vt[i, :5])
    plot.image_tiles(np.array(tiles), n_cols=6, normalize="each",
                     title="digit, then the 5 input directions the CAE code follows most",
                     path=os.path.join(out, "tangents_cae.png"))
    say(f"leading singular values at 4 test digits (CAE): "
        f"{np.array2string(s[:, :5], precision=3)}")


def main(argv=None):
    parser = make_parser(__doc__, "contractive", quiet=False)
    parser.add_argument("--lam", type=float, default=1.0)
    args, say = parse(parser, argv)

    part1_the_penalty(say)

    X, _ = load_mnist()
    if args.quick:
        X_tr, X_te, epochs, shapes = X[:600], X[7950:7980], 1, [(16,), (32, 16)]
    else:
        X_tr, X_te, epochs, shapes = X[:7000], X[7000:7200], 20, [(64,), (256, 64)]
    results = {}
    for hidden in shapes:
        tag, rows = part2_train(X_tr, X_te, hidden, args.lam, epochs, args.out, say)
        results[tag] = rows
    curves = {f"{name} 784-{tag}": rows[name]["s"] for tag, rows in results.items()
              for name in ("AE", "CAE")}
    k = max(len(v) for v in curves.values())
    curves = {lab: np.pad(v, (0, k - len(v)), constant_values=np.nan) for lab, v in curves.items()}
    plot.curves(np.arange(1, k + 1), curves, "singular value index",
                "σ_j / σ_1 (mean over test digits)",
                title="Spectrum of the encoder Jacobian ∂z/∂x", logy=True, marker=None,
                path=os.path.join(args.out, "jacobian_spectrum.png"))
    for tag, rows in results.items():
        ae, cae = rows["AE"], rows["CAE"]
        say(f"784-{tag}: the CAE's mean Jacobian norm is {cae['norm'] / ae['norm']:.2f}× the "
            f"AE's; singular values above a tenth of the largest: {cae['above']:.1f} vs "
            f"{ae['above']:.1f}; test MSE {cae['rec']:.4f} vs {ae['rec']:.4f}")
    say("A smaller norm with fewer large singular values means the code follows a few input "
        "directions (the digit manifold) and ignores the rest — Rifai et al.'s picture.")
    smaller = all(r["CAE"]["norm"] < r["AE"]["norm"] for r in results.values())
    fewer = all(r["CAE"]["above"] < r["AE"]["above"] for r in results.values())
    if not (smaller and fewer):
        say(f"This run shows {'a smaller norm' if smaller else 'no smaller norm everywhere'} "
            f"but {'fewer' if fewer else 'not fewer'} large singular values: the picture needs "
            "longer training" + (" (--quick: run without it)." if args.quick else "."))

    part3_pictures(X_te, results[next(iter(results))], args.out, say)
    say(f"\nfigures in {args.out}")


if __name__ == "__main__":
    main()
