r"""Principal component analysis by SVD: the optimum of the linear autoencoder.

Pearson (1901); Hotelling (1933). Baldi & Hornik (1989) show that the optimal linear
autoencoder with code size ``k`` spans the top-``k`` principal subspace, which makes
:class:`PCA` the reference for npae's trained linear autoencoders (Caron's review §3.3, §4.1).

.. math:: \min_{V \in \mathbb{R}^{d \times k},\ V^\top V = I}\;
          \frac1n \sum_{i=1}^n \lVert x_c^{(i)} - x_c^{(i)} V V^\top \rVert^2,
          \qquad x_c = x - \bar x

Symbols: ``X`` (n, d) the data, ``mean_`` :math:`\bar x` (d,), ``components_``
:math:`V^\top` (k, d), codes ``Z = (X - mean_) @ components_.T`` (n, k),
``X_hat = Z @ components_ + mean_`` (n, d). Conventions, sign convention and the scalings
of the reconstruction error: ``docs/linear_theory.md``.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, not_fitted
from ._linalg import _check_k, _flip_rows, _svd

__all__ = ["PCA"]


class PCA:
    r"""Principal component analysis by SVD of the centred data.

    With ``Xc = X - mean_`` and the thin SVD ``Xc = U diag(S) Vt``, the
    principal directions are the rows of ``Vt``, the eigenvectors of the
    sample covariance ``Xc.T @ Xc / (n - 1)`` with eigenvalues
    ``S**2 / (n - 1)``.

    Parameters
    ----------
    n_components : int or None, default=None
        Number of components ``k`` to keep, ``1 <= k <= min(n_samples,
        n_features)``. ``None`` keeps ``min(n_samples, n_features)``. Checked
        in :meth:`fit`, not here.

    Attributes
    ----------
    components_ : ndarray, shape (k, n_features)
        Principal directions as orthonormal rows, ordered by decreasing
        explained variance. Sign convention: the entry of largest absolute
        value of each row is positive (scikit-learn's ``svd_flip`` with
        ``u_based_decision=False``).
    explained_variance_ : ndarray, shape (k,)
        Eigenvalues of the sample covariance with the ``1/(n-1)``
        normalisation, ``singular_values_**2 / (n_samples_ - 1)``. The
        eigenvalues in the normalisation of npae's loss (mean over samples)
        are ``explained_variance_ * (n_samples_ - 1) / n_samples_``.
    explained_variance_ratio_ : ndarray, shape (k,)
        ``explained_variance_`` divided by the total variance (the sum over
        all ``min(n, d)`` components, kept or not).
    singular_values_ : ndarray, shape (k,)
        Singular values of the centred data, decreasing.
    mean_ : ndarray, shape (n_features,)
        Per-feature mean of the training data.
    n_components_ : int
        The number ``k`` of components actually kept.
    n_samples_ : int
        Number of training samples.
    n_features_in_ : int
        Number of features seen in :meth:`fit`.

    Notes
    -----
    ``transform`` computes the codes ``Z = (X - mean_) @ components_.T``, which
    is the closed-form linear autoencoder's encoder
    (:func:`npae.classical.linear_autoencoder_closed_form`); ``inverse_transform`` computes
    ``Z @ components_ + mean_``, its decoder. All computations are in float64.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 5)) @ np.diag([3.0, 2.0, 1.0, 0.5, 0.1])
    >>> pca = PCA(n_components=2).fit(X)
    >>> pca.components_.shape, pca.transform(X).shape
    ((2, 5), (100, 2))
    """

    def __init__(self, n_components=None):
        self.n_components = n_components

    # -- fitting ---------------------------------------------------------------

    def fit(self, X, y=None):
        """Fit the principal components of ``X``.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            Training data, finite, with ``n_samples >= 2``.
        y : ignored
            Present for scikit-learn pipeline compatibility.

        Returns
        -------
        self : PCA

        Raises
        ------
        ValueError
            If ``X`` is not 2-D, has fewer than 2 samples or no features,
            contains NaN/inf, or ``n_components`` is out of range.
        TypeError
            If ``X`` is not numeric or ``n_components`` is not an integer.
        """
        X = check_array(X, name="X", min_samples=2)
        n, d = X.shape
        max_k = min(n, d)
        if self.n_components is None:
            k = max_k
        else:
            k = _check_k(
                self.n_components,
                "n_components",
                max_k,
                f"min(n_samples, n_features) = min({n}, {d}); "
                "reduce n_components or pass more data",
            )
        with np.errstate(over="ignore", invalid="ignore"):
            mean = X.mean(axis=0)
            Xc = X - mean
            _, S, Vt = _svd(Xc) if np.all(np.isfinite(Xc)) else (None, np.array([np.inf]), None)
            var = S**2 / (n - 1)
            total = var.sum()
        if not np.isfinite(total):
            raise ValueError(
                f"X's values (largest magnitude {np.max(np.abs(X)):.3g}) overflow the variance "
                "in float64; rescale the data first (e.g. divide by its largest magnitude "
                "or standardise it)"
            )
        Vt, _ = _flip_rows(Vt)
        # Built aside and installed in one assignment: a reader (transform, ...) holds one
        # state for its whole call and never mixes one fit's mean with another's components.
        fitted = {
            "mean_": mean,
            "components_": Vt[:k].copy(),
            "singular_values_": S[:k].copy(),
            "explained_variance_": var[:k].copy(),
            # constant data: no variance to explain
            "explained_variance_ratio_": var[:k] / total if total > 0 else np.zeros(k),
            "n_components_": k,
            "n_samples_": n,
            "n_features_in_": d,
        }
        self.__dict__ = {**self.__dict__, **fitted}
        return self

    def fit_transform(self, X, y=None):
        """Fit to ``X`` and return its codes.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        Z : ndarray, shape (n_samples, ``n_components_``)
        """
        return self.fit(X).transform(X)

    def _check_fitted(self):
        if not hasattr(self, "components_"):
            raise not_fitted(
                "This PCA instance is not fitted yet; call fit(X) before using it."
            )

    def _check_X(self, X):
        """``(X, state)``: the validated data and the fitted state this call reads (one fit's)."""
        state = self.__dict__  # a refit installs a new dict; this one stays whole
        if "components_" not in state:
            self._check_fitted()
        return check_array(X, name="X", n_features=state["n_features_in_"]), state

    # -- encoder / decoder ----------------------------------------------------

    def transform(self, X):
        """Project ``X`` on the principal directions (the encoder).

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray, shape (n_samples, ``n_components_``)
            ``(X - mean_) @ components_.T``.
        """
        X, st = self._check_X(X)
        return (X - st["mean_"]) @ st["components_"].T

    def inverse_transform(self, Z):
        """Map codes back to the input space (the decoder).

        Parameters
        ----------
        Z : array_like, shape (n_samples, ``n_components_``)

        Returns
        -------
        X_hat : ndarray, shape (n_samples, n_features)
            ``Z @ components_ + mean_``.
        """
        st = self.__dict__
        if "components_" not in st:
            self._check_fitted()
        Z = check_array(Z, name="Z")
        if Z.shape[1] != st["n_components_"]:
            raise ValueError(
                f"Z has {Z.shape[1]} columns, but this PCA has {st['n_components_']} "
                f"components; pass codes produced by transform()."
            )
        return Z @ st["components_"] + st["mean_"]

    def reconstruct(self, X):
        """Project ``X`` on the principal subspace and back (as ``Autoencoder.reconstruct``).

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        X_hat : ndarray, shape (n_samples, n_features)
            ``inverse_transform(transform(X))``.
        """
        X, st = self._check_X(X)
        V, mean = st["components_"], st["mean_"]
        # (n, d) @ (d, k) -> (n, k) codes; (n, k) @ (k, d) -> (n, d)
        return ((X - mean) @ V.T) @ V + mean

    def reconstruction_error(self, X, per_feature=False):
        r"""Squared reconstruction error of each sample, averaged over features.

        The same convention as :meth:`npae.Autoencoder.reconstruction_error`
        (the per-row MSE of h2o's ``h2o.anomaly``), so that PCA and the
        autoencoders can be compared number for number.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        per_feature : bool, default=False
            If True, return the squared errors without averaging over features.

        Returns
        -------
        err : ndarray, shape (n_samples,) or (n_samples, n_features)
            ``err[i] = mean_j (X[i, j] - X_hat[i, j])**2`` with
            ``X_hat = inverse_transform(transform(X))``; with
            ``per_feature=True`` the ``(n, d)`` array of
            ``(X[i, j] - X_hat[i, j])**2``.

        Notes
        -----
        ``err * n_features_in_`` is the squared error summed over features
        (Hinton & Salakhutdinov's "squared error per image"); npae's loss on the
        same reconstruction is ``0.5 * n_features_in_ * err.mean()``; on the
        training data ``n_features_in_ * err.mean()`` is the sum of the discarded
        eigenvalues of ``Xc.T @ Xc / n``. See ``docs/linear_theory.md``.
        """
        X, st = self._check_X(X)
        Xc, V = X - st["mean_"], st["components_"]
        # (n, d) @ (d, k) -> (n, k) codes; (n, k) @ (k, d) -> (n, d) projection
        R = Xc - (Xc @ V.T) @ V
        sq = R**2
        return sq if per_feature else sq.mean(axis=1)

    # -- scikit-learn estimator plumbing (kept last: to be replaced by shared code) --

    def get_params(self, deep=True):
        """Return the constructor parameters as a dict (scikit-learn API).

        Parameters
        ----------
        deep : bool, default=True
            Ignored (PCA has no nested estimators); kept for compatibility.

        Returns
        -------
        params : dict
        """
        return {"n_components": self.n_components}

    def set_params(self, **params):
        """Set constructor parameters (scikit-learn API) and return ``self``.

        Raises
        ------
        ValueError
            If a name is not a parameter of :class:`PCA`.
        """
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(
                    f"Invalid parameter {key!r} for PCA; valid parameters are "
                    f"{sorted(valid)}."
                )
            setattr(self, key, value)
        return self

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"PCA({args})"

