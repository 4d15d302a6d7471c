r"""Adversarial autoencoders (Makhzani et al. 2015; Caron's review §2.7)
====================================================================

An adversarial autoencoder (AAE) is an ordinary autoencoder whose codes are
watched by a second network, the discriminator D_ψ, trained to tell codes
z = q_θ(x) from samples of a prior p(z).  The encoder, playing the generator
of a GAN, learns to fool it, so the distribution of the codes is pushed toward
the prior — after which decoding prior samples generates data.

Every minibatch runs three phases, each with its own optimizer over its own
parameters:

.. math::

   \begin{aligned}
   &\text{(1) reconstruction} && \min_{\theta,\phi}\
      \frac{1}{n} \sum \ell\big(x, p_\phi(q_\theta(x))\big) \\
   &\text{(2) discriminator} && \min_\psi\ \frac{1}{2n} \sum
      \big[-\log D(z_p) - \log\big(1 - D(q_\theta(x))\big)\big], \quad z_p \sim p(z) \\
   &\text{(3) generator} && \min_\theta\ \frac{1}{n} \sum -\log D(q_\theta(x))
   \end{aligned}

This tutorial

1. checks the gradient of each phase on its own — including phase (3), whose
   gradient flows from the discriminator's output back through the code into
   the encoder;
2. trains an AAE with a Gaussian prior and 2-D codes on the bundled digits and
   *measures* whether the codes moved toward the prior: the discriminator's
   accuracy (½ = chance) and an RBF-kernel MMD between held-out codes and prior
   samples, against the same autoencoder trained without the adversary
   (``codes_vs_prior.png``, ``samples.png``, ``history.png``);
3. swaps the prior for a mixture of 10 Gaussians on a circle, without and with
   labels (the supervised variant puts digit c on component c):
   ``codes_vs_mixture.png``, ``samples_by_class.png``.

Run it from the repository::

    python tutorials/adversarial.py            # a few minutes on 2 cores
    python tutorials/adversarial.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import os
import time

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist, train_test_split
from npae.gradcheck import check_gradient
from npae.terms.priors import mixture_means
from npae.families.adversarial import (PHASES, AdversarialAutoencoder,
                                     discriminator_loss, generator_loss, rbf_mmd2)

from _tutorial import banner, make_parser, parse


def part1_gradients():
    banner("1. The three phases and their gradients", gap=False)
    z = np.zeros((4, 1))
    print(f"At chance (logits 0): L_D = {discriminator_loss(z, z)[0]:.4f}, "
          f"L_G = {generator_loss(z)[0]:.4f}  (log 2 = {np.log(2):.4f})")
    rng = np.random.default_rng(0)
    X = rng.random((8, 6))
    aae = AdversarialAutoencoder(hidden=(5,), latent_dim=2, discriminator_hidden=(4,),
                                 activation="tanh", discriminator_activation="tanh",
                                 loss="bce").initialize(X)
    for phase in PHASES:
        for vectorized in (True, False):
            report = check_gradient(
                lambda p: aae.phase_loss_and_grads(X, phase, rng=3, vectorized=vectorized),
                aae.params_)
            path = "batch    " if vectorized else "reference"
            print(f"  {phase:<15} {path}: worst relative error {report.max_rel_error:.1e}"
                  f"  {'PASSED' if report.passed else 'FAILED'}")
    print("\nThe generator phase in detail: the encoder's gradient comes entirely from")
    print("the discriminator (the decoder plays no part, its gradient is exactly 0):")
    print(check_gradient(lambda p: aae.phase_loss_and_grads(X, "generator"), aae.params_))


def part2_gaussian(Xtr, Xte, yte, args):
    banner("2. A Gaussian prior on 2-D codes")
    # 2-D codes: the reconstruction at 1e-3 (the default 3e-3 was chosen for the 8-D default
    # code; with 2-D codes at 3e-3 the codes of test_codes_move_toward_prior_on_digits in
    # tests/families/test_adversarial.py stayed too far from the prior).
    kw = dict(hidden=(256,), latent_dim=2, loss="bce", prior="gaussian", prior_scale=1.0,
              learning_rate=1e-3, generator_learning_rate=1e-3, epochs=args.epochs,
              random_state=0)
    if args.quick:
        kw.update(hidden=(64,), discriminator_hidden=(64, 64), batch_size=32)
    aae = AdversarialAutoencoder(**kw).initialize(Xtr)
    P = aae.sample_prior(len(Xte), rng=1)
    Z0 = aae.transform(Xte)
    mmd0, ms0 = rbf_mmd2(Z0, P), rbf_mmd2(Z0, P, "multiscale")
    t0 = time.perf_counter()
    aae.fit(Xtr)
    print(f"trained in {time.perf_counter() - t0:.1f}s; per epoch:")
    h = aae.history_
    print(f"{'epoch':>5} {'L_rec':>9} {'L_D':>7} {'L_G':>7} {'D acc':>6}")
    for e in range(len(h["loss"])):
        print(f"{e + 1:>5} {h['reconstruction'][e]:9.2f} {h['discriminator'][e]:7.3f} "
              f"{h['generator'][e]:7.3f} {h['discriminator_accuracy'][e]:6.3f}")
    Z = aae.transform(Xte)
    held_out = 0.5 * (np.mean(aae.discriminate(Z) < 0.5) + np.mean(aae.discriminate(P) >= 0.5))
    # The same encoder and decoder without the adversary.
    ae = npae.Autoencoder(hidden=(*kw["hidden"],), latent_dim=2, activation="relu",
                          code_activation="identity", loss="bce", epochs=args.epochs,
                          batch_size=kw.get("batch_size", 128), random_state=0).fit(Xtr)
    Zae = ae.transform(Xte)
    print("\nHow far are held-out codes from the prior?  MMD² (RBF kernel, bandwidth from")
    print("the prior samples; ~0 when the two samples come from the same distribution):")
    print("                          median bandwidth   multi-scale (5 bandwidths)")
    print(f"  AAE at initialisation : {mmd0:16.4f} {ms0:16.4f}")
    print(f"  AAE after training    : {rbf_mmd2(Z, P):16.4f} {rbf_mmd2(Z, P, 'multiscale'):16.4f}")
    print(f"  plain AE (no adversary): {rbf_mmd2(Zae, P):15.4f} "
          f"{rbf_mmd2(Zae, P, 'multiscale'):16.4f}   codes std {Zae.std(0).round(2)}")
    print(f"Discriminator accuracy on held-out codes vs fresh prior draws: {held_out:.3f} "
          "(0.5 = chance)")
    print(f"AAE codes: mean {Z.mean(0).round(2)}, std {Z.std(0).round(2)} (prior: 0, 1)")
    plot.codes_vs_prior(Z, P, yte, suptitle="AAE, Gaussian prior (held-out digits)",
                        path=os.path.join(args.out, "codes_vs_prior.png"))
    plot.latent_scatter(Zae, yte, title="plain AE codes (no adversary)",
                        path=os.path.join(args.out, "codes_plain_ae.png"))
    n_tiles = 16 if args.quick else 64  # (each tile is a matplotlib axes: slow to draw)
    plot.image_tiles(aae.sample(n_tiles, rng=2), normalize=None, n_cols=int(np.sqrt(n_tiles)),
                     title="AAE samples: decoded z ~ N(0, I)",
                     path=os.path.join(args.out, "samples.png"))
    # losses and an accuracy have different units: one panel each
    plot.history_panels(h, {"cross-entropy (nats per sample)": ("discriminator", "generator"),
                            "fraction correct (0.5 = chance)": ("discriminator_accuracy",)},
                        title="adversarial phases per epoch",
                        path=os.path.join(args.out, "history.png"))


def part3_mixture(Xtr, ytr, Xte, yte, args):
    banner("3. A mixture of 10 Gaussians, without and with labels")
    # The mixture setting of docs/adversarial.md: a discriminator strong and fast enough to
    # see the ring's hole (three steps per batch at 3e-3), a slow reconstruction phase.
    kw = dict(hidden=(256,), latent_dim=2, loss="bce", prior="mixture", n_components=10,
              prior_scale=1.0, generator_learning_rate=1e-3, discriminator_learning_rate=3e-3,
              discriminator_steps=3, learning_rate=2e-4, epochs=args.epochs, random_state=0)
    if args.quick:
        kw.update(hidden=(64,), discriminator_hidden=(64, 64), batch_size=32)
    unsup = AdversarialAutoencoder(**kw).fit(Xtr)
    sup = AdversarialAutoencoder(**kw, supervised=True).fit(Xtr, ytr)
    P = unsup.sample_prior(len(Xte), rng=1)
    means = mixture_means(sup.n_components, sup.latent_dim, sup.prior_scale)
    print(f"{'':>12}  {'MMD² median':>11} {'multi-scale':>11} {'D acc':>6} {'own component':>13}")
    for name, m in (("unsupervised", unsup), ("supervised", sup)):
        Z = m.transform(Xte)
        nearest = np.argmin(((Z[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
        print(f"{name:>12}: {rbf_mmd2(Z, P):11.4f} {rbf_mmd2(Z, P, 'multiscale'):11.4f} "
              f"{m.history_['discriminator_accuracy'][-1]:6.3f} "
              f"{np.mean(nearest == np.searchsorted(sup.classes_, yte)):13.3f}")
    print("(own component: fraction of held-out codes nearest their digit's component; chance 0.1.)")
    if args.quick:  # what follows describes the full run; a quick run shows none of it
        print(f"Look at codes_vs_mixture.png: after {args.epochs} epochs the codes are nowhere "
              "near the ring yet.")
    else:
        print("Look at codes_vs_mixture.png before trusting the numbers: after 20 epochs on")
        print("6,000 digits the unsupervised codes still fill the hole in the ring — a multimodal")
        print("prior needs a much longer game (benchmarks/results/aae_concrete.md has a 60-epoch")
        print("run) — while with labels the discriminator sees the digit and pushes digit c")
        print("toward component c; digits that started near another digit's component may stay.")
    plot.latent_panels([P, unsup.transform(Xte), sup.transform(Xte)], [None, yte, yte],
                       titles=["prior samples", "AAE codes (unsupervised)",
                               "AAE codes (with labels)"],
                       prior_means=[means, None, means],
                       path=os.path.join(args.out, "codes_vs_mixture.png"))
    per_class = 3 if args.quick else 10
    rows = [sup.sample(per_class, rng=c, component=np.full(per_class, c)) for c in sup.classes_]
    plot.image_tiles(np.vstack(rows), normalize=None, n_cols=per_class,
                     title="supervised AAE: row c decodes draws from component c",
                     path=os.path.join(args.out, "samples_by_class.png"))


def main(argv=None):
    args, _ = parse(make_parser(__doc__, "adversarial", quiet=False), argv)
    X, y = load_mnist()
    if args.quick:
        X, y = X[:1000], y[:1000]
        args.epochs = 2
    else:
        args.epochs = 20
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, rng=0)
    part1_gradients()
    part2_gaussian(Xtr, Xte, yte, args)
    part3_mixture(Xtr, ytr, Xte, yte, args)
    if args.quick:
        print("\n(--quick: two epochs are far too few for the game to settle; the numbers")
        print(" above mean nothing — run without --quick)")
    print(f"\nfigures written to {args.out}")


if __name__ == "__main__":
    main()
