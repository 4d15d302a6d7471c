"""Time one training epoch of the basic autoencoder on the bundled digits.

Architecture 784-256-64-256-784, sigmoid hidden layers (code included), linear
output, squared error, Adam, batch 128, in float32 and float64:

- npae reference path (one observation at a time),
- npae batch path (what ``fit`` runs),
- a GEMM-only lower bound: the same 11 matrix products per minibatch alone
  (4 forward, 4 weight gradients, 3 input gradients), nothing else,
- PyTorch on the CPU, same model and optimizer, when torch is installed
  (``pip install torch==2.13.0``).

All timings of one table are measured in the same process, interleaved, and
reported as medians; ratios are of medians of the same run.

    python benchmarks/speed.py               # full: 5 repeats, reference on 1000 rows
    python benchmarks/speed.py --quick       # smoke mode for CI (seconds)
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
from npae.datasets import load_mnist
from npae.nn import get_ops
from npae.optim import make_optimizer

from _common import blas_info

HIDDEN = (256, 64)
BATCH = 128


def make_model(dtype, epochs=1):
    return npae.Autoencoder(hidden=HIDDEN, activation="sigmoid", loss="mse",
                            optimizer="adam", learning_rate=1e-3, batch_size=BATCH,
                            epochs=epochs, random_state=0, dtype=dtype)


def time_npae_batch(X, dtype):
    model = make_model(dtype)
    t0 = time.perf_counter()
    model.fit(X)
    return time.perf_counter() - t0


def time_npae_reference(X, dtype):
    """One epoch of minibatch Adam where every minibatch uses the reference path."""
    model = make_model(dtype).initialize(X)
    grads = model._flat.zeros_like()
    opt = make_optimizer(model.optimizer, model.learning_rate)
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(X))
    ops = get_ops(False)
    t0 = time.perf_counter()
    for s in range(0, len(X), BATCH):
        Xb = X[perm[s:s + BATCH]]
        grads.flat.fill(0.0)
        model._objective(model.params_, Xb, None, rng, ops, grads.views)
        opt.step(model._flat.flat, grads.flat)
    return time.perf_counter() - t0


def time_gemm_bound(X, dtype):
    """The matrix products of one epoch alone (same shapes, same batches)."""
    rng = np.random.default_rng(0)
    sizes = [X.shape[1], *HIDDEN, *HIDDEN[-2::-1], X.shape[1]]
    Ws = [rng.standard_normal((a, b)).astype(dtype) * 0.01 for a, b in zip(sizes, sizes[1:])]
    perm = rng.permutation(len(X))
    t0 = time.perf_counter()
    for s in range(0, len(X), BATCH):
        H = X[perm[s:s + BATCH]]
        acts = [H]
        for W in Ws:
            H = H @ W  # forward products
            acts.append(H)
        dA = H
        for l in range(len(Ws) - 1, -1, -1):
            _ = acts[l].T @ dA  # weight gradient
            if l > 0:
                dA = dA @ Ws[l].T  # input gradient (none for the first layer)
    return time.perf_counter() - t0


def time_torch(X, dtype):
    import torch

    torch.manual_seed(0)
    tdt = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    sizes = [X.shape[1], *HIDDEN, *HIDDEN[-2::-1], X.shape[1]]
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers).to(tdt)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    Xt = torch.from_numpy(X)
    perm = torch.from_numpy(np.random.default_rng(0).permutation(len(X)))
    t0 = time.perf_counter()
    for s in range(0, len(X), BATCH):
        xb = Xt[perm[s:s + BATCH]]
        opt.zero_grad(set_to_none=True)
        out = model(xb)
        loss = 0.5 * ((out - xb) ** 2).sum() / xb.shape[0]  # npae's "mse"
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def time_phases(X, dtype, repeats=3):
    """Where a batch-path epoch goes: gather, zeroing, forward+backward, optimizer step (ms)."""
    model = make_model(dtype).initialize(X)
    grads = model._flat.zeros_like()
    opt = make_optimizer(model.optimizer, model.learning_rate)
    ops = get_ops(True)
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(X))
    total = {"gather": 0.0, "zero grads": 0.0, "forward+backward": 0.0, "optimizer": 0.0}
    for _ in range(repeats):
        for s in range(0, len(X), BATCH):
            t0 = time.perf_counter()
            Xb = X[perm[s:s + BATCH]]
            t1 = time.perf_counter()
            grads.flat.fill(0.0)
            t2 = time.perf_counter()
            model._objective(model.params_, Xb, None, rng, ops, grads.views)
            t3 = time.perf_counter()
            opt.step(model._flat.flat, grads.flat)
            t4 = time.perf_counter()
            for k, dt in zip(total, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                total[k] += dt
    return {k: 1000 * v / repeats for k, v in total.items()}, model._flat.size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reference-rows", type=int, default=1000,
                        help="rows timed on the (slow) reference path; scaled to a full epoch")
    parser.add_argument("--out", default=None, help="write the markdown table here")
    parser.add_argument("--phases", action="store_true",
                        help="also time the phases of a batch-path epoch")
    args = parser.parse_args(argv)

    X_all, _ = load_mnist()
    X_all = X_all[:1024] if args.quick else X_all
    repeats = 1 if args.quick else args.repeats
    ref_rows = min(256 if args.quick else args.reference_rows, len(X_all))
    try:
        import torch

        torch_version = torch.__version__
        torch_threads = torch.get_num_threads()
    except ImportError:
        torch = None

    lines, verdicts = [], []
    header = ("| dtype | npae reference (epoch, est.) | npae batch | GEMM-only bound | PyTorch CPU "
              "| batch / GEMM | batch / PyTorch |")
    lines += [header, "|---|---|---|---|---|---|---|"]
    for dtype in (np.float32, np.float64):
        X = X_all.astype(dtype)
        runs = {"batch": [], "gemm": [], "torch": [], "ref": []}
        time_npae_batch(X[:512], dtype)  # warm-up (BLAS threads, allocator)
        for _ in range(repeats):  # interleaved, so drift hits every column alike
            runs["batch"].append(time_npae_batch(X, dtype))
            runs["gemm"].append(time_gemm_bound(X, dtype))
            if torch is not None:
                runs["torch"].append(time_torch(X, dtype))
        # The reference path is slow by design: time a slice, scale to the epoch.
        runs["ref"].append(time_npae_reference(X[:ref_rows], dtype) * len(X) / ref_rows)
        med = {k: statistics.median(v) if v else float("nan") for k, v in runs.items()}
        name = np.dtype(dtype).name
        tcol = f"{med['torch']:.3f} s" if torch is not None else "n/a"
        rt = f"{med['batch'] / med['torch']:.2f}x" if torch is not None else "n/a"
        lines.append(f"| {name} | {med['ref']:.1f} s | {med['batch']:.3f} s | {med['gemm']:.3f} s "
                     f"| {tcol} | {med['batch'] / med['gemm']:.2f}x | {rt} |")
        verdicts.append(
            f"- {name}: batch path {med['batch'] / med['gemm']:.2f}× the GEMM-only bound "
            f"(target ≤ 2.5×: {'met' if med['batch'] <= 2.5 * med['gemm'] else 'NOT met'})"
            + ("" if torch is None else
               f"; {med['batch'] / med['torch']:.2f}× PyTorch's epoch time (target ≤ 1: "
               f"{'met' if med['batch'] <= med['torch'] else 'NOT met'})"))
        print(lines[-1], flush=True)

    env = [f"- rows: {len(X_all)} × 784, batch {BATCH}, 784-256-64-256-784 sigmoid, Adam; "
           f"medians of {repeats} interleaved runs; reference path timed on {ref_rows} rows "
           "and scaled to the epoch",
           f"- numpy {np.__version__}; BLAS: {blas_info()}",
           f"- PyTorch: {torch_version + f' ({torch_threads} threads)' if torch else 'not installed'}",
           f"- machine: {platform.machine()}, {os.cpu_count()} cores; "
           f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"]
    if args.phases:
        env.append("")
        env.append("| dtype | " + " | ".join(["gather", "zero grads", "forward+backward",
                                              "optimizer (Adam)"]) + " | parameters |")
        env.append("|---|---|---|---|---|---|")
        for dtype in (np.float32, np.float64):
            ms, size = time_phases(X_all.astype(dtype), dtype, repeats)
            env.append(f"| {np.dtype(dtype).name} | " + " | ".join(f"{v:.1f} ms" for v in ms.values())
                       + f" | {size} |")
        env.append("(milliseconds per epoch, mean over the repeats)")
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    command = " ".join(["python benchmarks/speed.py", *(argv if argv is not None else sys.argv[1:])])
    if coretype is None:
        command = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE " + command
    title = ["# Speed: one epoch of the basic autoencoder, npae vs GEMM bound vs PyTorch", "",
             f"Command: `{command}`", ""]
    text = "\n".join(title + lines + [""] + verdicts + [""] + env)
    print()
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")
    return text


if __name__ == "__main__":
    main()
