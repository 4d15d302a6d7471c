"""Outlier detection on the 26-set development pool (11 ODDS + 15 ADBench): npae's default chosen
by leave-one-dataset-out, its candidate scores, and PyOD's detectors in the same run.

Protocol (PyOD's benchmark, Zhao, Nasrullah & Li 2019): random 60/40 train/test
splits (seed = split number); each feature standardised with the training part's
mean and standard deviation; every detector fitted on the training part (outliers
included, unlabelled) and scored on the test part; ROC AUC and average precision
averaged over the splits. Splits: ``--splits`` (default 5) for sets up to 20,000
rows, 2 up to 100,000 (campaign), 1 above (donors, http: 619,326 and 567,498 rows).

npae rows: one ``OutlierDetector(score=COMPONENTS)`` per split gives the five
component scores of :mod:`_lodo` (the autoencoder's reconstruction, kNN and
Mahalanobis on its codes, kNN and Mahalanobis in the standardised input), and every
candidate rule is computed from them. The default is chosen among the candidates by
leave-one-dataset-out (:mod:`_lodo`). ``npae default`` is ``OutlierDetector()`` run on
its own (its time and memory; its scores must equal its candidate's).
``previous default`` is the rule of issue 10 (Parzen in the input for d <= 40, on
8-D autoencoder codes above; skipped above 100,000 rows: its Parzen sums take 10+ min).

Peers, same splits: PyOD's IForest, KNN, ECOD, COPOD, LOF (defaults), and its
AutoEncoder (defaults, PyTorch; sets up to 20,000 rows only). Each (set, method) runs
in a forked process: its time is fit + score summed over its splits / splits, its
memory the process's peak RSS (which includes the ~0.3 GB of the loaded libraries).

    python benchmarks/anomaly_benchmark.py --json benchmarks/results/anomaly_benchmark.json \\
        --md benchmarks/results/anomaly_benchmark.md          # full (about an hour on 2 cores)
    python benchmarks/anomaly_benchmark.py --quick             # smoke (seconds)

Results are cached per (set, method) in ``--json``; ``--report-only`` rebuilds the
tables from it. Data: ``$NPAE_ODDS_DIR`` / ``$NPAE_ADBENCH_DIR`` or ``../shared/data``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import traceback
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import finish, machine_line, parse_benchmark_args  # noqa: E402
from _lodo import (COMPONENTS, ENSEMBLE_COMPONENTS, candidate_scores, candidates,  # noqa: E402
                   ensemble_candidates)

from npae.datasets import ADBENCH_SETS, ODDS_SETS, load_adbench, load_odds  # noqa: E402
from npae.detection import AutoencoderEnsemble, OutlierDetector  # noqa: E402
from npae.metrics import average_precision, roc_auc  # noqa: E402

SETS = tuple(ODDS_SETS) + tuple(ADBENCH_SETS)
PEERS = ("PyOD IForest", "PyOD KNN", "PyOD ECOD", "PyOD COPOD", "PyOD LOF", "PyOD AutoEncoder")
_PYOD_AE_MAX_ROWS, _PREVIOUS_MAX_ROWS = 20000, 100000


def load(name):
    return load_odds(name) if name in ODDS_SETS else load_adbench(name)


def n_splits_for(n, base):
    return base if n <= 20000 else (2 if n <= 100000 else 1)


def splits(X, n_splits):
    """(train part, test part, test indices) per split, standardised on the training part."""
    for seed in range(n_splits):
        perm = np.random.default_rng(seed).permutation(len(X))
        tr, te = perm[:int(0.6 * len(X))], perm[int(0.6 * len(X)):]
        mu, sd = X[tr].mean(axis=0), X[tr].std(axis=0)
        sd[sd == 0] = 1.0
        yield seed, (X[tr] - mu) / sd, (X[te] - mu) / sd, te


def _previous_default(d, seed):
    if d <= 40:
        return OutlierDetector(estimator="input", score="kde", max_samples=None)
    import npae
    ae = npae.Autoencoder(hidden=(64,), latent_dim=8, activation="tanh", code_activation="identity", epochs=30,
                          batch_size=64, random_state=seed)
    return OutlierDetector(estimator=ae, score="kde", max_samples=None)


def _pyod(name, seed):
    if name == "PyOD IForest":
        from pyod.models.iforest import IForest
        return IForest(random_state=seed)
    if name == "PyOD KNN":
        from pyod.models.knn import KNN
        return KNN()
    if name == "PyOD ECOD":
        from pyod.models.ecod import ECOD
        return ECOD()
    if name == "PyOD COPOD":
        from pyod.models.copod import COPOD
        return COPOD()
    if name == "PyOD LOF":
        from pyod.models.lof import LOF
        return LOF()
    from pyod.models.auto_encoder import AutoEncoder
    return AutoEncoder(random_state=seed, verbose=0)


def applies(method, n):
    if method == "PyOD AutoEncoder":
        return n <= _PYOD_AE_MAX_ROWS
    if method == "previous default":
        return n <= _PREVIOUS_MAX_ROWS
    return True


def run_method(method, X, y, n_splits):
    """All splits of one method -> {"auc": [...], "ap": [...], "sec": [...], "cand": {...}}."""
    out = {"auc": [], "ap": [], "sec": [], "cand": {}}
    eligible, other = candidates()
    for seed, A, B, te in splits(X, n_splits):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if method == "npae components":
                det = OutlierDetector(score=COMPONENTS, random_state=seed).fit(A)
                S_te = det.component_scores(B)
                s = S_te[:, 0]
            elif method == "npae AE ensemble":
                det = OutlierDetector(estimator=AutoencoderEnsemble(random_state=seed),
                                      score=ENSEMBLE_COMPONENTS, random_state=seed).fit(A)
                S_te = det.component_scores(B)
                s = S_te[:, 0]
            elif method == "npae default":
                s = OutlierDetector(random_state=seed).fit(A).decision_function(B)
            elif method == "previous default":
                s = _previous_default(X.shape[1], seed).fit(A).decision_function(B)
            else:
                s = _pyod(method, seed).fit(A).decision_function(B)
        out["sec"].append(time.perf_counter() - t0)
        out["auc"].append(roc_auc(y[te], s))
        out["ap"].append(average_precision(y[te], s))
        if method in ("npae components", "npae AE ensemble"):
            table, comps = (({**eligible, **other}, COMPONENTS) if method == "npae components"
                            else (ensemble_candidates(), ENSEMBLE_COMPONENTS))
            for name, (subset, rule) in table.items():
                c = candidate_scores(det.decision_components_, S_te, subset, rule, comps)
                out["cand"].setdefault(name, []).append((roc_auc(y[te], c), average_precision(y[te], c)))
    return out


def run_forked(method, X, y, n_splits):
    """``run_method`` in a forked child: its peak RSS is this method's alone (plus the parent's pages)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            res = run_method(method, X, y, n_splits)
            res["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        except Exception:  # report, never hang the parent
            res = {"error": traceback.format_exc()[-1500:]}
        with os.fdopen(w, "w") as fh:
            json.dump(res, fh)
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as fh:
        text = fh.read()
    _, status = os.waitpid(pid, 0)
    if not text:  # killed (by the user, or out of memory) before it could report
        return {"error": f"the child process ended without a result (wait status {status})"}
    return json.loads(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two small sets, two splits, few peers")
    parser.add_argument("--sets", nargs="*", default=None, help=f"subset of {SETS}")
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None, help="methods to (re)run")
    parser.add_argument("--json", default=None, help="the per-(set, method) cache (read and updated)")
    parser.add_argument("--md", default=None, help="write the markdown report here")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--merge", nargs="*", default=(), help="more caches whose runs are added to the report")
    parser.add_argument("--threads", type=int, default=1)
    args = parse_benchmark_args(parser, argv, "anomaly_benchmark.py")
    sets = args.sets or (["glass", "45_wine"] if args.quick else list(SETS))
    base = 2 if args.quick else args.splits
    methods = ["npae components", "npae AE ensemble", "npae default", "previous default", *PEERS]
    if args.quick:
        methods = ["npae components", "npae default", "PyOD IForest", "PyOD KNN"]
    methods = args.only or methods
    cache = {}
    if args.json and os.path.exists(args.json):
        with open(args.json) as fh:
            cache = json.load(fh)
    cache.setdefault("shapes", {})
    cache.setdefault("runs", {})
    if not args.report_only:
        cache.setdefault("commands", []).append(f"{args.command}  ({time.strftime('%Y-%m-%d %H:%M')})")
        for name in sets:
            X, y = load(name)
            cache["shapes"][name] = [int(X.shape[0]), int(X.shape[1]), int(n_splits_for(len(X), base))]
            for m in methods:
                if not applies(m, len(X)):
                    continue
                res = run_forked(m, X, y, n_splits_for(len(X), base))
                if "error" in res:
                    print(f"{name} {m}: ERROR\n{res['error']}", file=sys.stderr, flush=True)
                    continue
                cache["runs"].setdefault(name, {})[m] = res
                print(f"{name} ({X.shape[0]}x{X.shape[1]}) {m}: ROC {np.mean(res['auc']):.3f} "
                      f"{np.mean(res['sec']):.1f} s {res['rss_mb']:.0f} MB", flush=True)
                if args.json:
                    with open(args.json, "w") as fh:
                        json.dump(cache, fh)
    for extra in args.merge:  # runs made in another process (another cache file)
        with open(extra) as fh:
            other = json.load(fh)
        cache["shapes"].update(other["shapes"])
        cache.setdefault("commands", []).extend(other.get("commands", []))
        for name, runs in other["runs"].items():
            cache["runs"].setdefault(name, {}).update(runs)
    from _anomaly_report import report  # noqa: E402
    text = report(cache, [s for s in sets if s in cache["runs"]], args.command, machine_line(args.t_start))
    finish(text, args.md)


if __name__ == "__main__":
    main()
