"""Cost of the contractive penalty: time per epoch of a CAE next to the plain AE.

On the bundled digits (8000 × 784), batch path, Adam, batch 128, sigmoid
units, squared error, mirrored decoder, for a one-layer and a two-layer
encoder, in float32 and float64:

- ``AE``: :class:`npae.Autoencoder`;
- ``CAE``: :class:`npae.ContractiveAutoencoder` of the same shape (λ = 1):
  Rifai's closed form for one layer, the Gram-matrix reverse accumulation of
  :mod:`npae.nn.jacobian` for two;
- ``CAE torch``: the same CAE in PyTorch, when torch is installed: Rifai's
  closed form differentiated by autograd for one layer; for two layers the
  generic ``torch.func.vmap(jacrev(encoder))`` Jacobian and a double
  backward (what a PyTorch user writes) — the outside reference.

Every configuration is run ``--repeats`` times interleaved in one process;
the table shows medians and ratios of those medians.  Also printed: the
flop model of the module docstring of :mod:`npae.nn.jacobian`, the predicted
ratio next to the measured one.

    python benchmarks/contractive.py --out benchmarks/results/contractive.md
    python benchmarks/contractive.py --threads 1     # one BLAS thread (a shared machine)
    python benchmarks/contractive.py --quick          # seconds, smoke test
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

import npae
from npae.datasets import load_mnist

from _common import ReusedBufferLoop, blas_info, finish

BATCH = 128
LAM = 1.0
SHAPES = [(64,), (256, 64), (128, 32)]
CLOCK = time.perf_counter


def kwargs(hidden, dtype):
    return dict(hidden=hidden, activation="sigmoid", loss="mse", optimizer="adam",
                learning_rate=1e-3, batch_size=BATCH, epochs=1, random_state=0, dtype=dtype)


def time_npae(X, hidden, dtype, contractive, loop="reused"):
    """One epoch: ``fit`` as shipped, or the reused-buffer loop ``fit`` is to run."""
    model = (npae.ContractiveAutoencoder(lam=LAM, **kwargs(hidden, dtype)) if contractive
             else npae.Autoencoder(**kwargs(hidden, dtype)))
    if loop == "fit":
        t0 = CLOCK()
        model.fit(X)
        return CLOCK() - t0
    trainer = ReusedBufferLoop(model, X, BATCH)
    t0 = CLOCK()
    trainer.epoch(X)
    return CLOCK() - t0


def time_torch(X, hidden, dtype):
    import torch

    torch.manual_seed(0)
    tdt = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    d = X.shape[1]
    enc_sizes = [d, *hidden]
    dec_sizes = [hidden[-1], *hidden[-2::-1], d]

    def mlp(sizes, last_sigmoid):
        layers = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            layers.append(torch.nn.Linear(a, b))
            if i < len(sizes) - 2 or last_sigmoid:
                layers.append(torch.nn.Sigmoid())
        return torch.nn.Sequential(*layers).to(tdt)

    enc, dec = mlp(enc_sizes, True), mlp(dec_sizes, False)
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    jac = torch.func.vmap(torch.func.jacrev(enc))  # per-sample (k, d) Jacobians

    def penalty(xb):
        if len(hidden) == 1:
            # what a PyTorch CAE writes for one layer: Rifai's closed form, autograd
            # differentiates it (no double backward)
            W = enc[0].weight  # (k, d)
            h = enc(xb)
            return ((h * (1 - h)) ** 2 @ (W ** 2).sum(dim=1)).mean()
        J = jac(xb)  # (n, k, d), differentiable (double backward)
        return (J ** 2).sum(dim=(1, 2)).mean()

    Xt = torch.from_numpy(X)
    perm = torch.from_numpy(np.random.default_rng(0).permutation(len(X)))
    t0 = CLOCK()
    for s in range(0, len(X), BATCH):
        xb = Xt[perm[s:s + BATCH]]
        opt.zero_grad(set_to_none=True)
        out = dec(enc(xb))
        rec = 0.5 * ((out - xb) ** 2).sum() / xb.shape[0]
        (rec + LAM * penalty(xb)).backward()
        opt.step()
    return CLOCK() - t0


def predicted_ratio(d, hidden, syrk=True):
    """Flop model of npae.nn.jacobian (GEMM flops only, mirrored decoder)."""
    sizes = [d, *hidden]
    enc = sum(a * b for a, b in zip(sizes, sizes[1:]))
    plain = 2 * 6 * enc  # 3 products per layer (1 forward + 2 backward), 2 flops, enc + dec
    if len(hidden) == 1:
        return 1.0
    k, h1 = hidden[-1], hidden[0]
    extra = 2 * k * h1 * h1 + (1 if syrk else 2) * k * h1 * h1  # U_1 G and Σ U_1ᵀU_1
    extra += 6 * k * sum(a * b for a, b in zip(sizes[1:-1], sizes[2:-1]))  # chain, layers 2..L-1
    return (plain + extra) / plain


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--out", default=None, help="write the markdown report here")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS (and torch) to this many threads (threadpoolctl)")
    parser.add_argument("--loop", choices=["reused", "fit"], default="reused",
                        help="npae epochs through the reused-buffer loop (default) or fit()")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="wall-clock time (default) or process CPU time (one thread)")
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)

    X_all, _ = load_mnist()
    X_all = X_all[:512] if args.quick else X_all
    repeats = 1 if args.quick else max(args.repeats, 1)
    torch = None
    if not args.no_torch:
        try:
            import torch

            if args.threads:
                torch.set_num_threads(args.threads)
        except ImportError:
            pass
    load0 = os.getloadavg() if hasattr(os, "getloadavg") else None

    lines = ["| dtype | encoder | AE s/epoch | CAE s/epoch | CAE / AE | predicted (flops) "
             "| CAE torch s/epoch | torch / npae CAE |",
             "|---|---|---|---|---|---|---|---|"]
    print(lines[0], flush=True)
    for dtype in (np.float32, np.float64):
        X = X_all.astype(dtype)
        for hidden in SHAPES:
            runs = {"ae": [], "cae": [], "torch": []}
            for contractive in (False, True):  # warm-up (BLAS threads, allocator)
                time_npae(X[:256], hidden, dtype, contractive, args.loop)
            for _ in range(repeats):  # interleaved: drift hits every column alike
                runs["ae"].append(time_npae(X, hidden, dtype, False, args.loop))
                runs["cae"].append(time_npae(X, hidden, dtype, True, args.loop))
                if torch is not None:
                    runs["torch"].append(time_torch(X, hidden, dtype))
            med = {k: statistics.median(v) if v else float("nan") for k, v in runs.items()}
            tag = "784-" + "-".join(map(str, hidden))
            tcol = f"{med['torch']:.2f}" if torch is not None else "n/a"
            trat = f"{med['torch'] / med['cae']:.2f}x" if torch is not None else "n/a"
            lines.append(f"| {np.dtype(dtype).name} | {tag} | {med['ae']:.2f} | {med['cae']:.2f} "
                         f"| {med['cae'] / med['ae']:.2f}x | {predicted_ratio(784, hidden):.2f}x "
                         f"| {tcol} | {trat} |")
            print(lines[-1], flush=True)
    load1 = os.getloadavg() if hasattr(os, "getloadavg") else None

    env = [f"- {len(X_all)} rows × 784, batch {BATCH}, sigmoid units, mse, Adam, λ = {LAM}, "
           f"mirrored decoder; 1 epoch per run, medians of {repeats} interleaved runs in one "
           "process; ratios are of the medians; "
           f"{'process CPU time' if args.clock == 'cpu' else 'wall-clock time'}",
           "- npae loop: " + ("`fit()` as shipped" if args.loop == "fit" else
                              "reused buffers (`npae.estimator.batches.iter_minibatches` + "
                              "`Workspace.step()` + `_train_step`, benchmarks/_common.py), "
                              "the loop `fit` is to run"),
           "- predicted: GEMM flops of a CAE step over a plain step (npae.nn.jacobian §5; "
           "elementwise passes over the (n, k, h_1) arrays not counted)",
           f"- numpy {np.__version__}; BLAS: {blas_info()}",
           f"- PyTorch: {torch.__version__ + f' ({torch.get_num_threads()} threads)' if torch else 'not used'}",
           f"- machine: {platform.machine()}, {os.cpu_count()} cores; load average "
           f"{'%.1f' % load0[0] if load0 else '?'} at start, {'%.1f' % load1[0] if load1 else '?'} "
           "at the end (a shared machine inflates all columns alike, not the ratios)"]
    text = "\n".join(lines + [""] + env)
    print()
    finish(text + "\n", args.out)
    return text


if __name__ == "__main__":
    main()
