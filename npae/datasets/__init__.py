"""Datasets as plain NumPy arrays with rows as samples, ``X`` of shape ``(n_samples, n_features)``.

One module per source; randomness only comes from a ``np.random.Generator`` (or a
seed for one) passed as ``rng``.

:mod:`npae.datasets.mnist`
    :func:`load_mnist`: 8,000 real MNIST digits bundled with npae (see
    ``npae/data/README.md`` for the source and licence), or the full MNIST /
    Fashion-MNIST from IDX files or a ``.npz`` on disk.
:mod:`npae.datasets.fashion_mnist`
    :func:`load_fashion_mnist`: Fashion-MNIST from Debian's ``dataset-fashion-mnist``.
:mod:`npae.datasets.idx`
    :func:`read_idx`: any IDX file (the format of MNIST), gzip-compressed or not.
:mod:`npae.datasets.synthetic`
    :func:`make_review_example` (the toy data of Caron's review, §1.3),
    :func:`make_low_rank` (a clear eigengap after ``rank`` directions),
    :func:`make_anomalies` (Gaussian inliers plus uniform outliers).
:mod:`npae.datasets.odds`
    :func:`load_odds`: the ODDS outlier-detection sets (``.mat`` files; nothing
    is downloaded: ``$NPAE_ODDS_DIR`` or ``../shared/data/odds``).
:mod:`npae.datasets.adbench`
    :func:`load_adbench`: fifteen ADBench tabular sets (``.npz``; ``$NPAE_ADBENCH_DIR``
    or ``../shared/data/adbench``).
:mod:`npae.datasets.patches`
    :func:`extract_patches`: random patches normalised as in Andrew Ng's
    sparse-autoencoder exercise.
:mod:`npae.datasets.split`
    :func:`train_test_split`: a small deterministic split, so that npae never
    needs scikit-learn.
"""

from .fashion_mnist import FASHION_MNIST_CLASSES, load_fashion_mnist
from .idx import read_idx
from .mnist import load_mnist
from .adbench import ADBENCH_SETS, load_adbench
from .odds import ODDS_SETS, load_odds
from .patches import extract_patches
from .split import train_test_split
from .synthetic import make_anomalies, make_low_rank, make_review_example

__all__ = [
    "load_mnist",
    "load_fashion_mnist",
    "FASHION_MNIST_CLASSES",
    "read_idx",
    "train_test_split",
    "make_review_example",
    "make_low_rank",
    "make_anomalies",
    "extract_patches",
    "load_odds", "load_adbench", "ADBENCH_SETS",
    "ODDS_SETS",
]
