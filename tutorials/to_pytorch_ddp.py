"""Train an exported npae model with PyTorch's DistributedDataParallel (run by torchrun).

The script a user runs on every machine of a cluster, here on one machine
with two processes (``tutorials/to_pytorch.py`` launches it):

    torchrun --standalone --nproc-per-node=2 tutorials/to_pytorch_ddp.py \\
        --model model.npz --data train.npy --test test.npy --out result.json

Every process loads the saved npae model (``npae.load``: no pickle) and
exports it (``npae.to_torch``); a ``DistributedSampler`` gives each process its
own rows, read from a memory-mapped ``.npy`` file (no process holds the whole
set); DDP averages the gradients after every backward pass, so the replicas
stay identical — checked at the end.  Rank 0 writes the per-epoch losses.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import npae  # noqa: E402


class Objective(torch.nn.Module):
    """The exported model's loss as ``forward``: DDP synchronises the gradients of
    what runs inside ``forward``, so the loss must be computed there."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, X):
        return self.module.loss(X)


class Rows(Dataset):
    """Rows of a memory-mapped .npy file, read one at a time."""

    def __init__(self, path):
        self.X = np.load(path, mmap_mode="r")

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return torch.from_numpy(np.array(self.X[i]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--model", "--data", "--test", "--out"):
        parser.add_argument(name, required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128, help="global (all processes)")
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    dist.init_process_group("gloo")  # "nccl" for GPUs; torchrun sets rank, world, address
    rank, world = dist.get_rank(), dist.get_world_size()

    module = npae.to_torch(npae.load(args.model))
    objective = DDP(Objective(module))
    data = Rows(args.data)
    sampler = DistributedSampler(data, shuffle=True, seed=0)  # this process's shard
    loader = DataLoader(data, batch_size=args.batch_size // world, sampler=sampler)
    opt = torch.optim.Adam(objective.parameters(), lr=args.lr)
    X_te = torch.from_numpy(np.load(args.test))
    history = {"loss": [], "val_loss": []}
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)  # a new shuffle per epoch, the same on every process
        total = torch.zeros(2, dtype=torch.float64)  # (sum of losses, rows) on this process
        for xb in loader:
            opt.zero_grad()
            loss = objective(xb)
            loss.backward()  # DDP: gradients all-reduced (averaged) across processes here
            opt.step()
            total += torch.tensor([loss.item() * len(xb), len(xb)], dtype=torch.float64)
        dist.all_reduce(total)
        with torch.no_grad():
            history["loss"].append((total[0] / total[1]).item())
            history["val_loss"].append(module.loss(X_te).item())
    # The replicas must hold the same parameters: compare every process's with rank 0's.
    flat = torch.nn.utils.parameters_to_vector(module.parameters()).detach()
    copies = [torch.empty_like(flat) for _ in range(world)]
    dist.all_gather(copies, flat)
    if rank == 0:
        history["replica_max_diff"] = max((c - copies[0]).abs().max().item() for c in copies)
        history["world_size"] = world
        with open(args.out, "w") as fh:
            json.dump(history, fh)
    # Every process leaves together: tearing gloo down while a peer is still in
    # it aborted both processes now and then ("terminate called without an
    # active exception").
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
