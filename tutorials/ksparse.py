"""k-sparse autoencoders (Makhzani & Frey 2013; the encyclopedia article's f_k)
============================================================================

Instead of *encouraging* sparsity with a penalty (tutorials/sparse.py), the
k-sparse autoencoder *imposes* it: after the linear encoder z = W x + b only
the k largest entries of z are kept, the rest are set to 0, and the decoder
reconstructs from that k-sparse code.  Backpropagation passes through the
kept units only.  This tutorial

1. shows the k-sparse function on a small example, including how ties are
   broken (lowest index wins, deterministically);
2. trains a k-sparse autoencoder on the bundled digits and checks that every
   training code has exactly k non-zeros and every code from ``transform``
   exactly α·k (the paper's encoding rule);
3. shows the first-layer filters (``filters_ksparse.png``: with small k they
   become digit parts and strokes) and reconstructions from k and from α·k
   units (``reconstructions_ksparse.png``), and counts dead units (never in
   the top k), the problem the paper's decreasing-k schedule addresses.

Run it from the repository::

    python tutorials/ksparse.py            # about half a minute on 2 cores
    python tutorials/ksparse.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import os
import time

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist
from npae.families.ksparse import k_sparse_mask
from npae.nn import batch

from _tutorial import make_parser, parse


def main(argv=None):
    args, say = parse(make_parser(__doc__, "ksparse"), argv)

    say("== 1. The k-sparse function f_k")
    z = np.array([[0.5, 2.0, 0.5, -3.0, 0.1]])
    for k, sel in ((2, "value"), (3, "value"), (2, "magnitude")):
        mask = k_sparse_mask(z, k, sel)
        say(f"   z = {z[0]}, k = {k}, by {sel:<9}: f_k(z) = {np.where(mask, z, 0.0)[0]}")
    say("   With k = 3 the two 0.5's tie for the last place: the lower index wins.")

    X, _ = load_mnist()
    if args.quick:
        Xtr, Xte, hidden, k, epochs = X[:1000], X[7000:7500], 100, 10, 3
    else:
        Xtr, Xte, hidden, k, epochs = X[:6000], X[6000:], 256, 25, 10
    alpha = 3.0
    say(f"\n== 2. Training on {len(Xtr)} digits: {hidden} linear code units, k = {k}, "
        f"alpha = {alpha}, tied weights (as the paper)")
    ae = npae.KSparseAutoencoder(latent_dim=hidden, k=k, transform_k_factor=alpha, tied=True, epochs=epochs,
                                 learning_rate=1e-3, batch_size=64, random_state=0)
    t0 = time.perf_counter()
    ae.fit(Xtr)
    say(f"   {epochs} epochs in {time.perf_counter() - t0:.1f}s; training loss "
        f"{ae.history_['loss'][0]:.3f} -> {ae.history_['loss'][-1]:.3f}")

    Z_lin = ae.encoder_.forward(ae.params_, Xte, batch)[0]  # z = W x + b, before f_k
    mask_k = k_sparse_mask(Z_lin, k)
    Z_k = Z_lin * mask_k  # the code the decoder saw during training
    Z_ak = ae.transform(Xte)  # the encoding rule after training: alpha * k units
    nz_k = np.unique((Z_k != 0).sum(axis=1))
    nz_ak = np.unique((Z_ak != 0).sum(axis=1))
    say(f"   non-zeros per test code: training rule {nz_k.tolist()}, transform {nz_ak.tolist()} "
        f"(alpha*k = {ae.encoding_k_})")
    mse_k = float(((ae.inverse_transform(Z_k) - Xte) ** 2).mean())
    mse_ak = float(ae.reconstruction_error(Xte).mean())
    dead = float(1.0 - mask_k.any(axis=0).mean())
    say(f"   test MSE from k units {mse_k:.4f}, from alpha*k units {mse_ak:.4f}; "
        f"dead units (never in the top k on the test digits): {100 * dead:.0f}%")

    say("\n== 3. Figures")
    order = np.argsort(-mask_k.sum(axis=0))  # most used units first
    n_show, n_fig = (16, 4) if args.quick else (64, 10)  # matplotlib dominates quick runs
    plot.image_tiles(ae.params_["encoder.0.W"].T[order[:n_show]], n_cols=8,
                     title=f"k-sparse AE filters (k={k}), most used first",
                     path=os.path.join(args.out, "filters_ksparse.png"))
    plot.reconstructions([Xte, ae.inverse_transform(Z_k), ae.reconstruct(Xte)],
                         ["original", f"k={k}", f"αk={ae.encoding_k_}"], n=n_fig,
                         title="k-sparse reconstructions",
                         path=os.path.join(args.out, "reconstructions_ksparse.png"))
    say(f"   figures written to {args.out}")
    return {"k": k, "alpha_k": ae.encoding_k_, "nonzeros_train": int(nz_k[0]) if nz_k.size == 1
            else -1, "nonzeros_encode": int(nz_ak[0]) if nz_ak.size == 1 else -1,
            "mse_k": mse_k, "mse_alpha_k": mse_ak, "dead_units": dead}


if __name__ == "__main__":
    main()
