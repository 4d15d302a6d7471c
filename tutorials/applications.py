"""Applications of autoencoders (Caron's review §4; the h2o chapter §19.5)
=======================================================================

Three uses of a trained autoencoder on the bundled digits, each measured next
to PCA with the same code size:

1. Anomaly detection by reconstruction error (§4.3, h2o §19.5): the digits
   the model reconstructs worst, and novelty detection — train without one
   digit class, then ask how well the per-sample reconstruction error ranks
   that unseen class above the others (ROC AUC).  Then h2o's recipe: drop the
   worst-reconstructed training rows and retrain on the inliers.
2. Clustering in the latent space (§4.4): k-means on the codes, scored with
   the V-measure against the digit labels.
3. Retrieval (§4.2): nearest neighbours in code space (precision@10 over
   held-out queries), and semantic hashing — binary codes from a sigmoid code
   layer thresholded at ½, searched by Hamming distance.

    python tutorials/applications.py                 # about a minute on 2 cores
    python tutorials/applications.py --quick         # seconds (used by the tests)
    python tutorials/applications.py --novel-digit 4 --code-size 16
"""

from __future__ import annotations

import os

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist, train_test_split
from npae.linear import PCA
from npae.metrics import (binarize_codes, kmeans, precision_at_hamming_radius,
                          precision_at_k, roc_auc, v_measure)

from _tutorial import make_parser, parse


def autoencoder(k, epochs, code_activation="identity", seed=0):
    """The deep autoencoder used throughout: 784-256-64-k, mirrored decoder."""
    return npae.Autoencoder(hidden=(256, 64, k), activation="tanh",
                            code_activation=code_activation, loss="bce",
                            learning_rate=2e-3, batch_size=64, epochs=epochs,
                            random_state=seed, dtype="float32")


def per_image_error(X_hat, X):
    """Squared error summed over pixels, one value per image."""
    return np.sum((X_hat - X) ** 2, axis=1)


def anomaly_detection(X_tr, y_tr, X_te, y_te, k, epochs, novel_digit, out, say):
    say(f"\n== 1. Anomaly detection by reconstruction error (code size {k})")
    # (a) Train without the novel class: it is the anomaly the model never saw.
    normal = y_tr != novel_digit
    ae = autoencoder(k, epochs).fit(X_tr[normal])
    pca = PCA(n_components=k).fit(X_tr[normal])
    err_ae = ae.reconstruction_error(X_te)  # per-row MSE, as h2o.anomaly
    err_pca = pca.reconstruction_error(X_te)
    is_novel = y_te == novel_digit
    auc_ae, auc_pca = roc_auc(is_novel, err_ae), roc_auc(is_novel, err_pca)
    say(f"digit {novel_digit} left out of training; ROC AUC of the reconstruction error "
        f"for flagging it: autoencoder {auc_ae:.3f}, PCA {auc_pca:.3f} (0.5 = chance)")

    # (b) The worst-reconstructed held-out digits (h2o Fig. 19.10 in spirit).
    worst = np.argsort(err_ae)[::-1][:10]
    say(f"worst-reconstructed held-out digits: labels {y_te[worst].tolist()}")
    plot.reconstructions([X_te[worst], ae.reconstruct(X_te[worst])],
                         ["worst 10", "reconstructed"],
                         title=f"largest reconstruction errors (digit {novel_digit} unseen)",
                         path=os.path.join(out, "anomalies_worst.png"))

    # (c) h2o's recipe: drop the worst-reconstructed 5% of the training rows, retrain.
    err_train = ae.reconstruction_error(X_tr[normal])
    keep = err_train <= np.quantile(err_train, 0.95)
    ae_in = autoencoder(k, epochs).fit(X_tr[normal][keep])
    inlier_te = ~is_novel
    before = float(np.mean(err_ae[inlier_te]))
    after = float(np.mean(ae_in.reconstruction_error(X_te[inlier_te])))
    say(f"held-out normal digits, mean per-pixel MSE: trained on all {before:.5f}, "
        f"retrained on the 95% inliers {after:.5f}")
    return {"auc_ae": auc_ae, "auc_pca": auc_pca, "mse_all": before, "mse_inliers": after}


def clustering_and_retrieval(X_tr, y_tr, X_te, y_te, k, epochs, out, say, rng):
    say(f"\n== 2. Clustering in the latent space (code size {k}, k-means with 10 clusters)")
    ae = autoencoder(k, epochs).fit(X_tr)
    pca = PCA(n_components=k).fit(X_tr)
    codes = {"autoencoder": (ae.transform(X_tr), ae.transform(X_te)),
             "PCA": (pca.transform(X_tr), pca.transform(X_te)),
             "raw pixels": (X_tr, X_te)}
    res = {}
    for name, (_, Z_te) in codes.items():
        labels = kmeans(Z_te, 10, rng=rng, n_init=4).labels
        res[f"vmeasure_{name}"] = v_measure(y_te, labels)
        say(f"V-measure of k-means on held-out {name:12s} {res[f'vmeasure_{name}']:.3f}")

    say("\n== 3. Retrieval: held-out queries against the training set")
    for name, (Z_tr, Z_te) in codes.items():
        res[f"p10_{name}"] = precision_at_k(Z_te, y_te, Z_tr, y_tr, k=10)
        say(f"precision@10 with {name:12s} {res[f'p10_{name}']:.3f}")

    # Semantic hashing (Salakhutdinov & Hinton): a sigmoid code layer read as bits.
    bits = 16
    hasher = autoencoder(bits, epochs, code_activation="sigmoid").fit(X_tr)
    B_tr, B_te = binarize_codes(hasher.transform(X_tr)), binarize_codes(hasher.transform(X_te))
    pca_b = PCA(n_components=bits).fit(X_tr)  # baseline: signs of the PCA projections
    P_tr, P_te = pca_b.transform(X_tr) > 0, pca_b.transform(X_te) > 0
    res["hash_p10_ae"] = precision_at_k(B_te, y_te, B_tr, y_tr, k=10, metric="hamming")
    res["hash_p10_pca"] = precision_at_k(P_te, y_te, P_tr, y_tr, k=10, metric="hamming")
    say(f"{bits}-bit codes, precision@10 by Hamming distance: autoencoder "
        f"{res['hash_p10_ae']:.3f}, PCA signs {res['hash_p10_pca']:.3f}")
    res["hash_r2_ae"] = precision_at_hamming_radius(B_te, y_te, B_tr, y_tr, radius=2)
    say(f"autoencoder bits, precision within Hamming radius 2: {res['hash_r2_ae']:.3f}")
    if k >= 2:
        plot.latent_scatter(codes["autoencoder"][1][:, :2], y_te,
                            title="autoencoder codes (first two of k)",
                            path=os.path.join(out, "codes_first_two.png"))
    return res


def main(argv=None):
    parser = make_parser(__doc__, "applications")
    parser.add_argument("--novel-digit", type=int, default=7)
    parser.add_argument("--code-size", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=15)
    args, say = parse(parser, argv)

    X, y = load_mnist()
    epochs = args.epochs
    if args.quick:
        X, y, epochs = X[:1500], y[:1500], 2
    if args.novel_digit not in set(y.tolist()):
        parser.error(f"--novel-digit {args.novel_digit} is not among the labels {sorted(set(y))}")
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, rng=0)
    say(f"{len(X_tr)} training / {len(X_te)} held-out digits, {epochs} epochs per model")
    results = anomaly_detection(X_tr, y_tr, X_te, y_te, args.code_size, epochs,
                                args.novel_digit, args.out, say)
    results.update(clustering_and_retrieval(X_tr, y_tr, X_te, y_te, args.code_size, epochs,
                                            args.out, say, np.random.default_rng(0)))
    pairs = [("auc_ae", "auc_pca"), ("vmeasure_autoencoder", "vmeasure_PCA"),
             ("p10_autoencoder", "p10_PCA"), ("hash_p10_ae", "hash_p10_pca")]
    wins = sum(results[a] > results[b] for a, b in pairs)
    say(f"\nthe autoencoder beats PCA on {wins} of these {len(pairs)} measures; its novelty "
        f"AUC is {results['auc_ae']:.3f} (0.5 = chance).")
    if args.quick:
        say(f"(--quick: {epochs} epochs on {len(X_tr)} digits train the autoencoder far too "
            "little for these numbers to say which method is better — they show the method, "
            "not its result.  Run without --quick (about a minute), or read "
            "benchmarks/results/applications.md, for the comparison after real training.)")
    say(f"\nfigures in {args.out}")
    return results


if __name__ == "__main__":
    main()
