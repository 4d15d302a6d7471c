"""One-class detection (Caron's review §3, §4.3): a detector around any family, its scores.

:mod:`npae.detection.detector`
    :class:`OutlierDetector`: PyOD's conventions (``fit``, ``decision_function``
    higher = more abnormal, ``predict`` 0/1, ``threshold_``, ``decision_scores_``,
    ``labels_``, ``predict_proba``), a default chosen by a leave-one-dataset-out protocol.
:mod:`npae.classical.robust_pca`
    :class:`RobustPCA` and :func:`principal_component_pursuit` (X = L + S, inexact ALM).
:mod:`npae.detection.rda`
    :class:`RobustDeepAutoencoder` (Zhou & Paffenroth 2017: X = L_D + S around an autoencoder).
:mod:`npae.detection.scores`
    Mahalanobis distance, Gaussian-mixture and Parzen densities on a representation.
:mod:`npae.detection.neighbors`
    :class:`KNNScore`: distance to the k-th nearest reference row (k-d tree or blocked products).
:mod:`npae.detection.ensemble`
    :class:`AutoencoderEnsemble`: autoencoders on random subsamples, median standardised error
    (Chen et al. 2017).
:mod:`npae.detection.components`, :mod:`npae.detection.combine`, :mod:`npae.detection.proba`
    Scores by name on bounded reference rows; their standardisation and combination;
    PyOD's outlier probabilities and prediction confidence.
"""

from .combine import ScoreCombiner
from .ensemble import AutoencoderEnsemble
from .detector import DEFAULT_SCORE, OutlierDetector, default_estimator
from .neighbors import KNNScore
from .rda import RobustDeepAutoencoder
from ..classical.robust_pca import RobustPCA, principal_component_pursuit
from .scores import MahalanobisScore, MixtureScore, ParzenScore, bandwidth_factor

__all__ = ["OutlierDetector", "default_estimator", "DEFAULT_SCORE", "KNNScore", "ScoreCombiner",
           "AutoencoderEnsemble",
           "MahalanobisScore", "MixtureScore", "ParzenScore", "bandwidth_factor", "RobustPCA", "principal_component_pursuit",
           "RobustDeepAutoencoder"]
