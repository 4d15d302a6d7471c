"""Does splitting Adam's elementwise passes over two threads speed up training at two BLAS threads?

The experiment behind the reading of ``results/speed_2threads.md``: npae's Adam runs its
ten NumPy passes on one core, PyTorch's fused Adam on all of them.  Here the chunks of
:class:`npae.estimator.optim.Adam` are split between the calling thread and one persistent
worker thread (the same arithmetic on every entry, so the parameters are bit-identical
to the unsplit step), and one epoch of ``speed.py``'s model is timed on the wall clock
with and without the split, each variant in a process of its own, rounds alternating.

    python benchmarks/adam_split.py --rounds 3 --epochs 3
    python benchmarks/adam_split.py --quick        # smoke (seconds)

Not shipped in npae: inside training it gained nothing here (OpenBLAS's idle worker keeps
spinning on the second core between the matrix products; see the results file).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class SplitAdam:
    """Adam's step with its second half of chunks on a persistent worker thread."""

    def __init__(self, adam):
        self.adam = adam
        self.go, self.done, self.job = threading.Event(), threading.Event(), None
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            self.go.wait()
            self.go.clear()
            self.job()
            self.done.set()

    def step(self, theta, grad):
        a = self.adam
        if a.M is None:
            a._allocate(theta)
            self.scratch = (a._buf, np.empty_like(a._buf))  # one chunk buffer per thread
        step, eps = a._advance()
        half = theta.size // 2
        self.job = lambda: a._update(theta, grad, half, theta.size, self.scratch[1], step, eps)
        self.done.clear()
        self.go.set()
        a._update(theta, grad, 0, half, self.scratch[0], step, eps)
        self.done.wait()


def worker(variant, dtype, epochs, quick):
    """Seconds per epoch of one variant, in this process."""
    import speed
    from _common import ReusedBufferLoop, limit_threads
    from npae.datasets import load_mnist

    limit_threads(2)
    X = load_mnist()[0].astype(dtype)
    X = X[:1024] if quick else X
    loop = ReusedBufferLoop(speed.make_model(dtype), X, speed.BATCH)
    if variant == "split":  # the trainer calls its optimizer's step: replace it on the instance
        loop.optimizer.step = SplitAdam(loop.optimizer).step
    loop.epoch(X)  # warm-up
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        loop.epoch(X)
        times.append(time.perf_counter() - t0)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", nargs=2, metavar=("VARIANT", "DTYPE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker, args.epochs, args.quick)))
        return 0
    if args.quick:
        args.rounds, args.epochs = 1, 1
    runs = {}
    for _ in range(args.rounds):
        for dtype in ("float32", "float64"):
            for variant in ("one thread", "split"):
                name = "split" if variant == "split" else "plain"
                if args.quick:  # a smoke run: the code path, in this process (no timing to trust)
                    runs[dtype, variant] = worker(name, dtype, args.epochs, True)
                    continue
                cmd = [sys.executable, os.path.abspath(__file__), "--worker", name, dtype,
                       "--epochs", str(args.epochs)]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                runs.setdefault((dtype, variant), []).extend(json.loads(out.splitlines()[-1]))
    from _common import markdown_table

    print("\n".join(markdown_table(
        ("dtype", "Adam", "median s / epoch (wall)", "range"),
        [(dtype, variant, f"{statistics.median(t):.3f}", f"{min(t):.3f}–{max(t):.3f}")
         for (dtype, variant), t in runs.items()])))
    where = "all in this process (smoke run)" if args.quick else \
        "each variant in a process of its own"
    print(f"\n- two BLAS threads; {args.rounds} rounds × {args.epochs} epochs per variant, {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
