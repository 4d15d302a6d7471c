"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) as floats in [0, 1], from Debian's IDX files.

Zalando's 70,000 grey 28x28 images of ten kinds of clothing, in the four IDX files of
MNIST. Not bundled with npae: Debian ships them as the package ``dataset-fashion-mnist``
(MIT licence), installed in :data:`DEFAULT_PATH`. Reading and scaling reuse the MNIST
loader's code (:mod:`npae.datasets.idx`, :mod:`npae.datasets.mnist`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .idx import _load_idx_dir
from .mnist import _check_options, _select_and_scale

__all__ = ["load_fashion_mnist", "FASHION_MNIST_CLASSES", "DEFAULT_PATH"]

#: Where ``apt-get install dataset-fashion-mnist`` puts the four IDX files.
DEFAULT_PATH = Path("/usr/share/datasets/fashion-mnist")

#: Name of each label 0..9 (from the dataset's README).
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                         "Sneaker", "Bag", "Ankle boot")

_REMEDY = ("reinstall the files with apt-get install --reinstall dataset-fashion-mnist, or pass "
           "path= to a directory holding the four Fashion-MNIST IDX files")


def load_fashion_mnist(path=None, *, kind="train", n=None, dtype=np.float64):
    """Load Fashion-MNIST images as floats in [0, 1] with their class labels.

    Parameters
    ----------
    path : str, os.PathLike or None, default None
        Directory holding ``train-images-idx3-ubyte[.gz]``,
        ``train-labels-idx1-ubyte[.gz]``, ``t10k-images-idx3-ubyte[.gz]`` and
        ``t10k-labels-idx1-ubyte[.gz]``. ``None`` means :data:`DEFAULT_PATH`,
        ``/usr/share/datasets/fashion-mnist/`` (Debian's ``dataset-fashion-mnist``).
    kind : {"train", "test", "all"}, default "train"
        The 60,000 training images, the 10,000 test images, or both (train first).
    n : int or None, default None
        Keep the first ``n`` samples of the split.
    dtype : floating dtype, default np.float64
        Dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)
        Pixel values divided by 255, rows are row-major 28x28 images.
    y : ndarray of shape (n_samples,), int64
        Labels 0..9; their names are ``FASHION_MNIST_CLASSES[y]``.

    Raises
    ------
    FileNotFoundError
        If the directory (or one of the files of ``kind``) is missing; the message
        says how to install the data.
    """
    n, dtype = _check_options(kind, n, dtype)
    if path is None:
        directory = DEFAULT_PATH
    elif isinstance(path, (str, os.PathLike)):
        directory = Path(path)
    else:
        raise TypeError(f"path must be None, a str or os.PathLike, got {type(path).__name__}")
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "does not exist"
        raise FileNotFoundError(
            f"the Fashion-MNIST directory {str(directory)!r} {what}. Fashion-MNIST is not "
            "bundled with npae: install it with `apt-get install dataset-fashion-mnist` "
            f"(it puts the IDX files in {str(DEFAULT_PATH)!r}), or pass path= to a directory "
            "holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
            "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz"
        )
    images, labels = _load_idx_dir(directory, kind, remedy=_REMEDY)
    return _select_and_scale(images, labels, str(directory), n=n, dtype=dtype)
