"""Regularized families on the bundled digits: cost per epoch and the h2o chapter's MSEs.

Part 1 — time per epoch.  Bundled digits (8000 × 784), batch path, Adam,
batch 128, sigmoid hidden units, squared error, mirrored decoder, a one-layer
(784-256) and a two-layer (784-256-64) encoder, float32 and float64:

- ``AE``: :class:`npae.Autoencoder` (the reference of every ratio);
- ``sparse``: :class:`npae.SparseAutoencoder`, KL, ρ = 0.05, β = 3, every
  encoder layer penalised;
- ``k-sparse``: :class:`npae.KSparseAutoencoder`, k = 25, linear code (the
  paper's choice; the AE's code is sigmoid);
- ``denoising``: :class:`npae.DenoisingAutoencoder`, masking ν = 0.25 (the
  corruption is drawn inside the timed epoch);
- ``contractive``: :class:`npae.ContractiveAutoencoder`, λ = 1 — see
  ``CONTRACTIVE PLUG-IN`` below (skipped when that family is not importable).

Each configuration is one ``fit(epochs=1)``; all families of one (dtype,
shape) are run ``--repeats`` times interleaved in one process after a
warm-up; the tables show medians and the ratio of each median to the AE's,
for the CPU time of this process (``time.process_time``: with ``--threads 1``
the compute itself, insensitive to other processes on a shared machine) and
for the wall-clock time.

Part 2 — the h2o chapter's MNIST comparisons in spirit (§19.2–19.4: tanh, one
hidden layer of 100 units).  6000 training / 2000 validation digits
(``train_test_split``, seed 0), Adam, batch 128, the same epochs and seed for
every model; MSE = mean over pixels and validation digits of (x − x̂)², the
quantity h2o reports:

- plain autoencoder (h2o: 0.0067 for [100]);
- sparse, KL with target average activation −0.1, β ∈ {0.01, 0.05, 0.1, 0.2}
  (h2o: best 0.0130 at β = 0.01, all four in 0.0130–0.0135; mean activation
  −0.108);
- denoising with Gaussian corruption (h2o: validation MSE 0.020).  h2o's
  recipe trains its plain autoencoder on a fixed corrupted copy (so the
  targets are corrupted too) and validates on clean digits; both that and a
  true DAE (clean targets, fresh noise per minibatch) are reported.

    python benchmarks/families_regularized.py --out benchmarks/results/regularized.md
    python benchmarks/families_regularized.py --threads 1   # one BLAS thread (shared machine)
    python benchmarks/families_regularized.py --quick       # seconds, smoke test
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

import npae
from npae.datasets import load_mnist, train_test_split
from npae.terms.noise import gaussian

from _common import blas_info, write_results

BATCH = 128
SHAPES = [(256,), (256, 64)]
SIGMA = 0.3  # Gaussian corruption of part 2 (the chapter does not print its σ)


def common(hidden, dtype, epochs=1):
    return dict(hidden=hidden, activation="sigmoid", loss="mse", optimizer="adam",
                learning_rate=1e-3, batch_size=BATCH, epochs=epochs, random_state=0,
                dtype=dtype)


# =========================================================================== #
# CONTRACTIVE PLUG-IN.  The contractive family (npae.families.contractive) is
# built separately; its timing enters the table through this one function.
# Return a fresh, unfitted estimator of the given shape, or None to skip the
# column (e.g. when the module is not available in this tree).
# =========================================================================== #
def make_contractive(hidden, dtype):
    try:
        from npae.families.contractive import ContractiveAutoencoder
    except ImportError:
        return None
    return ContractiveAutoencoder(lam=1.0, **common(hidden, dtype))


FAMILIES = {
    "AE": lambda h, dt: npae.Autoencoder(**common(h, dt)),
    "sparse": lambda h, dt: npae.SparseAutoencoder(penalty="kl", rho=0.05, beta=3.0,
                                                   **common(h, dt)),
    "k-sparse": lambda h, dt: npae.KSparseAutoencoder(k=25, **common(h, dt)),
    "denoising": lambda h, dt: npae.DenoisingAutoencoder(noise="masking", corruption_level=0.25,
                                                         **common(h, dt)),
    "contractive": make_contractive,  # <- CONTRACTIVE PLUG-IN
}


def time_fit(model, X):
    """(CPU seconds of this process, wall-clock seconds) of ``model.fit(X)``."""
    c0, t0 = time.process_time(), time.perf_counter()
    model.fit(X)
    return time.process_time() - c0, time.perf_counter() - t0


def part1_timings(X_all, repeats, say):
    families = {name: make for name, make in FAMILIES.items()
                if make(SHAPES[0], "float64") is not None}
    head = "| dtype | encoder | " + " | ".join(f"{f} s/epoch" for f in families) + " | " + \
        " | ".join(f"{f} / AE" for f in families if f != "AE") + " |"
    rule = "|" + "---|" * (2 + 2 * len(families) - 1)
    tables = {"cpu": [head, rule], "wall": [head, rule]}
    say(head)
    for dtype in ("float32", "float64"):
        X = X_all.astype(dtype)
        for hidden in SHAPES:
            for name, make in families.items():  # warm-up: BLAS threads, allocator, imports
                time_fit(make(hidden, dtype), X[:256])
            runs = {name: [] for name in families}
            for _ in range(repeats):  # interleaved: drift hits every column alike
                for name, make in families.items():
                    runs[name].append(time_fit(make(hidden, dtype), X))
            tag = "784-" + "-".join(map(str, hidden))
            for j, kind in enumerate(("cpu", "wall")):
                med = {k: statistics.median(t[j] for t in v) for k, v in runs.items()}
                tables[kind].append(
                    f"| {dtype} | {tag} | " + " | ".join(f"{med[f]:.2f}" for f in families)
                    + " | " + " | ".join(f"{med[f] / med['AE']:.2f}x" for f in families
                                         if f != "AE") + " |")
                say(f"{kind:>4}: {tables[kind][-1]}")
    return tables, list(families)


def mse(model, X, X_in=None):
    X_hat = model.reconstruct(X if X_in is None else X_in)
    return float(((X_hat - X) ** 2).mean())


def part2_h2o(X_all, epochs, say):
    Xtr, Xva = train_test_split(X_all, test_size=0.25, rng=0)
    kw = dict(latent_dim=100, activation="tanh", epochs=epochs, learning_rate=1e-3,
              batch_size=BATCH, random_state=0)
    rows, model_input = [], {}  # model_input: a training set other than Xtr, by row name

    def row(name, model, h2o, extra=""):
        t0 = time.perf_counter()
        model.fit(model_input.get(name, Xtr))
        secs = time.perf_counter() - t0
        rows.append((name, mse(model, Xva), h2o, extra(model) if callable(extra) else extra, secs))
        say(f"   {name:<44} validation MSE {rows[-1][1]:.4f}   (h2o {h2o})  {rows[-1][3]}  "
            f"[{secs:.0f}s]")

    row("plain AE", npae.Autoencoder(**kw), "0.0067")
    for beta in (0.01, 0.05, 0.1, 0.2):
        row(f"sparse KL, rho = -0.1, beta = {beta}",
            npae.SparseAutoencoder(penalty="kl", rho=-0.1, beta=beta, **kw),
            "0.0130" if beta == 0.01 else "0.0132-0.0135",
            lambda m: f"mean activation {m.mean_activations(Xva)[0].mean():+.3f} (h2o -0.108)")
    dae = npae.DenoisingAutoencoder(noise="gaussian", corruption_level=SIGMA, **kw)
    row(f"DAE, Gaussian sigma = {SIGMA} (clean targets)", dae, "0.020",
        lambda m: "MSE on corrupted validation digits "
                  f"{mse(m, Xva, gaussian(Xva, SIGMA, np.random.default_rng(1))):.4f}")
    # h2o's recipe: a plain autoencoder fitted to one fixed corrupted copy.
    name = "AE on a fixed Gaussian copy (h2o's recipe)"
    model_input[name] = gaussian(Xtr, SIGMA, np.random.default_rng(2))
    row(name, npae.Autoencoder(**kw), "0.020")
    return rows, len(Xtr), len(Xva)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=30, help="epochs of part 2")
    parser.add_argument("--out", default=None, help="write the markdown report here")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS to this many threads (threadpoolctl)")
    args = parser.parse_args(argv)
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    say = print
    X_all, _ = load_mnist()
    if args.quick:
        X_all = X_all[:600]
    repeats = 1 if args.quick else max(args.repeats, 3)
    epochs = 2 if args.quick else args.epochs
    load0 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    say("== Part 1: seconds per epoch (medians), ratios to the plain AE")
    t_lines, families = part1_timings(X_all, repeats, say)
    say("\n== Part 2: the h2o chapter's comparisons (tanh, 100 hidden units)")
    rows, n_tr, n_va = part2_h2o(X_all, epochs, say)
    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    cmd = "python benchmarks/families_regularized.py " + " ".join(argv if argv is not None
                                                                 else sys.argv[1:])
    h_lines = ["| model | validation MSE | h2o (MNIST 60k) | notes | fit time |",
               "|---|---|---|---|---|"]
    h_lines += [f"| {n} | {m:.4f} | {h} | {x} | {s:.0f} s |" for n, m, h, x, s in rows]
    text = "\n".join(
        ["# Regularized families: cost per epoch and the h2o chapter's MSEs", "",
         f"Command: `{cmd.strip()}`", "",
         "## Seconds per epoch on the bundled digits", "",
         "CPU time of the benchmark process (with one BLAS thread: the compute itself):", "",
         *t_lines["cpu"], "", "Wall-clock time of the same runs:", "", *t_lines["wall"], "",
         f"- {len(X_all)} rows × 784, batch {BATCH}, Adam, sigmoid hidden units, mse, mirrored "
         f"decoder; families: {', '.join(families)}; sparse KL ρ = 0.05 β = 3 on every encoder "
         "layer; k-sparse k = 25, linear code; denoising masking ν = 0.25; contractive λ = 1",
         f"- 1 epoch per run, medians of {repeats} interleaved runs in one process after a "
         "warm-up; ratios are of the medians", "",
         "## The h2o chapter's comparisons, in spirit", "", *h_lines, "",
         f"- tanh, one hidden layer of 100 units, linear output, ½ squared error, Adam "
         f"(lr 1e-3, batch {BATCH}), {epochs} epochs, seed 0; {n_tr} training / {n_va} "
         "validation digits of the bundled subset (pixels in [0, 1])",
         "- MSE = mean over pixels and validation digits of (x − x̂)² of clean validation "
         "digits.  h2o trains on 60,000 MNIST digits with its own defaults (Adadelta, 10 "
         "epochs) and reports MSE on its normalised scale, so agreement is in order of "
         "magnitude and ranking, not in the third digit",
         "- sparse: npae's KL on the [−1, 1] → [0, 1] mapped activations "
         "(npae.terms.penalties.kl_sparsity); h2o-3's code applies its own bias update",
         f"- denoising: σ = {SIGMA} (the chapter does not print its σ)", "",
         f"- numpy {np.__version__}; BLAS: {blas_info()}",
         f"- machine: {platform.machine()}, {os.cpu_count()} cores; load average {load0:.1f} "
         f"at start, {load1:.1f} at the end (a shared machine inflates all columns alike)"])
    say("\n" + text)
    if args.out:
        write_results(args.out, text + "\n")
    return text


if __name__ == "__main__":
    main()
