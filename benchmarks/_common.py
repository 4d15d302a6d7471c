"""Helpers shared by the benchmark scripts (not part of the npae package)."""


def blas_info():
    """One line naming the BLAS libraries loaded, their kernel and thread counts."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return "; ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture') or ''} "
                     f"threads={i['num_threads']}".replace("  ", " ")
                     for i in threadpool_info())


class ReusedBufferLoop:
    """Minibatch training as ``fit`` runs it, written with the model's pieces.

    Each minibatch is gathered into one buffer (:func:`npae.estimator.batches.iter_minibatches`)
    and each step is :meth:`npae.estimator.training.Trainer.step` (zero the gradient,
    the loss and its gradient, the optimizer step), which runs inside its own
    ``Workspace.step()`` (:mod:`npae.nn.batch`), so the work arrays of one step
    are reused by the next.
    """

    def __init__(self, model, X, batch_size, seed=0):
        import numpy as np

        from npae.estimator.training import Trainer

        self.model = model.initialize(X[:batch_size])
        self.trainer = Trainer(self.model)
        self.grads = self.trainer.grads
        (_, self.optimizer, _), = self.trainer.phases["loss"]  # one group: every parameter
        self.rng = np.random.default_rng(seed)
        self.workspace = self.trainer.workspace  # the step's buffers, for their size
        self.batch_size = batch_size
        self.out = np.empty((batch_size, X.shape[1]), self.model._dtype)

    def step(self, Xb):
        return self.trainer.step(Xb, None, self.rng)

    def minibatches(self, X):
        from npae.estimator.batches import iter_minibatches

        return iter_minibatches(X, self.batch_size, self.rng, dtype=self.model._dtype,
                                out=self.out, check_finite=False)

    def epoch(self, X):
        for _, Xb in self.minibatches(X):
            self.step(Xb)

    def timed_epoch(self, X, clock):
        """One epoch of the same steps split by ``clock`` into its phases (seconds): the
        minibatch gather, zeroing the gradient, forward+backward (the family's
        ``_objective`` inside the workspace's step) and the optimizer step."""
        from npae.nn import get_ops

        model, grads, ops = self.model, self.grads, get_ops(True)
        spent = {"gather": 0.0, "zero grads": 0.0, "forward+backward": 0.0, "optimizer": 0.0}
        batches = self.minibatches(X)
        while True:
            t0 = clock()
            Xb = next(batches, (None, None))[1]
            if Xb is None:
                return spent
            t1 = clock()
            grads.flat.fill(0.0)
            t2 = clock()
            with self.workspace.step():
                model._objective(model.params_, Xb, None, self.rng, ops, grads.views)
            t3 = clock()
            self.optimizer.step(model._flat.flat, grads.flat)
            t4 = clock()
            for k, dt in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                spent[k] += dt


def markdown_table(headers, rows):
    """Lines of a markdown table: ``headers`` (str, ...), ``rows`` of already formatted cells."""
    lines = ["| " + " | ".join(headers) + " |", "|---|" + "---:|" * (len(headers) - 1)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def load_benchmark_data(name, n_train=None, n_test=None, seed=0, dtype="float64"):
    """(X_train, X_test, y_train, y_test) in [0, 1]: "digits" (the bundled 8,000 MNIST digits,
    6,000 / 2,000 by ``train_test_split(test_size=0.25, rng=seed)``) or "fashion" /
    "fashion-mnist" (Fashion-MNIST's own 60,000 train / 10,000 t10k files, the first rows
    of each; needs the dataset installed).  ``n_train`` / ``n_test``: keep the first rows."""
    from npae.datasets import load_mnist, train_test_split

    if name == "digits":
        X, y = load_mnist(dtype=dtype)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, rng=seed)
        return X_tr[:n_train], X_te[:n_test], y_tr[:n_train], y_te[:n_test]
    if name not in ("fashion", "fashion-mnist"):
        raise ValueError(f"unknown data set {name!r}; expected 'digits' or 'fashion-mnist'")
    from npae.datasets import load_fashion_mnist

    X_tr, y_tr = load_fashion_mnist(kind="train", n=n_train, dtype=dtype)
    X_te, y_te = load_fashion_mnist(kind="test", n=n_test, dtype=dtype)
    return X_tr, X_te, y_tr, y_te


def benchmark_parser(doc, data=False):
    """The options every benchmark takes: ``--quick``, ``--threads``, ``--md`` (and ``--data``)."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.strip().split("\n")[0])
    if data:
        parser.add_argument("--data", choices=("digits", "fashion-mnist"), default="digits",
                            help="the bundled digits (6,000 / 2,000) or Fashion-MNIST "
                                 "(60,000 / 10,000, the Debian package)")
    parser.add_argument("--quick", action="store_true", help="tiny settings (seconds)")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS (and PyTorch) threads; default 1 on a shared machine")
    parser.add_argument("--md", default=None, help="also write the results to this markdown file")
    return parser


def parse_benchmark_args(parser, argv, script):
    """Parse, limit the threads, start the clock; ``args.command`` is the command as run."""
    import sys
    import time

    args = parser.parse_args(argv)
    args.thread_note = limit_threads(args.threads)
    args.t_start = time.perf_counter()
    args.command = " ".join([f"python benchmarks/{script}",
                             *(sys.argv[1:] if argv is None else argv)])
    return args


def machine_line(t_start=None):
    """``- machine: …`` with Python, NumPy, the BLAS, and the minutes since ``t_start``."""
    import platform
    import time

    import numpy as np

    line = (f"- machine: {platform.machine()}, Python {platform.python_version()}, "
            f"NumPy {np.__version__}; BLAS: {blas_info()}")
    if t_start is not None:
        line += f"; total {(time.perf_counter() - t_start) / 60:.1f} min"
    return line


def provenance():
    """"commit <sha>[ + uncommitted changes], <UTC date and time>": the checkout now."""
    import datetime
    import os
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=here, text=True,
                             capture_output=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=here, text=True, capture_output=True, timeout=10).stdout.strip()
        commit = f"commit {sha}" + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        commit = "commit unknown (not a git checkout)"
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{commit}, {when}"


#: the checkout and time when this process started (imported ``_common``): the code that
#: produced a table was imported then, so a commit made while a long run goes on, or a
#: file edited meanwhile, does not change what the table says produced it
STARTED = provenance()


def stamp(text):
    """``text`` with "Produced by: <commit and start time>" (:data:`STARTED`) after its
    command: the ``Command:`` line, or the indented block under a ``Command ...:`` line;
    else after a leading ``#`` heading, else first."""
    lines = text.split("\n")
    at = next((i for i, ln in enumerate(lines) if ln.lower().startswith("command")), None)
    if at is None:
        at = 1 if lines[0].startswith("#") else 0
    else:
        at += 1
        if lines[at - 1].rstrip().endswith(":"):  # the command is the indented block below
            while at < len(lines) and (not lines[at].strip() or lines[at].startswith("    ")):
                at += 1
            at -= at < len(lines) and not lines[at - 1].strip()
    return "\n".join(lines[:at] + ["", f"Produced by: {STARTED}"] + lines[at:])


def write_results(path, text):
    """Write a results text to ``path`` (folders created), stamped with the commit and
    date that produced it (:func:`stamp`)."""
    import os

    text = stamp(text)  # before opening: a truncated results file would count as a change
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


def finish(text, md=None):
    """Print a results text and, if ``md`` is a path, write it there (:func:`write_results`)."""
    print(text)
    if md:
        write_results(md, text)


def quality(X, X_hat, image_shape=(28, 28)):
    """(mean PSNR in dB, mean SSIM) of the estimates ``X_hat`` clipped to [0, 1] against
    the images ``X``, rows of ``image_shape`` pixels (:mod:`npae.metrics`)."""
    import numpy as np

    from npae.metrics import psnr, ssim

    X_hat = np.clip(X_hat, 0.0, 1.0)
    return float(np.mean(psnr(X, X_hat))), float(np.mean(ssim(X, X_hat, image_shape=image_shape)))


def write_markdown(path, title, command, lines):
    """Write a results file: a heading, the command that produced it, the body lines."""
    write_results(path, f"# {title}\n\nCommand: `{command}`\n\n" + "\n".join(lines) + "\n")


def limit_threads(n):
    """BLAS (NumPy's and SciPy's) and PyTorch to ``n`` threads; returns a note.

    Setting ``OPENBLAS_NUM_THREADS`` once NumPy is imported changes nothing:
    threadpoolctl limits the loaded BLAS itself."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return "threadpoolctl not installed: BLAS threads not limited"
    threadpool_limits(n)
    try:
        import torch
    except ImportError:
        return f"BLAS limited to {n} thread(s)"
    torch.set_num_threads(n)
    return f"BLAS and PyTorch limited to {n} thread(s)"
