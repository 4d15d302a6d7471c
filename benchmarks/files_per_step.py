"""How many npae source files a reader opens to follow one step: the files that execute.

A profiler hook (``sys.setprofile``) records the source file of every npae
function called during one call of ``loss_and_grads``, of ``step`` (the public
training step, in its steady state: the optimizers exist after the first call)
and of ``fit(epochs=1)``, for the basic, the contractive and the variational
autoencoder.  Imports are done before counting (they are not part of a step).
``tests/estimator/test_layout.py`` keeps the bounds (loss_and_grads ≤ 7 files, step ≤ 8;
every file ``fit`` adds lives in ``npae/estimator/``).

    python benchmarks/files_per_step.py [--md benchmarks/results/files_per_step.md]
"""

from __future__ import annotations

import os
import sys

import numpy as np

try:
    from _common import benchmark_parser, finish, markdown_table, parse_benchmark_args
except ImportError:  # imported from the tests (benchmarks/ not on the path)
    benchmark_parser = finish = markdown_table = parse_benchmark_args = None


def files_run(call):
    """The npae source files (relative to the package) whose functions ``call()`` runs."""
    import npae

    root = os.path.dirname(npae.__file__)
    seen = set()

    def hook(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(root):
            seen.add(os.path.relpath(frame.f_code.co_filename, root))

    sys.setprofile(hook)
    try:
        call()
    finally:
        sys.setprofile(None)
    return sorted(seen)


def cases():
    """{(family, what): a call to count}, each on 64 digits, models initialised beforehand."""
    import npae

    X = npae.load_mnist()[0][:64]
    families = {"Autoencoder": lambda: npae.Autoencoder(hidden=(16,), latent_dim=4),
                "ContractiveAutoencoder": lambda: npae.ContractiveAutoencoder(hidden=(16,), latent_dim=4),
                "VariationalAutoencoder": lambda: npae.VariationalAutoencoder(hidden=(16,), latent_dim=2)}
    out = {}
    for name, make in families.items():
        m = make().initialize(X)
        out[name, "loss_and_grads"] = lambda m=m: m.loss_and_grads(X, rng=0)
        s = make().initialize(X)
        s.step(X[:32], rng=0)  # the first call creates the optimizers
        out[name, "step"] = lambda s=s: s.step(X[:32], rng=0)
        out[name, "fit (1 epoch)"] = lambda make=make: make().set_params(epochs=1).fit(X)
    for call in out.values():  # warm: every module imported before counting
        call()
    return out


def main(argv=None):
    parser = benchmark_parser(__doc__)
    args = parse_benchmark_args(parser, argv, "files_per_step.py")
    rows = []
    for (name, what), call in cases().items():
        files = files_run(call)
        rows.append((name, what, len(files), " ".join(f"`{f}`" for f in files)))
    text = (f"# Files executed by one step\n\nCommand: `{args.command}`\n\n"
            + "\n".join(markdown_table(["family", "call", "files", "which"], rows)) + "\n")
    finish(text, args.md)
    return rows


if __name__ == "__main__":
    main()
