"""How closely npae.to_torch's modules reproduce npae, family by family (float64).

For each configuration of ``tests/applications/test_to_torch.py`` (one list for both), the
largest absolute difference between torch and npae of: every loss term of
``loss_terms(X, rng=seed)`` (the same draw handed to torch), every gradient
entry (npae's hand-written backward against autograd), the codes
(``transform``), ``inverse_transform`` and ``reconstruct``.  Writes
``benchmarks/results/to_torch.md``.

    python benchmarks/to_torch_parity.py            # 27 configurations, seconds
    python benchmarks/to_torch_parity.py --quick    # three of them (smoke test)
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))  # helpers.py
sys.path.insert(0, os.path.join(HERE, "..", "tests", "applications"))  # test_to_torch.py

import npae  # noqa: E402
from _common import finish  # noqa: E402


def measure(model, X, y, draw, seed):
    """Max |torch − npae| of (loss terms, gradients, codes, decoded codes, reconstructions)."""
    model.fit(X, y) if y is not None else model.fit(X)
    module = npae.to_torch(model)
    ref = model.loss_terms(X, y, rng=seed)
    got = module.loss_terms(X, **draw(model, seed))
    d_loss = max(abs(got[k].item() - ref[k]) for k in ref)
    _, grads = model.loss_and_grads(X, y, rng=seed)
    module.zero_grad()
    module.loss(X, **draw(model, seed)).backward()
    d_grad = max(float(np.abs((0 if p.grad is None else p.grad.numpy()) - grads[k]).max())
                 for k, p in module.named_parameters())
    Z = model.transform(X)
    d_enc = float(np.abs(module.encode(X).detach().numpy() - Z).max())
    d_dec = float(np.abs(module.decode(Z).detach().numpy() - model.inverse_transform(Z)).max())
    d_rec = float(np.abs(module(X).detach().numpy() - model.reconstruct(X)).max())
    return d_loss, d_grad, d_enc, d_dec, d_rec


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    import torch

    import test_to_torch as cases  # the tests' configurations and data

    chosen = cases.CASES[::10] if args.quick else cases.CASES
    header = ("| configuration | family | loss terms | gradients | encode | decode | "
              "reconstruct |\n|---|---|---|---|---|---|---|")
    rows, worst = [], np.zeros(5)
    for cid, model, labelled, draw in chosen:
        d = measure(model, cases.X, cases.Y if labelled else None,
                    draw or (lambda m, s: {}), cases.SEED)
        worst = np.maximum(worst, d)
        rows.append(f"| {cid} | {type(model).__name__} | " + " | ".join(f"{v:.1e}" for v in d)
                    + " |")
        print(rows[-1], flush=True)
    rows.append("| **largest** | | " + " | ".join(f"**{v:.1e}**" for v in worst) + " |")
    text = (f"Max |torch − npae| in float64, {len(chosen)} configurations of the nine families "
            f"on {cases.X.shape[0]} × {cases.X.shape[1]} random data after 2 epochs of "
            f"training (torch {torch.__version__}).\n\n"
            f"Command: `python benchmarks/to_torch_parity.py{' --quick' if args.quick else ''}`\n\n"
            + header + "\n" + "\n".join(rows) + "\n")
    finish(text, None if args.quick else os.path.join(HERE, "results", "to_torch.md"))


if __name__ == "__main__":
    main()
