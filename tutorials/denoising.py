r"""Denoising autoencoders (Vincent et al. 2008, 2010; Caron's review §2.4; h2o §19.4)
==================================================================================

A denoising autoencoder (DAE) is trained to reconstruct the *clean* input x
from a corrupted copy x̃:

.. math::

   L = \frac{1}{n} \sum_i \tfrac{1}{2}
   \big\lVert x^{(i)} - p_\phi\big(q_\theta(\tilde x^{(i)})\big) \big\rVert^2, \qquad
   \tilde x^{(i)} \sim T(\tilde x \mid x^{(i)}),

with a fresh corruption for every minibatch.  It cannot just copy its input,
so it has to learn how pixels depend on each other.  This tutorial

1. shows the three corruption processes of :mod:`npae.terms.noise` on test digits
   (``corruption_examples.png``, the h2o chapter's Fig. 19.8): masking (a
   fraction ν of the pixels set to 0), additive Gaussian noise (σ) and
   salt-and-pepper (a fraction ν set to the minimum or the maximum);
2. for each process trains a DAE and compares it with a plain autoencoder of
   the same shape, same epochs and seed, on corrupted *held-out* digits:
   clean / corrupted / DAE / plain rows (``denoise_<noise>.png``, their
   Fig. 19.9) and the mean squared error per pixel against the clean digits;
3. shows the first-layer filters of the masking DAE next to the plain
   autoencoder's (``filters_dae.png``, ``filters_ae.png``).

The corruption is used only in the training loss: ``transform`` and
``reconstruct`` never add noise.  To denoise, corrupt the data yourself
(``dae.corrupt(X, rng)`` or :func:`npae.terms.noise.corrupt`) and reconstruct it.

Run it from the repository::

    python tutorials/denoising.py            # a minute or two on 2 cores
    python tutorials/denoising.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import os
import time

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist
from npae.terms.noise import corrupt

from _tutorial import make_parser, parse

LEVELS = {"masking": 0.25, "gaussian": 0.3, "salt_and_pepper": 0.25}


def mse(A, B):
    return float(((A - B) ** 2).mean())


def main(argv=None):
    args, say = parse(make_parser(__doc__, "denoising"), argv)

    X, _ = load_mnist()
    if args.quick:  # (small figures too: matplotlib, not training, dominates the quick run)
        Xtr, Xte, hidden, epochs, n_fig = X[:1000], X[7000:7300], 64, 3, 4
    else:
        Xtr, Xte, hidden, epochs, n_fig = X[:6000], X[6000:], 128, 20, 10
    # Held-out corruptions drawn once, from their own generator, for every model.
    corrupted = {name: corrupt(Xte, name, level, np.random.default_rng(123),
                               **({"low": 0.0, "high": 1.0} if name == "salt_and_pepper"
                                  else {}))
                 for name, level in LEVELS.items()}

    say("== 1. Three ways to corrupt a digit")
    for name, level in LEVELS.items():
        changed = np.mean(corrupted[name] != Xte)
        say(f"   {name:<16} level {level}: {100 * changed:4.1f}% of the pixel values changed, "
            f"MSE to the clean digits {mse(corrupted[name], Xte):.4f}")
    say("   (Masking a pixel that is already 0 changes nothing: most of a digit is background.)")
    plot.reconstructions([Xte] + [corrupted[n] for n in LEVELS],
                         ["clean", "masking ν=0.25", "gaussian σ=0.3", "salt & pepper ν=0.25"],
                         n=n_fig, title="corruption processes (npae.terms.noise)",
                         path=os.path.join(args.out, "corruption_examples.png"))

    say(f"\n== 2. DAE vs plain autoencoder: {len(Xtr)} training digits, one hidden layer of "
        f"{hidden} sigmoid units, {epochs} epochs, same seed")
    kw = dict(latent_dim=hidden, activation="sigmoid", output_activation="sigmoid", epochs=epochs,
              learning_rate=3e-3, batch_size=64, random_state=0)
    t0 = time.perf_counter()
    ae = npae.Autoencoder(**kw).fit(Xtr)
    say(f"   plain autoencoder trained in {time.perf_counter() - t0:.1f}s")
    errors, models = {}, {}
    say(f"   {'noise':<16} {'MSE(corrupted)':>14} {'plain AE':>9} {'DAE':>9}   "
        f"{'clean: AE':>9} {'DAE':>7}")
    for name, level in LEVELS.items():
        dae = npae.DenoisingAutoencoder(noise=name, corruption_level=level, **kw).fit(Xtr)
        models[name] = dae
        Xc = corrupted[name]
        errors[name] = {"input": mse(Xc, Xte), "ae": mse(ae.reconstruct(Xc), Xte),
                        "dae": mse(dae.reconstruct(Xc), Xte),
                        "ae_clean": mse(ae.reconstruct(Xte), Xte),
                        "dae_clean": mse(dae.reconstruct(Xte), Xte)}
        e = errors[name]
        say(f"   {name:<16} {e['input']:14.4f} {e['ae']:9.4f} {e['dae']:9.4f}   "
            f"{e['ae_clean']:9.4f} {e['dae_clean']:7.4f}")
        plot.reconstructions([Xte, np.clip(Xc, 0, 1), dae.reconstruct(Xc), ae.reconstruct(Xc)],
                             ["clean", "corrupted", "DAE", "plain AE"], n=n_fig,
                             title=f"denoising: {name} ({level})",
                             path=os.path.join(args.out, f"denoise_{name}.png"))
    wins = [n for n, e in errors.items() if e["dae"] < e["ae"]]
    pays = [n for n, e in errors.items() if e["dae_clean"] > e["ae_clean"]]
    say(f"   The DAE reconstructs the corrupted digits better for {wins or 'none'}; it pays on "
        f"clean digits for {pays or 'none'} (it never learned to copy its input).")
    useless = [n for n, e in errors.items() if e["dae"] >= e["input"]]
    if useless:
        say(f"   But for {useless} the DAE's output is no closer to the clean digits than its "
            f"corrupted input was: {epochs} epochs have not taught it to denoise those yet"
            + (" (--quick: run without it)." if args.quick else "."))

    say("\n== 3. First-layer filters")
    n_show = min(64, hidden) if not args.quick else 16
    plot.image_tiles(models["masking"].params_["encoder.0.W"].T[:n_show], n_cols=8,
                     title="masking DAE (ν=0.25) filters",
                     path=os.path.join(args.out, "filters_dae.png"))
    plot.image_tiles(ae.params_["encoder.0.W"].T[:n_show], n_cols=8,
                     title="plain autoencoder filters",
                     path=os.path.join(args.out, "filters_ae.png"))
    dae = models["masking"]
    W0 = type(dae)(**dae.get_params()).initialize(Xtr).params_["encoder.0.W"]
    moved = np.linalg.norm(dae.params_["encoder.0.W"] - W0) / np.linalg.norm(W0)
    say(f"   training moved the DAE's filters by {moved:.0%} of their random initial size; "
        "the tiles show W itself, random start included (the pixels that are 0 in every "
        "digit never move).")
    say(f"   figures written to {args.out}")
    return {"errors": errors}


if __name__ == "__main__":
    main()
