r"""An ensemble of autoencoders on random subsamples, scored by the median standardised error.

After Chen, Sathe, Aggarwal & Turaga (2017), *Outlier detection with autoencoder
ensembles* (RandNet): members trained on different random subsamples of the data
("adaptive sampling": a subsample size drawn per member), each member's
reconstruction errors standardised on the training rows, and the median across
members taken, so that no single member's overfitting of the outliers decides:

.. math:: e_m(x) = \frac1d \lVert x - g_m(f_m(x)) \rVert^2, \qquad
          s(x) = \operatorname{median}_m \frac{e_m(x) - \mu_m}{\sigma_m}

Symbols: :math:`f_m, g_m` the encoder and decoder of member m, trained on a random
fraction :math:`\phi_m \sim U[\phi_{\min}, 1]` of the rows, :math:`\mu_m, \sigma_m`
the mean and standard deviation of :math:`e_m` over all the training rows.
RandNet also drops random connections of each member's network; npae's layers are
dense, so the members here differ by subsample and initialisation only.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_rng, not_fitted
from ..estimator.hyperparams import Hyperparameters, Interval, Param, RandomState

__all__ = ["AutoencoderEnsemble"]


class AutoencoderEnsemble(Hyperparameters):
    """Autoencoders d -> 64 -> k (k = min(8, max(2, d // 2))) on random subsamples.

    Parameters
    ----------
    n_estimators : int, default 5
    min_fraction : float in (0, 1], default 0.5
        Each member trains on a fraction drawn uniformly in [min_fraction, 1] of the rows.
    epochs : int, default 30
    random_state : int, Generator or None, default 0

    Attributes
    ----------
    estimators_ : list of fitted :class:`npae.Autoencoder`
    error_mean_, error_scale_ : ndarray of shape (n_estimators,)
        Each member's training-error mean and standard deviation.
    """

    _parameters = {
        "n_estimators": Param(5, Interval("int", 1, None)),
        "min_fraction": Param(0.5, Interval("real", 0, 1, closed="right")),
        "epochs": Param(30, Interval("int", 1, None)),
        "random_state": Param(0, RandomState()),
    }

    def fit(self, X, y=None):
        """Train the members on ``X`` (n, d). Returns self."""
        from ..families.autoencoder import Autoencoder

        self._validate_params()
        X = check_array(X, name="X", min_samples=2)
        rng = check_rng(self.random_state)
        n, d = X.shape
        k = min(8, max(2, d // 2))
        self.estimators_ = []
        for _ in range(self.n_estimators):
            size = max(2, int(round(rng.uniform(self.min_fraction, 1.0) * n)))
            rows = rng.choice(n, size, replace=False)
            ae = Autoencoder(hidden=(64,), latent_dim=k, activation="tanh", code_activation="identity",
                             epochs=self.epochs, batch_size=64, random_state=int(rng.integers(2**31)))
            self.estimators_.append(ae.fit(X[rows]))
        E = self._errors(X)  # (n, m)
        self.error_mean_ = E.mean(axis=0)
        sd = E.std(axis=0)
        self.error_scale_ = np.where(sd > 0, sd, 1.0)
        self.n_features_in_ = d
        return self

    def _errors(self, X):
        return np.stack([ae.reconstruction_error(X) for ae in self.estimators_], axis=1)  # (n, m)

    def _check(self, X):
        if not hasattr(self, "error_scale_"):
            raise not_fitted("this AutoencoderEnsemble is not fitted yet; call fit(X) first")
        return check_array(X, name="X", n_features=self.n_features_in_)

    def transform(self, X):
        """The members' codes side by side.  (n, d) -> (n, n_estimators * k)"""
        X = self._check(X)
        return np.hstack([ae.transform(X) for ae in self.estimators_])

    def reconstruction_error(self, X):
        """Median over members of the standardised reconstruction errors.  (n, d) -> (n,)"""
        X = self._check(X)
        return np.median((self._errors(X) - self.error_mean_) / self.error_scale_, axis=1)
