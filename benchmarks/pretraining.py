"""Greedy layer-wise pretraining against joint training, at equal total epochs.

A deep autoencoder 784-256-128-32-128-256-784 (sigmoid hidden units, linear
32-D code, cross-entropy) is trained two ways with the same budget of E epochs:

- ``joint``: all layers together from a Glorot start, E epochs;
- ``greedy``: three shallow autoencoders of E/5 epochs each (784-256-784,
  256-128-256, 128-32-128, each on the codes of the one before), then
  E − 3E/5 epochs of joint fine-tuning (:func:`npae.pretrain_stack`);
- ``greedy, denoising``: the same with masking noise ν = 0.2 on every layer's
  input (stacked denoising autoencoders, Vincent et al. 2010).

An epoch of a shallow model costs less than one of the whole stack, so the
wall time is reported beside the held-out error (the squared error summed over
the 784 pixels, mean over the held-out images, as Hinton & Salakhutdinov 2006).

    python benchmarks/pretraining.py                     # digits and Fashion-MNIST, ~8 min
    python benchmarks/pretraining.py --quick             # smoke test (seconds, digits only)
    python benchmarks/pretraining.py --md benchmarks/results/pretraining.md
"""

from __future__ import annotations

import argparse
import sys
import time

import npae

from _common import load_benchmark_data, markdown_table, write_markdown

HIDDEN = (256, 128, 32)
NET = dict(activation="sigmoid", code_activation="identity", loss="bce", learning_rate=2e-3,
           batch_size=64, dtype="float32")


def per_image_error(model, X):
    return float(model.reconstruction_error(X).mean() * X.shape[1])


def run(datasets=("digits", "fashion"), quick=False, epochs=20, seed=0):
    n_train, n_test = (600, 200) if quick else (6000, 2000)
    if quick:
        epochs = 5
    per_layer = max(1, epochs // 5)
    finetune = epochs - len(HIDDEN) * per_layer
    res = {}
    for ds in datasets:
        X_tr, X_te, _, _ = load_benchmark_data(ds, n_train, n_test, seed)
        t = time.perf_counter()
        joint = npae.Autoencoder(hidden=HIDDEN[:-1], latent_dim=HIDDEN[-1], epochs=epochs, random_state=seed, **NET).fit(X_tr)
        res[ds, "joint"] = (per_image_error(joint, X_tr), per_image_error(joint, X_te),
                            time.perf_counter() - t, None)
        for name, family, params in (("greedy", "autoencoder", None),
                                     ("greedy, denoising", "denoising",
                                      {"noise": "masking", "corruption_level": 0.2})):
            t = time.perf_counter()
            ae = npae.pretrain_stack(X_tr, HIDDEN[:-1], HIDDEN[-1], family=family, layer_params=params,
                                     pretrain_epochs=per_layer, finetune_epochs=finetune,
                                     random_state=seed, **NET)
            stacked = npae.Autoencoder(hidden=HIDDEN[:-1], latent_dim=HIDDEN[-1], **NET).initialize(X_tr)
            stacked._flat.assign(ae.pretraining_["params"])
            res[ds, name] = (per_image_error(ae, X_tr), per_image_error(ae, X_te),
                             time.perf_counter() - t, per_image_error(stacked, X_te))
        for name in ("joint", "greedy", "greedy, denoising"):
            print(f"{ds} {name:18s} train {res[ds, name][0]:.2f}  held-out {res[ds, name][1]:.2f}"
                  f"  ({res[ds, name][2]:.1f} s)", file=sys.stderr, flush=True)
    return {"res": res, "n_train": n_train, "n_test": n_test, "epochs": epochs,
            "per_layer": per_layer, "finetune": finetune, "datasets": datasets}


def format_lines(out):
    res = out["res"]
    lines = [f"{out['n_train']} training / {out['n_test']} held-out rows; budget {out['epochs']} "
             f"epochs: joint = {out['epochs']} epochs of the whole stack; greedy = "
             f"{len(HIDDEN)} × {out['per_layer']} shallow epochs + {out['finetune']} joint "
             "fine-tuning epochs. Error: squared error summed over pixels, mean over images.", ""]
    rows = []
    for ds in out["datasets"]:
        for name in ("joint", "greedy", "greedy, denoising"):
            tr, te, sec, before = res[ds, name]
            rows.append((ds, name, f"{tr:.2f}", f"{te:.2f}",
                         "—" if before is None else f"{before:.2f}", f"{sec:.1f}"))
    lines += markdown_table(("data", "training", "train error", "held-out error",
                             "held-out error before fine-tuning", "seconds"), rows)
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="600 rows, 5 epochs, digits")
    parser.add_argument("--datasets", nargs="+", choices=("digits", "fashion"), default=None)
    parser.add_argument("--epochs", type=int, default=20, help="total epoch budget")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--md", default=None, help="write the table to this markdown file")
    args = parser.parse_args(argv)
    datasets = args.datasets or (("digits",) if args.quick else ("digits", "fashion"))
    out = run(tuple(datasets), args.quick, args.epochs, args.seed)
    lines = format_lines(out)
    print("\n".join(lines))
    if args.md:
        cmd = "python benchmarks/pretraining.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_markdown(args.md, "Greedy layer-wise pretraining vs joint training", cmd.strip(),
                       lines)
    return out


if __name__ == "__main__":
    main()
