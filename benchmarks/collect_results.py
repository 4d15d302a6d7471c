"""Assemble benchmarks/RESULTS.md from the per-topic files in benchmarks/results/,
and check that today's code still produces them.

Each benchmark script writes its own file there (with the command and the commit that
produced it); this script concatenates them in a fixed order under one index.  The
checks are described in ``benchmarks/_drift.py``: a table's *fingerprint* is what its
script's ``--quick`` mode printed at the table's commit; ``--check`` compares today's
quick figures with it (timings excluded), ``--rerun`` repeats the full run.

    python benchmarks/collect_results.py                       # write RESULTS.md
    python benchmarks/collect_results.py --fingerprint hashing.md   # after a new table
    python benchmarks/collect_results.py --fingerprint all
    python benchmarks/collect_results.py --fingerprint all --assume-commit   # older tables
    python benchmarks/collect_results.py --check               # every table (minutes)
    python benchmarks/collect_results.py --check hashing.md faults.md
    python benchmarks/collect_results.py --rerun hashing.md     # the full command (long)

``--check`` and ``--rerun`` exit with status 1 when a table drifted or its run failed.
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = [
    ("speed.md", "Speed of the core (issues 2 and 14)"),
    ("memory.md", "Memory of one epoch, in memory and memory-mapped (issue 14)"),
    ("files_per_step.md", "Files opened per training step (issue 23)"),
    ("speed_2threads.md", "Speed with two threads against PyTorch's fastest row (issue 23)"),
    ("test_runs.md", "The README's test command in ten fresh clones, the property tests under 100 seeds (issue 23)"),
    ("speed_openblas_autodetect.md", "Speed with OpenBLAS's own kernel choice"),
    ("dimreduction.md", "PCA vs linear and nonlinear autoencoders (issue 3)"),
    ("dimreduction_fashion.md", "PCA vs autoencoders on full Fashion-MNIST (issue 13)"),
    ("regularized.md", "Sparse, k-sparse, denoising, contractive: cost and the h2o comparisons (issue 4)"),
    ("contractive.md", "The contractive penalty's cost (issue 4)"),
    ("contractive_step.md", "The contractive step with reused buffers (issue 14)"),
    ("vae.md", "VAE and CL-VAE (issue 5)"),
    ("vae_fashion.md", "VAE and CL-VAE on full Fashion-MNIST (issue 13)"),
    ("aae_concrete.md", "Adversarial and concrete autoencoders (issue 5)"),
    ("applications.md", "Applications: anomaly detection, clustering, retrieval"),
    ("clustering.md", "Clustering: k-means on codes, DEC, VaDE, CL-VAE (issue 11)"),
    ("clustering_fashion.md", "Clustering on Fashion-MNIST (issue 11)"),
    ("hashing.md", "Semantic hashing vs ITQ, PCA signs, LSH (issue 11)"),
    ("pretraining.md", "Greedy layer-wise pretraining vs joint training (issue 11)"),
    ("aae_defaults.md", "Adversarial autoencoder defaults (issue 13)"),
    ("ksparse_digits.md", "k-sparse features for a linear classifier, digits (issue 13)"),
    ("ksparse_fashion.md", "k-sparse features for a linear classifier, Fashion-MNIST (issue 13)"),
    ("vae_binarized.md", "VAE and IWAE on binarised digits (issue 13)"),
    ("vae_manifold.md", "The 2-D VAE manifold's digit classes (issue 13)"),
    ("vae_student_t.md", "Student-t VAE decoder under outliers (issue 11)"),
    ("clvae_protocol.md", "The CL-VAE preprint's protocol (issue 13)"),
    ("clvae_protocol_fashion.md", "The CL-VAE preprint's protocol on Fashion-MNIST (issue 13)"),
    ("fashion_pca30.md", "PCA-30 vs 30-D autoencoders on full Fashion-MNIST (issue 13)"),
    ("to_torch.md", "npae.to_torch: torch against npae (issue 14)"),
    ("faults.md", "Faults and bad input: attempts, clear errors, silent acceptances (issue 9)"),
    ("anomaly_odds.md", "One-class detection on the ODDS benchmark (issue 10)"),
    ("clvae_anomaly.md", "The CL-VAE preprint's anomaly protocol (issue 10)"),
    ("hash_table.md", "Semantic hashing as a hash table: lookup vs scan (issue 21)"),
    ("ood_likelihood.md", "When likelihoods fail: out-of-distribution scores of a VAE (issue 21)"),
    ("images_restore.md", "Denoising and super-resolution vs filters and interpolation (issue 21)"),
    ("compression.md", "Rate-distortion autoencoder vs JPEG and quantised PCA (issue 21)"),
    ("rbm_pretraining.md", "RBM-pretrained 784-1000-500-250-30 vs AE-pretrained and random "
     "starts, digits (issue 20)"),
    ("rbm_pretraining_fashion.md", "RBM-pretrained 784-1000-500-250-30 on full Fashion-MNIST "
     "(issue 20)"),
    ("anomaly_benchmark.md", "The default detector, chosen by leave-one-dataset-out on 26 sets (issue 22)"),
    ("conv_speed.md", "Convolutional autoencoder: npae's batch convolution vs PyTorch (issue 20)"),
    ("conv_wta_digits.md", "Convolutional vs dense, Conv-WTA vs FC-WTA vs k-sparse, digits (issue 20)"),
    ("conv_wta_fashion.md", "The same on a Fashion-MNIST subset (issue 20)"),
]


def collect():
    """Write RESULTS.md: the index, then each results file under its numbered heading."""
    parts = ["# npae benchmark results\n",
             "Measured figures, each with the command that produced it. Timings are medians of "
             "interleaved runs in one process; ratios are of medians from the same run. These "
             "2-core machines are noisy and were sometimes shared while a run took place: each "
             "section says so where it matters. Regenerate this file with "
             "`python benchmarks/collect_results.py` after re-running a benchmark.\n"]
    parts += [f"{i + 1}. [{title}](#{i + 1}-{name[:-3].replace('_', '-')})"
              for i, (name, title) in enumerate(ORDER)
              if os.path.exists(os.path.join(HERE, "results", name))]
    parts.append("")
    checked = read_status()
    for i, (name, title) in enumerate(ORDER):
        path = os.path.join(HERE, "results", name)
        if not os.path.exists(path):
            continue
        with open(path) as fh:
            body = fh.read().strip().splitlines()
        # Demote the file's own headings one level under our numbered section.
        body = ["#" + line if line.startswith("#") else line for line in body]
        parts.append(f'<a id="{i + 1}-{name[:-3].replace("_", "-")}"></a>\n')
        parts.append(f"## {i + 1}. {title}\n")
        if name in checked:
            parts.append(status_line(checked[name]) + "\n")
        parts.append("\n".join(body) + "\n")
    with open(os.path.join(HERE, "RESULTS.md"), "w") as fh:
        fh.write("\n".join(parts))
    print(f"wrote {os.path.join(HERE, 'RESULTS.md')}")


STATUS = os.path.join(HERE, "results", "quick", "STATUS.json")


def read_status():
    """{table: {status, detail, commit, date}} of the last ``--check`` of each table."""
    if not os.path.exists(STATUS):
        return {}
    with open(STATUS) as fh:
        return json.load(fh)


def write_status(rows, commit):
    """Record each checked table's status (merged into the earlier records of other tables)."""
    status = read_status()
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for name, verdict, detail, _ in rows:
        status[name] = {"status": verdict, "detail": detail, "commit": commit, "date": date}
    with open(STATUS, "w") as fh:
        json.dump(dict(sorted(status.items())), fh, indent=1, ensure_ascii=False)
        fh.write("\n")


def status_line(entry):
    """The line RESULTS.md shows under a section's heading: what the last drift check found."""
    head = (f"> Drift check (`python benchmarks/collect_results.py --check`, code at "
            f"{entry['commit']}, {entry['date']}): **{entry['status']}**")
    if entry["status"] == "DRIFTED" and " moved" not in entry["detail"]:
        # only lines that appeared or vanished: the script's quick output changed shape
        return (head + f" — {entry['detail']}. No recorded figure moved, but the script's "
                "output changed since this table; re-run the command below to refresh it.")
    if entry["status"] == "DRIFTED":
        return (head + f" — {entry['detail']}. Today's code no longer gives these figures; "
                "re-run the command below to regenerate them.")
    return head + f" ({entry['detail']})."


def tables(names):
    """The results files named (``all`` or none: every file in ORDER that exists)."""
    known = [n for n, _ in ORDER if os.path.exists(os.path.join(HERE, "results", n))]
    if not names or names == ["all"]:
        return known
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown results file(s) {unknown}; expected some of {known}")
    return names


def report(rows):
    """Print the statuses as a markdown table; 1 if any drifted or failed, else 0."""
    from _common import markdown_table

    print("\n".join(markdown_table(("table", "status", "figures / what moved", "seconds"),
                                    rows)))
    counts = {}
    for _, status, _, _ in rows:
        counts[status] = counts.get(status, 0) + 1
    print("\n" + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return int(any(status not in ("reproduces", "timing only", "no fingerprint")
                   for _, status, _, _ in rows))


def main(argv=None):
    import _drift

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", nargs="*", metavar="NAME",
                       help="re-run the quick modes and compare with the fingerprints")
    group.add_argument("--fingerprint", nargs="+", metavar="NAME",
                       help="record the quick-mode fingerprints of these tables ('all')")
    group.add_argument("--rerun", metavar="NAME", help="re-run one table's full command")
    parser.add_argument("--assume-commit", action="store_true",
                        help="with --fingerprint: for a table that names no commit, take the "
                             "commit that brought its figures (an assumption, so marked)")
    args = parser.parse_args(argv)
    if args.fingerprint:
        for name in tables(args.fingerprint):
            print(_drift.record_fingerprint(name, args.assume_commit), flush=True)
        return 0
    rows = []
    names = [args.rerun] if args.rerun else tables(args.check) if args.check is not None else None
    if names is None:
        collect()
        return 0
    for name in names:
        t = time.perf_counter()
        status, detail = (_drift.rerun_table if args.rerun else _drift.check_table)(name)
        rows.append((name, status, detail.replace("|", "/"), f"{time.perf_counter() - t:.0f}"))
        print(f"{name}: {status} ({detail})", file=sys.stderr, flush=True)
    if not args.rerun:
        write_status(rows, _drift.git("rev-parse", "--short=12", "HEAD").strip())
    return report(rows)


if __name__ == "__main__":
    sys.exit(main())
