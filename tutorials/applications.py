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
   the V-measure and the accuracy under the best matching of clusters to
   digits, the V-score against the number of clusters (Norlander & Sopasakis
   2019), measurements of *why* the codes do not beat the pixels, and two
   models built for clustering: DEC (Xie et al. 2016) and VaDE (Jiang et al.
   2017).
3. Retrieval (§4.2): nearest neighbours in code space (``precision@10`` over
   held-out queries), and semantic hashing (Salakhutdinov & Hinton 2009) —
   binary codes from a noisy sigmoid code layer thresholded at ½, ranked by
   Hamming distance — against ITQ, PCA signs and random projections (LSH).

The benchmarks ``benchmarks/clustering.py`` and ``benchmarks/hashing.py``
measure the same methods at more sizes.

Run it from the repository::

    python tutorials/applications.py                 # about 4 minutes on 2 cores
    python tutorials/applications.py --quick         # seconds (used by the tests)
    python tutorials/applications.py --novel-digit 4 --code-size 16
"""

from __future__ import annotations

import os

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist, train_test_split
from npae.classical import PCA, kmeans
from npae.classical.hashing import fit_linear_hash
from npae.retrieval.hash_table import HammingHashTable, precision_recall_at_radius
from npae.metrics import (clustering_accuracy, mean_average_precision,
                          precision_at_hamming_radius, precision_at_k, roc_auc, v_measure,
                          v_measure_curve)

from _tutorial import banner, make_parser, parse


def autoencoder(k, epochs, code_activation="identity", seed=0):
    """The deep autoencoder used throughout: 784-256-64-k, mirrored decoder."""
    return npae.Autoencoder(hidden=(256, 64), latent_dim=k, activation="tanh",
                            code_activation=code_activation, loss="bce",
                            learning_rate=2e-3, batch_size=64, epochs=epochs,
                            random_state=seed, dtype="float32")


def per_image_error(X_hat, X):
    """Squared error summed over pixels, one value per image."""
    return np.sum((X_hat - X) ** 2, axis=1)


def anomaly_detection(X_tr, y_tr, X_te, y_te, k, epochs, novel_digit, out, say):
    banner(f"1. Anomaly detection by reconstruction error (code size {k})", say)
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


def between_class_fraction(Z, y):
    """tr(S_B) / tr(S_T): the share of the codes' total variance that lies between the
    class means (1: classes are points; 0: the class means coincide).  It ignores how
    the variance is spread over coordinates, which is what k-means is sensitive to."""
    Zc = Z - Z.mean(axis=0)
    means = np.stack([Zc[y == c].mean(axis=0) for c in np.unique(y)])
    counts = np.array([np.sum(y == c) for c in np.unique(y)])
    return float(np.sum(counts[:, None] * means ** 2) / np.sum(Zc ** 2))


def clustering(X_tr, y_tr, X_te, y_te, k, epochs, out, say, rng):
    banner(f"2. Clustering in the latent space (code size {k}, 10 clusters)", say)
    ae = autoencoder(k, epochs).fit(X_tr)
    pca = PCA(n_components=k).fit(X_tr)
    codes = {"autoencoder": (ae.transform(X_tr), ae.transform(X_te)),
             "PCA": (pca.transform(X_tr), pca.transform(X_te)),
             "raw pixels": (X_tr, X_te)}
    res, curves = {"codes": codes}, {}
    for name, (_, Z_te) in codes.items():
        labels = kmeans(Z_te, 10, rng=rng, n_init=4).labels
        res[f"vmeasure_{name}"] = v_measure(y_te, labels)
        res[f"acc_{name}"] = clustering_accuracy(y_te, labels)
        curves[name] = v_measure_curve(Z_te, y_te, n_clusters=range(2, 16), rng=rng, n_init=2)
        say(f"k-means on held-out {name:12s} V-measure {res[f'vmeasure_{name}']:.3f}, accuracy "
            f"{res[f'acc_{name}']:.3f}; best V over 2..15 clusters {curves[name].best_v:.3f} "
            f"at {curves[name].best_n_clusters}")
    plot.v_measure_curves(curves, path=os.path.join(out, "clustering_v_curves.png"))

    say("\nAutoencoder codes against pixels for k-means, measured:")
    spread = {}
    for name in ("autoencoder", "raw pixels"):
        vs = [v_measure(y_te, kmeans(codes[name][1], 10, rng=seed, n_init=4).labels)
              for seed in range(5)]
        spread[name] = (float(np.mean(vs)), float(np.std(vs)))
    gap = spread["autoencoder"][0] - spread["raw pixels"][0]
    noise = max(s for _, s in spread.values())
    res["vmeasure_seeds"] = spread
    say(f"- k-means itself is a noisy judge: over 5 seeds, V = {spread['raw pixels'][0]:.3f} ± "
        f"{spread['raw pixels'][1]:.3f} on pixels and {spread['autoencoder'][0]:.3f} ± "
        f"{spread['autoencoder'][1]:.3f} on the codes; the gap {gap:+.3f} is "
        + ("within twice the seed-to-seed spread, so a single run (as the one above) can "
           "rank them either way." if abs(gap) < 2 * noise else
           "beyond twice the seed-to-seed spread: a real difference on these digits."))
    std = codes["autoencoder"][0].std(axis=0)
    Z_std = codes["autoencoder"][1] / std
    res["vmeasure_ae_standardised"] = v_measure(y_te, kmeans(Z_std, 10, rng=rng, n_init=4).labels)
    res["ae_std_ratio"] = float(std.max() / std.min())
    say(f"- k-means assumes round clusters of one size, so the scale of each coordinate "
        f"counts.  The AE's {k} code coordinates have standard deviations from {std.min():.2f} "
        f"to {std.max():.2f} (ratio {res['ae_std_ratio']:.1f}); dividing each by its standard "
        f"deviation gives V {res['vmeasure_ae_standardised']:.3f} (unscaled "
        f"{res['vmeasure_autoencoder']:.3f})"
        + (": the widest coordinates were deciding the distances." if res["ae_std_ratio"] > 3
           else ": the scales are fairly even here, so this explains little."))
    for name, (_, Z_te) in codes.items():
        res[f"between_{name}"] = between_class_fraction(Z_te, y_te)
    say("- Share of the variance that lies between the digit means (the rest is writing "
        "style within a class): " + ", ".join(f"{n} {res[f'between_{n}']:.3f}" for n in codes)
        + ".")
    if res["between_autoencoder"] >= res["between_raw pixels"]:
        say("  By this measure the codes separate the digits *better* than the pixels"
            + ("; what k-means misses is their geometry (elongated, unequal clusters in few "
               "dimensions), not class information." if gap < 0 else
               ", and k-means on the codes does at least as well on average."))
    else:
        say("  The codes keep less of their variance between the digits than the pixels: an "
            "autoencoder is trained to reconstruct, not to separate, and keeps the "
            "within-class variation (slant, thickness) that reconstruction needs.")

    # DEC: sharpen the codes of a (denoising) autoencoder into clusters.
    dec = npae.DeepEmbeddedClustering(hidden=(256, 64), latent_dim=k, activation="tanh", loss="bce",
                                      n_clusters=10, pretrain_epochs=epochs, epochs=epochs,
                                      learning_rate=2e-3, batch_size=64, random_state=0,
                                      dtype="float32").fit(X_tr)
    lab = dec.predict(X_te)
    res["vmeasure_dec"], res["acc_dec"] = v_measure(y_te, lab), clustering_accuracy(y_te, lab)
    res["vmeasure_dec_init"] = v_measure(y_tr, dec.init_labels_)
    say(f"\nDEC (Xie et al. 2016): held-out V {res['vmeasure_dec']:.3f}, accuracy "
        f"{res['acc_dec']:.3f}; on the training digits it moved its k-means start from V "
        f"{res['vmeasure_dec_init']:.3f} to {v_measure(y_tr, dec.labels_):.3f} in "
        f"{len(dec.history_['kl'])} epochs.")
    Z2 = PCA(n_components=2).fit(dec.transform(X_tr))
    plot.latent_panels([Z2.transform(dec.transform(X_te))] * 2, [y_te, lab],
                       ["DEC codes (2 PCs) by digit", "by DEC cluster"],
                       path=os.path.join(out, "dec_codes.png"))

    # VaDE: a VAE whose prior is a learned mixture; clusters are its responsibilities.
    vade = npae.VariationalDeepEmbedding(n_components=10, latent_dim=k, hidden=(256, 64),
                                         activation="tanh", pretrain_epochs=epochs,
                                         epochs=epochs, learning_rate=2e-3, batch_size=64,
                                         random_state=0, dtype="float32").fit(X_tr)
    lab = vade.predict(X_te)
    res["vmeasure_vade"], res["acc_vade"] = v_measure(y_te, lab), clustering_accuracy(y_te, lab)
    say(f"VaDE (Jiang et al. 2017): held-out V {res['vmeasure_vade']:.3f}, accuracy "
        f"{res['acc_vade']:.3f}; mixture weights from {vade.weights_.min():.3f} to "
        f"{vade.weights_.max():.3f}.")
    Z2 = PCA(n_components=2).fit(vade.transform(X_tr))
    plot.latent_panels([Z2.transform(vade.transform(X_te))], [y_te],
                       ["VaDE codes (2 PCs) by digit, component means"],
                       prior_means=[Z2.transform(vade.means_)],
                       path=os.path.join(out, "vade_codes.png"))
    best = max(("raw pixels", "PCA", "autoencoder", "dec", "vade"),
               key=lambda m: res[f"vmeasure_{m}"])
    say(f"Best V-measure on these held-out digits: {best} ({res[f'vmeasure_{best}']:.3f}).")
    return res


def retrieval(X_tr, y_tr, X_te, y_te, codes, epochs, out, say):
    banner("3. Retrieval: held-out queries against the training set", say)
    res = {}
    for name, (Z_tr, Z_te) in codes.items():
        res[f"p10_{name}"] = precision_at_k(Z_te, y_te, Z_tr, y_tr, k=10)
        say(f"precision@10 with {name:12s} {res[f'p10_{name}']:.3f}")
    gap = res["p10_autoencoder"] - res["p10_raw pixels"]
    verdict = "about as well as" if abs(gap) < 0.02 else ("better than" if gap > 0 else "worse than")
    say(f"Nearest neighbours use local distances only, so the shape of the clusters matters "
        f"less than for k-means: the autoencoder's {codes['autoencoder'][0].shape[1]} numbers "
        f"per digit retrieve {verdict} the 784 pixels ({gap:+.3f}).")

    # Semantic hashing (Salakhutdinov & Hinton): a noisy sigmoid code layer read as bits.
    bits = 16
    say(f"\nSemantic hashing with {bits} bits, Hamming ranking of the training set:")
    sh = {nu: npae.SemanticHashingAutoencoder(hidden=(256,), latent_dim=bits, activation="tanh", loss="bce",
                                              code_noise_std=nu, epochs=epochs, learning_rate=2e-3,
                                              batch_size=64, random_state=0,
                                              dtype="float32").fit(X_tr) for nu in (0.0, 2.0)}
    hashes = {"semantic hashing (noise 2)": sh[2.0].hash, "sigmoid AE (no noise)": sh[0.0].hash}
    for name, method in (("ITQ", "itq"), ("PCA signs", "pca"), ("LSH", "lsh")):
        hashes[name] = fit_linear_hash(X_tr, bits, method, rng=0).hash
    ks = (10, 25, 50, 100)
    prec = {}
    for name, fn in hashes.items():
        B_tr, B_te = fn(X_tr), fn(X_te)
        prec[name] = [precision_at_k(B_te, y_te, B_tr, y_tr, k=kk, metric="hamming") for kk in ks]
        mean_ap = mean_average_precision(B_te, y_te, B_tr, y_tr)
        res[f"hash_map_{name}"] = mean_ap
        say(f"  {name:28s} precision@10 {prec[name][0]:.3f}, @100 {prec[name][-1]:.3f}, "
            f"mAP {mean_ap:.3f}")
    res["hash_p10_ae"] = prec["semantic hashing (noise 2)"][0]
    res["hash_p10_pca"] = prec["PCA signs"][0]
    B_tr, B_te = sh[2.0].hash(X_tr), sh[2.0].hash(X_te)
    res["hash_r2_ae"] = precision_at_hamming_radius(B_te, y_te, B_tr, y_tr, radius=2)
    say(f"  semantic hashing, precision within Hamming radius 2: {res['hash_r2_ae']:.3f}")
    # The paper's retrieval is a hash table, not a scan: the training codes bucketed by their
    # bits, the query's bucket and its neighbours found by flipping up to r bits.
    table = HammingHashTable(B_tr)
    say(f"  as a hash table: {table.n_buckets} non-empty buckets of 2^{bits} addresses hold the "
        f"{table.n_entries} training codes")
    for row in precision_recall_at_radius(table, B_te, y_te, y_tr, (0, 1, 2)):
        say(f"    radius {row['radius']}: {row['probes']:4d} probes, precision {row['precision']:.3f} "
            f"(queries with a non-empty ball), recall {row['recall']:.3f}, "
            f"{100 * row['empty']:.0f}% empty balls")
        res[f"table_precision_r{row['radius']}"] = row["precision"]
        res[f"table_recall_r{row['radius']}"] = row["recall"]
    values = {f"noise {nu:g}": m.transform(X_te).ravel() for nu, m in sh.items()}
    sat = {n: float(np.mean((v < 0.1) | (v > 0.9))) for n, v in values.items()}
    res["saturated_noise"], res["saturated_plain"] = sat["noise 2"], sat["noise 0"]
    say(f"Code values beyond 0.1/0.9: {100 * sat['noise 2']:.0f}% with the noise, "
        f"{100 * sat['noise 0']:.0f}% without" + (
            " — the noise drives the units to 0 or 1, so thresholding at ½ loses less of what "
            "the decoder was trained on." if sat["noise 2"] > sat["noise 0"] else
            " — here the noise did not saturate the units more (too little training?)."))
    best = max(hashes, key=lambda n: res[f"hash_map_{n}"])
    say(f"Best mAP: {best}.  The linear hashes need no training; ITQ rotates the PCA "
        "directions so that taking signs loses less (PCA's first directions carry most of "
        "the variance, so their bits are unbalanced in information).")
    plot.histograms(values, bins=40, xlabel="code value σ(a)", range=(0.0, 1.0),
                    title="semantic hashing: code values, held-out digits",
                    path=os.path.join(out, "hashing_code_values.png"))
    plot.curves(list(ks), prec, "k (retrieved items)", "precision@k", title=f"{bits}-bit codes",
                path=os.path.join(out, "hashing_precision.png"))
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
    res = clustering(X_tr, y_tr, X_te, y_te, args.code_size, epochs, args.out, say,
                     np.random.default_rng(0))
    codes = res.pop("codes")
    results.update(res)
    results.update(retrieval(X_tr, y_tr, X_te, y_te, codes, epochs, args.out, say))
    if args.quick:
        say(f"(--quick: {epochs} epochs on {len(X_tr)} digits train the autoencoder far too "
            "little for these numbers to say which method is better — they show the method, "
            "not its result.  Run without --quick (about a minute), or read "
            "benchmarks/results/applications.md, for the comparison after real training.)")
    say(f"\nfigures in {args.out}")
    return results


if __name__ == "__main__":
    main()
