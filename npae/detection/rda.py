r"""The robust deep autoencoder (RDA): X = L_D + S, an autoencoder on L_D and a sparse S.

Zhou & Paffenroth (2017), "Anomaly detection with robust deep autoencoders", KDD,
Algorithms 1-2; Caron's review §4 (anomaly detection). Robust PCA
(:mod:`npae.classical.robust_pca`) with the nuclear norm replaced by an autoencoder:

.. math:: \min_{\theta, \phi, S}\; \tfrac{1}{2}\lVert L_D - p_\phi(q_\theta(L_D)) \rVert_F^2
          + \lambda \lVert S \rVert \quad \text{s.t.} \quad X - L_D - S = 0,
          \qquad \lVert S\rVert = \lVert S\rVert_1 \ \text{or}\ \lVert S\rVert_{2,1} = \sum_i \lVert s_i\rVert_2

solved by alternating: train the autoencoder on ``L_D = X - S`` (``inner_epochs``
epochs, continuing from the previous parameters; the gradient is the
autoencoder's own), set ``L_D`` to its reconstruction, then take the proximal
step of :math:`\lambda\lVert\cdot\rVert` on ``S = X - L_D``: soft thresholding
(:math:`\ell_1`, entry-wise anomalies) or row-wise group shrinkage
(:math:`\ell_{2,1}`, whole rows are anomalies). Stop when
:math:`\lVert X - L_D - S\rVert_F / \lVert X\rVert_F` (what the prox step shrank
away) or the change of :math:`L_D + S` falls below ``tol``, as the authors' code.

Symbols: ``X`` (n, d) the data, ``L_D`` the part the autoencoder reconstructs,
``S`` the sparse outlier part, ``lam`` :math:`\lambda` (per entry; the
:math:`\ell_{2,1}` threshold on a row is :math:`\lambda\sqrt d`), :math:`q_\theta,
p_\phi` encoder and decoder. A row's anomaly score is :math:`\lVert s_i\rVert_2`;
for new rows ``S`` is found by the same alternation with the network fixed.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, not_fitted
from ..estimator.hyperparams import (HasMethods, Hyperparameters, Interval, NoneValue, Options, Param,
                           RandomState)
from ..classical.robust_pca import shrink

__all__ = ["RobustDeepAutoencoder", "prox_l21"]


def prox_l21(A, tau):
    r"""Row-wise group shrinkage, the proximal operator of :math:`\tau \sum_i \lVert a_i \rVert_2`.

    Each row is scaled by :math:`\max(0, 1 - \tau / \lVert a_i \rVert)`: rows shorter than τ vanish.
    """
    norms = np.sqrt(np.sum(A * A, axis=1, keepdims=True))  # (n, 1)
    scale = np.maximum(0.0, 1.0 - tau / np.maximum(norms, np.finfo(float).tiny))
    return A * scale


class RobustDeepAutoencoder(Hyperparameters):
    r"""Robust deep autoencoder (Zhou & Paffenroth 2017) around an npae autoencoder.

    Parameters
    ----------
    autoencoder : npae family or None, default None
        The network (cloned); None: ``Autoencoder(hidden=(64,), latent_dim=8, activation="tanh",
        code_activation="identity")``. Its ``epochs`` is ignored (``inner_epochs`` is used).
    penalty : {"l1", "l21"}, default "l21"
        Entry-wise (``l1``) or row-wise (``l21``) sparsity of ``S``.
    lam : float, default 1.0
        λ, per entry in the units of the data (standardised data: standard deviations).
    n_outer : int, default 20
        Alternations.
    inner_epochs : int, default 5
        Epochs of autoencoder training per alternation.
    tol : float, default 1e-6
    score : {"sparse", "residual"}, default "sparse"
        The anomaly score of a row: :math:`\lVert s_i \rVert_2` (the paper's), or the residual
        :math:`\lVert x_i - L_{D,i} \rVert_2` before the proximal step. For ``l21`` they rank rows in
        the same order wherever :math:`s_i \ne 0`
        (:math:`\lVert s_i \rVert = \max(0, \lVert x_i - L_{D,i} \rVert - \lambda \sqrt d)`);
        the residual also orders the rows whose ``s_i`` is exactly 0, which all tie
        under the sparse score.
    random_state : int, Generator or None, default 0

    Attributes
    ----------
    autoencoder_ : the fitted network
    low_rank_, sparse_ : ndarray (n, d)
        ``L_D`` and ``S`` of the training rows.
    n_iter_ : int
    history_ : dict with "residual" (:math:`\lVert X - L_D - S \rVert / \lVert X \rVert`) and "change" per alternation
    """

    _parameters = {
        "autoencoder": Param(None, NoneValue(), HasMethods("fit", "reconstruct")),
        "penalty": Param("l21", Options("l1", "l21")),
        "lam": Param(1.0, Interval("real", 0, None)),
        "n_outer": Param(20, Interval("int", 1, None)),
        "inner_epochs": Param(5, Interval("int", 1, None)),
        "tol": Param(1e-6, Interval("real", 0, None, closed="neither")),
        "score": Param("sparse", Options("sparse", "residual")),
        "random_state": Param(0, RandomState()),
    }

    #: score_samples is a one-class score: npae.OutlierDetector uses it by default
    _one_class_score = True

    def _prox(self, A):
        if self.penalty == "l1":
            return shrink(A, self.lam)
        return prox_l21(A, self.lam * np.sqrt(A.shape[1]))

    def fit(self, X, y=None):
        """Alternate autoencoder training on ``L_D`` and the proximal step on ``S``; returns self."""
        self._validate_params()
        X = check_array(X, name="X", min_samples=2)
        if self.autoencoder is None:
            from ..families.autoencoder import Autoencoder
            ae = Autoencoder(hidden=(64,), latent_dim=8, activation="tanh", code_activation="identity",
                             random_state=self.random_state)
        else:
            ae = type(self.autoencoder)(**self.autoencoder.get_params(deep=False))
        ae.set_params(epochs=self.inner_epochs)
        ae.initialize(X)
        ae.set_params(warm_start=True)  # each outer step continues from the current weights
        S = np.zeros_like(X)
        LS0 = X.copy()
        norm = max(np.linalg.norm(X), np.finfo(float).tiny)
        self.history_ = {"residual": [], "change": []}
        for it in range(1, self.n_outer + 1):
            L = ae._validate_X(X - S)
            ae.fit(L)
            L = ae.reconstruct(L).astype(np.float64)
            S = self._prox(X - L)
            residual = np.linalg.norm(X - L - S) / norm
            change = np.linalg.norm(LS0 - L - S) / norm
            self.history_["residual"].append(float(residual))
            self.history_["change"].append(float(change))
            LS0 = L + S
            if residual < self.tol or change < self.tol:  # as Zhou & Paffenroth's code
                break
        self.autoencoder_, self.low_rank_, self.sparse_ = ae.set_params(warm_start=False), L, S
        self.n_iter_, self.n_features_in_ = it, X.shape[1]
        return self

    def _check(self, X):
        if not hasattr(self, "autoencoder_"):
            raise not_fitted("this RobustDeepAutoencoder is not fitted yet; call fit(X) first")
        return check_array(X, name="X", n_features=self.n_features_in_)

    def _alternate(self, X, n_iter=10):
        """The alternation with the network fixed -> (S, R), S = prox(R), R = X - D(E(X - S_prev))."""
        X = self._check(X)
        S = np.zeros_like(X)
        for _ in range(n_iter):
            R = X - self.autoencoder_.reconstruct(X - S)
            S = self._prox(R)
        return S, R

    def sparse_part(self, X, n_iter=10):
        """``S`` of new rows: the alternation L_D = D(E(X - S)), S = prox(X - L_D) with the network fixed."""
        return self._alternate(X, n_iter)[0]

    def transform(self, X):
        """Codes of ``L_D = X - S``.  (n, d) -> (n, code_size)"""
        X = self._check(X)
        return self.autoencoder_.transform(X - self.sparse_part(X))

    def decision_function(self, X):
        r"""Anomaly score :math:`\lVert s_i \rVert_2`, or :math:`\lVert x_i - L_{D,i} \rVert_2` with ``score="residual"``
        (higher = more abnormal).  (n, d) -> (n,)"""
        S, R = self._alternate(X)
        A = R if self.score == "residual" else S
        return np.sqrt(np.sum(A * A, axis=1))

    def score_samples(self, X):
        r"""Normality score, scikit-learn's sign: :math:`-\lVert s_i \rVert_2`.  (n, d) -> (n,)"""
        return -self.decision_function(X)

    def reconstruction_error(self, X, per_feature=False):
        """Squared entries of ``S`` (what the autoencoder leaves out after the proximal step;
        of the residual ``X - L_D`` with ``score="residual"``): (n, d), or their mean over
        features (n,), so that ``OutlierDetector(score="reconstruction")`` ranks rows as
        ``decision_function`` does."""
        S, R = self._alternate(X)
        sq = (R if self.score == "residual" else S) ** 2
        return sq if per_feature else sq.mean(axis=1)
