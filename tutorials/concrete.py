r"""Concrete autoencoders: learning which k input features to keep (Abid, Balin & Zou 2019)
=======================================================================================

The encoder of a concrete autoencoder is not a neural network but a *selector*:
k units, each choosing one of the d input features.  A hard choice has no
gradient, so during training unit j uses the concrete (Gumbel-softmax)
relaxation of a one-hot vector,

.. math::

   m_j = \operatorname{softmax}\big((\alpha_j + g_j) / T\big), \qquad
   g_j \sim \mathrm{Gumbel}(0, 1)^d, \qquad z_j = m_j \cdot x,

and the temperature T is annealed from hot (m_j almost uniform: every feature
gets gradient) to cold (m_j almost one-hot: the choice is made).  A decoder MLP
reconstructs all d features from the k selected ones.  After training, unit j
keeps feature argmax_l α_jl.

This tutorial

1. looks at the selector on its own: the Gumbel-max trick, the effect of T, and
   a gradient check of the hand-written softmax backward with the noise fixed;
2. selects k = 50 of the 784 pixels of the bundled digits, shows where they are
   (``selected_pixels.png``) and what the decoder rebuilds from them alone
   (``reconstructions.png``), and compares with 50 random pixels and the 50
   highest-variance pixels fed to the same decoder (held-out error).

Run it from the repository::

    python tutorials/concrete.py            # a few minutes on 2 cores
    python tutorials/concrete.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import os
import time

import numpy as np

from npae import plot
from npae.datasets import load_mnist, train_test_split
from npae.gradcheck import check_gradient
from npae.families.concrete import (ConcreteAutoencoder, concrete_weights,
                                  concrete_weights_backward, gumbel_noise)

from _tutorial import banner, make_parser, parse


def border_fraction(features, side=28, width=3):
    r, c = np.divmod(np.asarray(features), side)
    return float(np.mean((r < width) | (r >= side - width) | (c < width) | (c >= side - width)))


def part1_selector():
    banner("1. The concrete selector on its own", gap=False)
    rng = np.random.default_rng(0)
    alpha = np.log(np.array([[0.5, 0.3, 0.15, 0.05]]))
    G = gumbel_noise(rng, (20000, 4))
    freq = np.bincount(np.argmax(alpha + G, axis=1), minlength=4) / 20000
    print(f"softmax(α)                     = {np.exp(alpha[0]).round(3)}")
    print(f"frequency of argmax(α + g)     = {freq.round(3)}   (the Gumbel-max trick)")
    g = gumbel_noise(rng, (1, 4))
    for T in (10.0, 1.0, 0.1, 0.01):
        print(f"m = softmax((α + g)/T), T={T:<5}: {concrete_weights(alpha, g, T)[0].round(3)}")
    print("Hot: every feature gets some weight (and gradient); cold: one feature wins.")

    alpha = rng.normal(size=(3, 10))
    g = gumbel_noise(rng, (3, 10))  # held fixed during the check
    X, V = rng.normal(size=(5, 10)), rng.normal(size=(5, 3))

    def f(a):
        M = concrete_weights(a, g, 0.5)
        Z = X @ M.T  # (n, d) @ (d, k) -> (n, k)
        return float(np.sum(V * Z)), concrete_weights_backward(V.T @ X, M, 0.5)

    print("\nGradient check of dL/dα through the softmax (Gumbel noise fixed):")
    print(check_gradient(f, alpha))


def part2_digits(X, args):
    banner("2. Selecting 50 of the 784 pixels")
    Xtr, Xte = train_test_split(X, test_size=0.25, rng=0)
    kw = dict(n_selected=50, epochs=args.epochs, random_state=0)
    if args.quick:
        kw.update(decoder_hidden=(32,), batch_size=50, selector_learning_rate=0.1)
    t0 = time.perf_counter()
    cae = ConcreteAutoencoder(**kw).fit(Xtr)
    print(f"trained in {time.perf_counter() - t0:.1f}s")
    h = cae.history_
    print(f"{'epoch':>5} {'T':>8} {'L_rec':>8} {'mean max p':>10}")
    for e in range(0, len(h["loss"]), max(1, len(h["loss"]) // 10)):
        print(f"{e + 1:>5} {h['temperature'][e]:8.3f} {h['reconstruction'][e]:8.3f} "
              f"{h['mean_max_prob'][e]:10.3f}")
    print("(mean max p: how peaked softmax(α_j) is, averaged over the units; 1 = decided)")
    sel = cae.selected_features_
    var = Xtr.var(axis=0)
    print(f"\nselected pixels: {cae.n_unique_selected_} distinct of {len(sel)}")
    print(f"  in the outer 3-pixel border: {border_fraction(sel):.2f}  "
          f"(of all pixels: {border_fraction(np.arange(784)):.2f})")
    print(f"  nearly always blank (training variance < 1e-4): {np.mean(var[sel] < 1e-4):.2f}  "
          f"(of all pixels: {np.mean(var < 1e-4):.2f})")

    rng = np.random.default_rng(1)
    baselines = {"random pixels": rng.choice(784, 50, replace=False),
                 "highest-variance pixels": np.argsort(-var)[:50]}
    errors = {"concrete selection": cae.reconstruction_error(Xte).mean()}
    fitted = {}
    for name, feats in baselines.items():
        fitted[name] = ConcreteAutoencoder(**kw).fit_fixed_features(Xtr, feats)
        errors[name] = fitted[name].reconstruction_error(Xte).mean()
    print("\nHeld-out reconstruction error (mean squared error per pixel), same decoder,")
    print("epochs and seed, only the 50 input pixels differ:")
    for name, e in errors.items():
        print(f"  {name:<25} {e:.5f}")

    plot.selected_features(sel, background=Xtr.mean(axis=0),
                           title="50 pixels chosen by the concrete AE",
                           path=os.path.join(args.out, "selected_pixels.png"))
    only = np.zeros_like(Xte[:10])
    only[:, sel] = Xte[:10, sel]
    rand = baselines["random pixels"]
    only_rand = np.zeros_like(Xte[:10])
    only_rand[:, rand] = Xte[:10, rand]
    plot.reconstructions(
        [Xte[:10], only, cae.reconstruct(Xte[:10]), only_rand,
         fitted["random pixels"].reconstruct(Xte[:10])],
        ["original", "50 chosen\npixels", "rebuilt", "50 random\npixels", "rebuilt"],
        title="reconstructions from 50 pixels alone (held-out digits)",
        path=os.path.join(args.out, "reconstructions.png"))
    plot.curves(np.arange(1, len(h["loss"]) + 1),
                {"mean max p": h["mean_max_prob"],
                 "T / T0": np.asarray(h["temperature"]) / h["temperature"][0]},
                "epoch", "value", title="annealing and convergence of the selector",
                path=os.path.join(args.out, "annealing.png"))


def main(argv=None):
    args, _ = parse(make_parser(__doc__, "concrete", quiet=False), argv)
    X, _ = load_mnist()
    if args.quick:
        X = X[:800]
        args.epochs = 3
    else:
        args.epochs = 50
    part1_selector()
    part2_digits(X, args)
    if args.quick:
        print("\n(--quick: too few epochs for the selection to settle; run without --quick)")
    print(f"\nfigures written to {args.out}")


if __name__ == "__main__":
    main()
