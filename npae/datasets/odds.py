"""The ODDS outlier-detection sets (Rayana 2016), as MATLAB ``.mat`` files with ``X`` and ``y``.

ODDS (odds.cs.stonybrook.edu) gathers UCI and other data sets with a minority
class relabelled as outliers; PyOD's benchmark uses eleven of them. Each file
holds ``X`` (n, d) and ``y`` (n, 1) with 1 = outlier. Nothing is downloaded: the
files are looked for in ``data_dir``, else in the folder named by the environment
variable ``NPAE_ODDS_DIR``, else in ``../shared/data/odds`` beside the repository.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["load_odds", "odds_dir", "ODDS_SETS"]

#: the eleven sets of PyOD's benchmark
ODDS_SETS = ("arrhythmia", "cardio", "glass", "ionosphere", "letter", "lympho", "mnist", "pima",
             "satellite", "vowels", "wbc")

_BESIDE_REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                            "shared", "data", "odds")


def odds_dir(data_dir=None):
    """The folder holding the ODDS files, or None when none is found.

    ``data_dir`` if given, else ``$NPAE_ODDS_DIR``, else ``../shared/data/odds``
    relative to the repository (if it exists).
    """
    return data_folder(data_dir, "NPAE_ODDS_DIR", _BESIDE_REPO)


def data_folder(data_dir, env, beside):
    """``data_dir``, else the folder named by ``$env``, else ``beside`` if it exists, else None
    (where the benchmark sets of :mod:`npae.datasets` are looked for)."""
    for candidate in (data_dir, os.environ.get(env)):
        if candidate:
            return os.fspath(candidate)
    here = os.path.normpath(beside)
    return here if os.path.isdir(here) else None


def set_path(name_or_path, folder, file_name, source, env, beside, files_hint):
    """The file of a benchmark set: ``name_or_path`` itself when it is a file, else
    ``file_name(name)`` (with its extension) in ``folder`` (:func:`data_folder`'s answer),
    or a clear error saying where the sets are looked for and which ones are there."""
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"name_or_path must be a set name or a path, got {type(name_or_path).__name__}")
    path = os.fspath(name_or_path)
    if os.path.isfile(path):
        return path
    if folder is None:
        raise FileNotFoundError(f"no {source} folder found for {path!r}: pass data_dir=..., set "
                                f"{env}, or put {files_hint} in {os.path.normpath(beside)}")
    name = file_name(path)
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        ext = os.path.splitext(name)[1]
        have = sorted(f[:-len(ext)] for f in os.listdir(folder) if f.endswith(ext)) \
            if os.path.isdir(folder) else []
        raise FileNotFoundError(f"{path} does not exist; sets in {folder}: {have or 'none'}")
    return path


def load_odds(name_or_path, data_dir=None):
    """Load one ODDS set.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A set's name (``"cardio"``; ``.mat`` is added) looked up in the ODDS
        folder, or the path of a ``.mat`` file.
    data_dir : str or os.PathLike, optional
        The folder; default ``$NPAE_ODDS_DIR``, else ``../shared/data/odds``
        beside the repository.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, n_features)
    y : ndarray of int64, shape (n_samples,)
        1 = outlier, 0 = inlier.
    """
    from scipy.io import loadmat

    path = set_path(name_or_path, odds_dir(data_dir),
                    lambda name: name if name.endswith(".mat") else name + ".mat", "ODDS",
                    "NPAE_ODDS_DIR", _BESIDE_REPO,
                    "the .mat files (from odds.cs.stonybrook.edu or PyOD's notebooks/data)")
    mat = loadmat(path)
    if "X" not in mat or "y" not in mat:
        raise ValueError(f"{path} is not an ODDS file: it must hold 'X' and 'y', found "
                         f"{sorted(k for k in mat if not k.startswith('__'))}")
    return checked_outlier_set(path, mat["X"], mat["y"], "ODDS")


def checked_outlier_set(path, X, y, source):
    """``(X, y)`` of an outlier benchmark file as float64 rows and 0/1 int64 labels, or a
    clear error naming ``path``: a 2-D X with one label per row, finite values (the
    benchmark sets are complete), labels 0 (inlier) and 1 (outlier) only."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.asarray(y).ravel()
    if X.ndim != 2 or y.shape[0] != X.shape[0]:
        raise ValueError(f"{path}: X has shape {X.shape} but y has {y.shape[0]} labels")
    if not np.all(np.isfinite(X)):
        bad = int(np.sum(~np.isfinite(X)))
        raise ValueError(f"{path}: X holds {bad} NaN or infinite value(s) of {X.size}; {source} sets "
                         f"are complete, so the file is damaged or not an {source} set")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{path}: y must hold 0 (inlier) and 1 (outlier) only")
    return X, y.astype(np.int64)
