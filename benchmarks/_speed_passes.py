"""Where one training epoch goes, pass by pass, in npae and in PyTorch (``speed.py --passes``).

Both models are the speed benchmark's 784-256-64-256-784 sigmoid network with
squared error and Adam.  The epoch is split into the same kinds of pass:

- **forward GEMMs** (with the bias): npae's ``dense_forward``, PyTorch's ``aten::addmm``;
- **backward GEMMs** (weight and input gradients, the bias gradient's sum):
  npae's ``dense_backward``, PyTorch's ``aten::mm`` and the bias ``aten::sum``;
- **activations** forward and backward: npae's ``Sigmoid.forward/backward``,
  PyTorch's ``aten::sigmoid`` / ``aten::sigmoid_backward``;
- **loss** (value and gradient): npae's ``squared_error``, PyTorch's elementwise
  ops of the loss and its backward (``sub``, ``pow``, ``mul``, ``sum``, ...);
- **optimizer**: npae's ``Adam.step``, PyTorch's ``_fused_adam_``;
- **zero grads**: npae's fill of the flat gradient, PyTorch's ``zero_grad``;
- **rest**: the epoch's time not in any pass above (Python, the gather of the
  minibatch, autograd's bookkeeping).

npae's passes are timed by wrapping those functions with a clock for one epoch
(about 1 µs per call is added, i.e. under 1 % here); PyTorch's are the self CPU
times of ``torch.profiler`` with the same epoch (the profiler's own overhead
falls in PyTorch's "rest", and its epoch is the profiled one, a little longer than
the unprofiled epochs of the main table).  An op's self time is the time its
calling thread spends in it, whatever other threads it runs on meanwhile.
"""

from __future__ import annotations

import collections
import time

import numpy as np

KINDS = ("forward GEMMs", "backward GEMMs", "activations", "loss", "optimizer", "zero grads")


def npae_passes(model_factory, X, batch):
    """{kind: seconds} over one epoch of npae's batch path (after one warm-up epoch)."""
    import npae.nn.batch as batch_ops
    from npae.estimator.optim import Adam
    from npae.nn import activations
    from npae.families import autoencoder
    from _common import ReusedBufferLoop

    spent = collections.Counter()

    def timed(kind, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[kind] += time.perf_counter() - t0
        return wrapper

    patches = [(batch_ops, "dense_forward", "forward GEMMs"),
               (batch_ops, "dense_backward", "backward GEMMs"),
               (activations.Sigmoid, "forward", "activations"),
               (activations.Sigmoid, "backward", "activations"),
               (Adam, "step", "optimizer"),
               # the family calls the loss by the name its module imported
               (autoencoder, "reconstruction_loss", "loss")]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    try:
        for owner, name, kind in patches:
            setattr(owner, name, timed(kind, getattr(owner, name)))
        loop = ReusedBufferLoop(model_factory(), X, batch)
        fill = loop.grads.flat.fill
        loop.epoch(X)  # warm-up
        spent.clear()
        t0 = time.perf_counter()
        for _, Xb in loop.minibatches(X):
            loop.step(Xb)
        total = time.perf_counter() - t0
        # the fill of the gradient buffer: timed apart on the same buffer, once per step
        steps = -(-len(X) // batch)
        t1 = time.perf_counter()
        for _ in range(steps):
            fill(0.0)
        spent["zero grads"] = time.perf_counter() - t1
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)
    return _with_rest(spent, total)


def torch_epoch(X, dtype, hidden, batch, fused=False):
    """A function running one epoch of the speed benchmark's model in PyTorch.

    The same network as npae's (Linear layers, sigmoid between them, linear output),
    squared error as npae's "mse", ``torch.optim.Adam`` (``fused=True``: its fused
    kernel); the model, optimizer and row order are made here, outside any timing."""
    import torch

    torch.manual_seed(0)
    tdt = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    sizes = [X.shape[1], *hidden, *hidden[-2::-1], X.shape[1]]
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers).to(tdt)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused or None)
    Xt = torch.from_numpy(X)
    perm = torch.from_numpy(np.random.default_rng(0).permutation(len(X)))

    def epoch():
        for s in range(0, len(X), batch):
            xb = Xt[perm[s:s + batch]]
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            loss = 0.5 * ((out - xb) ** 2).sum() / xb.shape[0]  # npae's "mse"
            loss.backward()
            opt.step()

    return epoch


def torch_passes(X, dtype, hidden, batch, fused=True):
    """{kind: seconds} over one epoch of the same model in PyTorch (self CPU time per op)."""
    from torch.profiler import ProfilerActivity, profile

    epoch = torch_epoch(X, dtype, hidden, batch, fused)
    epoch()  # warm-up
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        t0 = time.perf_counter()
        epoch()
        total = time.perf_counter() - t0
    spent = collections.Counter()
    for ev in prof.key_averages():
        kind = _torch_kind(ev.key)
        if kind is not None:
            spent[kind] += ev.self_cpu_time_total / 1e6
    return _with_rest(spent, total)


def _torch_kind(op):
    if op == "aten::addmm":
        return "forward GEMMs"
    if op in ("aten::mm", "aten::sum") or op.startswith("AddmmBackward"):
        return "backward GEMMs"
    if op in ("aten::sigmoid", "aten::sigmoid_backward"):
        return "activations"
    if op in ("aten::sub", "aten::pow", "aten::mul", "aten::div", "aten::pow_backward",
              "aten::neg", "aten::ones_like", "aten::fill_", "aten::expand"):
        return "loss"
    if "adam" in op.lower():
        return "optimizer"
    if op in ("aten::zero_", "Optimizer.zero_grad#Adam.zero_grad"):
        return "zero grads"
    return None


def _with_rest(spent, total):
    out = {k: spent.get(k, 0.0) for k in KINDS}
    out["rest"] = max(total - sum(out.values()), 0.0)
    out["epoch"] = total
    return out


def passes_table(rows):
    """Markdown lines: ``rows`` = [(label, {kind: seconds}), ...] -> a table in ms per epoch."""
    kinds = (*KINDS, "rest", "epoch")
    lines = ["| run | " + " | ".join(kinds) + " |", "|---|" + "---:|" * len(kinds)]
    for label, spent in rows:
        lines.append(f"| {label} | " + " | ".join(f"{1000 * spent[k]:.1f}" for k in kinds) + " |")
    return lines
