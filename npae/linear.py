r"""The linear autoencoder is PCA: PCA by SVD, the closed-form linear AE, principal angles.

This module is the reference against which npae's trained linear autoencoders
are checked (promise 5 of the design notes). It contains

- :class:`PCA`, principal component analysis by the singular value
  decomposition of the centred data, with the scikit-learn estimator API;
- :func:`linear_autoencoder_closed_form`, the optimal weights of a linear
  autoencoder with code size ``k`` under squared error (Baldi & Hornik 1989);
- :func:`principal_angles`, the angles between two subspaces (Björck & Golub
  1973), to measure how close a learned subspace is to the PCA subspace;
- :func:`recover_principal_components`, the ordered principal directions read
  off a trained decoder by SVD (Plaut 2018; Kunin et al. 2019);
- :func:`predicted_decoder_singular_values`, the decoder's singular values at
  the optimum of the L2-regularised linear autoencoder (Kunin et al. 2019).

Conventions (shared with the rest of npae)
------------------------------------------
Rows are samples: ``X`` has shape ``(n_samples, n_features)`` = ``(n, d)``. A
layer computes ``X @ W + b``, which is the review's ``h(W x + b)`` written for
row vectors. A linear autoencoder with code size ``k`` therefore has

=========  ==========  ===================================================
name       shape       role
=========  ==========  ===================================================
``W1``     ``(d, k)``  encoder weight, npae's ``"encoder.0.W"``
``b1``     ``(k,)``    encoder bias, ``"encoder.0.b"``
``W2``     ``(k, d)``  decoder weight, npae's ``"decoder.0.W"``
``b2``     ``(d,)``    decoder bias, ``"decoder.0.b"``
=========  ==========  ===================================================

with code ``z = x W1 + b1`` and reconstruction ``x_hat = z W2 + b2``.

npae's squared-error loss uses one reduction everywhere: ``1/2`` times the
squared error summed over features, averaged over samples,

.. math:: L = \frac{1}{n} \sum_{i=1}^n \tfrac12 \lVert x_i - \hat x_i \rVert^2 .

Two normalisations of the covariance appear below and are always named:
``explained_variance_`` of :class:`PCA` uses ``1/(n-1)`` (the unbiased sample
covariance, as scikit-learn), while statements about the *loss* use the
eigenvalues of ``Xc.T @ Xc / n`` (the normalisation of the mean over samples).
For ``n`` samples they differ by the factor ``(n-1)/n``.

References
----------
Baldi, P. & Hornik, K. (1989). Neural networks and principal component
analysis: learning from examples without local minima. Neural Networks 2.

Björck, Å. & Golub, G. H. (1973). Numerical methods for computing angles
between linear subspaces. Mathematics of Computation 27(123).

Knyazev, A. V. & Argentati, M. E. (2002). Principal angles between subspaces
in an A-based scalar product. SIAM J. Sci. Comput. 23(6).

Plaut, E. (2018). From principal subspaces to principal components with linear
autoencoders. arXiv:1804.10253.

Kunin, D., Bloom, J., Goeva, A. & Seed, C. (2019). Loss landscapes of
regularized linear autoencoders. ICML. arXiv:1901.08168.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
import scipy.linalg

from ._validation import NotFittedError, check_array

__all__ = [
    "PCA",
    "LinearAutoencoderWeights",
    "linear_autoencoder_closed_form",
    "principal_angles",
    "recover_principal_components",
    "predicted_decoder_singular_values",
]


# ----------------------------------------------------------------------------
# validation helpers
# ----------------------------------------------------------------------------


def _as_float_matrix(M, name):
    """Validate a 2-D, non-empty, finite real matrix and return a float64 copy.

    Data sets go through :func:`npae._validation.check_array`; this helper is for
    bases and weight matrices, whose messages talk about rows and columns.

    Parameters
    ----------
    M : array_like, shape (n_rows, n_cols)
    name : str
        Name used in the error messages.

    Returns
    -------
    M : ndarray of float64, shape (n_rows, n_cols)
        A new array (the caller's array is never modified).
    """
    try:
        arr = np.asarray(M)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(
            f"{name} must be a 2-D array of numbers; could not convert it to an array ({exc})."
        ) from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(
            f"{name} must contain real numbers, got an array of dtype {arr.dtype}; "
            f"convert it with np.asarray({name}, dtype=float)."
        )
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}.")
    if arr.ndim != 2:
        hint = (f" For a single column vector use {name}.reshape(-1, 1)."
                if arr.ndim == 1 else "")
        raise ValueError(
            f"{name} must be 2-D of shape (n_rows, n_columns), got shape {arr.shape}.{hint}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} has shape {arr.shape}; pass a non-empty matrix.")
    arr = np.array(arr, dtype=np.float64, copy=True)
    if not np.all(np.isfinite(arr)):
        n_bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {n_bad} NaN or infinite value(s); pass finite values."
        )
    return arr


def _check_int(value, name, low, high, high_desc):
    """Validate an integer in ``[low, high]``; ``high_desc`` explains the upper bound."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer, got {value!r} of type {type(value).__name__}."
        )
    value = int(value)
    if value < low or value > high:
        raise ValueError(
            f"{name} must satisfy {low} <= {name} <= {high} ({high_desc}), got {value}."
        )
    return value


def _flip_rows(V):
    """Deterministic signs: make the largest-|.| entry of each row positive.

    This is scikit-learn's ``svd_flip(..., u_based_decision=False)`` convention
    (used by its PCA since version 1.5): the decision is made on the
    components themselves, never on the scores, so it does not depend on the
    order or number of samples. Ties go to the first such entry.

    Parameters
    ----------
    V : ndarray, shape (k, d)

    Returns
    -------
    V : ndarray, shape (k, d)
        A copy of ``V`` with some rows negated.
    signs : ndarray, shape (k,)
        The +1/-1 factors that were applied to the rows.
    """
    if V.shape[0] == 0:
        return V.copy(), np.ones(0)
    idx = np.argmax(np.abs(V), axis=1)
    signs = np.sign(V[np.arange(V.shape[0]), idx])
    signs[signs == 0] = 1.0
    return V * signs[:, None], signs


def _svd(M):
    """Thin SVD ``M = U diag(s) Vt`` with a fallback to the slower, safer driver."""
    try:
        return scipy.linalg.svd(M, full_matrices=False, lapack_driver="gesdd")
    except np.linalg.LinAlgError:  # pragma: no cover - rare gesdd convergence failure
        return scipy.linalg.svd(M, full_matrices=False, lapack_driver="gesvd")


# ----------------------------------------------------------------------------
# PCA
# ----------------------------------------------------------------------------


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
    (:func:`linear_autoencoder_closed_form`); ``inverse_transform`` computes
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

    # -- scikit-learn estimator plumbing --------------------------------------

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
            k = _check_int(
                self.n_components,
                "n_components",
                1,
                max_k,
                f"min(n_samples, n_features) = min({n}, {d}); "
                "reduce n_components or pass more data",
            )
        mean = X.mean(axis=0)
        Xc = X - mean
        _, S, Vt = _svd(Xc)
        Vt, _ = _flip_rows(Vt)
        var = S**2 / (n - 1)
        total = var.sum()

        self.mean_ = mean
        self.components_ = Vt[:k].copy()
        self.singular_values_ = S[:k].copy()
        self.explained_variance_ = var[:k].copy()
        if total > 0:
            self.explained_variance_ratio_ = var[:k] / total
        else:  # constant data: no variance to explain
            self.explained_variance_ratio_ = np.zeros(k)
        self.n_components_ = k
        self.n_samples_ = n
        self.n_features_in_ = d
        return self

    def fit_transform(self, X, y=None):
        """Fit to ``X`` and return its codes.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        Z : ndarray, shape (n_samples, n_components_)
        """
        return self.fit(X).transform(X)

    def _check_fitted(self):
        if not hasattr(self, "components_"):
            raise NotFittedError(
                "This PCA instance is not fitted yet; call fit(X) before using it."
            )

    def _check_X(self, X):
        self._check_fitted()
        return check_array(X, name="X", n_features=self.n_features_in_)

    # -- encoder / decoder ----------------------------------------------------

    def transform(self, X):
        """Project ``X`` on the principal directions (the encoder).

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray, shape (n_samples, n_components_)
            ``(X - mean_) @ components_.T``.
        """
        X = self._check_X(X)
        return (X - self.mean_) @ self.components_.T

    def inverse_transform(self, Z):
        """Map codes back to the input space (the decoder).

        Parameters
        ----------
        Z : array_like, shape (n_samples, n_components_)

        Returns
        -------
        X_hat : ndarray, shape (n_samples, n_features)
            ``Z @ components_ + mean_``.
        """
        self._check_fitted()
        Z = check_array(Z, name="Z")
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"Z has {Z.shape[1]} columns, but this PCA has {self.n_components_} "
                f"components; pass codes produced by transform()."
            )
        return Z @ self.components_ + self.mean_

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
        X = self._check_X(X)
        # (n, d) @ (d, k) -> (n, k) codes; (n, k) @ (k, d) -> (n, d)
        return ((X - self.mean_) @ self.components_.T) @ self.components_ + self.mean_

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
        Three scalings of the same residual appear in the literature:

        - ``err * n_features_in_`` is the squared error summed over features,
          Hinton & Salakhutdinov's (2006) "squared error per image" (their
          MNIST table: PCA-30 13.87 on 784 pixels);
        - npae's squared-error loss on the same reconstruction is
          ``0.5 * n_features_in_ * err.mean()`` (1/2, sum over features, mean
          over samples);
        - on the training data, ``n_features_in_ * err.mean()`` equals the sum
          of the discarded eigenvalues of ``Xc.T @ Xc / n`` (Baldi & Hornik;
          see :func:`linear_autoencoder_closed_form`).
        """
        X = self._check_X(X)
        Xc = X - self.mean_
        # (n, d) @ (d, k) -> (n, k) codes; (n, k) @ (k, d) -> (n, d) projection
        R = Xc - (Xc @ self.components_.T) @ self.components_
        sq = R**2
        return sq if per_feature else sq.mean(axis=1)


# ----------------------------------------------------------------------------
# closed-form linear autoencoder
# ----------------------------------------------------------------------------


class LinearAutoencoderWeights(NamedTuple):
    """Weights of a linear autoencoder in npae's convention (``X @ W + b``).

    Attributes
    ----------
    W1 : ndarray, shape (n_features, k)
        Encoder weight.
    b1 : ndarray, shape (k,)
        Encoder bias.
    W2 : ndarray, shape (k, n_features)
        Decoder weight.
    b2 : ndarray, shape (n_features,)
        Decoder bias.
    """

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    def as_params(self):
        """Return the weights as npae's flat parameter dict.

        Returns
        -------
        params : dict
            Keys ``"encoder.0.W"``, ``"encoder.0.b"``, ``"decoder.0.W"``,
            ``"decoder.0.b"`` (copies of ``W1, b1, W2, b2``).
        """
        return {
            "encoder.0.W": self.W1.copy(),
            "encoder.0.b": self.b1.copy(),
            "decoder.0.W": self.W2.copy(),
            "decoder.0.b": self.b2.copy(),
        }

    def reconstruct(self, X):
        """Reconstruct ``X`` through the code: ``(X @ W1 + b1) @ W2 + b2``.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        X_hat : ndarray, shape (n_samples, n_features)
        """
        X = check_array(X, name="X", n_features=self.W1.shape[0])
        return (X @ self.W1 + self.b1) @ self.W2 + self.b2


def linear_autoencoder_closed_form(X, k, center=True):
    r"""Optimal weights of a linear autoencoder with code size ``k`` (Baldi & Hornik 1989).

    Minimises npae's squared-error loss
    ``L = (1/n) sum_i 1/2 ||x_i - ((x_i W1 + b1) W2 + b2)||^2``
    over all linear encoders and decoders with ``k`` code units.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Training data, finite.
    k : int
        Code size, ``1 <= k <= min(n_samples, n_features)``.
    center : bool, default=True
        If True, the biases absorb the mean (the usual autoencoder with
        biases). If False, the biases are zero and the optimum is taken for
        the uncentred data (an autoencoder without biases); the directions
        are then those of the second-moment matrix ``X.T @ X / n``.

    Returns
    -------
    weights : LinearAutoencoderWeights
        Named tuple ``(W1, b1, W2, b2)`` with

        - ``W1 = U_k`` of shape ``(d, k)``: the top ``k`` principal directions
          as columns (``PCA(k).fit(X).components_.T``, same sign convention);
        - ``b1 = -mean @ U_k`` so that the codes ``z = (x - mean) U_k`` are
          centred (the PCA scores);
        - ``W2 = U_k.T`` of shape ``(k, d)``;
        - ``b2 = mean``.

        ``weights.as_params()`` gives npae's parameter dict.

    Notes
    -----
    Baldi & Hornik (1989): with centred data, the reconstruction
    ``x_hat - mean = (x - mean) W1 W2`` is optimal exactly when ``W1 W2`` is
    the orthogonal projector ``U_k U_k^T`` on the top-``k`` principal
    subspace (all other critical points are saddles). The minimum of the
    loss is half the sum of the discarded eigenvalues of ``Xc.T @ Xc / n``,

    .. math:: L^* = \tfrac12 \sum_{j > k} \lambda_j(X_c^\top X_c / n),

    i.e. the mean per-sample squared error equals the sum of the discarded
    eigenvalues. The factorisation is not unique: for any invertible
    ``(k, k)`` matrix ``C``, the pair ``W1 C``, ``C^{-1} W2`` has the same
    product and is equally optimal (with ``b1 C``), which is why a trained
    unregularised linear AE spans the principal subspace without recovering
    the individual principal directions. Likewise only ``b1 @ W2 + b2`` is
    determined; this function picks centred codes and ``b2 = mean``.
    """
    X = check_array(X, name="X")
    n, d = X.shape
    k = _check_int(
        k,
        "k",
        1,
        min(n, d),
        f"the code size cannot exceed min(n_samples, n_features) = min({n}, {d})",
    )
    mean = X.mean(axis=0) if center else np.zeros(d)
    _, _, Vt = _svd(X - mean)
    Vt, _ = _flip_rows(Vt)
    Uk = Vt[:k].T.copy()  # (d, k)
    return LinearAutoencoderWeights(
        W1=Uk,
        b1=-(mean @ Uk),
        W2=Uk.T.copy(),
        b2=mean.copy(),
    )


# ----------------------------------------------------------------------------
# principal angles
# ----------------------------------------------------------------------------


def _orthonormal_basis(A, name):
    """Orthonormal basis of the column space of a full-column-rank ``A`` by pivoted QR."""
    Q, R, _ = scipy.linalg.qr(A, mode="economic", pivoting=True)
    diag = np.abs(np.diag(R))
    tol = max(A.shape) * np.finfo(np.float64).eps * (diag[0] if diag.size else 0.0)
    rank = int(np.count_nonzero(diag > tol))
    if rank < A.shape[1]:
        raise ValueError(
            f"The columns of {name} (shape {A.shape}) are linearly dependent: numerical "
            f"rank {rank} < {A.shape[1]} columns. Principal angles need a basis of each "
            f"subspace; pass scipy.linalg.orth({name}) or drop the redundant columns."
        )
    return Q


def principal_angles(A, B):
    r"""Principal angles between the column spaces of ``A`` and ``B``.

    Parameters
    ----------
    A : array_like, shape (d, p)
        Columns spanning the first subspace (full column rank).
    B : array_like, shape (d, q)
        Columns spanning the second subspace (full column rank), same ``d``.

    Returns
    -------
    theta : ndarray, shape (min(p, q),)
        Angles in radians, sorted ascending, in ``[0, pi/2]``. ``theta[0]`` is
        the smallest angle; all zeros means one subspace contains the other.

    Raises
    ------
    ValueError
        If an input is not 2-D, is empty, contains NaN/inf, the row counts
        differ, or the columns of an input are linearly dependent.
    TypeError
        If an input is not real-valued.

    Notes
    -----
    Björck & Golub (1973): with orthonormal bases ``QA`` (d, p) and ``QB``
    (d, q) (here from a column-pivoted QR), the cosines of the angles are the
    singular values of ``QA.T @ QB``. ``arccos`` is inaccurate for small
    angles (``cos`` is flat at 0), so, following Knyazev & Argentati (2002)
    as ``scipy.linalg.subspace_angles`` does, angles below ``pi/4`` come from
    the sines: with ``p <= q``, the singular values of
    ``QA - QB @ (QB.T @ QA)`` (the part of the smaller basis outside the
    larger subspace) are ``sin(theta)``. Cosines and sines are clipped to
    ``[0, 1]`` before ``arccos``/``arcsin``. Note that scipy returns the
    angles in *descending* order; this function returns them ascending.

    The angles are symmetric in ``A`` and ``B`` and depend only on the
    subspaces: ``principal_angles(A @ M, B @ N)`` equals
    ``principal_angles(A, B)`` for invertible ``M`` and ``N``.
    """
    A = _as_float_matrix(A, "A")
    B = _as_float_matrix(B, "B")
    if A.shape[0] != B.shape[0]:
        raise ValueError(
            f"A and B must have the same number of rows (the ambient dimension d), got "
            f"A with shape {A.shape} and B with shape {B.shape}. Subspaces are spanned "
            f"by columns: transpose inputs whose rows are the basis vectors."
        )
    QA = _orthonormal_basis(A, "A")
    QB = _orthonormal_basis(B, "B")
    if QA.shape[1] > QB.shape[1]:  # make QA the smaller subspace
        QA, QB = QB, QA
    C = QA.T @ QB  # (p, q), p <= q
    cos = np.clip(scipy.linalg.svdvals(C), 0.0, 1.0)  # descending -> angles ascending
    residual = QA - QB @ C.T  # (d, p): component of span(QA) orthogonal to span(QB)
    sin = np.clip(scipy.linalg.svdvals(residual), 0.0, 1.0)[::-1]  # ascending
    theta = np.where(cos**2 >= 0.5, np.arcsin(sin), np.arccos(cos))
    # the two formulas meet at pi/4; enforce exact monotonicity against round-off
    return np.sort(theta)


# ----------------------------------------------------------------------------
# principal directions from a trained decoder
# ----------------------------------------------------------------------------


def recover_principal_components(W_dec):
    r"""Ordered principal directions from a linear decoder's weights by SVD.

    Parameters
    ----------
    W_dec : array_like, shape (k, d)
        Decoder weight in npae's convention (``"decoder.0.W"``): the decoder
        map is ``x_hat = z @ W_dec + b`` for a code row ``z`` of length ``k``.

    Returns
    -------
    components : ndarray, shape (k, d)
        Orthonormal rows ordered by decreasing singular value, with the
        sign convention of :class:`PCA` (largest-|.| entry of each row
        positive), directly comparable to ``PCA(k).fit(X).components_``.
    singular_values : ndarray, shape (k,)
        Singular values of ``W_dec``, decreasing.

    Notes
    -----
    Write the SVD ``W_dec = O diag(s) V^T`` with ``O`` (k, k) and ``V``
    (d, k). The decoder sends a code ``z`` to ``z W_dec = (z O diag(s)) V^T``,
    a combination of the columns of ``V`` (rows of ``V^T``). So the
    directions in input space are the *right* singular vectors of the npae
    weight ``W_dec`` (rows of ``Vt``), which are the *left* singular vectors
    of the column-vector decoder matrix ``W_dec^T`` (d, k) of the papers
    (Plaut 2018; Kunin et al. 2019 state "left singular vectors of the
    decoder").

    When they are principal directions:

    - For an L2-regularised linear AE (weight decay on both layers, see
      :func:`predicted_decoder_singular_values`), every critical point has
      ``W1 = W2^T`` and ``V`` holds the top principal directions, ordered, with
      singular values ``sqrt(1 - lam / sigma_i^2)`` (Kunin et al. 2019). Rows
      whose singular value is (near) zero carry no information.
    - For an unregularised linear AE, ``W_dec = C U_k^T`` for an arbitrary
      invertible ``C`` (see :func:`linear_autoencoder_closed_form`); the rows
      returned here are then an orthonormal basis of the principal subspace,
      rotated within it, *not* the individual principal directions. To order
      them, run PCA inside the subspace (Plaut 2018)::

          V, _ = recover_principal_components(W_dec)
          P = PCA().fit((X - X.mean(0)) @ V.T)      # k-dimensional PCA
          directions = P.components_ @ V             # (k, d), ordered

      (and re-apply the sign convention if needed).
    """
    W = _as_float_matrix(W_dec, "W_dec")
    k, d = W.shape
    if k > d:
        raise ValueError(
            f"W_dec must have shape (k, d) with k <= d (code size at most the number "
            f"of features), got {W.shape}. npae's decoder weight 'decoder.0.W' has shape "
            f"(k, d); if you passed the encoder weight (d, k) or a transposed "
            f"decoder, pass its transpose."
        )
    _, s, Vt = _svd(W)
    Vt, _ = _flip_rows(Vt)
    return Vt, s


# ----------------------------------------------------------------------------
# L2-regularised linear autoencoder (Kunin et al. 2019)
# ----------------------------------------------------------------------------


def predicted_decoder_singular_values(eigenvalues, lam):
    r"""Decoder singular values at the optimum of the L2-regularised linear AE.

    For the loss on centred data ``X`` (n, d), encoder ``W1`` (d, k) and
    decoder ``W2`` (k, d),

    .. math::

        L(W_1, W_2) = \frac1n \sum_{i=1}^n \tfrac12 \lVert x_i - x_i W_1 W_2\rVert^2
                      + \frac{\lambda}{2}\left(\lVert W_1\rVert_F^2
                      + \lVert W_2\rVert_F^2\right)

    (npae's reduction: 1/2 squared error summed over features, mean over
    samples; weight decay ``lam/2 ||W||^2`` per weight matrix), the global
    minimum has ``W1 = W2^T`` and the singular values of ``W2`` are

    .. math:: s_i = \sqrt{\max(0,\; 1 - \lambda / \sigma_i^2)},\quad i = 1..k,

    where ``sigma_i^2`` are the ``k`` largest eigenvalues of
    ``S = X.T @ X / n`` -- the normalisation ``1/n`` of the loss's mean over
    samples, *not* ``1/(n-1)``. From a fitted :class:`PCA` they are
    ``pca.explained_variance_ * (n - 1) / n``.

    Parameters
    ----------
    eigenvalues : array_like, shape (m,)
        Eigenvalues ``sigma_i^2 >= 0`` of ``X.T @ X / n`` for centred ``X``
        (in any order; pass the ``k`` largest to get the optimum's values).
        Tiny negative values from round-off (above ``-sqrt(eps) * max``) are
        treated as 0.
    lam : float
        Weight-decay coefficient ``lambda >= 0`` as in the loss above.

    Returns
    -------
    s : ndarray, shape (m,)
        ``sqrt(1 - lam / sigma_i^2)`` where ``sigma_i^2 > lam`` and 0
        otherwise (a direction with variance at most ``lam`` is switched
        off), element-wise in the order given. For ``lam = 0`` this is 1 for
        positive eigenvalues: the symmetric minimiser ``W1 = W2^T = U_k``
        (others exist without regularisation).

    Notes
    -----
    Derivation. Write ``A = W1 W2`` (d, d) and ``E = I - A``. Since the loss
    averages over samples,
    ``(1/n) sum_i 1/2 ||x_i E||^2 = 1/2 tr(E^T S E)`` with ``S = X^T X / n``,
    so

    .. math:: L = \tfrac12 \operatorname{tr}(E^\top S E)
                  + \tfrac{\lambda}{2}(\lVert W_1\rVert^2 + \lVert W_2\rVert^2).

    1. Gradients (``dL/dA = -S E``, chain rule through ``A = W1 W2``):

       .. math:: \partial L/\partial W_1 = -S E W_2^\top + \lambda W_1, \qquad
                 \partial L/\partial W_2 = -W_1^\top S E + \lambda W_2 .

    2. Balance. ``W1^T (dL/dW1) - (dL/dW2) W2^T = lam (W1^T W1 - W2 W2^T)``
       because the data terms ``W1^T S E W2^T`` cancel. At a critical point
       with ``lam > 0``, therefore ``W1^T W1 = W2 W2^T``: encoder and decoder
       have the same singular values and shared code-side singular vectors.
       Kunin et al. (2019) prove the stronger statement that every critical
       point is symmetric, ``W1 = W2^T``; we use their result for this
       step, and the test suite checks ``W1 = W2^T`` at a numerically found
       minimum. (Without regularisation, ``lam = 0``, neither holds: any
       ``W1 C``, ``C^{-1} W2`` is optimal.)

    3. Symmetric critical points. Put ``W1 = P``, ``W2 = P^T`` with the SVD
       ``P = U diag(s) O^T`` (``s > 0`` on the ``r`` kept columns). Both
       gradient equations become ``S P - P P^T S P = lam P``; multiplying on
       the right by ``O diag(1/s)`` gives ``S U = U (lam I + diag(s^2) C)``
       with ``C = U^T S U``. So ``span(U)`` is invariant under ``S``, hence
       ``S U = U C``, and ``(I - diag(s^2)) C = lam I``: ``C`` is diagonal,
       the columns of ``U`` are eigenvectors ``v_i`` of ``S`` and
       ``sigma_i^2 (1 - s_i^2) = lam``, i.e.

       .. math:: s_i^2 = 1 - \lambda / \sigma_i^2,

       which needs ``sigma_i^2 > lam``; otherwise ``s_i = 0``.
       Equivalently, per mode the loss is
       ``1/2 sigma^2 (1 - s^2)^2 + lam s^2`` whose stationarity condition is
       ``2 s (lam - sigma^2 (1 - s^2)) = 0``.

    4. Which critical point is the minimum. Switching on mode ``i`` lowers
       the loss by ``(sigma_i^2 - lam)^2 / (2 sigma_i^2)`` (from
       ``sigma_i^2 / 2`` to ``lam - lam^2 / (2 sigma_i^2)``), an increasing
       function of ``sigma_i^2`` for ``sigma_i^2 > lam``. So the minimum keeps
       the ``k`` largest eigenvalues, and the decoder's right singular
       vectors (npae's ``W2`` is ``(k, d)``) are the top principal
       directions, ordered by ``s_i``: see
       :func:`recover_principal_components`.

    The normalisation follows from the loss: the mean over samples makes the
    relevant matrix ``X^T X / n`` and the matching factors ``1/2`` on the
    data term and ``lam/2`` on the weights make the threshold exactly
    ``lam``. (Kunin et al. write ``||X - W2 W1 X||^2 + lam(...)`` without
    the mean and halves, i.e. their ``sigma_i^2`` are eigenvalues of
    ``X X^T`` for column samples; the formula has the same form.)
    """
    try:
        ev = np.asarray(eigenvalues, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"eigenvalues must be a 1-D array of non-negative numbers, got {eigenvalues!r}."
        ) from None
    if ev.ndim != 1 or ev.size == 0:
        raise ValueError(
            f"eigenvalues must be a non-empty 1-D array, got shape {ev.shape}; pass "
            f"e.g. np.linalg.eigvalsh(Xc.T @ Xc / n)[::-1][:k]."
        )
    if not np.all(np.isfinite(ev)):
        raise ValueError("eigenvalues contain NaN or infinite values; pass finite values.")
    scale = max(float(np.max(np.abs(ev))), np.finfo(np.float64).tiny)
    if np.any(ev < -np.sqrt(np.finfo(np.float64).eps) * scale):
        raise ValueError(
            f"eigenvalues must be >= 0 (eigenvalues of a covariance matrix), got minimum "
            f"{ev.min()!r}; clip round-off with np.clip(eigenvalues, 0, None)."
        )
    if isinstance(lam, (bool, np.bool_)) or not isinstance(lam, numbers.Real):
        raise TypeError(f"lam must be a real number >= 0, got {lam!r}.")
    lam = float(lam)
    if not np.isfinite(lam) or lam < 0:
        raise ValueError(f"lam must be a finite number >= 0, got {lam!r}.")
    ev = np.maximum(ev, 0.0)
    s = np.zeros_like(ev)
    on = ev > lam
    s[on] = np.sqrt(1.0 - lam / ev[on])
    return s
