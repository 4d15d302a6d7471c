"""The adversarial autoencoder's defaults on the digits: reconstruction vs prior matching.

Rows (6,000 training / 2,000 held-out bundled digits, ``train_test_split(rng=0)``,
seed 0, ``--epochs`` epochs): the plain autoencoder with the AAE's layers
(784-256-8, ReLU, linear code, Bernoulli loss) at its default step 1e-3 and at
the AAE's reconstruction step 3e-3, the AAE with its defaults, the former
defaults (reconstruction 1e-3, generator 5e-4, discriminator 2e-4 once per
batch) and the defaults with the generator at 7e-4.  Reported: held-out squared error / that of the mean
training image (< 1: better than predicting the mean), the multi-scale RBF
MMD² between held-out codes and 2,000 prior draws (at initialisation and
trained), the last epoch's discriminator accuracy.  Then the mixture prior
(2-D codes, scale 1) unsupervised and supervised: ``prior_occupancy`` of the
held-out codes (share of codes per component / its weight, code density in
the ring's hole / on the ring, own-component rate), with the former settings
and with the mixture setting of docs/adversarial.md (discriminator 3e-3, three
steps per batch; reconstruction 2e-4; generator 1e-3).

    python benchmarks/aae_defaults.py --md benchmarks/results/aae_defaults.md
    python benchmarks/aae_defaults.py --quick
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

import npae
from npae.terms.mmd import rbf_mmd2
from npae.families.adversarial import AdversarialAutoencoder

from _common import (benchmark_parser, finish, load_benchmark_data, machine_line,
                     parse_benchmark_args)


def main(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    args = parse_benchmark_args(parser, argv, "aae_defaults.py")
    Xtr, Xte, ytr, yte = load_benchmark_data("digits")
    small = {}
    if args.quick:
        Xtr, ytr, Xte, yte, args.epochs = Xtr[:500], ytr[:500], Xte[:200], yte[:200], 1
        small = dict(hidden=(16,), discriminator_hidden=(8,))
    base = float(np.mean((Xte - Xtr.mean(axis=0)) ** 2))
    lines = []
    for lr in (1e-3, 3e-3):
        ae = npae.Autoencoder(hidden=(small.get("hidden", (256,))[0],), latent_dim=8, activation="relu",
                              code_activation="identity", loss="bce", epochs=args.epochs,
                              learning_rate=lr, random_state=0).fit(Xtr)
        lines.append(f"| plain autoencoder, same layers, step {lr:g} | "
                     f"{ae.reconstruction_error(Xte).mean() / base:.3f} | — | — |")
        print(lines[-1], flush=True)
    former = {"learning_rate": 1e-3, "generator_learning_rate": 5e-4,
              "discriminator_learning_rate": 2e-4, "discriminator_steps": 1}
    for name, kw in (("AAE defaults (3e-3 / 1e-3 / 1e-3 × 2)", {}),
                     ("former defaults (1e-3 / 5e-4 / 2e-4 × 1)", former),
                     ("defaults, generator 7e-4", {"generator_learning_rate": 7e-4})):
        m = AdversarialAutoencoder(epochs=args.epochs, **small, **kw).initialize(Xtr)
        P = m.sample_prior(len(Xte), rng=5)
        mmd0 = rbf_mmd2(m.transform(Xte), P, "multiscale")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.fit(Xtr)
        mmd = rbf_mmd2(m.transform(Xte), P, "multiscale")
        warn = "; ".join(str(w.message).split(":")[0] for w in caught) or "—"
        lines.append(f"| {name} | {m.reconstruction_error(Xte).mean() / base:.3f} | "
                     f"{mmd0:.3f} → {mmd:.3f} | {m.history_['discriminator_accuracy'][-1]:.2f} "
                     f"({warn}) |")
        print(lines[-1], flush=True)
    occ_lines = []
    mix = {"discriminator_learning_rate": 3e-3, "discriminator_steps": 3, "learning_rate": 2e-4}
    # Makhzani et al.'s MNIST encoder (two layers of 1000 ReLU units), four times the epochs
    paper = {**mix, "hidden": small.get("hidden", (1000, 1000)), "epochs": 4 * args.epochs}
    for name, sup, kw in (("unsupervised, former settings", False, former),
                          ("unsupervised, mixture setting", False, mix),
                          ("labels, former settings", True, former),
                          ("labels, mixture setting", True, mix),
                          (f"labels, mixture setting, encoder 784-1000-1000-2, "
                           f"{4 * args.epochs} epochs", True, paper)):
        kw = {"epochs": 2 * args.epochs, **small, **kw, "generator_learning_rate": 1e-3}
        m = AdversarialAutoencoder(latent_dim=2, prior="mixture", prior_scale=1.0,
                                   supervised=sup, random_state=0, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.fit(Xtr, ytr if sup else None)
        o = m.prior_occupancy(Xte, yte if sup else None)
        own = f"{o['own_component']:.3f}" if sup else "—"
        h2r = o["hole_to_ring"]  # infinite when no code lies on the ring (tiny quick runs)
        ratio = f"{h2r:.2f}" if np.isfinite(h2r) else "no codes on the ring"
        tr = m.prior_occupancy(Xtr, ytr if sup else None)
        own_tr = f" (train {tr['own_component']:.3f})" if sup else ""
        occ_lines.append(f"| {name} | {o['min_share_ratio']:.2f}–{o['max_share_ratio']:.2f} | "
                         f"{ratio} (train {tr['hole_to_ring']:.2f}) | {own}{own_tr} |")
        print(occ_lines[-1], flush=True)
    head = [f"# Adversarial autoencoder: defaults, reconstruction and prior matching", "",
            f"Command: `{args.command}`", "",
            f"- data: bundled digits, {len(Xtr):,} train / {len(Xte):,} held out "
            f"(train_test_split rng=0); mean-image squared error {base:.4f} per pixel",
            f"- AAE defaults: 784-256-8 ReLU, linear code, Bernoulli loss, Gaussian prior s = 5, "
            f"discriminator 8-128-128-1 leaky ReLU, Adam (reconstruction 3e-3, discriminator "
            f"1e-3 twice per batch, generator 1e-3, β1 = 0.5 in the adversarial phases), "
            f"{args.epochs} epochs",
            machine_line(args.t_start), "",
            "| model | held-out error / mean image's | multi-scale MMD² init → trained "
            "| D accuracy, last epoch (warnings) |", "|---|---|---|---|"]
    occ_head = ["", f"Mixture prior: 10 components on a circle (radius 4, sd ½), 2-D codes, "
                f"generator 1e-3, {2 * args.epochs} epochs unless the row says otherwise; "
                "held-out codes (training codes in brackets).  Prior draws give share ratio "
                "≈ 1 and hole/ring density ≈ 0.", "",
                "| run | share per component / weight (min–max) | code density hole / ring "
                "| own component |", "|---|---|---|---|"]
    finish("\n".join(head + lines + occ_head + occ_lines) + "\n", args.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
