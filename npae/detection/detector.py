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

The default (``estimator=None, score="auto"``) is chosen from the data's shape,
never per data set: with ``d <= 40`` features, a Parzen density (Scott's
bandwidth) in the standardised input space; with more, the same density on the
8-dimensional codes of an autoencoder ``d -> 64 -> 8`` (tanh, linear code, 30
epochs). Why: a kernel density needs a number of rows exponential in the dimension;
with a few dozen standardised features and a few hundred rows it still resolves
the local structure that global methods (PCA, one Gaussian) miss, and above that
the autoencoder compresses first (Cao et al. 2016). Measured on the eleven ODDS
sets in ``benchmarks/results/anomaly_odds.md``.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_rng, not_fitted
from ..estimator.hyperparams import (Boolean, HasMethods, Hyperparameters, Interval, LayerSizes,
                                     NoneValue, Options, Param, RandomState)
from .scores import MahalanobisScore, MixtureScore, ParzenScore

__all__ = ["OutlierDetector", "default_estimator", "MAX_INPUT_DENSITY_FEATURES"]

#: above this many features the default detector compresses with an autoencoder first
MAX_INPUT_DENSITY_FEATURES = 40
_CODE_SCORES = ("mahalanobis", "gmm", "kde")
#: the VAE's out-of-distribution scores (npae.families._ood_scores) -> the method each needs
_OOD_SCORES = {"regret": "likelihood_regret", "complexity": "input_complexity",
               "ratio": "likelihood_ratio"}
#: draws of the ELBO / importance samples of the log-likelihood (fixed seed: deterministic scores)
_ELBO_DRAWS, _IW_DRAWS, _SCORE_SEED = 10, 50, 0


def default_estimator(n_samples, n_features, random_state=0):
    """The default model for data of this shape: None (score the input) or an autoencoder."""
    if n_features <= MAX_INPUT_DENSITY_FEATURES:
        return None
    from ..families.autoencoder import Autoencoder
    return Autoencoder(hidden=(64,), latent_dim=8, activation="tanh", code_activation="identity", epochs=30,
                       batch_size=64, random_state=random_state)


class OutlierDetector(Hyperparameters):
    """Fit on (mostly normal) rows, score new rows, flag the top ``contamination`` fraction.

    Parameters
    ----------
    estimator : npae family instance, "input" or None, default None
        The representation the score is computed in: a family (cloned, never
        modified), ``"input"`` for the standardised input itself, or None for
        the default chosen from the data's shape (module docstring).
    score : {"auto", "kde", "mahalanobis", "gmm", "reconstruction", "elbo", "iw", "model", "regret", "complexity", "ratio"}, default "auto"
        "kde" Parzen density, "mahalanobis" distance, "gmm" Gaussian mixture, all on
        the codes; "reconstruction" the mean squared error over features
        (``h2o.anomaly``); "elbo" minus the ELBO and "iw" minus the importance-weighted
        log-likelihood (VAE/CL-VAE); "model" minus the estimator's own ``score_samples``
        (e.g. the OC-NN's boundary ŷ − r). The VAE's corrections of "iw" for
        out-of-distribution data (:mod:`npae.families._ood_scores`): "regret" the likelihood
        regret (Xiao et al. 2020), "complexity" −log2 p(x) minus the PNG length of x
        (Serrà et al. 2020), "ratio" minus log p(x) / p_0(x) against a background VAE
        fitted on perturbed training rows (Ren et al. 2019). "auto": "elbo" for families with an ELBO,
        "model" for estimators trained as one-class scorers (OC-NN, RDA), else "kde".
    contamination : float in (0, 0.5], default 0.1
        Expected fraction of outliers; sets ``threshold_``.
    standardize : "auto" or bool, default "auto"
        Standardise each feature with the training mean and standard deviation;
        "auto" does so unless the family needs inputs in [0, 1] (Bernoulli likelihood).
    n_components : int, default 3
        Mixture components for "gmm" (fewer when there are too few rows).
    bandwidth : "scott", "silverman" or float, default "scott"
        Parzen bandwidth factor, in units of each code dimension's standard deviation.
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
        Seeds the default autoencoder and the mixture's initialisation.

    Attributes
    ----------
    estimator_ : fitted family or None
    decision_scores_ : ndarray of shape (n_samples,)
        Scores of the training rows (leave-one-out for "kde").
    threshold_ : float
    labels_ : ndarray of int, shape (n_samples,)
        1 = outlier among the training rows.
    score_ : str
        The score used.
    background_ : fitted family
        "ratio" only: the background model.
    n_features_in_ : int
    """

    _parameters = {
        "estimator": Param(None, NoneValue(), Options("input"), HasMethods("fit", "transform")),
        "score": Param("auto", Options("auto", "kde", "mahalanobis", "gmm", "reconstruction", "elbo",
                                       "iw", "model", *_OOD_SCORES)),
        "contamination": Param(0.1, Interval("real", 0, 0.5, closed="right")),
        "standardize": Param("auto", Options("auto"), Boolean()),
        "n_components": Param(3, Interval("int", 1, None)),
        "bandwidth": Param("scott", Options("scott", "silverman"), Interval("real", 0, None,
                                                                               closed="neither")),
        "image_shape": Param(None, NoneValue(), LayerSizes()),
        "background_rate": Param(0.2, Interval("real", 0, 1, closed="right")),
        "refit_inliers": Param(False, Boolean()),
        "random_state": Param(0, RandomState()),
    }

    # ----------------------------------------------------------------- fit
    def fit(self, X, y=None):
        """Fit on ``X`` (n_samples, n_features); ``y`` is ignored. Returns self."""
        self._validate_params()
        X = check_array(X, name="X", min_samples=2)
        est = self._resolve_estimator(X.shape)
        score = self._resolve_score(est)
        standardize = self.standardize
        if standardize == "auto":
            standardize = not (est is not None and getattr(est, "_needs_unit_interval", lambda: False)())
        self.center_ = X.mean(axis=0) if standardize else np.zeros(X.shape[1])
        scale = X.std(axis=0) if standardize else np.ones(X.shape[1])
        self.scale_ = np.where(scale > 0, scale, 1.0)  # constant features stay constant
        self.n_features_in_, self.score_ = X.shape[1], score
        Xs = (X - self.center_) / self.scale_
        self._fit_model(est, Xs)
        scores = self._score(Xs, training=True)
        if self.refit_inliers:
            keep = scores <= np.percentile(scores, 100.0 * (1.0 - self.contamination))
            self._fit_model(est, Xs[keep])
            scores = self._score(Xs)
            scores[keep] = self._score(Xs[keep], training=True)
            self.n_inliers_refit_ = int(keep.sum())
        self.decision_scores_ = scores
        self.threshold_ = float(np.percentile(scores, 100.0 * (1.0 - self.contamination)))
        self.labels_ = (scores > self.threshold_).astype(np.int64)
        return self

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
            if hasattr(est, "elbo"):
                return "elbo"
            # estimators trained for one-class scoring (OC-NN, RDA) declare it
            return "model" if getattr(est, "_one_class_score", False) else "kde"
        if score == "model" and not hasattr(est, "score_samples"):
            raise ValueError("score='model' needs an estimator with score_samples (higher = more "
                             "normal); the input space has none")
        if score == "reconstruction" and not hasattr(est, "reconstruction_error"):
            raise ValueError("score='reconstruction' needs an estimator with reconstruction_error "
                             "(an npae family or npae.PCA); the input space has no reconstruction")
        if score in ("elbo", "iw") and not hasattr(est, "elbo" if score == "elbo" else "log_likelihood"):
            raise ValueError(f"score={score!r} needs a VAE-like estimator (VariationalAutoencoder, "
                             f"ConditionalLatentVAE), got {type(est).__name__}")
        if score in _OOD_SCORES and not hasattr(est, _OOD_SCORES[score]):
            raise ValueError(f"score={score!r} needs a VariationalAutoencoder (its "
                             f"{_OOD_SCORES[score]}), got {type(est).__name__}")
        return score

    def _fit_model(self, est, Xs):
        self.estimator_ = None if est is None else est.fit(Xs)
        self._scorer = None
        self.range_ = (float(Xs.min()), float(Xs.max()))
        if self.score_ == "ratio":
            rng = check_rng(self.random_state)
            self.background_ = self.estimator_.fit_background(Xs, self.background_rate, rng,
                                                              *self.range_)
        if self.score_ in _CODE_SCORES:
            Z = self._codes(Xs)
            if self.score_ == "mahalanobis":
                self._scorer = MahalanobisScore(Z)
            elif self.score_ == "gmm":
                self._scorer = MixtureScore(Z, self.n_components, check_rng(self.random_state))
            else:
                self._scorer = ParzenScore(Z, self.bandwidth, covariance="diag")

    # ------------------------------------------------------------- scoring
    def _codes(self, Xs):
        Z = Xs if self.estimator_ is None else self.estimator_.transform(Xs)
        return np.asarray(Z, dtype=np.float64)

    def _score(self, Xs, training=False):
        est, score = self.estimator_, self.score_
        if score == "reconstruction":
            return np.asarray(est.reconstruction_error(Xs), dtype=np.float64)
        if score == "elbo":
            return -np.asarray(est.elbo(Xs, n_samples=_ELBO_DRAWS, rng=_SCORE_SEED), dtype=np.float64)
        if score == "model":
            return -np.asarray(est.score_samples(Xs), dtype=np.float64)
        if score == "iw":
            return -np.asarray(est.log_likelihood(Xs, n_samples=_IW_DRAWS, rng=_SCORE_SEED),
                               dtype=np.float64)
        if score == "regret":
            return est.likelihood_regret(Xs)
        if score == "complexity":
            return est.input_complexity(np.clip(Xs, *self.range_), self.image_shape, _IW_DRAWS,
                                        _SCORE_SEED, *self.range_)
        if score == "ratio":
            return -est.likelihood_ratio(Xs, self.background_, _IW_DRAWS, _SCORE_SEED)
        return self._scorer(self._codes(Xs), training=training)

    def _check_fitted(self):
        if not hasattr(self, "threshold_"):
            raise not_fitted("this OutlierDetector is not fitted yet; call fit(X) first")

    def _standardized(self, X):
        self._check_fitted()
        X = check_array(X, name="X", n_features=self.n_features_in_)
        return (X - self.center_) / self.scale_

    def decision_function(self, X):
        """Anomaly score of each row, higher = more abnormal.  (n, d) -> (n,)"""
        return self._score(self._standardized(X))

    def score_samples(self, X):
        """Normality score, scikit-learn's sign (higher = more normal): minus :meth:`decision_function`."""
        return -self.decision_function(X)

    def predict(self, X):
        """1 for rows scored above ``threshold_`` (outliers), else 0.  (n, d) -> (n,)"""
        return (self.decision_function(X) > self.threshold_).astype(np.int64)

    def fit_predict(self, X, y=None):
        """``fit(X)`` then the training labels ``labels_``."""
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
