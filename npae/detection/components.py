"""The component scores of :class:`~npae.detection.OutlierDetector`, by name, fitted on bounded rows.

A component is named by its kind, with the space it is measured in:

- ``"kde"``, ``"mahalanobis"``, ``"gmm"``, ``"knn"``: on the estimator's codes (on the
  standardised input when the detector has no estimator);
- ``"input:kde"``, ``"input:mahalanobis"``, ``"input:gmm"``, ``"input:knn"``: on the
  standardised input even when there is an estimator;
- ``"reconstruction"``, ``"elbo"``, ``"iw"``, ``"model"``: from the estimator itself;
  ``"regret"``, ``"complexity"``, ``"ratio"``: the VAE's corrections of ``"iw"`` for
  out-of-distribution data (:mod:`npae.families._ood_scores`).

The density and neighbour scores are fitted on **reference rows**: all the training
rows, or a random subsample of ``max_samples`` of them when there are more, so that
scoring costs O(n · max_samples), never O(n²). Training rows that are reference rows
leave themselves out of their Parzen and kNN scores (their own kernel or zero distance
would make every training row look normal).
"""

from __future__ import annotations

import numpy as np

from .neighbors import KNNScore
from .scores import MahalanobisScore, MixtureScore, ParzenScore

__all__ = ["SPACE_KINDS", "MODEL_KINDS", "OOD_SCORES", "ScoreNames", "parse_component",
           "fit_space_score", "model_score"]

SPACE_KINDS = ("kde", "mahalanobis", "gmm", "knn")
MODEL_KINDS = ("reconstruction", "elbo", "iw", "model", "regret", "complexity", "ratio")
#: the VAE's out-of-distribution scores -> the method each needs (npae.families._ood_scores)
OOD_SCORES = {"regret": "likelihood_regret", "complexity": "input_complexity",
              "ratio": "likelihood_ratio"}
#: draws of the ELBO / importance samples of the log-likelihood (fixed seed: deterministic scores)
_ELBO_DRAWS, _IW_DRAWS, _SCORE_SEED = 10, 50, 0


def parse_component(name):
    """``"input:knn"`` -> ("input", "knn"); ``"knn"`` -> ("code", "knn"); ``"elbo"`` -> ("model", "elbo")."""
    if isinstance(name, str) and name.startswith("input:") and name[6:] in SPACE_KINDS:
        return "input", name[6:]
    if name in SPACE_KINDS:
        return "code", name
    if name in MODEL_KINDS:
        return "model", name
    raise ValueError(f"unknown score {name!r}; expected one of {SPACE_KINDS + MODEL_KINDS} or "
                     f"'input:' + one of {SPACE_KINDS}")


class ScoreNames:
    """A non-empty tuple or list of distinct component names (a combined score)."""

    def is_satisfied_by(self, v):
        if not isinstance(v, (tuple, list)) or not v or len(set(v)) != len(v):
            return False
        try:
            for name in v:
                parse_component(name)
        except (ValueError, TypeError):
            return False
        return True

    def __str__(self):
        return "a tuple of distinct score names (a combination)"


class SpaceScore:
    """A density or neighbour score fitted on reference rows ``Zref`` (m, r)."""

    def __init__(self, kind, Zref, n_neighbors, n_components, bandwidth, rng):
        self.kind = kind
        if kind == "mahalanobis":
            self.scorer_ = MahalanobisScore(Zref)
        elif kind == "gmm":
            if n_components > Zref.shape[0]:
                raise ValueError(f"n_components={n_components} mixture components for "
                                 f"{Zref.shape[0]} rows: at most one component per row")
            self.scorer_ = MixtureScore(Zref, n_components, rng)
        elif kind == "kde":
            self.scorer_ = ParzenScore(Zref, bandwidth, covariance="diag")
        else:
            if n_neighbors >= Zref.shape[0]:
                raise ValueError(f"n_neighbors={n_neighbors} needs more than {n_neighbors} rows "
                                 f"to fit on, got {Zref.shape[0]}")
            self.scorer_ = KNNScore(Zref, n_neighbors)

    def __call__(self, Z, self_index=None):
        if self.kind in ("kde", "knn"):
            return self.scorer_(Z, self_index=self_index)
        return self.scorer_(Z)  # global scores: in-sample on training rows


def fit_space_score(kind, Zref, detector, rng):
    """A :class:`SpaceScore` with the detector's settings."""
    return SpaceScore(kind, Zref, detector.n_neighbors, detector.n_components, detector.bandwidth, rng)


def model_score(kind, est, Xs, detector=None):
    """A score from the estimator itself, higher = more abnormal.  (n, d) -> (n,)

    ``detector``: the fitted detector, for the out-of-distribution scores' settings
    (``image_shape``, the training range ``range_``, the ``background_`` model)."""
    if kind == "regret":
        return np.asarray(est.likelihood_regret(Xs), dtype=np.float64)
    if kind == "complexity":  # new rows are clipped to the training range before PNG coding
        return np.asarray(est.input_complexity(np.clip(Xs, *detector.range_), detector.image_shape,
                                               _IW_DRAWS, _SCORE_SEED, *detector.range_),
                          dtype=np.float64)
    if kind == "ratio":
        return -np.asarray(est.likelihood_ratio(Xs, detector.background_, _IW_DRAWS, _SCORE_SEED),
                           dtype=np.float64)
    if kind == "reconstruction":
        return np.asarray(est.reconstruction_error(Xs), dtype=np.float64)
    if kind == "elbo":
        return -np.asarray(est.elbo(Xs, n_samples=_ELBO_DRAWS, rng=_SCORE_SEED), dtype=np.float64)
    if kind == "iw":
        return -np.asarray(est.log_likelihood(Xs, n_samples=_IW_DRAWS, rng=_SCORE_SEED),
                           dtype=np.float64)
    return -np.asarray(est.score_samples(Xs), dtype=np.float64)
