"""Time one training epoch of the basic autoencoder on the bundled digits.

Architecture 784-256-64-256-784, sigmoid hidden layers (code included), linear
output, squared error, Adam, batch 128, in float32 and float64:

- npae batch path, the training loop alone: each minibatch gathered into one
  buffer (:func:`npae.estimator.batches.iter_minibatches`), each step
  :meth:`npae.estimator.training.Trainer.step` (inside its ``Workspace.step()``,
  :mod:`npae.nn.batch`: the step's arrays are reused), then one Adam step;
- npae ``fit()`` as shipped: the same steps, with fit's validation of the
  data, its history and its epoch bookkeeping;
- a GEMM-only lower bound: the same 11 matrix products per minibatch alone
  (4 forward, 4 weight gradients, 3 input gradients), nothing else;
- PyTorch on the CPU, same model and optimizer, when torch is installed
  (``pip install torch==2.13.0``), twice: ``torch.optim.Adam`` as constructed by
  default (its ``foreach`` implementation) and with ``fused=True`` (one fused
  C++ kernel for the update, PyTorch's fastest CPU optimizer setting); the
  claim compares with the faster of the two.  ``torch.compile`` is not a row:
  it needs a C++ toolchain and took 51 s to compile this model here (loaded
  2-core machine), so it is left to the reader;
- npae reference path (one observation at a time), on a slice, scaled.

All timings of one table are interleaved and reported as medians; ratios are
of medians of the same run.  By default BLAS and PyTorch use one thread, the
contenders share one process and times are the process's CPU time (on a shared
machine, time spent waiting for a core is not the code's); ``--clock wall``
and ``--threads 2`` measure the other way, and then each contender runs in a
process of its own (:func:`isolated_runs` says why).  ``--passes`` adds where
one epoch goes, pass by pass, npae beside PyTorch (``_speed_passes.py``).
Also measured: the bytes a training step allocates once warmed up (tracemalloc).

    python benchmarks/speed.py --repeats 7 --out benchmarks/results/speed.md
    python benchmarks/speed.py --threads 2 --clock wall --passes --out benchmarks/results/speed_2threads.md
    python benchmarks/speed.py --quick       # smoke mode for CI (seconds)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc

import numpy as np

import npae
from npae.datasets import load_mnist
from npae.nn import get_ops
from npae.estimator.optim import make_optimizer

from _common import ReusedBufferLoop, blas_info, limit_threads, stamp

HIDDEN = (256, 64)
BATCH = 128
TARGET_TORCH = {"float32": 0.65, "float64": 0.75}  # against PyTorch's default Adam
TARGET_FASTEST = 1.0  # against PyTorch's fastest row (fused Adam), issue 23
TARGET_GEMM = 1.7
CLOCK = time.process_time


def make_model(dtype, epochs=1):
    return npae.Autoencoder(hidden=HIDDEN[:-1], latent_dim=HIDDEN[-1], activation="sigmoid", loss="mse",
                            optimizer="adam", learning_rate=1e-3, batch_size=BATCH,
                            epochs=epochs, random_state=0, dtype=np.dtype(dtype).name)


def Trainer(X, dtype):
    """One model trained epoch after epoch with the reused-buffer loop."""
    return ReusedBufferLoop(make_model(dtype), X, BATCH)


def time_npae_batch(trainer, X):
    t0 = CLOCK()
    trainer.epoch(X)
    return CLOCK() - t0


def time_npae_fit(X, dtype):
    model = make_model(dtype)
    t0 = CLOCK()
    model.fit(X)
    return CLOCK() - t0


def time_npae_reference(X, dtype):
    """One epoch of minibatch Adam where every minibatch uses the reference path."""
    model = make_model(dtype).initialize(X)
    grads = model._flat.zeros_like()
    opt = make_optimizer(model.optimizer, model.learning_rate)
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(X))
    ops = get_ops(False)
    t0 = CLOCK()
    for s in range(0, len(X), BATCH):
        Xb = X[perm[s:s + BATCH]]
        grads.flat.fill(0.0)
        model._objective(model.params_, Xb, None, rng, ops, grads.views)
        opt.step(model._flat.flat, grads.flat)
    return CLOCK() - t0


def time_gemm_bound(X, dtype):
    """The matrix products of one epoch alone (same shapes, same batches)."""
    rng = np.random.default_rng(0)
    sizes = [X.shape[1], *HIDDEN, *HIDDEN[-2::-1], X.shape[1]]
    Ws = [rng.standard_normal((a, b)).astype(dtype) * 0.01 for a, b in zip(sizes, sizes[1:])]
    perm = rng.permutation(len(X))
    t0 = CLOCK()
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
    return CLOCK() - t0


def time_adam_alone(X, dtype, size):
    """npae's Adam update alone, as many steps as an epoch has, on ``size`` parameters.

    With the GEMM-only bound it makes a floor for any NumPy epoch of this
    algorithm: the products and the optimizer's elementwise passes, nothing else.
    """
    rng = np.random.default_rng(0)
    theta, grad = rng.standard_normal((2, size)).astype(dtype) * 0.01
    opt = make_optimizer("adam", 1e-3)
    opt.step(theta, grad)  # allocates the moment vectors outside the timing
    t0 = CLOCK()
    for _ in range(0, len(X), BATCH):
        opt.step(theta, grad)
    return CLOCK() - t0


def time_torch(X, dtype, fused=False):
    from _speed_passes import torch_epoch

    epoch = torch_epoch(X, dtype, HIDDEN, BATCH, fused)
    t0 = CLOCK()
    epoch()
    return CLOCK() - t0


def steady_state_allocation(X, dtype, steps=20):
    """Bytes a warmed-up training step allocates: (transient peak, net growth) per step.

    The peak is the most memory held at once during ``steps`` steps above what
    was held before them (a temporary array would show as its size); the
    growth is what stays allocated, divided by the number of steps.  The
    minibatches are gathered before, so this is the step alone (the gather
    writes into one buffer too; a new epoch draws its row order, n integers).
    """
    trainer = Trainer(X, dtype)
    batches = [Xb.copy() for _, (_, Xb) in zip(range(4), trainer.minibatches(X))]
    for Xb in batches[:3]:  # warm-up: the workspace and Adam's state are allocated here
        trainer.step(Xb)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for i in range(steps):
            trainer.step(batches[i % len(batches)])
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base, (current - base) / steps, trainer.workspace.nbytes


def time_phases(X, dtype, repeats=3):
    """Where a batch-path epoch goes: gather, zeroing, forward+backward, optimizer step (ms)."""
    trainer = Trainer(X, dtype)
    total = {}
    for _ in range(repeats):
        for k, dt in trainer.timed_epoch(X, CLOCK).items():
            total[k] = total.get(k, 0.0) + dt
    return {k: 1000 * v / repeats for k, v in total.items()}, trainer.model._flat.size


CONTENDERS = ("batch", "gemm", "torch", "fused", "fit", "adam")


def run_contender(name, X, dtype, n_params, repeats, trainer=None):
    """``repeats`` timings (seconds) of one contender on one epoch of ``X``."""
    if name == "batch":
        if trainer is None:
            trainer = Trainer(X, dtype)
            trainer.epoch(X[:4 * BATCH])  # warm-up (BLAS, allocator, the workspace)
        return [time_npae_batch(trainer, X) for _ in range(repeats)]
    timers = {"gemm": lambda: time_gemm_bound(X, dtype),
              "torch": lambda: time_torch(X, dtype),
              "fused": lambda: time_torch(X, dtype, fused=True),
              "fit": lambda: time_npae_fit(X, dtype),
              "adam": lambda: time_adam_alone(X, dtype, n_params)}
    if trainer is None:  # a fresh process: one untimed run first, as the batch path has
        timers[name]()
    return [timers[name]() for _ in range(repeats)]


def isolated_runs(dtype, contenders, rounds, per_round, args):
    """Each contender timed in a process of its own, the processes interleaved.

    With more than one thread, a library's idle worker threads keep spinning for
    a while after its last parallel call (OpenBLAS's for up to ~0.1 s, OpenMP's
    for its spin count), on the cores the next contender needs: in one process,
    whatever runs after NumPy or after PyTorch is slowed by the other's spinners.
    A process per contender keeps each library's threads to its own runs.
    """
    runs = {k: [] for k in contenders}
    for _ in range(rounds):
        for who in contenders:
            runs[who] += worker_output(who, dtype, per_round, args)
    return runs


def worker_output(name, dtype, repeats, args):
    """What ``speed.py --worker name`` prints (its last line, JSON), run in a new process."""
    import json
    import subprocess

    cmd = [sys.executable, os.path.abspath(__file__), "--worker", name,
           "--worker-dtype", np.dtype(dtype).name, "--repeats", str(repeats),
           "--threads", str(args.threads), "--clock", args.clock]
    if args.quick:
        cmd.append("--quick")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    global CLOCK
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reference-rows", type=int, default=500,
                        help="rows timed on the (slow) reference path; scaled to a full epoch")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS and PyTorch threads (default 1: a shared machine)")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                        help="process CPU time (default; one thread) or wall-clock time")
    parser.add_argument("--out", default=None, help="write the markdown table here")
    parser.add_argument("--phases", action="store_true",
                        help="also time the phases of a batch-path epoch")
    parser.add_argument("--passes", action="store_true",
                        help="also split one epoch into its kinds of pass, npae beside PyTorch")
    parser.add_argument("--isolate", choices=["auto", "yes", "no"], default="auto",
                        help="time each contender in a process of its own (auto: with "
                             "more than one thread, see isolated_runs)")
    parser.add_argument("--worker", choices=CONTENDERS + ("passes-npae", "passes-torch"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--worker-dtype", choices=["float32", "float64"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.clock == "cpu" and args.threads != 1:
        parser.error("--clock cpu adds up the CPU time of all threads; use --clock wall "
                     "with --threads > 1")
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    thread_note = limit_threads(args.threads)
    load0 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    X_all, _ = load_mnist()
    X_all = X_all[:1024] if args.quick else X_all
    if args.worker:  # one contender in this process; the parent reads the JSON line
        import json

        dtype = np.dtype(args.worker_dtype).type
        X = X_all.astype(dtype)
        if args.worker == "passes-npae":
            from _speed_passes import npae_passes
            result = npae_passes(lambda: make_model(dtype), X, BATCH)
        elif args.worker == "passes-torch":
            from _speed_passes import torch_passes
            result = torch_passes(X, dtype, HIDDEN, BATCH, fused=True)
        else:
            n_params = make_model(dtype).initialize(X[:BATCH])._flat.size
            result = run_contender(args.worker, X, dtype, n_params, args.repeats)
        print(json.dumps(result))
        return None
    repeats = 1 if args.quick else args.repeats
    isolate = args.isolate == "yes" or (args.isolate == "auto" and args.threads > 1)
    ref_rows = min(128 if args.quick else args.reference_rows, len(X_all))
    try:
        import torch

        torch_version = torch.__version__
        torch_threads = torch.get_num_threads()
    except ImportError:
        torch = None

    lines, verdicts, allocs, fastest = [], [], [], []
    header = ("| dtype | npae batch | GEMM-only bound | PyTorch CPU | PyTorch CPU, fused Adam "
              "| batch / GEMM | batch / PyTorch | batch / PyTorch fastest | npae fit() as shipped "
              "| npae reference (epoch, est.) | GEMM + Adam alone | (GEMM + Adam) / PyTorch fastest |")
    lines += [header, "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for dtype in (np.float32, np.float64):
        X = X_all.astype(dtype)
        name = np.dtype(dtype).name
        runs = {"batch": [], "gemm": [], "torch": [], "fused": [], "fit": [], "ref": [],
                "adam": []}
        contenders = [k for k in CONTENDERS if torch is not None or k not in ("torch", "fused")]
        if isolate:  # a process per contender and round, the rounds interleaved
            runs.update(isolated_runs(dtype, contenders, repeats, 3, args))
        else:
            trainer = Trainer(X, dtype)
            n_params = trainer.model._flat.size
            trainer.epoch(X[:4 * BATCH])  # warm-up (BLAS, allocator, the workspace)
            for _ in range(repeats):  # interleaved, so drift hits every column alike
                for who in contenders:
                    runs[who] += run_contender(who, X, dtype, n_params, 1, trainer)
        # The reference path is slow by design: time a slice, scale to the epoch.
        runs["ref"].append(time_npae_reference(X[:ref_rows], dtype) * len(X) / ref_rows)
        med = {k: statistics.median(v) if v else float("nan") for k, v in runs.items()}
        best = {k: min(v) if v else float("nan") for k, v in runs.items()}
        fastest.append(f"- {np.dtype(dtype).name}: npae batch {best['batch']:.3f} s, GEMM bound "
                       f"{best['gemm']:.3f} s, PyTorch {best['torch']:.3f} s, fused "
                       f"{best['fused']:.3f} s: {best['batch'] / best['gemm']:.2f}× the bound, "
                       f"{best['batch'] / best['torch']:.2f}× PyTorch, "
                       f"{best['batch'] / min(best['torch'], best['fused']):.2f}× its fastest")
        r_gemm = med["batch"] / med["gemm"]
        tcol = f"{med['torch']:.3f} s" if torch is not None else "n/a"
        fcol = f"{med['fused']:.3f} s" if torch is not None else "n/a"
        r_torch = med["batch"] / med["torch"] if torch is not None else float("nan")
        top = min(med["torch"], med["fused"]) if torch is not None else float("nan")
        top_name = "fused Adam" if torch is not None and med["fused"] < med["torch"] else "Adam"
        r_top = med["batch"] / top
        lines.append(f"| {name} | {med['batch']:.3f} s | {med['gemm']:.3f} s | {tcol} | {fcol} "
                     f"| {r_gemm:.2f}x | {r_torch:.2f}x | {r_top:.2f}x | {med['fit']:.3f} s "
                     f"| {med['ref']:.1f} s | {med['gemm'] + med['adam']:.3f} s "
                     f"| {(med['gemm'] + med['adam']) / top:.2f}x |")
        verdict = (f"- {name}: batch path {r_gemm:.2f}× the GEMM-only bound (target ≤ "
                   f"{TARGET_GEMM}×: {'met' if r_gemm <= TARGET_GEMM else 'NOT met'})")
        if torch is not None:
            t = TARGET_TORCH[name]
            verdict += (f"; {r_torch:.2f}× PyTorch's epoch with its default Adam (target ≤ "
                        f"{t}×: {'met' if r_torch <= t else 'NOT met'}); {r_top:.2f}× its "
                        f"fastest ({top_name}; target ≤ {TARGET_FASTEST}×: "
                        f"{'met' if r_top <= TARGET_FASTEST else 'NOT met'})")
        verdicts.append(verdict)
        peak, growth, ws_bytes = steady_state_allocation(X, dtype)
        allocs.append(f"| {name} | {peak:,} B | {growth:,.0f} B | {ws_bytes / 1e6:.1f} MB "
                      f"| {BATCH * X.shape[1] * X.itemsize:,} B |")
        print(lines[-1], flush=True)

    clock = "process CPU time" if args.clock == "cpu" else "wall-clock time"
    env = [f"- rows: {len(X_all)} × 784, batch {BATCH}, 784-256-64-256-784 sigmoid, Adam; "
           f"medians of {repeats} interleaved runs"
           + (" (3 epochs each, every contender in a process of its own)" if isolate else "")
           + f", {clock}; reference path timed on "
           f"{ref_rows} rows and scaled to the epoch",
           f"- threads: {thread_note}",
           f"- numpy {np.__version__}; BLAS: {blas_info()}",
           f"- PyTorch: {torch_version + f' ({torch_threads} threads)' if torch else 'not installed'}",
           f"- machine: {platform.machine()}, {os.cpu_count()} cores; "
           f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; load average "
           f"{load0:.1f} at the start, "
           f"{os.getloadavg()[0] if hasattr(os, 'getloadavg') else float('nan'):.1f} at the end "
           "(other jobs share the cores: CPU time excludes their turns, not their use of the "
           "caches and memory bandwidth, which slows the memory-bound parts most)"]
    alloc = ["", "Memory allocated by one warmed-up training step (tracemalloc, all "
             "allocations, 20 steps):", "",
             "| dtype | transient peak above steady state | net growth per step "
             "| workspace held | one (128, 784) array, for scale |",
             "|---|---|---|---|---|", *allocs]
    if args.phases:
        env.append("")
        env.append("| dtype | " + " | ".join(["gather", "zero grads", "forward+backward",
                                              "optimizer (Adam)"]) + " | parameters |")
        env.append("|---|---|---|---|---|---|")
        for dtype in (np.float32, np.float64):
            ms, size = time_phases(X_all.astype(dtype), dtype, repeats)
            env.append(f"| {np.dtype(dtype).name} | " + " | ".join(f"{v:.1f} ms" for v in ms.values())
                       + f" | {size} |")
        env.append(f"(milliseconds per epoch of the batch path, mean over the repeats, {clock})")
    if args.passes:
        from _speed_passes import passes_table

        rows = []
        for dtype in (np.float32, np.float64):
            name = np.dtype(dtype).name
            for who in ("npae", "torch") if torch is not None else ("npae",):
                label = f"npae {name}" if who == "npae" else f"PyTorch fused Adam {name}"
                rows.append((label, worker_output(f"passes-{who}", dtype, 1, args)))
        env += ["", "Where one epoch goes, pass by pass (ms per epoch, wall clock, one "
                "epoch each after a warm-up, each in a process of its own; see "
                "benchmarks/_speed_passes.py):", "", *passes_table(rows)]
    command = " ".join(["python benchmarks/speed.py", *(argv if argv is not None else sys.argv[1:])])
    title = ["# Speed: one epoch of the basic autoencoder, npae vs GEMM bound vs PyTorch", "",
             f"Command: `{command}`", ""]
    fastest = ["", "Fastest of the runs (noise on a shared machine only adds time; the "
               "targets above are judged on the medians):", "", *fastest]
    text = "\n".join(title + lines + [""] + verdicts + fastest + alloc + [""] + env)
    print()
    print(text)
    if args.out:
        stamped = stamp(text)  # before opening: a truncated results file would count as a change
        with open(args.out, "w") as fh:
            fh.write(stamped + "\n")
    return text


if __name__ == "__main__":
    main()
