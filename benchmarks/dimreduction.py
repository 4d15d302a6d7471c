"""Dimensionality reduction on the bundled digits: PCA, linear and nonlinear autoencoders.

On the bundled 8,000 MNIST digits (6,000 for training, 2,000 held out with
``train_test_split(X, y, test_size=0.25, rng=0)``), for code sizes k in
{2, 10, 30}, train

- ``PCA``                 principal component analysis by SVD (float64);
- ``linear AE, closed``   the optimal linear autoencoder (Baldi & Hornik 1989),
                          ``npae.classical.linear_autoencoder_closed_form``;
- ``linear AE, Adam``     npae.Autoencoder 784-k-784, identity activations,
                          squared error, trained by Adam;
- ``AE 784-k-784``        one hidden layer: linear code, sigmoid output,
                          Bernoulli cross-entropy (a nonlinear *decoder* only:
                          the autoencoder cousin of logistic PCA);
- ``AE 784-256-k``        784-256-k-256-784, ReLU hidden, linear code,
                          sigmoid output, cross-entropy;
- ``deep AE 784-512-256-k`` 784-512-256-k-256-512-784, same units
                          (Hinton & Salakhutdinov's linear code; no RBM
                          pretraining: plain Adam from a Glorot start);

and report Hinton & Salakhutdinov's (2006) metric: the squared error summed
over the 784 pixels, averaged over the held-out images -- that is
``model.reconstruction_error(X_test).mean() * 784`` with npae's per-row-MSE
convention. Their full-MNIST figures for k = 30 (60,000 training images,
pretrained deep network) are PCA 13.87, logistic PCA 8.01, deep autoencoder
3.00; they are quoted beside ours, not reproduced.

Also measured: the same error on (2,000 of) the training images (the
generalisation gap), the accuracy of a 5-nearest-neighbour classifier in each
code space (train codes -> held-out codes), and, for the Adam-trained linear
AE, how far it is from PCA (largest principal angle and excess training
error). Figures go to ``--out``: 2-D codes of PCA next to those of the deep
AE, reconstructions at each k, and error vs k per method.

Neural networks are trained in float32, one BLAS thread by default (these
matrices are small; on a shared 2-core machine, threads contend: ``--threads``).

    python benchmarks/dimreduction.py                 # full run (~5-8 min, 2 cores)
    python benchmarks/dimreduction.py --quick         # smoke test (seconds)
    python benchmarks/dimreduction.py --md benchmarks/results/dimreduction.md
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import time

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist, train_test_split
from npae.classical import PCA, linear_autoencoder_closed_form, principal_angles

from _common import write_results

KS = (2, 10, 30)
#: Hinton & Salakhutdinov (2006), Science 313, Fig. 2: full MNIST, 30-D codes,
#: average squared error per image on the test set.
HS2006_K30 = {"PCA": 13.87, "logistic PCA": 8.01, "deep autoencoder": 3.00}

# name -> (Autoencoder keyword arguments given k, epochs full, epochs quick)
NETWORKS = {
    "linear AE, Adam": (
        lambda k: dict(hidden=(), latent_dim=k, activation="identity", loss="mse", learning_rate=1e-3),
        60, 2),
    "AE 784-k-784": (
        lambda k: dict(hidden=(), latent_dim=k, activation="identity", loss="bce", learning_rate=3e-3),
        60, 2),
    "AE 784-256-k": (
        lambda k: dict(hidden=(256,), latent_dim=k, activation="relu", code_activation="identity",
                       loss="bce", learning_rate=1e-3),
        40, 2),
    "deep AE 784-512-256-k": (
        lambda k: dict(hidden=(512, 256), latent_dim=k, activation="relu", code_activation="identity",
                       loss="bce", learning_rate=1e-3),
        30, 2),
}
METHODS = ("PCA", "linear AE, closed", *NETWORKS)
N_TRAIN_EVAL = 2000  # training images on which the training error is measured


def per_image_error(model, X):
    """Hinton & Salakhutdinov's metric: squared error summed over pixels, mean over images.

    ``reconstruction_error`` returns the per-row *mean* over features (npae's
    convention for PCA and every autoencoder), hence the factor ``n_features``.
    """
    return float(np.mean(model.reconstruction_error(X).astype(np.float64)) * X.shape[1])


class ClosedFormLinearAE:
    """The closed-form optimal linear AE, with the methods the benchmark calls on a model."""

    def __init__(self, X, k):
        self.w = linear_autoencoder_closed_form(X, k)

    def transform(self, X):
        return X @ self.w.W1 + self.w.b1  # (n, d) @ (d, k) -> (n, k)

    def reconstruct(self, X):
        return self.w.reconstruct(X)

    def reconstruction_error(self, X):
        return np.mean((self.reconstruct(X) - X) ** 2, axis=1)


def knn_accuracy(Z_train, y_train, Z_test, y_test, n_neighbors=5, chunk=500):
    """Accuracy of a k-nearest-neighbour vote (Euclidean) from train codes to test codes."""
    Z_train = np.asarray(Z_train, dtype=np.float64)
    Z_test = np.asarray(Z_test, dtype=np.float64)
    sq_train = np.sum(Z_train**2, axis=1)
    correct = 0
    for start in range(0, len(Z_test), chunk):
        Zc = Z_test[start:start + chunk]
        # squared distances (c, n_train) = |z|^2 - 2 z.t + |t|^2, (c, k) @ (k, n) -> (c, n)
        D = np.sum(Zc**2, axis=1)[:, None] - 2.0 * Zc @ Z_train.T + sq_train[None, :]
        nearest = np.argpartition(D, n_neighbors, axis=1)[:, :n_neighbors]
        votes = y_train[nearest]  # (c, n_neighbors)
        counts = np.apply_along_axis(np.bincount, 1, votes, minlength=10)
        correct += int(np.sum(np.argmax(counts, axis=1) == y_test[start:start + chunk]))
    return correct / len(Z_test)


@contextlib.contextmanager
def blas_threads(n):
    """Limit BLAS threads with threadpoolctl when it is installed (n=0: leave as is)."""
    if not n:
        yield "default"
        return
    try:
        import threadpoolctl
    except ImportError:
        print("(threadpoolctl not installed: BLAS threads left at their default)")
        yield "default"
        return
    with threadpoolctl.threadpool_limits(limits=n, user_api="blas"):
        yield str(n)


def load_data(data, quick):
    """(X_tr, X_te, y_tr, y_te) float32: the bundled digits split 6,000 / 2,000, or
    Fashion-MNIST's 60,000 / 10,000 (``data="fashion-mnist"``; 3,000 / 1,000 when quick)."""
    if data == "fashion-mnist":
        from npae.datasets import load_fashion_mnist
        X_tr, y_tr = load_fashion_mnist(kind="train", n=3000 if quick else None, dtype=np.float32)
        X_te, y_te = load_fashion_mnist(kind="test", n=1000 if quick else None, dtype=np.float32)
        return X_tr, X_te, y_tr, y_te
    X, y = load_mnist(dtype=np.float32)
    if quick:
        X, y = X[:1200], y[:1200]
    return train_test_split(X, y, test_size=0.25, rng=0)


def run(quick=False, out=None, threads=1, verbose=True, seed=0, data="digits", epochs=None):
    """Train every method at every k; return a dict of results (and write figures).

    Returns
    -------
    results : dict with keys
        "test", "train", "knn", "seconds": dict (method, k) -> float;
        "linear_check": dict k -> (largest angle, relative excess training error);
        "setup": dict describing the run; "figures": list of paths.
    """
    say = print if verbose else (lambda *a, **k: None)
    t_all = time.perf_counter()
    with blas_threads(threads) as thread_note:
        X_tr, X_te, y_tr, y_te = load_data(data, quick)
        X_tr64, X_te64 = X_tr.astype(np.float64), X_te.astype(np.float64)
        setup = dict(n_train=len(X_tr), n_test=len(X_te), quick=quick, blas_threads=thread_note,
                     data=data,
                     epochs={name: epochs or cfg[2 if quick else 1] for name, cfg in NETWORKS.items()},
                     numpy=np.__version__, python=platform.python_version(),
                     machine=f"{platform.machine()}, {os.cpu_count()} CPUs")
        say(f"{data}: {len(X_tr)} training, {len(X_te)} held out; k in {KS}; "
            f"BLAS threads: {thread_note}")

        res = {"test": {}, "train": {}, "knn": {}, "seconds": {}, "linear_check": {}}
        models = {}
        # the whole spectrum, to see how well each top-k subspace is separated from the rest
        spectrum = PCA().fit(X_tr64).explained_variance_
        for k in KS:
            for method in METHODS:
                t0 = time.perf_counter()
                if method == "PCA":
                    model = PCA(n_components=k).fit(X_tr64)
                    Xe_tr, Xe_te = X_tr64, X_te64
                elif method == "linear AE, closed":
                    model = ClosedFormLinearAE(X_tr64, k)
                    Xe_tr, Xe_te = X_tr64, X_te64
                else:
                    kwargs = NETWORKS[method][0]
                    model = npae.Autoencoder(**kwargs(k), optimizer="adam", batch_size=64,
                                             epochs=setup["epochs"][method],
                                             random_state=seed, dtype="float32")
                    model.fit(X_tr)
                    Xe_tr, Xe_te = X_tr, X_te
                res["seconds"][method, k] = time.perf_counter() - t0
                res["test"][method, k] = per_image_error(model, Xe_te)
                # training error on as many images as the test set holds (or fewer)
                res["train"][method, k] = per_image_error(model, Xe_tr[:N_TRAIN_EVAL])
                res["knn"][method, k] = knn_accuracy(model.transform(Xe_tr), y_tr,
                                                     model.transform(Xe_te), y_te)
                models[method, k] = model
                say(f"k={k:2d}  {method:24s} held-out {res['test'][method, k]:7.2f}  "
                    f"train {res['train'][method, k]:7.2f}  5-NN acc "
                    f"{res['knn'][method, k]:.3f}  ({res['seconds'][method, k]:.1f}s)")
            # how close the Adam-trained linear AE is to PCA
            lin, pca = models["linear AE, Adam", k], models["PCA", k]
            angle = float(principal_angles(lin.params_["decoder.0.W"].T.astype(np.float64),
                                           pca.components_.T).max())
            excess = float(res["train"]["linear AE, Adam", k] / res["train"]["PCA", k] - 1.0)
            eigengap = float(spectrum[k - 1] / spectrum[k])  # lambda_k / lambda_{k+1}
            res["linear_check"][k] = (angle, excess, eigengap)
            res.setdefault("closed_vs_pca", {})[k] = abs(
                res["test"]["linear AE, closed", k] / res["test"]["PCA", k] - 1.0)
            say(f"       closed form vs PCA: relative difference "
                f"{res['closed_vs_pca'][k]:.1e}; Adam linear AE: largest principal angle to "
                f"PCA {angle:.3f} rad, training excess {100 * excess:+.2f}% "
                f"(eigengap lambda_k/lambda_k+1 = {eigengap:.3f})")
        res["figures"] = make_figures(models, res, X_te, y_te, out) if out else []
    setup["seconds_total"] = time.perf_counter() - t_all
    res["setup"] = setup
    say(format_tables(res))
    say(f"total {setup['seconds_total']:.0f}s")
    return res


def make_figures(models, res, X_te, y_te, out):
    """2-D codes (PCA | deep AE), reconstructions per k, error vs k."""
    os.makedirs(out, exist_ok=True)
    plt = plot._plt()
    X64 = X_te.astype(np.float64)
    paths = []

    deep = "deep AE 784-512-256-k"
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    plot.latent_scatter(models["PCA", 2].transform(X64), y_te,
                        title="PCA: first two principal components", ax=axes[0])
    plot.latent_scatter(models[deep, 2].transform(X_te), y_te,
                        title="deep autoencoder 784-512-256-2: code", ax=axes[1])
    fig.colorbar(axes[1].collections[0], ax=axes, ticks=range(10), label="digit")
    paths.append(plot.save(fig, os.path.join(out, "codes_2d.png")))

    # one held-out example of each digit (as many as the split holds)
    idx = [int(np.flatnonzero(y_te == d)[0]) for d in range(10) if np.any(y_te == d)]
    for k in KS:
        rows, labels = [X_te[idx]], ["original"]
        for method in ("PCA", "AE 784-k-784", "AE 784-256-k", deep):
            Xin = X64[idx] if method == "PCA" else X_te[idx]
            rows.append(np.clip(models[method, k].reconstruct(Xin), 0, 1))
            labels.append(method.replace("-k", f"-{k}").replace("PCA", f"PCA-{k}"))
        fig = plot.reconstructions(rows, labels, n=len(idx),
                                   title=f"held-out digits reconstructed through {k} numbers")
        paths.append(plot.save(fig, os.path.join(out, f"reconstructions_k{k}.png")))

    # the closed form coincides with PCA: one curve for both
    errs = {m: [res["test"][m, k] for k in KS] for m in METHODS if m != "linear AE, closed"}
    fig = plot.curves(list(KS), errs, xlabel="code size k",
                      ylabel="held-out squared error per image", logy=True,
                      title="reconstruction error vs code size")
    paths.append(plot.save(fig, os.path.join(out, "error_vs_k.png")))
    return paths


def _table(values, fmt):
    lines = ["| method | " + " | ".join(f"k = {k}" for k in KS) + " |",
             "|---|" + "---:|" * len(KS)]
    for m in METHODS:
        lines.append(f"| {m} | " + " | ".join(fmt.format(values[m, k]) for k in KS) + " |")
    return lines


def format_tables(res):
    """The measured tables as markdown."""
    test = res["test"]
    hs = {"PCA": HS2006_K30["PCA"], "AE 784-k-784": None,
          "deep AE 784-512-256-k": HS2006_K30["deep autoencoder"]}
    lines = ["Held-out squared error per image (sum over 784 pixels, mean over "
             f"{res['setup']['n_test']} test images); last column: Hinton & Salakhutdinov "
             "(2006), full MNIST, k = 30, for reference only", ""]
    lines.append("| method | " + " | ".join(f"k = {k}" for k in KS) + " | H&S 2006, k = 30 |")
    lines.append("|---|" + "---:|" * (len(KS) + 1))
    for m in METHODS:
        ref = hs.get(m)
        ref = f"{ref:.2f}" if ref is not None else ("(logistic PCA 8.01)" if m == "AE 784-k-784"
                                                    else "")
        lines.append(f"| {m} | " + " | ".join(f"{test[m, k]:.2f}" for k in KS) + f" | {ref} |")
    lines += ["", "Ratio to PCA (held-out, same k):", ""]
    ratio = {(m, k): test[m, k] / test["PCA", k] for m in METHODS for k in KS}
    lines += _table(ratio, "{:.3f}")
    n_eval = min(N_TRAIN_EVAL, res["setup"]["n_train"])
    lines += ["", f"Training-set error (first {n_eval} training images, same metric):", ""]
    lines += _table(res["train"], "{:.2f}")
    lines += ["", "5-nearest-neighbour accuracy in code space (train codes -> held-out codes):",
              ""]
    lines += _table(res["knn"], "{:.3f}")
    lines += ["", "Adam-trained linear AE vs PCA: largest principal angle between the "
              "decoder's row space and the top-k PCs, excess training error, and the "
              "eigengap of the training covariance at k (a ratio near 1 leaves the last "
              "direction nearly undetermined, at almost no cost in error):", "",
              "| k | angle (rad) | excess training error | lambda_k / lambda_(k+1) |",
              "|---:|---:|---:|---:|"]
    for k, (angle, excess, eigengap) in res["linear_check"].items():
        lines.append(f"| {k} | {angle:.3f} | {100 * excess:+.2f}% | {eigengap:.3f} |")
    lines += ["", "Training time (s):", ""]
    lines += _table(res["seconds"], "{:.1f}")
    return "\n".join(lines)


def notes(res):
    """A few sentences read off the measured numbers (nothing here is typed in by hand)."""
    t, tr = res["test"], res["train"]
    deep, mid, one = "deep AE 784-512-256-k", "AE 784-256-k", "AE 784-k-784"
    best = {k: min(NETWORKS, key=lambda m: t[m, k]) for k in KS}
    lin_gap = max(t["linear AE, Adam", k] / t["PCA", k] - 1 for k in KS)
    depth = ("depth buys little at this k" if t[deep, 30] >= 0.95 * t[mid, 30]
             else "depth still helps at this k")
    change = lambda m, k: f"{100 * (t[m, k] / t['PCA', k] - 1):+.1f}%"  # noqa: E731
    return [
        "Notes (generated from the numbers above):", "",
        f"- The closed-form linear AE equals PCA (largest relative difference "
        f"{max(res['closed_vs_pca'].values()):.1e}). The Adam-trained linear AE's held-out "
        f"error is at most {100 * lin_gap:.2f}% above PCA's.",
        "- Best network per k: " + "; ".join(
            f"k = {k}: {best[k]} {t[best[k], k]:.2f} vs PCA {t['PCA', k]:.2f} "
            f"({t[best[k], k] / t['PCA', k]:.2f}x)" for k in KS) + ".",
        f"- At k = 30, {deep} has error {tr[deep, 30]:.2f} on training images and "
        f"{t[deep, 30]:.2f} held out ({mid}: {tr[mid, 30]:.2f} / {t[mid, 30]:.2f}); with "
        f"{res['setup']['n_train']} training digits, {depth}. Hinton & Salakhutdinov's 3.00 "
        "used 60,000 training images, a 784-1000-500-250-30 network and RBM pretraining; "
        "the numbers are not comparable one to one.",
        f"- {one} (linear code, sigmoid output) is the autoencoder closest to logistic PCA "
        f"(it learns an encoder instead of fitting per-image codes): {t[one, 30]:.2f} at "
        "k = 30, beside their logistic-PCA 8.01. Error relative to PCA at k = 2 / 10 / 30: "
        + ", ".join(f"{m} " + " / ".join(change(m, k) for k in KS) for m in (one, mid, deep))
        + ".",
        "- Times are wall-clock seconds on a 2-core machine shared with other jobs; they "
        "indicate cost, not speed (benchmarks/speed.py measures speed).",
    ]


def write_markdown(res, path, command):
    s = res["setup"]
    fashion = s.get("data") == "fashion-mnist"
    text = [
        f"# Dimensionality reduction on {'Fashion-MNIST' if fashion else 'the bundled digits'}: "
        "PCA vs linear and nonlinear autoencoders",
        "",
        "Command (from the repository root):",
        "",
        f"    {command}",
        "",
        f"Setup: {'Fashion-MNIST (Debian package)' if fashion else 'bundled MNIST subset'}, "
        f"{s['n_train']} training / {s['n_test']} held-out images "
        f"({'its own train and test files' if fashion else '`train_test_split(X, y, test_size=0.25, rng=0)`'}); "
        "networks in float32, Adam, "
        f"batch 64, epochs {s['epochs']}; PCA and the closed form in float64. "
        f"BLAS threads: {s['blas_threads']}. Python {s['python']}, NumPy {s['numpy']}, "
        f"{s['machine']}. Wall time {s['seconds_total']:.0f} s. "
        "Architectures and hyperparameters: see the docstring of `benchmarks/dimreduction.py`.",
        "",
        format_tables(res),
        "",
        *notes(res),
        "",
        "Figures (written to the `--out` folder): "
        + ", ".join(f"`{os.path.basename(p)}`" for p in res["figures"]) + ".",
        "",
    ]
    write_results(path, "\n".join(text))
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,200 digits, 2 epochs (seconds)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs of every network (default: each network's own, 30-60 "
                             "for 6,000 digits; ten times the data needs fewer)")
    parser.add_argument("--out", default=os.path.join("benchmarks", "out", "dimreduction"),
                        help="folder for the figures")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (needs threadpoolctl; 0 = library default)")
    parser.add_argument("--md", default=None, help="also write the tables to this markdown file")
    parser.add_argument("--data", choices=("digits", "fashion-mnist"), default="digits",
                        help="the bundled digits (6,000/2,000) or Fashion-MNIST (60,000/10,000)")
    args = parser.parse_args(argv)
    res = run(quick=args.quick, out=args.out, threads=args.threads, data=args.data,
              epochs=args.epochs)
    if args.md:
        argv_str = " ".join(sys.argv[1:] if argv is None else argv)
        write_markdown(res, args.md, f"python benchmarks/dimreduction.py {argv_str}".strip())
        print(f"wrote {args.md}")
    return res


if __name__ == "__main__":
    main()
