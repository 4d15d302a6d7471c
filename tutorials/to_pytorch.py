"""From npae to PyTorch: export a trained autoencoder and keep training it in torch
================================================================================

npae is where every gradient is written out and checked; PyTorch is where a
model goes when its data outgrow one machine.  ``npae.to_torch(model)`` is the
bridge: a ``torch.nn.Module`` holding copies of the model's weights (same
names, same dtype) whose ``encode``, ``decode`` and ``loss`` compute what
npae computes.  This tutorial

1. trains an npae autoencoder on the bundled digits (and, as a reference,
   the same model for twice as many epochs: with the same seed its first
   half is the same run);
2. exports it and checks, in float64, that torch and npae agree: loss,
   codes, reconstructions and the gradient of every parameter (npae's
   hand-written backward against torch's autograd);
3. continues training in PyTorch — ``torch.optim.Adam`` on minibatches from a
   ``DataLoader`` — and draws the loss curve across the hand-over
   (``loss_across_handover.png``) and the reconstructions
   (``reconstructions.png``);
4. takes the next step, PyTorch's distributed training: saves the model and
   the data, and runs ``tutorials/to_pytorch_ddp.py`` with ``torchrun`` on two
   processes of this machine (DistributedDataParallel; each process reads its
   own shard of a memory-mapped file) — the script a cluster would run on
   every machine.

Requires PyTorch (``pip install "npae[bench]"`` installs ``torch==2.13.0``).

Run it from the repository::

    python tutorials/to_pytorch.py            # about a minute on 2 busy cores
    python tutorials/to_pytorch.py --quick    # seconds (used by the tests)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist, train_test_split
from _tutorial import HERE, OUT_ROOT, parse_args

Objective = None  # set by _torch() (it imports torch)

def _torch():
    try:
        import torch
    except ImportError:
        raise SystemExit('this tutorial needs PyTorch: pip install "npae[bench]" '
                         "(or pip install torch==2.13.0)") from None
    global Objective
    sys.path.insert(0, HERE)
    from to_pytorch_ddp import Objective  # the loss as forward(), as DDP needs it
    return torch


def parity(ae, module, X, torch):
    """Largest |torch − npae| of the loss, codes, reconstructions and gradients on X."""
    diffs = {}
    diffs["loss"] = abs(module.loss(X).item() - sum(ae.loss_terms(X).values()))
    diffs["codes"] = float(np.abs(module.encode(X).detach().numpy() - ae.transform(X)).max())
    diffs["reconstructions"] = float(np.abs(module(X).detach().numpy()
                                            - ae.reconstruct(X)).max())
    _, grads = ae.loss_and_grads(X)
    module.zero_grad()
    module.loss(X).backward()  # torch's autograd ...
    diffs["gradients"] = max(float(np.abs(p.grad.numpy() - grads[name]).max())
                             for name, p in module.named_parameters())  # ... npae's by hand
    module.zero_grad()
    return diffs


def train_in_torch(module, Xtr, Xte, epochs, batch_size, lr, torch, say):
    """Adam on shuffled minibatches; per epoch the mean training loss (over the batches,
    before each step, as npae records it) and the held-out loss at the epoch's end."""
    from torch.utils.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(torch.from_numpy(Xtr)), batch_size=batch_size,
                        shuffle=True, generator=torch.Generator().manual_seed(0))
    objective = Objective(module)
    opt = torch.optim.Adam(objective.parameters(), lr=lr)
    Xte_t = torch.from_numpy(Xte)
    history = {"loss": [], "val_loss": []}
    for epoch in range(epochs):
        t0, total = time.perf_counter(), 0.0
        for (xb,) in loader:
            opt.zero_grad()
            loss = objective(xb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        with torch.no_grad():
            history["loss"].append(total / len(Xtr))
            history["val_loss"].append(objective(Xte_t).item())
        say(f"   torch epoch {epoch + 1:2d}: training loss {history['loss'][-1]:7.3f}, "
            f"held-out {history['val_loss'][-1]:7.3f} nats/digit "
            f"({time.perf_counter() - t0:.2f}s)")
    return history


def run_ddp(ae, X_tr, X_te, epochs, nproc, say):
    """Save the model and the data, and train from there with ``torchrun`` on ``nproc``
    processes of this machine (tutorials/to_pytorch_ddp.py); returns its figures."""
    script = os.path.join(HERE, "to_pytorch_ddp.py")
    with tempfile.TemporaryDirectory() as tmp:
        paths = {k: os.path.join(tmp, k) for k in ("model.npz", "train.npy", "test.npy",
                                                    "result.json")}
        ae.save(paths["model.npz"])
        np.save(paths["train.npy"], X_tr)
        np.save(paths["test.npy"], X_te)
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc-per-node={nproc}", script, "--model", paths["model.npz"],
               "--data", paths["train.npy"], "--test", paths["test.npy"],
               "--out", paths["result.json"], "--epochs", str(epochs)]
        say(f"   torchrun --standalone --nproc-per-node={nproc} tutorials/to_pytorch_ddp.py "
            "--model model.npz --data train.npy ...")
        t0 = time.perf_counter()
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        # torch's gloo backend on this machine aborted a process now and then (about 1 run
        # in 5 under load, SIGABRT in gloo, not in this script): up to 3 attempts.
        for attempt in range(3):
            run = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
            if run.returncode == 0:
                break
            say(f"   (torchrun attempt {attempt + 1} failed: {run.stderr.strip().splitlines()[-1:]})")
        if run.returncode != 0:
            raise RuntimeError(f"the torchrun run failed 3 times:\n{run.stderr[-3000:]}")
        with open(paths["result.json"]) as fh:
            result = json.load(fh)
    say(f"   {nproc} processes, {epochs} epoch(s), {time.perf_counter() - t0:.1f}s with start-up; "
        f"each process loaded the saved npae model, exported it and read its own shard of "
        f"the rows from a memory-mapped .npy file")
    for e, (tr, va) in enumerate(zip(result["loss"], result["val_loss"])):
        say(f"   DDP epoch {e + 1}: training loss {tr:7.3f}, held-out {va:7.3f} nats/digit")
    say(f"   largest difference between the replicas' parameters: "
        f"{result['replica_max_diff']:.1e} (DDP averages the gradients: the copies stay equal)")
    say("   On a cluster the same script runs on every machine, e.g.\n"
        "     torchrun --nnodes=4 --nproc-per-node=8 --rdzv-backend=c10d "
        "--rdzv-endpoint=HOST:29500 tutorials/to_pytorch_ddp.py ...\n"
        "   with backend \"nccl\" on GPUs.  npae stays the place to read and check the "
        "gradients; PyTorch takes over when the data do not fit.")
    return result


def loss_figure(npae_hist, torch_hist, ref_hist, path):
    plt = plot._plt()
    E1, E2 = len(npae_hist["loss"]), len(torch_hist["loss"])
    before, after = np.arange(1, E1 + 1), np.arange(E1 + 1, E1 + E2 + 1)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for key, style in (("loss", "-"), ("val_loss", "--")):
        name = "training" if key == "loss" else "held-out"
        ax.plot(before, npae_hist[key], style, color="C0", marker="o", ms=3,
                label=f"npae, {name}")
        # the hand-over: the torch curve starts from npae's last point
        ax.plot(np.r_[E1, after], np.r_[npae_hist[key][-1], torch_hist[key]], style, color="C3",
                marker="o", ms=3, label=f"PyTorch, {name}")
        ax.plot(np.r_[E1, after], ref_hist[key][E1 - 1:], style, color="0.6",
                label=f"npae continued (reference), {name}")
    ax.axvline(E1 + 0.5, color="k", lw=0.8)
    ax.text(E1 + 0.6, ax.get_ylim()[1], " to_torch", va="top", fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (Bernoulli NLL, nats per digit)")
    ax.set_title("training across the hand-over to PyTorch")
    ax.legend(fontsize=7)
    plot.save(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "to_pytorch").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, few epochs")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--nproc", type=int, default=2, help="processes of the DDP run")
    parser.add_argument("--ddp", action="store_true", help="run the torchrun step in quick mode too")
    parser.add_argument("--out", default=os.path.join(OUT_ROOT, "to_pytorch"))
    args = parse_args(parser, argv)
    os.makedirs(args.out, exist_ok=True)
    say = (lambda *a: None) if args.quiet else print
    torch = _torch()
    torch.manual_seed(0)

    X, _ = load_mnist()
    X_tr, X_te = train_test_split(X, test_size=0.25, rng=0)
    if args.quick:
        X_tr, X_te, hidden, E1, E2 = X_tr[:1000], X_te[:300], (64, 16), 3, 3
    else:
        hidden, E1, E2 = (256, 64, 30), 10, 10
    kw = dict(hidden=hidden[:-1], latent_dim=hidden[-1], activation="tanh", code_activation="identity", loss="bce",
              learning_rate=1e-3, batch_size=128, random_state=0)

    say(f"== 1. An npae autoencoder, 784-{'-'.join(map(str, hidden))}-..-784, on "
        f"{len(X_tr)} digits for {E1} epochs")
    t0 = time.perf_counter()
    ae = npae.Autoencoder(epochs=E1, validation_data=X_te, **kw).fit(X_tr)
    say(f"   trained in {time.perf_counter() - t0:.1f}s; held-out loss "
        f"{ae.history_['val_loss'][-1]:.3f} nats per digit")
    ref = npae.Autoencoder(epochs=E1 + E2, validation_data=X_te, **kw).fit(X_tr)
    same = np.array_equal(ref.history_["loss"][:E1], ae.history_["loss"])
    say(f"   reference: the same model for {E1 + E2} epochs (its first {E1} epochs are the same "
        f"run: {same})")

    say("\n== 2. Export to PyTorch and check")
    module = npae.to_torch(ae)
    say(f"   {type(module).__name__}: parameters "
        + ", ".join(f"{k} {tuple(v.shape)}" for k, v in list(module.state_dict().items())[:2])
        + f", ... ({sum(p.numel() for p in module.parameters())} numbers, "
        f"{next(module.parameters()).dtype})")
    diffs = parity(ae, module, X_te[:256], torch)
    for k, v in diffs.items():
        say(f"   max |torch − npae| of the {k:<16} {v:.1e}")
    say("   Equal to round-off: the torch module computes npae's loss, and autograd agrees with "
        "npae's hand-written backward.")

    say(f"\n== 3. Continue training in PyTorch for {E2} epochs (Adam, DataLoader, batch 128)")
    say("   Adam starts afresh: its moment estimates live in npae's optimizer and are not "
        "exported, so the first steps take full-size moves again.")
    torch_hist = train_in_torch(module, X_tr, X_te, E2, 128, 1e-3, torch, say)
    ref_val = ref.history_["val_loss"][-1]
    say(f"   held-out loss: {ae.history_['val_loss'][-1]:.3f} at the hand-over -> "
        f"{torch_hist['val_loss'][-1]:.3f} after PyTorch; npae continued: {ref_val:.3f}")
    say("   (Not the same numbers: a fresh Adam and another batch order make another run of "
        "the same training.)")
    loss_figure(ae.history_, torch_hist, ref.history_,
                os.path.join(args.out, "loss_across_handover.png"))
    n_fig = 6 if args.quick else 10
    with torch.no_grad():
        after = module(X_te[:n_fig]).numpy()
    plot.reconstructions([X_te, ae.reconstruct(X_te[:n_fig]), after,
                          ref.reconstruct(X_te[:n_fig])],
                         ["digits", f"npae, {E1} ep.", f"+ torch {E2} ep.", f"npae {E1 + E2} ep."],
                         n=n_fig, title="held-out reconstructions",
                         path=os.path.join(args.out, "reconstructions.png"))

    say("\n== 4. Beyond one machine: DistributedDataParallel")
    ddp = None
    if args.quick and not args.ddp:
        say("   (--quick: the torchrun step is skipped; add --ddp to run it)")
    else:
        ddp = run_ddp(ae, X_tr, X_te, 1 if args.quick else 2, args.nproc, say)
    say(f"\n   figures written to {args.out}")
    return {"parity": diffs, "npae": ae.history_, "torch": torch_hist, "reference": ref.history_,
            "same_start": same, "ddp": ddp}


if __name__ == "__main__":
    main()
