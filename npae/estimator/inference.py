"""The inference half of the estimator API every family shares: codes,
reconstructions, per-row errors and scores (a mixin of
:class:`npae.estimator.base.BaseAutoencoder`, which supplies ``_check_fitted``,
``_validate_X``, ``_encode``, ``_decode`` and ``_code_size``).

Two rules hold for every method here.  No likelihood of ``X`` is evaluated,
so the [0, 1] rule of a Bernoulli likelihood does not apply (``targets=False``;
a pipeline's scaler may map test rows slightly outside [0, 1]).  And an output
that overflows (a finite input far outside the training range) is a clear
``ValueError``, not inf/NaN with a RuntimeWarning.  Each row's result is a
function of that row alone.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_output

__all__ = ["Inference"]


class Inference:
    """transform, inverse_transform, reconstruct, reconstruction_error, score_samples, score."""

    def _consistent(self):
        """A view of the model's state as of now.  ``fit`` installs a new state by
        replacing ``__dict__`` as a whole (never by updating it), so a call that
        holds the old dict keeps seeing one model even if a refit lands meanwhile."""
        view = object.__new__(type(self))
        view.__dict__ = self.__dict__
        return view

    def transform(self, X):
        r"""Codes :math:`z = q_\theta(x)` for each row.  (n, d) -> (n, code_size)"""
        self = self._consistent()  # noqa: PLW0642 - one state for the whole call
        self._check_fitted()
        X = self._validate_X(X, targets=False)
        with np.errstate(over="ignore", invalid="ignore"):
            return check_output(self._dtype, self._encode(self.params_, X), "codes", X)

    def fit_transform(self, X, y=None):
        """``fit(X, y)`` then ``transform(X)``."""
        return self.fit(X, y).transform(X)

    def inverse_transform(self, Z):
        r"""Decoder :math:`p_\phi(z)`: codes -> reconstructions.  (n, code_size) -> (n, d)"""
        self = self._consistent()  # noqa: PLW0642 - one state for the whole call
        self._check_fitted()
        Z = check_array(Z, name="Z", dtype=self._dtype)
        if Z.shape[1] != self.code_size_:
            raise ValueError(
                f"Z has {Z.shape[1]} features (columns), but this model's codes have "
                f"{self.code_size_} (its code size); pass codes as returned by transform()"
            )
        with np.errstate(over="ignore", invalid="ignore"):
            return check_output(self._dtype, self._decode(self.params_, Z), "reconstruction", Z)

    def reconstruct(self, X):
        r""":math:`\hat x = p_\phi(q_\theta(x))` (deterministic: no noise, means for stochastic codes)."""
        self = self._consistent()  # noqa: PLW0642 - one state for the whole call
        self._check_fitted()
        X = self._validate_X(X, targets=False)
        with np.errstate(over="ignore", invalid="ignore"):
            out = self._reconstruct(self.params_, X)
            return check_output(self._dtype, out, "reconstruction", X)

    def _reconstruct(self, params, X):
        """x̂ of validated rows: decode(encode(X)); a family whose decoder needs more than
        the codes (the convolutional autoencoder's pooling switches) overrides it."""
        return self._decode(params, self._encode(params, X))

    def reconstruction_error(self, X, per_feature=False):
        r"""Squared reconstruction error of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        per_feature : bool
            If True return the (n_samples, n_features) squared errors.

        Returns
        -------
        ndarray of shape (n_samples,)
            Mean over features of :math:`(x - \hat x)^2` — the per-row MSE of h2o's
            ``h2o.anomaly``.  Multiply by n_features for Hinton &
            Salakhutdinov's "squared error per image".  A function of each
            row alone (the same whatever else is in ``X``).
        """
        self = self._consistent()  # noqa: PLW0642 - one state for the whole call
        self._check_fitted()
        X = self._validate_X(X, targets=False)
        with np.errstate(over="ignore", invalid="ignore"):
            sq = (self._reconstruct(self.params_, X) - X) ** 2
            sq = check_output(self._dtype, sq, "reconstruction error", X)
        return sq if per_feature else sq.mean(axis=1)

    def score_samples(self, X):
        """Normality score, scikit-learn sign: higher = more normal (−reconstruction error).

        Each row's score depends on that row alone, not on the other rows of
        ``X`` nor their order.
        """
        return -self.reconstruction_error(X)

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` over the rows of ``X`` (higher is better).

        The default score of ``GridSearchCV`` and ``cross_val_score``: minus
        the mean per-row reconstruction MSE.  ``y`` is ignored.
        """
        return float(np.mean(self.score_samples(X)))

    @property
    def code_size_(self):
        """The number of code units of the fitted model."""
        self._check_fitted()
        return self._code_size()
