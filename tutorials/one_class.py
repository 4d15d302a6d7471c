"""One-class classification (Caron's review §3) and anomaly detection with autoencoders (§4).
==========================================================================================

Part 1, on 2-D data (two Gaussian blobs plus uniform outliers), the review's three
families of one-class methods, each as an ``npae.OutlierDetector`` (or a
scikit-learn one-class SVM when scikit-learn is installed):

- density: one Gaussian (Mahalanobis distance), a Gaussian mixture (EM), a Parzen window;
- boundary: the one-class SVM and the one-class neural network (OC-NN);
- reconstruction: PCA, robust PCA (principal component pursuit), an autoencoder.

Figures: the decision regions with each detector's threshold, the score histograms
of inliers and outliers, the ROC curves.

Part 2, on the bundled digits, the §4 methods as novelty detectors: train on the
digits without one class, score held-out digits, and ask how well the unseen class
is ranked above the others (ROC AUC, average precision): reconstruction error,
a Parzen density on the codes (Cao et al. 2016), the robust deep autoencoder
(Zhou & Paffenroth 2017), OC-NN (Chalapathy et al. 2018), DAGMM (Zong et al. 2018),
the VAE's -ELBO.

Part 3, the default detector, ``OutlierDetector()``: what it computes, PyOD's
conventions (``labels_``, ``predict``, ``predict_proba``, confidence), and how its
rule was chosen — by leave-one-dataset-out over 26 benchmark sets, the table of
``benchmarks/results/anomaly_benchmark.md``.

Run it from the repository::

    python tutorials/one_class.py            # a few minutes on 2 cores
    python tutorials/one_class.py --quick    # seconds (the tests): models barely trained
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist, make_anomalies, train_test_split
from npae.detection import OutlierDetector, RobustDeepAutoencoder, RobustPCA
from npae.metrics import average_precision, roc_auc

from _tutorial import HERE, banner, make_parser, parse


def roc_points(y, s):
    """(false positive rate, true positive rate) at every threshold of the score ``s``."""
    order = np.argsort(-s, kind="mergesort")
    y = np.asarray(y, bool)[order]
    tpr = np.r_[0.0, np.cumsum(y) / y.sum()]
    fpr = np.r_[0.0, np.cumsum(~y) / (~y).sum()]
    return fpr, tpr


class _SVM:
    """scikit-learn's OneClassSVM with the detector's sign and a threshold at its boundary."""

    def fit(self, X):
        from sklearn.svm import OneClassSVM
        self.svm = OneClassSVM(nu=0.1, gamma="scale").fit(X)
        self.threshold_ = 0.0
        return self

    def decision_function(self, X):
        return -self.svm.decision_function(X)


def two_d_detectors(epochs, seed):
    ae = npae.Autoencoder(hidden=(16,), latent_dim=1, activation="tanh", code_activation="identity",
                          epochs=epochs, batch_size=32, learning_rate=3e-3, random_state=seed)
    ocnn = npae.OneClassNeuralNetwork(hidden=(16,), latent_dim=2, epochs=epochs, pretrain_epochs=epochs // 4,
                                      batch_size=32, learning_rate=3e-3, random_state=seed)
    dets = {
        "density: Gaussian (Mahalanobis)": OutlierDetector(estimator="input", score="mahalanobis"),
        "density: mixture (EM, 3)": OutlierDetector(estimator="input", score="gmm"),
        "density: Parzen (Scott)": OutlierDetector(estimator="input", score="kde"),
        "boundary: OC-NN": OutlierDetector(estimator=ocnn),
        "reconstruction: PCA (1 comp.)": OutlierDetector(estimator=npae.PCA(n_components=1),
                                                         score="reconstruction"),
        "reconstruction: robust PCA": OutlierDetector(estimator=RobustPCA(), score="reconstruction"),
        "reconstruction: autoencoder": OutlierDetector(estimator=ae, score="reconstruction"),
    }
    if importlib.util.find_spec("sklearn") is not None:
        dets["boundary: one-class SVM"] = _SVM()
    return dets


def part_one(args, say, epochs):
    banner("1. Density, boundary and reconstruction methods on 2-D data", say)
    X, y = make_anomalies(600, 2, contamination=0.05, n_clusters=2, cluster_std=0.8, spread=3.0,
                          rng=0)
    say(f"{len(X)} points, {int(y.sum())} uniform outliers; each detector flags its 5% top scores")
    dets = {name: det.fit(X) if not isinstance(det, _SVM) else det.fit((X - X.mean(0)) / X.std(0))
            for name, det in two_d_detectors(epochs, 0).items()}
    lo, hi = X.min(axis=0) - 1, X.max(axis=0) + 1
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], 120), np.linspace(lo[1], hi[1], 120))
    grid = np.c_[g1.ravel(), g2.ravel()]
    plt = plot._plt()
    n = len(dets)
    fig, axes = plt.subplots(2, (n + 1) // 2, figsize=(3.2 * ((n + 1) // 2), 6.4))
    fig_h, axes_h = plt.subplots(2, (n + 1) // 2, figsize=(3.2 * ((n + 1) // 2), 5.6))
    fig_r, ax_r = plt.subplots(figsize=(5, 4.5))
    results = {}
    for ax, ax_h, (name, det) in zip(axes.ravel(), axes_h.ravel(), dets.items()):
        scale = isinstance(det, _SVM)
        Xd = (X - X.mean(0)) / X.std(0) if scale else X
        G = (grid - X.mean(0)) / X.std(0) if scale else grid
        s, s_grid = det.decision_function(Xd), det.decision_function(G).reshape(g1.shape)
        results[name] = roc_auc(y, s)
        say(f"  {name:34s} ROC AUC {results[name]:.3f}   AP {average_precision(y, s):.3f}")
        ax.contourf(g1, g2, s_grid > det.threshold_, levels=[-0.5, 0.5, 1.5], colors=["#e8f1fa", "#f9d9d3"])
        ax.contour(g1, g2, s_grid, levels=[det.threshold_], colors="k", linewidths=1)
        ax.scatter(*X[y == 0].T, s=3, c="tab:blue")
        ax.scatter(*X[y == 1].T, s=8, c="tab:red", marker="x")
        ax.set_title(name, fontsize=8)
        ax.set_xticks([]), ax.set_yticks([])
        rng = (float(np.min(s)), float(np.max(s)) + 1e-12)
        ax_h.hist(s[y == 0], bins=30, range=rng, alpha=0.6, label="inliers")
        ax_h.hist(s[y == 1], bins=30, range=rng, alpha=0.6, label="outliers")
        ax_h.axvline(det.threshold_, color="k", linestyle="--", linewidth=1)
        ax_h.set_title(name, fontsize=8)
        ax_r.plot(*roc_points(y, s), label=f"{name} ({results[name]:.2f})", linewidth=1)
    for extra in list(axes.ravel()[n:]) + list(axes_h.ravel()[n:]):
        extra.axis("off")
    axes_h.ravel()[0].legend(fontsize=7)
    ax_r.plot([0, 1], [0, 1], "k:", linewidth=0.8)
    ax_r.set_xlabel("false positive rate"), ax_r.set_ylabel("true positive rate")
    ax_r.legend(fontsize=6)
    for f, name in ((fig, "regions.png"), (fig_h, "score_histograms.png"), (fig_r, "roc_curves.png")):
        plot.save(f, os.path.join(args.out, name))
    rank = dets["reconstruction: robust PCA"].estimator_.rank_
    say("Density methods draw level sets of an estimated density: one Gaussian must cover both "
        "blobs with one ellipse, the mixture and the Parzen window can follow each blob. Boundary "
        "methods learn the boundary directly. Reconstruction methods flag what lies off a "
        "1-D subspace (PCA) or a 1-D curve (autoencoder), so they cannot see outliers lying along "
        f"it. Robust PCA's low-rank part has rank {rank} here"
        + (": with only two columns it keeps the whole plane, nothing is left to reconstruct, and "
           "its ranking is close to chance; it is a method for many features." if rank >= 2 else "."))
    best, worst = max(results, key=results.get), min(results, key=results.get)
    say(f"Best here: {best} ({results[best]:.3f}); worst: {worst} ({results[worst]:.3f}).")
    if results["boundary: OC-NN"] < 0.75 and not args.quick:
        say("The OC-NN's score is a linear function of its code (npae's default linear head; the "
            "sigmoid head collapses, see npae/families/ocnn.py): it orders the points along one "
            "direction of the code space, so outliers on the far side of the inliers score as "
            "normal. The one-class SVM's kernel boundary can close around the data; the OC-NN's "
            "cannot.")
    if args.quick:
        say(f"(--quick: the OC-NN and the autoencoder trained for {epochs} epochs only; their "
            "figures above say little about the methods.)")
    return results


def part_two(args, say, epochs):
    banner("2. Novelty detection on the digits with the §4 methods", say)
    X, y = load_mnist()
    if args.quick:
        X, y = X[:800], y[:800]
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, rng=0)
    X_tr = X_tr[y_tr != args.novel_digit]
    novel = (y_te == args.novel_digit).astype(int)
    say(f"trained on {len(X_tr)} digits without any {args.novel_digit}; {len(X_te)} held out, "
        f"{novel.sum()} of them {args.novel_digit}s; {epochs} epochs per network")
    net = dict(hidden=(128,), latent_dim=16, activation="tanh", code_activation="identity", epochs=epochs,
               batch_size=64, learning_rate=2e-3, random_state=0)
    dets = {
        "AE: reconstruction error": OutlierDetector(estimator=npae.Autoencoder(**net),
                                                    score="reconstruction", standardize=False),
        "AE: Parzen on the codes": OutlierDetector(estimator=npae.Autoencoder(**net), score="kde",
                                                   standardize=False),
        "robust deep autoencoder": OutlierDetector(estimator=RobustDeepAutoencoder(
            autoencoder=npae.Autoencoder(**net), lam=0.2, n_outer=max(2, epochs // 3),
            inner_epochs=3), standardize=False),
        "OC-NN": OutlierDetector(estimator=npae.OneClassNeuralNetwork(
            **{**net, "pretrain_epochs": max(1, epochs // 2)}), standardize=False),
        "DAGMM": OutlierDetector(estimator=npae.DeepAutoencodingGMM(
            **{**net, "hidden": (128,), "latent_dim": 2, "learning_rate": 1e-3}), standardize=False),
        "VAE: -ELBO": OutlierDetector(estimator=npae.VariationalAutoencoder(
            latent_dim=16, hidden=(128,), epochs=epochs, batch_size=64, random_state=0)),
    }
    results = {}
    for name, det in dets.items():
        s = det.fit(X_tr).decision_function(X_te)
        results[name] = roc_auc(novel, s)
        say(f"  {name:28s} ROC AUC {results[name]:.3f}   AP {average_precision(novel, s):.3f}")
    best, worst = max(results, key=results.get), min(results, key=results.get)
    say(f"Best here: {best} ({results[best]:.3f}); worst: {worst} ({results[worst]:.3f}). "
        "One unseen digit, one split, one seed: an illustration, not a benchmark (see "
        "benchmarks/results/anomaly_odds.md for the same methods on eleven data sets).")
    if args.quick:
        say(f"(--quick: {len(X_tr)} training digits and {epochs} epochs; the networks are barely "
            "trained, so these figures only show that the pipeline runs, not how the methods compare.)")
    return results


def _lodo_table(path):
    """The leave-one-dataset-out lines of the benchmark's results file, or None when absent."""
    if not os.path.isfile(path):
        return None
    with open(path) as fh:
        text = fh.read()
    head = [ln for ln in text.splitlines() if ln.startswith("**Headline")]
    start = text.find("### Leave-one-dataset-out")
    table = text[start:].split("\n\n")[1] if start >= 0 else ""
    return "\n".join(head + ["", table])


def part_three(args, say):
    banner("3. The default detector and how it was chosen", say)
    X, y = make_anomalies(600, 2, contamination=0.05, n_clusters=2, cluster_std=0.8, spread=3.0,
                          rng=0)
    det = OutlierDetector(contamination=0.05).fit(X)
    say(f"OutlierDetector() fits an {type(det.estimator_).__name__} and scores with the components "
        f"{det.components_} (standardised on the training rows, combined by '{det.combine}'); "
        f"ROC AUC on the 2-D data {roc_auc(y, det.decision_scores_):.3f}")
    same = bool(np.array_equal(det.predict(X), det.labels_))
    say(f"predict(X_train) == labels_: {same}; flagged {det.labels_.mean():.3f} of the rows "
        f"(contamination 0.05)")
    far = np.array([[12.0, 12.0], [0.0, 0.0]])
    proba, conf = det.predict_proba(far, return_confidence=True)
    say(f"two new points: P(outlier) {np.round(proba[:, 1], 3)} (PyOD's 'linear'), "
        f"{np.round(det.predict_proba(far, method='unify')[:, 1], 3)} ('unify'); "
        f"confidence of the 0/1 call {np.round(conf, 3)}")
    say("How the rule was chosen: every candidate (the autoencoder's reconstruction error, kNN "
        "and Mahalanobis distances on its codes, an ensemble of autoencoders, and their "
        "combinations with kNN and Mahalanobis in the input) was scored on 26 sets (11 ODDS, "
        "15 ADBench) with PyOD's protocol; for each set, the candidate with the best mean ROC AUC "
        "on the OTHER 25 was picked and scored on the held-out one. The mean of those held-out "
        "scores is what the rule is worth on data it never saw; the candidate picked on all 26 "
        "ships.")
    table = _lodo_table(os.path.join(HERE, "..", "benchmarks", "results", "anomaly_benchmark.md"))
    say(table if table else "(benchmarks/results/anomaly_benchmark.md is not here: run "
        "benchmarks/anomaly_benchmark.py to make the table)")
    return {"roc_auc": roc_auc(y, det.decision_scores_), "predict_equals_labels": same}


def main(argv=None):
    parser = make_parser(__doc__, "one_class")
    parser.add_argument("--novel-digit", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=30)
    args, say = parse(parser, argv)
    epochs = 4 if args.quick else args.epochs
    res = {"two_d": part_one(args, say, 8 if args.quick else 200), "digits": part_two(args, say, epochs),
           "default": part_three(args, say)}
    say(f"\nfigures in {args.out}")
    return res


if __name__ == "__main__":
    main()
