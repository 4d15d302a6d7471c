"""The ``npae`` command line.

    npae demo [--out DIR] [--epochs N] [--quick]
        Train autoencoders on the bundled digits, print held-out reconstruction
        error next to PCA's with the same code size, write figures.
    npae fit MODEL [--data PATH] [--set key=value ...] [--out model.npz] [--force]
        Train any family on the bundled digits (or an .npy/.npz/IDX folder) and save it;
        shows its progress (verbose=2) unless --set verbose=0.
    npae gradcheck MODEL [--set key=value ...] [--n-samples N] [--reference]
        Print the numerical gradient-check report of a model configuration.
    npae families
        List the model names.

User errors (a bad setting, unreadable data, an unwritable --out, training that
diverged) print one line ``npae: error: ...`` and exit with status 2 (3 for a
diverged run, which saves nothing); ``npae --debug ...`` shows the traceback
instead.  ``--out`` is checked before any training.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import time

import numpy as np

__all__ = ["main", "FAMILIES", "UsageError"]


class UsageError(ValueError):
    """A mistake in the command line itself (reported in one line, exit status 2)."""


def _families():
    """Command-line name -> class, from the registry (:mod:`npae.estimator.registry`)."""
    import npae.families  # noqa: F401  (registers every family)
    from .estimator.registry import families

    return families()


#: command-line name -> class name exported by npae (derived from the registry)
FAMILIES = {key: cls.__name__ for key, cls in _families().items()}


def _model_class(name):
    try:
        return _families()[name]
    except KeyError:
        raise UsageError(f"unknown model {name!r}; choose one of {', '.join(_families())}") from None


def _parse_settings(pairs):
    """``key=value`` strings -> dict; values are Python literals, else strings."""
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise UsageError(f"--set expects key=value, got {pair!r}")
        key, raw = pair.split("=", 1)
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        out[key.strip()] = value
    return out


def _make_model(name, settings):
    cls = _model_class(name)
    try:
        return cls(**settings)
    except TypeError as exc:
        raise UsageError(f"bad setting for {name}: {exc}") from None


def _load_data(path, n=None):
    from .datasets import load_mnist

    if path is None:
        X, y = load_mnist()
    elif str(path).endswith(".npy"):
        # memory-mapped: a 2-D file trains out of core, a minibatch read at a time
        X, y = np.load(path, mmap_mode="r", allow_pickle=False), None
        if X.ndim != 2:
            X = X.reshape(len(X), -1).astype(np.float64)
    else:
        X, y = load_mnist(path)
    if n is not None:
        X = X[:n]
        y = None if y is None else y[:n]
    return X, y


# ---------------------------------------------------------------------- demo
def demo(out="npae-output", epochs=25, quick=False, verbose=True):
    """Train autoencoders on the bundled digits and compare them with PCA.

    Trains two deep autoencoders (codes of size 2 and 30) on 6,000 digits,
    measures reconstruction error on the 2,000 held-out ones next to PCA with
    the same code size, and writes figures to ``out``.  Returns the table as a
    dict ``{k: (pca_error, ae_error)}`` of squared error per image (summed
    over the 784 pixels, Hinton & Salakhutdinov's metric).
    """
    from . import plot
    from .datasets import load_mnist, train_test_split
    from .classical import PCA
    from .families import Autoencoder

    t_start = time.perf_counter()
    X, y = load_mnist()
    if quick:
        X, y, epochs = X[:1200], y[:1200], 2
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, rng=0)
    os.makedirs(out, exist_ok=True)
    say = print if verbose else (lambda *a, **k: None)
    say(f"npae demo: {len(X_tr)} training and {len(X_te)} held-out digits "
        f"(bundled MNIST subset), {epochs} epochs per model")

    table, models, pcas = {}, {}, {}
    for k in (2, 30):
        say(f"\n-- code size {k}: autoencoder 784-256-64-{k}-64-256-784 "
            "(tanh hidden, linear code, sigmoid output, Bernoulli cross-entropy, Adam)")
        ae = Autoencoder(hidden=(256, 64), latent_dim=k, activation="tanh", code_activation="identity",
                         loss="bce", optimizer="adam", learning_rate=2e-3, batch_size=64,
                         epochs=epochs, validation_data=X_te, random_state=0,
                         dtype="float32", verbose=verbose)
        ae.fit(X_tr)
        pca = PCA(n_components=k).fit(X_tr)
        # Squared error per image, summed over the 784 pixels.
        ae_err = float(np.mean(np.sum((ae.reconstruct(X_te) - X_te) ** 2, axis=1)))
        pca_err = float(np.mean(np.sum((pca.inverse_transform(pca.transform(X_te)) - X_te) ** 2,
                                       axis=1)))
        table[k] = (pca_err, ae_err)
        models[k], pcas[k] = ae, pca

    say("\nHeld-out squared error per image (sum over 784 pixels, mean over images):")
    say(f"{'code size':>10}  {'PCA':>8}  {'autoencoder':>11}")
    for k, (p, a) in table.items():
        say(f"{k:>10}  {p:8.2f}  {a:11.2f}")
    say("(Hinton & Salakhutdinov 2006, full MNIST, 30-D codes: PCA 13.87, deep AE 3.00; "
        "this demo trains briefly on 6,000 digits)")

    # Figures.
    idx = np.arange(10)
    plot.reconstructions(
        [X_te[idx], pcas[30].inverse_transform(pcas[30].transform(X_te[idx])),
         models[30].reconstruct(X_te[idx])],
        ["original", "PCA-30", "AE-30"], title="held-out digits and reconstructions",
        path=os.path.join(out, "reconstructions.png"))
    fig_path = os.path.join(out, "codes_2d.png")
    _side_by_side_codes(pcas[2].transform(X_te), models[2].transform(X_te), y_te, fig_path)
    # the training objective is the cross-entropy, not the squared error of the table
    plot.loss_curves(models[30].history_,
                     title="AE-30: training objective (the table reports squared error)",
                     ylabel="Bernoulli cross-entropy (nats per image)",
                     path=os.path.join(out, "loss_curve.png"))
    # the held-out rows were a training input, not part of the model: not saved
    models[30].set_params(validation_data=None).save(os.path.join(out, "autoencoder30.npz"))
    say(f"\nfigures: {out}/reconstructions.png, {out}/codes_2d.png, {out}/loss_curve.png; "
        f"model: {out}/autoencoder30.npz  ({time.perf_counter() - t_start:.1f}s)")
    return table


def _side_by_side_codes(Z_pca, Z_ae, labels, path):
    from . import plot

    plt = plot._plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    plot.latent_scatter(Z_pca, labels, title="PCA: first two components", ax=axes[0])
    plot.latent_scatter(Z_ae, labels, title="autoencoder: 2-D code", ax=axes[1])
    plot.class_key(fig, axes)
    plot.save(fig, path)


# ----------------------------------------------------------------- commands
def _check_out(path, force=False):
    """The model file can be written: checked before training (a bad path would lose it)."""
    from .estimator.persistence import _check_target

    _, folder = _check_target(path)
    if os.path.exists(path) and not force:
        raise FileExistsError(f"{path!r} exists; pass --force to overwrite it, or choose "
                              "another --out")
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"cannot save to {path!r}: the folder {folder!r} is not writable")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise PermissionError(f"cannot save to {path!r}: the file is not writable")


def cmd_fit(args):
    settings = _parse_settings(args.set)
    # epoch lines, and progress with an ETA within epochs longer than ~2 s (verbose=2)
    settings.setdefault("verbose", 2)
    model = _make_model(args.model, settings)
    model._validate_params()  # every setting checked before the data are read
    _check_out(args.out, args.force)
    X, y = _load_data(args.data, args.n)
    t0 = time.perf_counter()
    labelled = getattr(model, "_uses_labels", False)
    model.fit(X, y) if labelled else model.fit(X)
    m = min(len(X), 10000)  # the error on at most 10,000 rows (the data may be on disk)
    err = float(np.mean(model.reconstruction_error(X[:m])))
    rows = "" if m == len(X) else f" (first {m} rows)"
    print(f"trained {type(model).__name__} on {X.shape[0]} x {X.shape[1]} in "
          f"{time.perf_counter() - t0:.1f}s; training reconstruction MSE (mean over pixels)"
          f"{rows} {err:.5f}")
    model.save(args.out)
    print(f"saved to {args.out} (load with npae.load)")


def cmd_gradcheck(args):
    from .gradcheck import check_gradients

    # The family's own small configuration (its first example), then the user's settings.
    settings = dict(_model_class(args.model)._examples[0])
    settings.update(_parse_settings(args.set))
    settings["dtype"] = "float64"
    model = _make_model(args.model, settings)
    X, y = _load_data(args.data, None)
    rng = np.random.default_rng(args.seed)
    idx = rng.choice(len(X), size=min(args.n_samples, len(X)), replace=False)
    X = X[idx]
    y = None if y is None else y[idx]
    labelled = getattr(model, "_uses_labels", False)
    model.initialize(X, y if labelled else None)
    report = check_gradients(model, X, y if labelled else None, rng=args.seed,
                             vectorized=not args.reference, tol=args.tol,
                             max_entries=args.max_entries)
    path = "reference (per-example)" if args.reference else "batch"
    print(f"{type(model).__name__} {model!r}\n{path} path, {len(X)} samples\n")
    print(report)
    return 0 if report.passed else 1


def _count(minimum):
    """An argparse type: an int >= ``minimum`` (negative counts are refused)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value
    parse.__name__ = f"int >= {minimum}"
    return parse


def build_parser():
    from . import __version__

    p = argparse.ArgumentParser(prog="npae", description="pure-NumPy autoencoders")
    p.add_argument("--version", action="version", version=f"npae {__version__}")
    p.add_argument("--debug", action="store_true", help="show the full traceback of errors")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="train on the bundled digits, compare with PCA, plot")
    d.add_argument("--out", default="npae-output", help="folder for figures (default npae-output)")
    d.add_argument("--epochs", type=_count(1), default=25)
    d.add_argument("--quick", action="store_true", help="a few seconds, for smoke tests")

    f = sub.add_parser("fit", help="train a model and save it")
    f.add_argument("model", choices=list(_families()))
    f.add_argument("--data", default=None, help="IDX folder, .npz (images, labels) or .npy; "
                   "default: the bundled digits")
    f.add_argument("--n", type=_count(1), default=None, help="use only the first N rows")
    f.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="hyperparameter, e.g. --set hidden=(256,) --set latent_dim=64 --set epochs=20")
    f.add_argument("--out", default="model.npz")
    f.add_argument("--force", action="store_true", help="overwrite --out if it exists")

    g = sub.add_parser("gradcheck", help="numerical gradient check of a model configuration")
    g.add_argument("model", choices=list(_families()))
    g.add_argument("--set", action="append", metavar="KEY=VALUE")
    g.add_argument("--data", default=None)
    g.add_argument("--n-samples", type=_count(1), default=8)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--tol", type=float, default=1e-7)
    g.add_argument("--max-entries", type=_count(1), default=60)
    g.add_argument("--reference", action="store_true", help="check the per-example path")

    sub.add_parser("families", help="list model names")
    from .exercises.cli import add_parser as add_exercise_parser
    add_exercise_parser(sub)
    return p


def main(argv=None):
    """Run the command line; returns the exit status (see the module docstring)."""
    from ._validation import NotFittedError, TrainingDivergedError

    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except TrainingDivergedError as exc:
        if args.debug:
            raise
        print(f"npae: error: {exc}; nothing was saved", file=sys.stderr)
        return 3
    except (UsageError, ValueError, TypeError, OSError, NotFittedError) as exc:
        if args.debug:
            raise
        print(f"npae: error: {' '.join(str(exc).split())} (--debug shows the traceback)",
              file=sys.stderr)
        return 2


def _run(args):
    if args.command == "exercise":
        return args.run(args)
    if args.command == "demo":
        demo(out=args.out, epochs=args.epochs, quick=args.quick)
        return 0
    if args.command == "fit":
        cmd_fit(args)
        return 0
    if args.command == "gradcheck":
        return cmd_gradcheck(args)
    if args.command == "families":
        for name, cls in _families().items():
            summary = (cls.__doc__ or "").strip().splitlines()[0]
            print(f"{name:12s} npae.{cls.__name__:28s} {summary}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
