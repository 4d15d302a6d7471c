"""One-class detection (Caron's review §3, §4.3): a detector around any family, its scores.

:mod:`npae.detection.detector`
    :class:`OutlierDetector`: PyOD's conventions (``fit``, ``decision_function``
    higher = more abnormal, ``predict`` 0/1, ``threshold_``, ``decision_scores_``,
    ``labels_``), one default chosen from the data's shape.
:mod:`npae.classical.robust_pca`
    :class:`RobustPCA` and :func:`principal_component_pursuit` (X = L + S, inexact ALM).
:mod:`npae.detection.rda`
    :class:`RobustDeepAutoencoder` (Zhou & Paffenroth 2017: X = L_D + S around an autoencoder).
:mod:`npae.detection.scores`
    Mahalanobis distance, Gaussian-mixture and Parzen densities on a representation.
"""

from .detector import OutlierDetector, default_estimator
from .rda import RobustDeepAutoencoder
from ..classical.robust_pca import RobustPCA, principal_component_pursuit
from .scores import MahalanobisScore, MixtureScore, ParzenScore, bandwidth_factor

__all__ = ["OutlierDetector", "default_estimator", "MahalanobisScore", "MixtureScore",
           "ParzenScore", "bandwidth_factor", "RobustPCA", "principal_component_pursuit",
           "RobustDeepAutoencoder"]
