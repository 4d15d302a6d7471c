"""What every tutorial repeats: its command line, its output folder and its narration.

(Named ``_tutorial``, not ``_common``, so that it never shadows ``benchmarks/_common.py``
in a process that runs both, such as the test suite.)

The tutorials are scripts, run from the repository as ``python tutorials/x.py`` (their
folder is then first on ``sys.path``, so ``from _tutorial import ...`` works) with npae
installed (``pip install -e .``).

- :func:`make_parser`: ``--quick`` (the tests' smoke mode), ``--out`` (default
  ``tutorials/out/<name>``) and, where the tutorial narrates through ``say``, ``--quiet``;
- :func:`parse_args`: the command line, or the environment variables below;
- :func:`parse`: parse the command line, create the output folder, return ``say``;
- :func:`banner`: the ``====`` heading of a numbered part.

Two environment variables serve runs without a command line (the documentation's
sphinx-gallery, a notebook): ``NPAE_TUTORIAL_QUICK=1`` turns ``--quick`` on, and
``NPAE_TUTORIAL_OUT`` replaces ``tutorials/out`` as the root of the output folders.
Inside a Jupyter kernel the kernel's own arguments are not parsed.
"""

from __future__ import annotations

import argparse
import os
import sys

#: the tutorials' folder (a tutorial run by sphinx-gallery or in a notebook has no ``__file__``)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_ROOT = os.environ.get("NPAE_TUTORIAL_OUT") or os.path.join(HERE, "out")

RULE = "=" * 72


def make_parser(doc, name, *, quiet=True, quick_help="small data, few epochs"):
    """ArgumentParser with ``--quick``, ``--out`` and (if ``quiet``) ``--quiet``.

    Parameters
    ----------
    doc : str or None
        The tutorial's docstring; its first line is the description (``name`` when empty).
    name : str
        The output folder's name under ``tutorials/out/``.
    quiet : bool, default True
        Offer ``--quiet`` (only for tutorials that print everything through ``say``).
    quick_help : str
        Help text of ``--quick``.
    """
    # sphinx-gallery runs a tutorial without its docstring (shown as the page's text)
    lines = (doc or "").strip().splitlines()
    parser = argparse.ArgumentParser(description=lines[0] if lines else name)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--out", default=os.path.join(OUT_ROOT, name),
                        help="folder for the figures (created if needed)")
    if quiet:
        parser.add_argument("--quiet", action="store_true", help="no narration")
    return parser


def _silent(*args, **kwargs):
    """``print``'s signature, printing nothing (``say`` under ``--quiet``)."""


def _in_jupyter_kernel():
    """True when running inside a Jupyter (IPython) kernel, i.e. in a notebook."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def parse_args(parser, argv=None):
    """``parser.parse_args(argv)``, with ``NPAE_TUTORIAL_QUICK`` and notebooks handled."""
    if argv is None and _in_jupyter_kernel():
        argv = []  # in a notebook, sys.argv holds the kernel's arguments, not ours
    args = parser.parse_args(argv)
    if os.environ.get("NPAE_TUTORIAL_QUICK", "") not in ("", "0") and hasattr(args, "quick"):
        args.quick = True
    return args


def parse(parser, argv=None):
    """Parse ``argv`` and create ``args.out`` -> ``(args, say)``; ``say`` is ``print`` unless --quiet."""
    args = parse_args(parser, argv)
    os.makedirs(args.out, exist_ok=True)
    say = _silent if getattr(args, "quiet", False) else print
    return args, say


def banner(title, say=print, *, gap=True):
    """Print a part's heading between two rules, after an empty line if ``gap``."""
    say(("\n" if gap else "") + RULE)
    say(title)
    say(RULE)
