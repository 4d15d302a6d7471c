"""The training settings every family shares: declared once, documented once.

:class:`~npae.estimator.base.BaseAutoencoder` closes every family's signature
with :data:`TRAINING_SETTINGS`, and :func:`document_training_settings` writes
them into each family's docstring as its numpydoc *Other Parameters* section,
with that family's own defaults (the concrete autoencoder's 50 epochs, the
AAE's step sizes).  So the list cannot drift from the code: it is generated
from it.  A family may move a default (``"epochs": Param(50)``) but not give
one of these names a meaning of its own (see :mod:`npae.estimator.hyperparams`).
"""

from __future__ import annotations

import re
import textwrap

from .hyperparams import (ArrayLike, Boolean, Callables, FloatDtype, HasMethods, Interval,
                          NoneValue, Options, Param, PathLike, RandomState)

__all__ = ["TRAINING_SETTINGS", "document_training_settings"]

TRAINING_SETTINGS = {
    "weight_decay": Param(0.0, Interval("real", 0, None), doc=(
        "float", "λ in (λ/2) Σ ‖W‖²_F over all weight matrices (not biases).")),
    "init": Param("auto", Options("auto", "glorot", "he"), doc=(
        '{"auto", "glorot", "he"}', '"auto": He for ReLU units, Glorot otherwise.')),
    "optimizer": Param("adam", Options("adam", "sgd", "momentum", "lbfgs"), HasMethods("step"), doc=(
        '{"adam", "sgd", "momentum", "lbfgs"} or optimizer object',
        "Minibatch optimizers (:mod:`npae.estimator.optim`), or full-batch L-BFGS "
        "(``epochs`` is then its iteration budget).")),
    "learning_rate": Param(1e-3, Interval("real", 0, None, closed="neither"), doc=(
        "float", "The step size η.")),
    "batch_size": Param(128, Interval("int", 1, None), doc=("int", "Rows per minibatch.")),
    "epochs": Param(10, Interval("int", 0, None), doc=(
        "int", "Passes over the data (iterations for ``optimizer=\"lbfgs\"``).")),
    "validation_data": Param(None, NoneValue(), ArrayLike(), doc=(
        "array-like or None", 'Held-out rows; ``history_["val_loss"]`` gets the loss on them '
        "per epoch.")),
    "validation_fraction": Param(None, NoneValue(), Interval("real", 0, 1, closed="neither"), doc=(
        "float in (0, 1) or None", "Hold out this fraction of the training rows instead (a "
        "random subset drawn from ``random_state``); exclusive with ``validation_data``.")),
    "early_stopping": Param(False, Boolean(), doc=(
        "bool", "Stop when the validation loss (the training loss without a validation set) "
        "has not improved by more than ``tol`` for ``n_iter_no_change`` epochs, and keep the "
        "parameters of the best epoch (``best_epoch_``).")),
    "n_iter_no_change": Param(10, Interval("int", 1, None), doc=(
        "int", "Patience of ``early_stopping``, in epochs.")),
    "tol": Param(1e-4, Interval("real", 0, None), doc=(
        "float", "The improvement ``early_stopping`` counts as progress.")),
    "lr_schedule": Param(None, NoneValue(), Options("step", "cosine", "plateau"),
                         HasMethods("factor"), doc=(
        '{None, "step", "cosine", "plateau"} or schedule object',
        "Scales every step size per epoch (:mod:`npae.estimator.schedules`).")),
    "callbacks": Param(None, NoneValue(), Callables(), doc=(
        "list of callables or None", "``f(model, epoch, logs)`` after every epoch; return True "
        "(or raise ``npae.StopTraining``) to stop.")),
    "checkpoint_path": Param(None, NoneValue(), PathLike(), doc=(
        "str, os.PathLike or None", "Save the model there (atomically) every "
        "``checkpoint_every`` epochs.")),
    "checkpoint_every": Param(1, Interval("int", 1, None), doc=("int", "Epochs between checkpoints.")),
    "warm_start": Param(False, Boolean(), doc=(
        "bool", "A refit starts from the current parameters (fresh optimizer state).")),
    "random_state": Param(0, RandomState(), doc=(
        "int, np.random.Generator or None", "Seeds every random draw: initial parameters, "
        "hold-out, row order and the draws inside the steps (:mod:`npae.estimator.streams`).")),
    "dtype": Param("float64", FloatDtype(), doc=(
        '{"float64", "float32"}', "The parameters' and the computation's float type.")),
    "verbose": Param(0, Boolean(), Interval("int", 0, 2), doc=(
        "{0, 1, 2} or bool", "0 silent; 1 a line per epoch (loss with its unit, validation "
        "loss, learning rate, seconds); 2 also progress with an ETA within long epochs.")),
}

_HEADER = "Other Parameters\n----------------\n"


def document_training_settings(cls):
    """Insert the *Other Parameters* section (the training settings, with ``cls``'s own
    defaults) into ``cls.__doc__``, before its *Attributes* section or at its end.

    Only a class that writes a docstring of its own gets the section (a
    subclass without one has ``__doc__ = None``, as Python gives it).
    """
    doc = cls.__dict__.get("__doc__")
    if not doc or re.search(r"^\s*Other Parameters\n\s*-{16}", doc, re.M):
        return
    lines = doc.expandtabs().splitlines()
    indent = min((len(l) - len(l.lstrip()) for l in lines[1:] if l.strip()), default=4)
    pad = " " * indent
    entries = []
    for name, p in cls._hyperparameters.items():
        if name not in TRAINING_SETTINGS:
            continue
        kind, text = TRAINING_SETTINGS[name].doc
        default = f'"{p.default}"' if isinstance(p.default, str) else repr(p.default)
        body = textwrap.fill(text, width=88, initial_indent=pad + "    ",
                             subsequent_indent=pad + "    ")
        entries.append(f"{pad}{name} : {kind}, default={default}\n{body}")
    section = "".join(pad + h + "\n" for h in _HEADER.splitlines()) + "\n".join(entries) + "\n"
    marker = f"\n{pad}Attributes\n"
    if marker in doc:
        head, tail = doc.split(marker, 1)
        cls.__doc__ = head.rstrip() + "\n\n" + section + marker + tail
    else:
        cls.__doc__ = doc.rstrip() + "\n\n" + section + pad
