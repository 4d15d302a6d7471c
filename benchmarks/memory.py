"""Peak memory of one training epoch: in memory and from a memory-mapped file.

Cases (the default autoencoder, 784-64-784 sigmoid, Adam, batch 128):

- the bundled digits (8000 × 784, float64) in memory;
- 50,000 × 784 random values in [0, 1), float64 in memory (313 MB);
- a 1,000,000 × 784 float32 ``.npy`` file (3.1 GB), memory-mapped, float32
  model, written in chunks to a temporary directory and deleted afterwards.

Each case runs in a fresh Python process, which reports its peak resident set
size (``resource.getrusage``: ``ru_maxrss``), its resident size once the data
is in place (before training), and the tracemalloc peak during training.  Two
training loops:

- ``fit``: ``model.fit(X)`` as shipped (in-memory cases only: it validates and
  copies the whole array);
- ``stream``: the loop ``fit`` is to run — minibatches gathered into one buffer
  by :func:`npae.estimator.batches.iter_minibatches` (blocks of a memory-mapped file
  read one at a time), each step inside ``Workspace.step()`` — written here
  with the model's pieces (``initialize`` on the first rows, then
  :meth:`npae.estimator.training.Trainer.step` per minibatch).

    python benchmarks/memory.py --out benchmarks/results/memory.md
    python benchmarks/memory.py --quick     # small sizes, seconds
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

BATCH = 128
MMAP_ROWS = 1_000_000
N_FEATURES = 784
TARGET_MB = 500


def rss_now_mb():
    """Current resident set size (Linux /proc; NaN elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError):
        return float("nan")


def peak_rss_mb():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3  # bytes on macOS, kB on Linux


def load_case(case, rows):
    """(X, model dtype) for a case, inside the measuring process."""
    from npae.estimator.batches import as_data_source
    from npae.datasets import load_mnist

    if case == "digits":
        X, _ = load_mnist()
        return np.ascontiguousarray(X[:rows], dtype=np.float64), "float64"
    if case == "random":
        X = np.empty((rows, N_FEATURES))
        rng = np.random.default_rng(0)
        for s in range(0, rows, 10_000):  # in place: no full-size temporary
            rng.random(out=X[s:s + 10_000])
        return X, "float64"
    return as_data_source(case), "float32"  # a .npy path: memory-mapped, read-only


def run_case(case, rows, loop):
    """Runs in the child process: train one epoch, print a JSON line of figures."""
    import npae
    from npae.estimator.batches import iter_minibatches

    X, dtype = load_case(case, rows)
    if loop == "stream-keep-pages":  # the control: file pages left mapped once read
        import npae.estimator.batches

        npae.estimator.batches._release = lambda X, start, stop: None
    rss_data = rss_now_mb()
    model = npae.Autoencoder(epochs=1, batch_size=BATCH, random_state=0, dtype=dtype)
    tracemalloc.start()
    t0 = time.perf_counter()
    if loop == "fit":
        model.fit(X)
        loss = model.history_["loss"][-1]
    else:
        from npae.estimator.training import Trainer

        model.initialize(np.asarray(X[:1000]))
        trainer = Trainer(model)
        rng = np.random.default_rng(0)
        total, n = 0.0, 0
        for idx, Xb in iter_minibatches(X, BATCH, rng, dtype=dtype):
            terms = trainer.step(Xb, None, rng)  # inside the trainer's own Workspace.step()
            total += float(sum(terms.values())) * len(idx)
            n += len(idx)
        loss = total / n
    seconds = time.perf_counter() - t0
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({"rss_peak_mb": peak_rss_mb(), "rss_data_mb": rss_data,
                      "traced_peak_mb": traced_peak / 1e6, "seconds": seconds,
                      "loss": loss, "rows": int(X.shape[0]),
                      "data_mb": X.shape[0] * X.shape[1] * X.itemsize / 1e6}))


def write_npy(path, rows, chunk=20_000):
    """A float32 .npy of uniform [0, 1) values, written in chunks (never all in memory)."""
    rng = np.random.default_rng(0)
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)),
              "fortran_order": False, "shape": (rows, N_FEATURES)}
    buf = np.empty((chunk, N_FEATURES), np.float32)
    with open(path, "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, header)
        for s in range(0, rows, chunk):
            part = buf[:min(chunk, rows - s)]
            rng.random(out=part, dtype=np.float32)
            part.tofile(fh)


def measure(case, rows, loop):
    """Run one case in a fresh interpreter; return its figures."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", case, str(rows), loop]
    env = dict(os.environ, OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"case {case} {loop} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    parser.add_argument("--mmap-rows", type=int, default=None,
                        help=f"rows of the memory-mapped file (default {MMAP_ROWS:,})")
    parser.add_argument("--tmp", default=tempfile.gettempdir(), help="where to write the file")
    parser.add_argument("--out", default=None, help="write the markdown table here")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        case, rows, loop = args.child
        return run_case(case, int(rows), loop)
    # here, not at the top: the measured children do not import it (nor git); the parent
    # does at its start, when _common notes the commit that produced the table
    from _common import blas_info, finish  # noqa: E402  (benchmarks/)

    digits_rows, random_rows = (1024, 5_000) if args.quick else (8000, 50_000)
    mmap_rows = args.mmap_rows or (20_000 if args.quick else MMAP_ROWS)
    need = mmap_rows * N_FEATURES * 4
    free = shutil.disk_usage(args.tmp).free
    notes = [f"- free disk in {args.tmp} before writing: {free / 1e9:.1f} GB"]
    if need > 0.8 * free:
        mmap_rows = int(0.8 * free / (N_FEATURES * 4)) // 1000 * 1000
        notes.append(f"- the disk is short: the memory-mapped file is scaled down to "
                     f"{mmap_rows:,} rows")
    rows_out = []
    tmpdir = tempfile.mkdtemp(prefix="npae-memory-", dir=args.tmp)
    try:
        path = os.path.join(tmpdir, "X.npy")
        t0 = time.perf_counter()
        write_npy(path, mmap_rows)
        notes.append(f"- wrote {os.path.getsize(path) / 1e9:.2f} GB in "
                     f"{time.perf_counter() - t0:.0f} s (it sits in the OS file cache: the "
                     "epoch reads it from memory, not from the disk)")
        cases = [("digits (in memory, float64)", "digits", digits_rows, "fit"),
                 ("digits (in memory, float64)", "digits", digits_rows, "stream"),
                 ("random (in memory, float64)", "random", random_rows, "fit"),
                 ("random (in memory, float64)", "random", random_rows, "stream"),
                 ("memory-mapped .npy (float32)", path, mmap_rows, "stream"),
                 ("memory-mapped .npy (float32)", path, mmap_rows, "stream-keep-pages")]
        for label, case, rows, loop in cases:
            r = measure(case, rows, loop)
            verdict = ""
            if case == path and loop == "stream":
                verdict = f" ({'met' if r['rss_peak_mb'] < TARGET_MB else 'NOT met'})"
            rows_out.append(
                f"| {label} | {r['rows']:,} × {N_FEATURES} | {r['data_mb']:.0f} MB | {loop} "
                f"| {r['rss_data_mb']:.0f} MB | {r['rss_peak_mb']:.0f} MB{verdict} "
                f"| {r['rss_peak_mb'] - r['rss_data_mb']:.0f} MB | {r['traced_peak_mb']:.1f} MB "
                f"| {r['seconds']:.1f} s | {r['loss']:.4g} |")
            print(rows_out[-1], flush=True)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    notes.append(f"- temporary directory {tmpdir} deleted")

    command = " ".join(["python benchmarks/memory.py", *(argv if argv is not None else sys.argv[1:])])
    text = "\n".join([
        "# Memory: peak of one training epoch, in memory and memory-mapped", "",
        f"Command: `{command}`", "",
        "| data | shape | data size | loop | RSS with data loaded | peak RSS | peak − loaded "
        "| tracemalloc peak (training) | epoch | loss |",
        "|---|---|---|---|---|---|---|---|---|---|", *rows_out, "",
        f"Target: the memory-mapped epoch peaks under {TARGET_MB} MB of RSS.", "",
        "- model: `npae.Autoencoder(epochs=1, batch_size=128)` (784-64-784 sigmoid, Adam); "
        "one fresh process per row; RSS from `resource.getrusage` (peak) and /proc (loaded)",
        "- `fit`: `model.fit(X)` as shipped; `stream`: `npae.estimator.batches.iter_minibatches` + "
        "`npae.estimator.training.Trainer.step` (inside its own `Workspace.step()`), the loop "
        "`fit` runs; "
        "`stream-keep-pages`: the same with the release of each block's file pages "
        "(`madvise(MADV_DONTNEED)` in `npae.estimator.batches`) switched off — the control showing "
        "that the pages of a memory-mapped file read once stay in the process's RSS",
        "- RSS counts the interpreter with NumPy and SciPy (about 60–80 MB) and the data "
        "(in-memory rows); tracemalloc counts what Python and NumPy allocate during training",
        *notes,
        f"- numpy {np.__version__}; BLAS: {blas_info()} (this process; the measured "
        f"processes run with OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '1')})",
    ])
    print()
    finish(text + "\n", args.out)
    return text


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
