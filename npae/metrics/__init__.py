"""Metrics for what autoencoders are used for: clustering, anomaly detection, retrieval.

Pure NumPy/SciPy; scikit-learn is never needed (it only serves as an oracle in
the tests).

:mod:`npae.metrics.clustering`
    :func:`v_measure` and :func:`homogeneity_completeness_v_measure` score a
    clustering against labels; :func:`clustering_accuracy` (Hungarian matching);
    :func:`v_measure_curve`, the V-score against the number of clusters.
:mod:`npae.metrics.anomaly`
    :func:`em_curve`, :func:`mv_curve` and :func:`em_mv_scores` evaluate an anomaly
    scorer without labels (Goix 2016; higher score = more normal);
    :func:`roc_auc` with labels.
:mod:`npae.metrics.outliers`
    :func:`average_precision` and :func:`precision_at_n` (PyOD's protocol) with labels.
:mod:`npae.metrics.em_mv_highdim`
    :func:`em_mv_feature_subsets`: Goix's EM/MV protocol in high dimension
    (areas averaged over random feature subsets, detectors refitted on each).
:mod:`npae.metrics.image`
    :func:`psnr` and :func:`ssim` (Wang et al. 2004, Gaussian window) of images.
:mod:`npae.metrics.retrieval`
    :func:`precision_at_k`, :func:`binarize_codes`, :func:`hamming_distances`,
    :func:`precision_at_hamming_radius`, :func:`mean_average_precision`.

The clustering *algorithms* live in :mod:`npae.classical.kmeans` (k-means) and
:mod:`npae.classical.mixture` (Gaussian mixture EM).
"""

from .anomaly import (EMCurve, MVCurve, em_curve, em_mv_scores, mv_curve, roc_auc,
                      sample_bounding_box)
from .clustering import (VMeasureCurve, clustering_accuracy, contingency_table,
                         homogeneity_completeness_v_measure, v_measure, v_measure_curve)
from .retrieval import (binarize_codes, hamming_distances, mean_average_precision,
                        precision_at_hamming_radius, precision_at_k)
from .em_mv_highdim import em_mv_feature_subsets
from .image import psnr, ssim
from .outliers import average_precision, precision_at_n

__all__ = [
    "roc_auc",
    "average_precision",
    "precision_at_n",
    "em_mv_feature_subsets",
    "homogeneity_completeness_v_measure",
    "v_measure",
    "clustering_accuracy",
    "contingency_table",
    "v_measure_curve",
    "VMeasureCurve",
    "sample_bounding_box",
    "em_curve",
    "mv_curve",
    "em_mv_scores",
    "EMCurve",
    "MVCurve",
    "precision_at_k",
    "binarize_codes",
    "hamming_distances",
    "precision_at_hamming_radius",
    "mean_average_precision",
    "psnr",
    "ssim",
]
