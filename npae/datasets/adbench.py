"""The tabular sets of ADBench (Han, Hu, Huang, Jiang & Zhao, NeurIPS 2022), as ``.npz`` with ``X`` and ``y``.

ADBench keeps its "Classical" sets as ``<number>_<name>.npz`` files holding ``X``
(n, d; some stored as integers) and ``y`` (n,) with 1 = outlier. Nothing is
downloaded: the files are looked for in ``data_dir``, else in the folder named by the
environment variable ``NPAE_ADBENCH_DIR``, else in ``../shared/data/adbench`` beside
the repository. A set is named with or without its number (``"donors"`` or
``"11_donors"``).
"""

from __future__ import annotations

import os

import numpy as np

from .odds import checked_outlier_set, data_folder, set_path

__all__ = ["load_adbench", "adbench_dir", "ADBENCH_SETS"]

#: the fifteen sets of the development pool (``../shared/data/README.md``)
ADBENCH_SETS = ("2_annthyroid", "4_breastw", "5_campaign", "7_Cardiotocography", "11_donors",
                "12_fault", "15_Hepatitis", "16_http", "17_InternetAds", "23_mammography",
                "27_PageBlocks", "35_SpamBase", "38_thyroid", "45_wine", "47_yeast")

_BESIDE_REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                            "shared", "data", "adbench")


def adbench_dir(data_dir=None):
    """``data_dir``, else ``$NPAE_ADBENCH_DIR``, else ``../shared/data/adbench`` if it exists, else None."""
    return data_folder(data_dir, "NPAE_ADBENCH_DIR", _BESIDE_REPO)


def _file_name(name):
    stem = name[:-4] if name.endswith(".npz") else name
    for full in ADBENCH_SETS:
        if stem == full or full.split("_", 1)[1] == stem:
            return full + ".npz"
    return stem + ".npz"


def load_adbench(name_or_path, data_dir=None):
    """Load one ADBench set.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A set's name (``"donors"``, ``"11_donors"``) looked up in the ADBench folder,
        or the path of an ``.npz`` file.
    data_dir : str or os.PathLike, optional
        The folder; default ``$NPAE_ADBENCH_DIR``, else ``../shared/data/adbench``.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, n_features)
    y : ndarray of int64, shape (n_samples,)
        1 = outlier, 0 = inlier.
    """
    path = set_path(name_or_path, adbench_dir(data_dir), _file_name, "ADBench",
                    "NPAE_ADBENCH_DIR", _BESIDE_REPO, "the .npz files")
    with np.load(path, allow_pickle=False) as data:
        if "X" not in data or "y" not in data:
            raise ValueError(f"{path} is not an ADBench file: it must hold 'X' and 'y', found "
                             f"{sorted(data.files)}")
        X, y = data["X"], data["y"]
    return checked_outlier_set(path, X, y, "ADBench")
