"""Time one training epoch of npae's convolutional autoencoder against PyTorch's.

Architecture (the same in both): 1 × 28 × 28 digits → conv 16 @ 5 × 5 (padding
2) → ReLU → 2 × 2 max-pool → conv 32 @ 5 × 5 (padding 2) → ReLU → 2 × 2
max-pool (code 32 × 7 × 7) → unpool through the switches → transposed conv
32 → 16 → ReLU → unpool → transposed conv 16 → 1 (linear), squared error,
Adam (lr 1e-3), batch 128.

- npae: the batch path in the training loop (:class:`_common.ReusedBufferLoop`:
  ``Trainer.step`` inside its ``Workspace.step()``, then Adam on the flat buffer);
- PyTorch on the CPU: ``nn.Conv2d``, ``F.max_pool2d(return_indices=True)``,
  ``F.max_unpool2d``, ``nn.ConvTranspose2d`` (oneDNN kernels), ``Adam(fused=True)``,
  the same loss, ``zero_grad(set_to_none=True)``.

Both in one process, interleaved, ``--repeats`` times; the table reports
medians and the ratio of the medians of the same run.  BLAS and PyTorch use
one thread (``--threads``), and times are process CPU time: on a shared,
loaded machine the time spent waiting for a core is not the code's.  A second
pass over npae's epoch splits it into phases by timing the batch path's
primitives (``npae.nn.conv._batch``) as they are called.

    python benchmarks/conv_speed.py --md benchmarks/results/conv_speed.md
    python benchmarks/conv_speed.py --quick
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import npae
from npae.nn import conv

from _common import (ReusedBufferLoop, benchmark_parser, finish, load_benchmark_data,
                     machine_line, markdown_table, parse_benchmark_args)

BATCH = 128
FILTERS = (16, 32)
CLOCK = time.process_time
TARGET = 2.0  # the target: npae's float32 epoch at most 2x PyTorch's


def npae_model(dtype):
    return npae.ConvolutionalAutoencoder(image_shape=(1, 28, 28), filters=FILTERS, kernel_size=5,
                                         padding=2, pool=2, activation="relu", loss="mse",
                                         optimizer="adam", learning_rate=1e-3, batch_size=BATCH,
                                         random_state=0, dtype=dtype)


def torch_model(dtype):
    import torch
    import torch.nn.functional as F

    class ConvAE(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = torch.nn.Conv2d(1, FILTERS[0], 5, padding=2)
            self.c2 = torch.nn.Conv2d(*FILTERS, 5, padding=2)
            self.d2 = torch.nn.ConvTranspose2d(FILTERS[1], FILTERS[0], 5, padding=2)
            self.d1 = torch.nn.ConvTranspose2d(FILTERS[0], 1, 5, padding=2)

        def forward(self, x):
            h, s1 = F.max_pool2d(torch.relu(self.c1(x)), 2, 2, return_indices=True)
            h, s2 = F.max_pool2d(torch.relu(self.c2(h)), 2, 2, return_indices=True)
            u = torch.relu(self.d2(F.max_unpool2d(h, s2, 2, 2, output_size=(14, 14))))
            return self.d1(F.max_unpool2d(u, s1, 2, 2, output_size=(28, 28)))

    torch.manual_seed(0)
    net = ConvAE().to({"float32": torch.float32, "float64": torch.float64}[dtype])
    return net, torch.optim.Adam(net.parameters(), lr=1e-3, fused=True)


def torch_epoch(net, opt, Xt, rng):
    import torch

    perm = torch.from_numpy(rng.permutation(len(Xt)))
    t0 = CLOCK()
    for s in range(0, len(Xt), BATCH):
        xb = Xt[perm[s:s + BATCH]]
        opt.zero_grad(set_to_none=True)
        loss = 0.5 * ((net(xb) - xb) ** 2).sum() / xb.shape[0]  # npae's "mse"
        loss.backward()
        opt.step()
    return CLOCK() - t0


def npae_epoch(loop, X):
    t0 = CLOCK()
    loop.epoch(X)
    return CLOCK() - t0


class PhaseTimer:
    """Wrap the batch path's primitives; charge each call's own time (minus nested ones)."""

    GROUPS = {"im2col": "im2col (window gather)", "col2im": "col2im (window scatter-add)",
              "correlate": "GEMMs + layout copies",
              "correlate_input_adjoint": "GEMMs + layout copies",
              "correlate_kernel_adjoint": "GEMMs + layout copies",
              "max_pool": "pooling / unpooling", "unpool": "pooling / unpooling",
              "pool_gather": "pooling / unpooling"}

    def __init__(self):
        self.total, self.stack, self.saved = {}, [], {}

    def __enter__(self):
        for name, group in self.GROUPS.items():
            fn = getattr(conv._batch, name)
            self.saved[name] = fn
            setattr(conv._batch, name, staticmethod(self._wrap(fn, group)))
        return self

    def __exit__(self, *exc):
        for name, fn in self.saved.items():
            setattr(conv._batch, name, staticmethod(fn))

    def _wrap(self, fn, group):
        def timed(*args, **kwargs):
            self.stack.append(0.0)
            t0 = CLOCK()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = CLOCK() - t0
                nested = self.stack.pop()
                self.total[group] = self.total.get(group, 0.0) + spent - nested
                if self.stack:
                    self.stack[-1] += spent
        return timed


def phases(X, dtype):
    """npae's epoch split: the conv primitives, the rest of forward+backward, Adam, gather."""
    loop = ReusedBufferLoop(npae_model(dtype), X, BATCH, seed=1)
    loop.epoch(X[:4 * BATCH])  # warm the workspace
    with PhaseTimer() as timer:
        t = loop.timed_epoch(X, CLOCK)
    inside = sum(timer.total.values())
    rows = dict(timer.total)
    # zeroing the gradient counts with forward+backward here, as it always has
    rows["activations, loss, bias sums, rest"] = t["zero grads"] + t["forward+backward"] - inside
    rows["Adam step"], rows["minibatch gather"] = t["optimizer"], t["gather"]
    return rows


def main(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument("--n", type=int, default=6000, help="training rows (default 6000)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtypes", default="float32,float64")
    args = parse_benchmark_args(parser, argv, "conv_speed.py")
    import torch

    if args.quick:
        args.n, args.repeats, args.dtypes = 2 * BATCH, 1, "float32"
    lines = [f"- command: `{args.command}`", machine_line(), f"- PyTorch {torch.__version__}; "
             f"{args.thread_note}; process CPU time; {args.n} digits, batch {BATCH}, "
             f"{args.repeats} interleaved repeats (medians)", ""]
    rows, phase_rows = [], []
    for dtype in args.dtypes.split(","):
        X = load_benchmark_data("digits", n_train=args.n, dtype=dtype)[0]
        loop = ReusedBufferLoop(npae_model(dtype), X, BATCH)
        net, opt = torch_model(dtype)
        Xt = torch.from_numpy(X).reshape(-1, 1, 28, 28)
        npae_epoch(loop, X[:2 * BATCH])  # warm-up of both (allocations, oneDNN primitives)
        torch_epoch(net, opt, Xt[:2 * BATCH], np.random.default_rng(0))
        times = {"npae": [], "torch": []}
        rng = np.random.default_rng(0)
        for _ in range(args.repeats):
            times["npae"].append(npae_epoch(loop, X))
            times["torch"].append(torch_epoch(net, opt, Xt, rng))
        a, b = statistics.median(times["npae"]), statistics.median(times["torch"])
        verdict = "met" if a / b <= TARGET else "NOT met"
        rows.append([dtype, f"{a:.2f}", f"{b:.2f}", f"{a / b:.2f}",
                     f"{verdict} (≤ {TARGET:g}×)" if dtype == "float32" else "–",
                     " / ".join(f"{v:.2f}" for v in times["npae"]),
                     " / ".join(f"{v:.2f}" for v in times["torch"])])
        ph = phases(X, dtype)
        total = sum(ph.values())
        steps = -(-len(X) // BATCH)
        phase_rows += [[dtype, k, f"{1e3 * v / steps:.1f}", f"{100 * v / total:.0f} %"]
                       for k, v in sorted(ph.items(), key=lambda kv: -kv[1])]
    lines += ["## One epoch (seconds)", ""]
    lines += markdown_table(["dtype", "npae", "PyTorch", "ratio", "target", "npae runs",
                             "PyTorch runs"], rows)
    lines += ["", "## Where npae's epoch goes (a second, instrumented pass)", ""]
    lines += markdown_table(["dtype", "phase", "ms / step", "share"], phase_rows)
    lines += ["", machine_line(args.t_start)]
    finish("# Convolutional autoencoder: npae batch path vs PyTorch (CPU)\n\n" + "\n".join(lines)
           + "\n", args.md)


if __name__ == "__main__":
    main()
