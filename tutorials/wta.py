"""Winner-take-all autoencoders (Makhzani & Frey 2015): lifetime and spatial sparsity
===================================================================================

The k-sparse autoencoder (tutorials/ksparse.py) keeps the k largest units of
each *example*.  A winner-take-all autoencoder turns the rule around: each
*unit* keeps its largest activations across the minibatch (lifetime
sparsity), so no unit can die and no unit can fire for everything.  The
convolutional version first keeps only the largest value of each feature map
(spatial sparsity), then applies lifetime sparsity to those winners.  This
tutorial

1. shows both masks on small arrays (ties go to the lowest index);
2. trains an FC-WTA autoencoder on the bundled digits and shows its decoder
   rows, the dictionary the paper's Figure 1 shows (``filters_fcwta.png``);
3. trains a Conv-WTA autoencoder and shows its decoder kernels
   (``filters_convwta.png``) and the sparse maps of one digit.

    python tutorials/wta.py            # about a minute on 2 cores
    python tutorials/wta.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import os
import time

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist
from npae.families.wta import lifetime_mask, spatial_mask
from npae.nn import batch

from _tutorial import make_parser, parse


def main(argv=None):
    args, say = parse(make_parser(__doc__, "wta"), argv)

    say("== 1. The masks")
    Z = np.array([[0.9, 0.5], [0.2, 0.5], [0.7, 0.5], [0.1, 0.3]])
    say(f"   Z (4 examples x 2 units) =\n{Z}")
    say(f"   lifetime mask, rate 0.5 (each unit keeps its 2 largest over the batch):\n"
        f"{lifetime_mask(Z, 0.5).astype(int)}\n   (unit 2: three 0.5s tie for two places; "
        "the lowest rows win)")
    H = np.array([[[[0.1, 0.8], [0.8, 0.2]]]])  # one 2 x 2 map with a tie
    mask = spatial_mask(H)[0][0, 0].astype(int).tolist()
    say(f"   spatial mask of the map {H[0, 0].tolist()}: {mask}  (the first maximum wins)")

    Xd, _ = load_mnist(dtype="float32")
    Xtr = Xd[:300] if args.quick else Xd[:6000]
    epochs = 1 if args.quick else 5
    say(f"\n== 2. FC-WTA on {len(Xtr)} digits: 784-{100 if args.quick else 400}, 5 % lifetime")
    fc = npae.WinnerTakeAllAutoencoder(hidden=(), latent_dim=100 if args.quick else 400, sparsity=0.05,
                                       epochs=epochs, dtype="float32", random_state=0)
    t0 = time.perf_counter()
    fc.fit(Xtr)
    Zc = fc.encoder_.forward(fc.params_, Xtr[:128], batch)[0]
    kept = lifetime_mask(Zc, 0.05).sum(axis=0)
    say(f"   {time.perf_counter() - t0:.1f}s; winners per unit in a batch of 128: "
        f"{sorted(set(kept.tolist()))} (⌈0.05 · 128⌉ = 7); dead units in the last epoch: "
        f"{fc.history_['dead_fraction'][-1]:.0%}")
    plot.image_tiles(fc.params_["decoder.0.W"][:64], image_shape=(28, 28), n_cols=8,
                     title="FC-WTA decoder rows", path=os.path.join(args.out, "filters_fcwta.png"))

    n_maps = 8 if args.quick else 32
    say(f"\n== 3. Conv-WTA: {n_maps} maps of 7 x 7, spatial + 5 % lifetime sparsity")
    cw = npae.ConvolutionalWTAAutoencoder(filters=(n_maps,), kernel_size=7, padding=3,
                                          sparsity=0.05, epochs=epochs, dtype="float32",
                                          random_state=0)
    t0 = time.perf_counter()
    cw.fit(Xtr)
    code = cw.transform(Xtr[:1]).reshape(n_maps, 28, 28)
    nonzero = int(np.count_nonzero(code))
    say(f"   {time.perf_counter() - t0:.1f}s; one digit's code: {nonzero} non-zero values in "
        f"{n_maps} maps of 28 x 28 (at most one per map: the spatial winners)")
    plot.image_tiles(cw.params_["decoder.0.W"].reshape(n_maps, 49), image_shape=(7, 7),
                     n_cols=8, title="Conv-WTA decoder kernels",
                     path=os.path.join(args.out, "filters_convwta.png"))
    say(f"   figures written to {args.out}")
    return {"winners_per_unit": sorted(set(kept.tolist())), "nonzero_code": nonzero,
            "n_maps": n_maps}


if __name__ == "__main__":
    main()
