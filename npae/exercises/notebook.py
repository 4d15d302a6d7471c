"""Starter files as Jupyter notebooks (``npae exercise start DIR --format ipynb``).

A notebook holds the task (the starter's docstring) in a Markdown cell and
the stubs in a code cell; ``check NAME NAME.ipynb`` grades the notebook's
code cells directly (:func:`npae.exercises._child.notebook_source`), so a
student never exports it to a ``.py`` file.  Written as nbformat 4 JSON by
hand: nbformat is not a dependency of npae.
"""

from __future__ import annotations

import ast
import json

__all__ = ["starter_notebook"]


def _lines(text):
    """Notebook cell source: a list of lines, each but the last ending in a newline."""
    lines = text.splitlines(keepends=True)
    if lines:
        lines[-1] = lines[-1].rstrip("\n")
    return lines


def starter_notebook(stub):
    """The nbformat-4 JSON text of a notebook made from a starter file ``stub``."""
    tree = ast.parse(stub)
    doc = ast.get_docstring(tree, clean=True) or ""
    body_start = tree.body[1].lineno - 1 if ast.get_docstring(tree) else 0
    code = "\n".join(stub.splitlines()[body_start:]).strip() + "\n"
    title, _, task = doc.partition("\n")
    # The task is kept verbatim in a text block: its equations are laid out in
    # plain text and Markdown would reflow them.
    markdown = f"# {title.strip()}\n\n```text\n{task.strip()}\n```\n"
    cell = {"metadata": {}}
    nb = {
        "cells": [
            {**cell, "cell_type": "markdown", "source": _lines(markdown)},
            {**cell, "cell_type": "code", "execution_count": None, "outputs": [],
             "source": _lines(code)},
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 4,  # 4.5 would require cell ids
    }
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
