"""One-class detection on the eleven ODDS sets with PyOD's protocol: npae's detectors vs scikit-learn.

Protocol (PyOD's benchmark, Zhao, Nasrullah & Li 2019): for each set, 10 random
60/40 train/test splits; each feature standardised with the training part's mean
and standard deviation; every detector fitted on the training part (outliers
included, unlabelled) and scored on the test part; ROC AUC and precision@n
(n = number of test outliers) averaged over the splits.

Rows: ``npae default`` (``npae.OutlierDetector()``, the rule of
:mod:`npae.detection.detector`), each score of the detector in the standardised
input space and on the codes of an autoencoder d -> 64 -> k (k = min(8, max(2, d // 2)),
tanh, linear code, 30 epochs), h2o's refit on the inliers, the VAE's -ELBO and
-IW log-likelihood (Gaussian likelihood, same sizes), robust PCA (principal
component pursuit, then the distance to the row space of L), the robust deep
autoencoder (the same network, l21 penalty, lam = 1 standard deviation per entry,
10 alternations of 3 epochs; score ||s_i||, and, in a follow-up run, the residual
||x_i - L_D,i|| that breaks the ties of the rows with s_i = 0), the one-class neural network (the same
encoder, nu = 0.1, linear head of 16 units, 10 pretraining + 20 one-class epochs), DAGMM
(d -> 64 -> 2 compression network as the paper's small sets, estimation network
4 -> 10 -> 4 components, lambda1 = 0.1, lambda2 = 0.005, 30 epochs; score: the energy); and, measured in the
same run, scikit-learn's IsolationForest, LocalOutlierFactor(novelty=True) and
OneClassSVM with their default settings (PyOD's defaults too). Beside them,
PyOD's published figures: ``docs/tables/roc.csv`` and ``prc.csv`` of
github.com/yzhao062/pyod (commit 1e5adf28), averages of its own 10 splits.

    python benchmarks/anomaly_odds.py --md benchmarks/results/anomaly_odds.md   # full (~15 min)
    python benchmarks/anomaly_odds.py --quick                                     # smoke (seconds)

The ODDS files are read by :func:`npae.datasets.load_odds` (``$NPAE_ODDS_DIR`` or
``../shared/data/odds``).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings

import numpy as np

import npae
from npae.datasets import ODDS_SETS, load_odds
from npae.detection import OutlierDetector, RobustDeepAutoencoder, RobustPCA
from npae.metrics import precision_at_n, roc_auc

from _common import finish

#: PyOD's published ROC AUC and precision@n (docs/tables/roc.csv, prc.csv; 10 splits, 2019)
PYOD_ROC = {  # IForest, LOF, OCSVM, PCA, KNN, MCD, HBOS
    "arrhythmia": (0.8139, 0.7776, 0.7796, 0.7806, 0.7854, 0.7774, 0.8211),
    "cardio": (0.9243, 0.5806, 0.9382, 0.9527, 0.7368, 0.8383, 0.8434),
    "glass": (0.7016, 0.8375, 0.5758, 0.6285, 0.8260, 0.7697, 0.7063),
    "ionosphere": (0.8529, 0.8927, 0.8597, 0.8056, 0.9350, 0.9592, 0.5569),
    "letter": (0.6190, 0.8668, 0.6061, 0.5242, 0.8748, 0.8064, 0.5880),
    "lympho": (0.9913, 0.9762, 0.9762, 0.9838, 0.9723, 0.9008, 0.9964),
    "mnist": (0.8028, 0.7193, 0.8521, 0.8519, 0.8500, 0.8579, 0.5774),
    "pima": (0.6681, 0.6224, 0.6151, 0.6413, 0.7051, 0.6716, 0.6983),
    "satellite": (0.7013, 0.5570, 0.6603, 0.5962, 0.6852, 0.8044, 0.7542),
    "vowels": (0.7407, 0.9351, 0.7656, 0.5949, 0.9654, 0.7452, 0.6704),
    "wbc": (0.9325, 0.9374, 0.9376, 0.9240, 0.9398, 0.9164, 0.9540),
}
PYOD_PRN = {
    "arrhythmia": (0.5026, 0.4153, 0.4364, 0.4400, 0.4260, 0.3885, 0.5065),
    "cardio": (0.5199, 0.1619, 0.5267, 0.6219, 0.3495, 0.4617, 0.4610),
    "glass": (0.0713, 0.1338, 0.1338, 0.0713, 0.0838, 0.0000, 0.0100),
    "ionosphere": (0.6628, 0.7360, 0.7344, 0.6023, 0.8675, 0.8938, 0.3305),
    "letter": (0.0869, 0.3814, 0.1510, 0.0827, 0.3440, 0.1796, 0.0799),
    "lympho": (0.7883, 0.7050, 0.7050, 0.7050, 0.7050, 0.3967, 0.8400),
    "mnist": (0.2964, 0.3363, 0.3924, 0.3851, 0.4220, 0.3164, 0.1176),
    "pima": (0.5017, 0.4490, 0.4654, 0.4964, 0.5382, 0.4937, 0.5325),
    "satellite": (0.5647, 0.3872, 0.5318, 0.4761, 0.4990, 0.6856, 0.5668),
    "vowels": (0.1911, 0.3492, 0.2737, 0.1327, 0.4788, 0.1172, 0.1467),
    "wbc": (0.5213, 0.5363, 0.5241, 0.5062, 0.5094, 0.4359, 0.6115),
}
PYOD_NAMES = ("IForest", "LOF", "OCSVM", "PCA", "KNN", "MCD", "HBOS")


def _ae(d, seed):
    k = min(8, max(2, d // 2))
    return npae.Autoencoder(hidden=(64,), latent_dim=k, activation="tanh", code_activation="identity",
                            epochs=30, batch_size=64, random_state=seed)


def _vae(d, seed):
    return npae.VariationalAutoencoder(latent_dim=min(8, max(2, d // 2)), hidden=(64,),
                                       likelihood="gaussian", epochs=30, batch_size=64,
                                       random_state=seed)


class _Sk:
    """A scikit-learn detector with PyOD's sign: decision_function higher = more abnormal."""

    def __init__(self, est):
        self.est = est

    def fit(self, X):
        self.est.fit(X)
        return self

    def decision_function(self, X):
        return -self.est.score_samples(X)


def methods():
    """name -> (factory(d, seed) -> detector, group); the npae rows first, then the baselines."""
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor
    from sklearn.svm import OneClassSVM

    od = OutlierDetector
    return {
        "npae default": (lambda d, s: od(random_state=s), "npae"),
        "input: kde": (lambda d, s: od(estimator="input", score="kde"), "npae"),
        "input: mahalanobis": (lambda d, s: od(estimator="input", score="mahalanobis"), "npae"),
        "input: gmm": (lambda d, s: od(estimator="input", score="gmm", random_state=s), "npae"),
        "AE: reconstruction": (lambda d, s: od(estimator=_ae(d, s), score="reconstruction"), "npae"),
        "AE: reconstruction, refit on inliers": (
            lambda d, s: od(estimator=_ae(d, s), score="reconstruction", refit_inliers=True), "npae"),
        "AE: kde": (lambda d, s: od(estimator=_ae(d, s), score="kde"), "npae"),
        "AE: mahalanobis": (lambda d, s: od(estimator=_ae(d, s), score="mahalanobis"), "npae"),
        "AE: gmm": (lambda d, s: od(estimator=_ae(d, s), score="gmm", random_state=s), "npae"),
        "VAE: -ELBO": (lambda d, s: od(estimator=_vae(d, s), score="elbo"), "npae"),
        "VAE: -IW log-likelihood": (lambda d, s: od(estimator=_vae(d, s), score="iw"), "npae"),
        "robust PCA": (lambda d, s: od(estimator=RobustPCA(), score="reconstruction"), "npae"),
        "RDA (l21, lam=1)": (lambda d, s: od(estimator=RobustDeepAutoencoder(
            autoencoder=_ae(d, s), n_outer=10, inner_epochs=3, random_state=s),
            score="reconstruction"), "npae"),
        "RDA (l21, lam=1), residual score": (lambda d, s: od(estimator=RobustDeepAutoencoder(
            autoencoder=_ae(d, s), n_outer=10, inner_epochs=3, score="residual", random_state=s)),
            "npae"),
        "OC-NN": (lambda d, s: od(estimator=npae.OneClassNeuralNetwork(
            hidden=(64,), latent_dim=min(8, max(2, d // 2)), epochs=30, pretrain_epochs=10, batch_size=64,
            random_state=s)), "npae"),
        "DAGMM": (lambda d, s: od(estimator=npae.DeepAutoencodingGMM(
            hidden=(64,), latent_dim=2, epochs=30, batch_size=64, learning_rate=1e-3, random_state=s)), "npae"),
        "sklearn IsolationForest": (lambda d, s: _Sk(IsolationForest(random_state=s)), "baseline"),
        "sklearn LOF (novelty)": (lambda d, s: _Sk(LocalOutlierFactor(novelty=True)), "baseline"),
        "sklearn OneClassSVM": (lambda d, s: _Sk(OneClassSVM()), "baseline"),
    }


def run(sets, n_splits, only=None, verbose=True):
    """-> {method: {set: (mean ROC, mean precision@n, seconds per split)}}, and the shapes."""
    table = methods()
    if only:
        table = {k: v for k, v in table.items() if k in only or v[1] == "baseline"}
    res = {m: {} for m in table}
    shapes = {}
    for name in sets:
        X, y = load_odds(name)
        shapes[name] = X.shape
        per = {m: [] for m in table}
        for split in range(n_splits):
            perm = np.random.default_rng(split).permutation(len(X))
            n_tr = int(0.6 * len(X))
            tr, te = perm[:n_tr], perm[n_tr:]
            mu, sd = X[tr].mean(axis=0), X[tr].std(axis=0)
            sd[sd == 0] = 1.0
            A, B = (X[tr] - mu) / sd, (X[te] - mu) / sd
            for m, (factory, _) in table.items():
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    s = factory(X.shape[1], split).fit(A).decision_function(B)
                per[m].append((roc_auc(y[te], s), precision_at_n(y[te], s), time.perf_counter() - t0))
        for m in table:
            res[m][name] = tuple(np.mean(np.array(per[m]), axis=0))
        if verbose:
            print(f"{name}: " + ", ".join(f"{m} {res[m][name][0]:.3f}" for m in table), flush=True)
    return res, shapes


def _mean(res_m, sets, i):
    return float(np.mean([res_m[s][i] for s in sets]))


def report(res, shapes, sets, n_splits, command):
    lines = [f"Command: `{command}`", "",
             f"{n_splits} random 60/40 splits per set (seeds 0..{n_splits - 1}), standardised on the "
             "training part; mean over the splits. Machine: "
             f"{platform.machine()}, Python {platform.python_version()}, NumPy {np.__version__}; "
             "shared 2-core machine (times are indicative).", ""]
    head = "| method | " + " | ".join(f"{s} ({shapes[s][0]}×{shapes[s][1]})" for s in sets) + " | mean |"
    sep = "|---" * (len(sets) + 2) + "|"
    for title, i, pub in (("ROC AUC (test part)", 0, PYOD_ROC), ("precision@n (test part)", 1, PYOD_PRN)):
        lines += [f"### {title}", "", head, sep]
        order = sorted(res, key=lambda m: -_mean(res[m], sets, 0)) if i == 0 else list(res)
        for m in order:
            lines.append(f"| {m} | " + " | ".join(f"{res[m][s][i]:.3f}" for s in sets)
                         + f" | **{_mean(res[m], sets, i):.3f}** |")
        if all(s in pub for s in sets):
            for j, p in enumerate(PYOD_NAMES):
                vals = [pub[s][j] for s in sets]
                lines.append(f"| PyOD published: {p} | " + " | ".join(f"{v:.3f}" for v in vals)
                             + f" | {np.mean(vals):.3f} |")
        lines.append("")
    lines += ["### Seconds per split (fit on the training part + score the test part)", "", head, sep]
    for m in res:
        lines.append(f"| {m} | " + " | ".join(f"{res[m][s][2]:.2f}" for s in sets)
                     + f" | {_mean(res[m], sets, 2):.2f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two small sets, two splits (seconds)")
    parser.add_argument("--sets", nargs="*", default=None, help=f"subset of {ODDS_SETS}")
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--only", nargs="*", default=None, help="npae rows to run (baselines always run)")
    parser.add_argument("--md", default=None, help="write the markdown report here")
    args = parser.parse_args(argv)
    sets = args.sets or (["glass", "lympho"] if args.quick else list(ODDS_SETS))
    n_splits = 2 if args.quick else args.splits
    res, shapes = run(sets, n_splits, args.only)
    command = "python benchmarks/anomaly_odds.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(res, shapes, sets, n_splits, command.strip())
    finish("## One-class detection on ODDS (issue 10)\n\n" + text, args.md)


if __name__ == "__main__":
    main()
