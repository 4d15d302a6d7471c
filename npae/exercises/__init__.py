"""The gradient-check exercise kit: starter files for students and a grader.

    python -m npae exercise list
    python -m npae exercise start DIR [--force]
    python -m npae exercise check NAME [PATH]

Each exercise is a module of this package holding the student's starter file
(``STUB``: the task, the review's equation, the shapes, stubs that raise
``NotImplementedError``) and its parts (:class:`npae.exercises.grader.Part`:
npae's own implementation as the reference, random cases, the usual mistakes).
The instructor's page is ``docs/exercises.md``.
"""

from __future__ import annotations

import importlib

__all__ = ["EXERCISES", "get_exercise"]

#: exercise name -> module, in the order of Caron's review.
EXERCISES = (
    "activations",
    "losses",
    "dense_backward",
    "review_example",
    "autoencoder_backward",
    "tied_weights",
    "sparse_kl",
    "contractive",
    "vae",
    # the families and terms added since the VAE
    "mmd",
    "iwae",
    "dec",
    "ksparse",
    "contractive_deep",
    "conv_backward",
    "rbm_cd1",
)


def get_exercise(name):
    """The exercise module ``name`` (attributes NAME, TITLE, STUB, PARTS).

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if name not in EXERCISES:
        raise ValueError(f"unknown exercise {name!r}; expected one of {', '.join(EXERCISES)} "
                         "(see `python -m npae exercise list`)")
    return importlib.import_module(f"{__name__}.{name}")
