r"""An outlier detector around any npae family, with PyOD's conventions.

Caron's review §3 (one-class classification: density, boundary and reconstruction
methods) and §4.3; Cao, Nicolau & McDermott (2016) (an autoencoder's codes scored by
a density estimate); Boehmke & Greenwell, *Hands-On Machine Learning with R*, ch. 19
(``h2o.anomaly``: per-feature reconstruction errors, retraining on the inliers); the
API of PyOD (Zhao, Nasrullah & Li 2019).

.. math:: s(x) = \mathrm{score}(q_\theta(\tilde x)), \quad
          \tilde x = (x - \bar x) / \sigma_x, \quad
          \hat y(x) = [\, s(x) > \tau \,], \quad
          \tau = \text{the } 100(1 - c)\text{-th percentile of } s \text{ on the training rows}

Symbols: :math:`\tilde x` the standardised input (training mean and standard
deviation), :math:`q_\theta` the encoder of the wrapped family (the identity when
the data are scored in the input space), ``score`` one of the scores of
:mod:`npae.detection.scores` or the reconstruction error / negative ELBO
(**higher = more abnormal**), :math:`c` = ``contamination``, :math:`\tau` = ``threshold_``.

The default (``estimator=None, score="auto"``) is one rule for every data set: an
autoencoder ``d -> 64 -> k``, ``k = min(8, max(2, d // 2))`` (tanh, linear code, 30
epochs, trained on at most ``max_samples`` = 10,000 rows), and the mean of four
scores, each standardised on the training rows (:mod:`npae.detection.combine`): the
autoencoder's reconstruction error, the distance to the 5th nearest training row on
its codes, the same distance in the standardised input (PyOD's KNN), and the
Mahalanobis distance in the input. The reconstruction sees what leaves the data's
manifold, the neighbour distances what lies in an empty region of it, the Mahalanobis
distance what is far along the global directions (cardio's outliers); the mean of
standardised scores lets none dominate by its units.

How it was chosen: by **leave-one-dataset-out** over 26 sets (11 ODDS, 15 ADBench) with
PyOD's protocol, among 56 autoencoder-centred candidates (each component alone, every
combination, mean or rank averaging, an ensemble of autoencoders after Chen et al.
2017): for each set, the candidate with the best mean ROC AUC on the other 25 is scored
on it; the mean of those held-out scores (0.780, against 0.779 for PyOD's IForest, the best
PyOD detector of the same run: a tie) is the figure a user can expect on new data, and the
candidate chosen on all 26 is this one. ``benchmarks/results/anomaly_benchmark.md``
and ``docs/anomaly_default.md``.
"""

from __future__ import annotations

import hashlib
import warnings

import numpy as np

from .._validation import check_array, check_rng, not_fitted
from ..estimator.hyperparams import (Boolean, HasMethods, Hyperparameters, Interval, LayerSizes,
                                     NoneValue, Options, Param, RandomState)
from .combine import COMBINE_RULES, ScoreCombiner
from .components import (MODEL_KINDS, OOD_SCORES, SPACE_KINDS, ScoreNames, fit_space_score,
                         model_score, parse_component)
from .proba import PROBA_METHODS, outlier_probability, prediction_confidence

__all__ = ["OutlierDetector", "default_estimator", "DEFAULT_SCORE"]

#: the default's score, chosen by the leave-one-dataset-out protocol (module docstring)
DEFAULT_SCORE = ("reconstruction", "knn", "input:knn", "input:mahalanobis")
#: rows scored at a time (bounds the memory of scoring hundreds of thousands of rows)
_SCORE_BLOCK = 16384


def default_estimator(n_samples, n_features, random_state=0):
    """The default autoencoder for data of this shape: d -> 64 -> k, k = min(8, max(2, d // 2))."""
    from ..families.autoencoder import Autoencoder
    k = min(8, max(2, n_features // 2))
    return Autoencoder(hidden=(64,), latent_dim=k, activation="tanh", code_activation="identity", epochs=30,
                       batch_size=64, random_state=random_state)


def _digest(X):
    """A fingerprint of an array's shape and bytes: recognises ``fit``'s own data."""
    return X.shape, hashlib.sha1(np.ascontiguousarray(X).view(np.uint8)).hexdigest()


class OutlierDetector(Hyperparameters):
    """Fit on (mostly normal) rows, score new rows, flag the top ``contamination`` fraction.

    Parameters
    ----------
    estimator : npae family instance, "input" or None, default None
        The representation the score is computed in: a family (cloned, never
        modified), ``"input"`` for the standardised input itself, or None for
        the default autoencoder (:func:`default_estimator`).
    score : str, tuple of str, or "auto", default "auto"
        One component (:mod:`npae.detection.components`): "kde" Parzen density,
        "mahalanobis" distance, "gmm" Gaussian mixture, "knn" distance to the
        ``n_neighbors``-th nearest training row, all on the codes ("input:kde",
        "input:knn", ... on the standardised input instead); "reconstruction" the mean
        squared error over features (``h2o.anomaly``); "elbo" minus the ELBO and "iw"
        minus the importance-weighted log-likelihood (VAE/CL-VAE); "model" minus the
        estimator's own ``score_samples`` (e.g. the OC-NN's boundary ŷ − r). The VAE's
        corrections of "iw" for out-of-distribution data (:mod:`npae.families._ood_scores`):
        "regret" the likelihood regret (Xiao et al. 2020), "complexity" −log2 p(x) minus the
        PNG length of x (Serrà et al. 2020), "ratio" minus log p(x) / p_0(x) against a
        background VAE fitted on perturbed training rows (Ren et al. 2019). A tuple of
        names combines them (``combine``). "auto": :data:`DEFAULT_SCORE` for the default
        estimator, "elbo" for families with an ELBO, "model" for estimators trained as
        one-class scorers (OC-NN, RDA), else "kde".
    contamination : float in (0, 0.5], default 0.1
        Expected fraction of outliers; sets ``threshold_``.
    standardize : "auto" or bool, default "auto"
        Standardise each feature with the training mean and standard deviation;
        "auto" does so unless the family needs inputs in [0, 1] (Bernoulli likelihood).
    n_components : int, default 3
        Mixture components for "gmm" (fewer when there are too few rows per component;
        more than the rows is an error).
    bandwidth : "scott", "silverman" or float, default "scott"
        Parzen bandwidth factor, in units of each code dimension's standard deviation.
    n_neighbors : int, default 5
        k of the "knn" score (PyOD's KNN default).
    max_samples : int or None, default 10000
        The estimator is trained, and the density and neighbour scores are fitted, on a
        random subsample of this many training rows when there are more (None: all), so
        fit and scoring cost O(n · max_samples), never O(n²).
    combine : {"mean", "median", "rank"}, default "mean"
        How a tuple of scores is combined (:mod:`npae.detection.combine`): the mean or
        median of scores standardised on the training rows, or the mean of their ranks.
    image_shape : (h, w) or None, default None
        "complexity" only: the 2-D layout of a row for PNG (None: one row of pixels).
        Rows are quantised to bytes over the training rows' [min, max]; values of new
        rows beyond that range are clipped to it first.
    background_rate : float in (0, 1], default 0.2
        "ratio" only: the probability that a pixel of a training row is replaced by a
        uniform value in the training range when fitting the background model.
    refit_inliers : bool, default False
        The h2o loop: fit, drop the ``contamination`` fraction scored worst, refit on the rest.
    random_state : int, Generator or None, default 0
        Seeds the default autoencoder, the subsample and the mixture's initialisation.

    Attributes
    ----------
    estimator_ : fitted family or None
    decision_scores_ : ndarray of shape (n_samples,)
        Scores of the training rows, reference rows leaving themselves out of "kde" and
        "knn". ``decision_function`` on the very array ``fit`` saw (same shape and bytes)
        returns these scores, so ``predict(X_train)`` equals ``labels_``.
    threshold_ : float
    labels_ : ndarray of int, shape (n_samples,)
        1 = outlier among the training rows.
    decision_components_ : ndarray of shape (n_samples, n_components)
        The training rows' raw scores of each of ``components_`` (before combining).
    score_ : str or tuple of str
        The score used.
    components_ : tuple of str
        Its component names.
    background_ : fitted family
        "ratio" only: the background model.
    n_features_in_ : int
    """

    _parameters = {
        "estimator": Param(None, NoneValue(), Options("input"), HasMethods("fit", "transform")),
        "score": Param("auto", Options("auto", *SPACE_KINDS, *MODEL_KINDS,
                                       *(f"input:{k}" for k in SPACE_KINDS)), ScoreNames()),
        "contamination": Param(0.1, Interval("real", 0, 0.5, closed="right")),
        "standardize": Param("auto", Options("auto"), Boolean()),
        "n_components": Param(3, Interval("int", 1, None)),
        "bandwidth": Param("scott", Options("scott", "silverman"), Interval("real", 0, None,
                                                                               closed="neither")),
        "n_neighbors": Param(5, Interval("int", 1, None)),
        "max_samples": Param(10000, NoneValue(), Interval("int", 2, None)),
        "combine": Param("mean", Options(*COMBINE_RULES)),
        "image_shape": Param(None, NoneValue(), LayerSizes()),
        "background_rate": Param(0.2, Interval("real", 0, 1, closed="right")),
        "refit_inliers": Param(False, Boolean()),
        "random_state": Param(0, RandomState()),
    }

    # ----------------------------------------------------------------- fit
    def fit(self, X, y=None):
        """Fit on ``X`` (n_samples, n_features). Returns self.

        ``y`` is not used (the detector is unsupervised); passing it warns, as PyOD does.
        """
        self._validate_params()
        if y is not None:
            warnings.warn("y is ignored: OutlierDetector is unsupervised and fits on X alone",
                          UserWarning, stacklevel=2)
        X = check_array(X, name="X", min_samples=2)
        est = self._resolve_estimator(X.shape)
        self.score_ = self._resolve_score(est)
        self.components_ = self.score_ if isinstance(self.score_, tuple) else (self.score_,)
        standardize = self.standardize
        if standardize == "auto":
            standardize = not (est is not None and getattr(est, "_needs_unit_interval", lambda: False)())
        self.center_ = X.mean(axis=0) if standardize else np.zeros(X.shape[1])
        scale = X.std(axis=0) if standardize else np.ones(X.shape[1])
        self.scale_ = np.where(scale > 0, scale, 1.0)  # constant features stay constant
        self.n_features_in_ = X.shape[1]
        Xs = (X - self.center_) / self.scale_
        rng = check_rng(self.random_state)
        own = self._fit_model(est, Xs, np.arange(len(Xs)), rng)
        S = self._component_scores(Xs, own)
        if self.refit_inliers:
            first = self._combine_fit(S)
            keep = np.flatnonzero(first <= np.percentile(first, 100.0 * (1.0 - self.contamination)))
            own = self._fit_model(est, Xs, keep, rng)
            S = self._component_scores(Xs, own)
            self.n_inliers_refit_ = int(keep.size)
        scores = self._combine_fit(S)
        self.decision_components_ = S
        self.decision_scores_ = scores
        self.threshold_ = float(np.percentile(scores, 100.0 * (1.0 - self.contamination)))
        self.labels_ = (scores > self.threshold_).astype(np.int64)
        self._fit_digest = _digest(X)
        return self

    def _combine_fit(self, S):
        """Fit the combiner on the training component scores (n, c) and combine them."""
        self.combiner_ = ScoreCombiner(S, self.combine) if isinstance(self.score_, tuple) else None
        return S[:, 0] if self.combiner_ is None else self.combiner_(S)

    def _resolve_estimator(self, shape):
        est = self.estimator
        if est is None:
            return default_estimator(*shape, random_state=self.random_state)
        if isinstance(est, str):
            return None
        return type(est)(**est.get_params(deep=False))

    def _resolve_score(self, est):
        score = self.score
        if score == "auto":
            if self.estimator is None:
                return DEFAULT_SCORE
            if hasattr(est, "elbo"):
                return "elbo"
            # estimators trained for one-class scoring (OC-NN, RDA) declare it
            return "model" if getattr(est, "_one_class_score", False) else "kde"
        for name in (score if isinstance(score, (tuple, list)) else (score,)):
            self._check_component(name, est)
        return tuple(score) if isinstance(score, (tuple, list)) else score

    @staticmethod
    def _check_component(name, est):
        space, kind = parse_component(name)
        if space != "model":
            return
        if kind == "model" and not hasattr(est, "score_samples"):
            raise ValueError("score='model' needs an estimator with score_samples (higher = more "
                             "normal); the input space has none")
        if kind == "reconstruction" and not hasattr(est, "reconstruction_error"):
            raise ValueError("score='reconstruction' needs an estimator with reconstruction_error "
                             "(an npae family or npae.PCA); the input space has no reconstruction")
        if kind in ("elbo", "iw") and not hasattr(est, "elbo" if kind == "elbo" else "log_likelihood"):
            raise ValueError(f"score={kind!r} needs a VAE-like estimator (VariationalAutoencoder, "
                             f"ConditionalLatentVAE), got {type(est).__name__}")
        if kind in OOD_SCORES and not hasattr(est, OOD_SCORES[kind]):
            raise ValueError(f"score={kind!r} needs a VariationalAutoencoder (its "
                             f"{OOD_SCORES[kind]}), got {type(est).__name__}")

    def _fit_model(self, est, Xs, rows, rng):
        """Fit on ``Xs[rows]`` (at most ``max_samples`` of them, drawn at random).

        Returns (len(Xs),) int: each row's position among the reference rows, or -1.
        """
        if self.max_samples is not None and rows.size > self.max_samples:
            rows = np.sort(rng.choice(rows, self.max_samples, replace=False))
        fit_rows = Xs[rows]
        self.estimator_ = None if est is None else est.fit(fit_rows)
        self.n_reference_ = int(rows.size)
        self.range_ = (float(fit_rows.min()), float(fit_rows.max()))
        if "ratio" in self.components_:
            self.background_ = self.estimator_.fit_background(fit_rows, self.background_rate, rng,
                                                              *self.range_)
        self._scorers = {}
        codes = None
        for name in self.components_:
            space, kind = parse_component(name)
            if space == "model":
                continue
            if space == "code" and codes is None:
                codes = self._codes(fit_rows)
            self._scorers[name] = fit_space_score(kind, codes if space == "code" else fit_rows, self, rng)
        own = np.full(len(Xs), -1, dtype=np.int64)
        own[rows] = np.arange(rows.size)
        return own

    # ------------------------------------------------------------- scoring
    def _codes(self, Xs):
        Z = Xs if self.estimator_ is None else self.estimator_.transform(Xs)
        return np.asarray(Z, dtype=np.float64)

    def _component_scores(self, Xs, self_index=None):
        """(n, d) standardised rows -> (n, c) raw component scores, a block of rows at a time
        (the network's activations of all rows at once would be n × width)."""
        n = Xs.shape[0]
        out = np.empty((n, len(self.components_)))
        for i in range(0, n, _SCORE_BLOCK):
            own = None if self_index is None else self_index[i:i + _SCORE_BLOCK]
            out[i:i + _SCORE_BLOCK] = self._component_block(Xs[i:i + _SCORE_BLOCK], own)
        return out

    def _component_block(self, Xs, self_index):
        codes = None
        cols = []
        for name in self.components_:
            space, kind = parse_component(name)
            if space == "model":
                cols.append(model_score(kind, self.estimator_, Xs, self))
                continue
            if space == "code" and codes is None:
                codes = self._codes(Xs)
            cols.append(self._scorers[name](codes if space == "code" else Xs, self_index))
        return np.stack(cols, axis=1)

    def _check_fitted(self):
        if not hasattr(self, "threshold_"):
            raise not_fitted("this OutlierDetector is not fitted yet; call fit(X) first")

    def _standardized(self, X):
        self._check_fitted()
        X = check_array(X, name="X", n_features=self.n_features_in_)
        return (X - self.center_) / self.scale_

    def component_scores(self, X):
        """The raw scores of each of ``components_`` (before combining).  (n, d) -> (n, c)"""
        return self._component_scores(self._standardized(X))

    def decision_function(self, X):
        """Anomaly score of each row, higher = more abnormal.  (n, d) -> (n,)

        On ``fit``'s own array (same shape and bytes) these are ``decision_scores_``.
        """
        self._check_fitted()
        X = check_array(X, name="X", n_features=self.n_features_in_)
        if X.shape == self._fit_digest[0] and _digest(X) == self._fit_digest:
            return self.decision_scores_.copy()
        S = self._component_scores((X - self.center_) / self.scale_)
        return S[:, 0] if self.combiner_ is None else self.combiner_(S)

    def score_samples(self, X):
        """Normality score, scikit-learn's sign (higher = more normal): minus :meth:`decision_function`."""
        return -self.decision_function(X)

    def predict(self, X, return_confidence=False):
        """1 for rows scored above ``threshold_`` (outliers), else 0.  (n, d) -> (n,)

        With ``return_confidence=True`` also the confidence of each prediction, (n,) in
        [0, 1] (PyOD's ``predict_confidence``, :mod:`npae.detection.proba`).
        """
        s = self.decision_function(X)
        labels = (s > self.threshold_).astype(np.int64)
        if not return_confidence:
            return labels
        return labels, prediction_confidence(s, self.decision_scores_, self.contamination,
                                             self.threshold_)

    def predict_proba(self, X, method="linear", return_confidence=False):
        """Columns P(inlier), P(outlier) of each row, PyOD's "linear" or "unify".  (n, d) -> (n, 2)"""
        if method not in PROBA_METHODS:
            raise ValueError(f"method must be one of {PROBA_METHODS}, got {method!r}")
        s = self.decision_function(X)
        proba = outlier_probability(s, self.decision_scores_, method)
        if not return_confidence:
            return proba
        return proba, prediction_confidence(s, self.decision_scores_, self.contamination,
                                            self.threshold_)

    def predict_confidence(self, X):
        """Confidence of each 0/1 prediction, (n,) in [0, 1] (Perini et al. 2020)."""
        return self.predict(X, return_confidence=True)[1]

    def fit_predict(self, X, y=None):
        """``fit(X)`` then the training labels ``labels_`` (``y`` is not used; passing it warns)."""
        if y is not None:
            warnings.warn("y is ignored: OutlierDetector is unsupervised and fits on X alone",
                          UserWarning, stacklevel=2)
        return self.fit(X).labels_

    def reconstruction_error(self, X, per_feature=False):
        """Squared reconstruction errors in the standardised space, as ``h2o.anomaly``.

        Returns
        -------
        ndarray of shape (n_samples,), the mean over features, or (n_samples, n_features)
        with ``per_feature=True`` (their row means are the per-row errors).
        """
        Xs = self._standardized(X)
        if not hasattr(self.estimator_, "reconstruction_error"):
            raise ValueError("this detector scores the input space (no estimator): there is no "
                             "reconstruction; pass an npae family as estimator")
        return self.estimator_.reconstruction_error(Xs, per_feature=per_feature)
