"""Training output: one line per epoch, and progress within long epochs.

``verbose=0`` prints nothing; ``verbose=1`` (or ``True``) one line per epoch::

    epoch    3/20  loss      12.3457  val_loss      13.0021  nats/sample  lr 1.0e-03  (0.52s)

with fixed widths (the columns line up) and the unit of the loss, which the
family declares (``_loss_unit``: e.g. "½‖x−x̂‖²/sample" for squared error,
"−log p/sample" for Bernoulli cross-entropy, "nats/sample" for the ELBO);
``verbose=2`` adds, when an epoch has run for more than
``IN_EPOCH_AFTER`` seconds, a line within the epoch showing the minibatches
done and the time left (ETA), rewritten in place on a terminal and printed
every ``NON_TTY_EVERY`` seconds otherwise (logs stay readable).

Why a few lines of our own and not tqdm: the output needed is one status
line; tqdm would be a fourth runtime dependency for it (npae depends on
numpy, scipy and matplotlib only), and its own line format would not match
the epoch lines.
"""

from __future__ import annotations

import sys
import time

__all__ = ["Progress", "loss_unit", "IN_EPOCH_AFTER"]

#: seconds into an epoch after which verbose=2 shows progress within it
IN_EPOCH_AFTER = 2.0
#: seconds between in-epoch updates on a terminal, and when not a terminal
TTY_EVERY, NON_TTY_EVERY = 0.25, 10.0


def _fmt(value):
    """A loss in 12 characters: fixed point (points aligned) in [0.01, 1e5), else e-notation."""
    return f"{value:12.6f}" if 1e-2 <= abs(value) < 1e5 else f"{value:12.4e}"


class Progress:
    """Prints a fit's progress according to ``model.verbose`` (see the module docstring).

    Parameters
    ----------
    model : BaseAutoencoder
    n_batches : int
        Minibatches per epoch.
    epochs : int
        Epochs of this fit (the denominator shown).
    first : int
        The number shown for the first epoch, minus one (a warm start continues).
    stream : file, default sys.stdout
    label : str
        "epoch" (numbered k/total), or e.g. "partial_fit" (numbered k).
    """

    def __init__(self, model, n_batches, epochs, first=0, stream=None, label="epoch"):
        self.level = int(model.verbose)
        self.unit = loss_unit(model)
        self.n_batches, self.epochs, self.first, self.label = n_batches, epochs, first, label
        self.stream = sys.stdout if stream is None else stream
        self.width = max(4, len(str(first + epochs)))
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._t0 = self._last = 0.0
        self._open = False  # an in-epoch line is on screen (terminal only)

    def start_epoch(self):
        self._t0 = self._last = time.perf_counter()

    def batch(self, done, epoch):
        """Called after ``done`` minibatches of the epoch (0-based ``epoch`` of this fit)."""
        if self.level < 2:
            return
        now = time.perf_counter()
        elapsed = now - self._t0
        every = TTY_EVERY if self.tty else NON_TTY_EVERY
        if elapsed < IN_EPOCH_AFTER or now - self._last < every:
            return
        self._last = now
        eta = elapsed / done * (self.n_batches - done)
        pct = 100.0 * done / self.n_batches
        msg = (f"epoch {self.first + epoch + 1:>{self.width}d}/{self.first + self.epochs}  "
               f"{done:>{len(str(self.n_batches))}d}/{self.n_batches} minibatches ({pct:3.0f}%)  "
               f"elapsed {_clock(elapsed)}  eta {_clock(eta)}")
        if self.tty:
            self.stream.write("\r" + msg)
            self._open = True
        else:
            self.stream.write(msg + "\n")
        self.stream.flush()

    def epoch(self, epoch, loss, val_loss, learning_rate, seconds):
        """The line of a finished epoch (0-based ``epoch`` of this fit)."""
        if self.level < 1:
            return
        line = (f"{self.label} {self.first + epoch + 1:>{self.width}d}"
                + (f"/{self.first + self.epochs}" if self.label == "epoch" else "")
                + f"  loss {_fmt(loss)}")
        if val_loss is not None:
            line += f"  val_loss {_fmt(val_loss)}"
        line += f"  {self.unit}"
        if learning_rate is not None:
            line += f"  lr {learning_rate:.2e}"
        self.say(f"{line}  ({seconds:.2f}s)")

    def say(self, text):
        """A line of its own (clears an in-epoch line first)."""
        if self.level < 1:
            return
        if self._open:
            self.stream.write("\r\033[K")
            self._open = False
        print(text, file=self.stream, flush=True)


def loss_unit(model):
    """The unit of the loss: the family's ``_loss_unit`` (a str, or a dict keyed by ``loss``)."""
    unit = model._loss_unit
    return unit if isinstance(unit, str) else unit.get(getattr(model, "loss", None), "per sample")


def _clock(seconds):
    """Seconds as m:ss (or h:mm:ss)."""
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
