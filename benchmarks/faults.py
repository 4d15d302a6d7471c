"""Fault and bad-input tally: every registered family, the RBM, the rate-distortion
autoencoder and the public functions (of :mod:`npae.metrics`, :mod:`npae.retrieval`,
:mod:`npae.imaging`, the gradient checker, ``npae.load``, PCA) (the catalogue is
``tests/faults.py``, shared with ``tests/estimator/test_faults.py``).

Counts attempts, clear errors, right answers, unclear errors, silent
acceptances (target 0) and fitted models damaged by a failed call (target 0),
and writes them to ``benchmarks/results/faults.md``.

    python benchmarks/faults.py            # every family -> results/faults.md
    python benchmarks/faults.py --quick    # two families, printed only
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import finish

HERE = os.path.dirname(os.path.abspath(__file__))


def load_catalogue():
    """``tests/faults.py`` as a module (loaded by path: no sys.path edits)."""
    path = os.path.join(HERE, "..", "tests", "faults.py")
    spec = importlib.util.spec_from_file_location("npae_faults_catalogue", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    import npae

    faults = load_catalogue()
    keys = sorted(faults.subjects())[:2] if args.quick else sorted(faults.subjects())
    rows, t0 = {}, time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for key in keys:
            folder = Path(tmp) / key
            folder.mkdir()
            rows[key] = faults.tally(faults.run_family(key, folder))
            print(key, rows[key], flush=True)
    rows["functions"] = faults.tally(faults.run_functions(np.random.default_rng(0)))
    rows["total"] = {k: sum(r[k] for r in rows.values()) for k in next(iter(rows.values()))}
    seconds = time.perf_counter() - t0
    text = (f"Fault and bad-input tally, npae {npae.__version__}, {len(keys)} estimators (the "
            f"registered families, the RBM, the rate-distortion autoencoder) + the public "
            f"functions ({seconds:.1f} s).\n\n"
            f"Command: `python benchmarks/faults.py{' --quick' if args.quick else ''}`\n\n"
            "Outcomes (see `tests/faults.py`): a *clear error* is a ValueError/TypeError (or "
            "OSError for files, TrainingDivergedError, KeyboardInterrupt where documented) with "
            "npae's own message; a *right answer* is a call that returned correctly (a huge but "
            "finite row with a finite output, a damaged file whose flipped byte carried "
            "nothing); *unclear errors* are raw numpy/Python exceptions; *silent acceptances* "
            "returned on bad input; *damaged models* changed or broke a fitted model.\n\n"
            + faults.table(rows) + "\n")
    finish(text, None if args.quick else os.path.join(HERE, "results", "faults.md"))


if __name__ == "__main__":
    main()
