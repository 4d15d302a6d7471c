r"""Closed-form results on linear autoencoders: the optimum is PCA, and how to read it back.

Baldi & Hornik (1989): the optimal linear autoencoder with code size ``k`` projects on the
top-``k`` principal subspace. Björck & Golub (1973): principal angles measure how close a
learned subspace is to it. Plaut (2018) and Kunin et al. (2019): the ordered principal
directions can be read off a trained decoder, exactly so with weight decay.

.. math:: L(W_1, b_1, W_2, b_2) = \frac1n \sum_{i=1}^n \tfrac12
          \lVert x^{(i)} - ((x^{(i)} W_1 + b_1) W_2 + b_2) \rVert^2
          + \frac{\lambda}{2}\left(\lVert W_1\rVert_F^2 + \lVert W_2\rVert_F^2\right)

Symbols: ``X`` (n, d), encoder ``W1`` (d, k) = npae's ``"encoder.0.W"``, ``b1`` (k,),
decoder ``W2`` (k, d) = ``"decoder.0.W"``, ``b2`` (d,), weight decay ``lam``
(:math:`\lambda`, 0 for Baldi & Hornik), eigenvalues :math:`\sigma_i^2` of
``Xc.T @ Xc / n`` (the loss's normalisation, not ``1/(n-1)``).

The derivations (why each result holds, the numerics of the angles, the normalisations)
are in ``docs/linear_theory.md``.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
import scipy.linalg

from .._validation import check_array
from ._linalg import _as_float_matrix, _check_k, _flip_rows, _svd

__all__ = [
    "LinearAutoencoderWeights",
    "linear_autoencoder_closed_form",
    "principal_angles",
    "recover_principal_components",
    "predicted_decoder_singular_values",
]


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
    :math:`L = \frac1n \sum_i \frac12 \lVert x_i - ((x_i W_1 + b_1) W_2 + b_2) \rVert^2`
    over all linear encoders and decoders with ``k`` code units. The minimum is
    half the sum of the discarded eigenvalues of ``Xc.T @ Xc / n``,

    .. math:: L^* = \tfrac12 \sum_{j > k} \lambda_j(X_c^\top X_c / n).

    The optimum is not unique (``W1 C``, ``C^{-1} W2`` is equally optimal for
    any invertible ``C`` of shape (k, k)); this function returns the one with
    orthonormal PCA directions and centred codes. Derivation:
    ``docs/linear_theory.md``.

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
    """
    X = check_array(X, name="X")
    n, d = X.shape
    k = _check_k(
        k,
        "k",
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
    r"""Principal angles between the column spaces of ``A`` and ``B`` (Björck & Golub 1973).

    The cosines are the singular values of ``QA.T @ QB`` for orthonormal bases
    ``QA``, ``QB``; angles below ``pi/4`` come from the sines instead, which
    stay accurate for tiny angles (Knyazev & Argentati 2002). The angles depend
    only on the subspaces and are symmetric in ``A`` and ``B``. Details:
    ``docs/linear_theory.md``.

    Parameters
    ----------
    A : array_like, shape (d, p)
        Columns spanning the first subspace (full column rank).
    B : array_like, shape (d, q)
        Columns spanning the second subspace (full column rank), same ``d``.

    Returns
    -------
    theta : ndarray, shape (min(p, q),)
        Angles in radians, sorted ascending (scipy's ``subspace_angles``
        returns them descending), in ``[0, pi/2]``. ``theta[0]`` is the
        smallest angle; all zeros means one subspace contains the other.

    Raises
    ------
    ValueError
        If an input is not 2-D, is empty, contains NaN/inf, the row counts
        differ, or the columns of an input are linearly dependent.
    TypeError
        If an input is not real-valued.
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


def recover_principal_components(W_dec):
    r"""Ordered principal directions from a linear decoder's weights by SVD.

    With the SVD ``W_dec = O diag(s) Vt``, the directions in input space are
    the rows of ``Vt`` (the *right* singular vectors of npae's ``(k, d)``
    weight, the papers' "left singular vectors of the decoder"). They are the
    ordered principal directions for a decoder trained with weight decay
    (Kunin et al. 2019); without it they are only a rotated basis of the
    principal subspace, to be ordered by a PCA inside it (Plaut 2018). Both
    cases, with the recipe: ``docs/linear_theory.md``.

    Parameters
    ----------
    W_dec : array_like, shape (k, d)
        Decoder weight in npae's convention (``"decoder.0.W"``): the decoder
        map is ``x_hat = z @ W_dec + b`` for a code row ``z`` of length ``k``.

    Returns
    -------
    components : ndarray, shape (k, d)
        Orthonormal rows ordered by decreasing singular value, with the
        sign convention of :class:`~npae.classical.PCA` (largest-magnitude entry of each
        row positive), directly comparable to ``PCA(k).fit(X).components_``.
    singular_values : ndarray, shape (k,)
        Singular values of ``W_dec``, decreasing.
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


def predicted_decoder_singular_values(eigenvalues, lam):
    r"""Decoder singular values at the optimum of the L2-regularised linear AE (Kunin et al. 2019).

    For the loss on centred data ``X`` (n, d) with weight decay
    :math:`\frac\lambda2 \lVert W \rVert_F^2` (λ = ``lam``) on the encoder ``W1`` (d, k) and the decoder ``W2``
    (k, d) (npae's reduction: 1/2 squared error summed over features, mean
    over samples), the global minimum has ``W1 = W2^T`` and

    .. math:: s_i = \sqrt{\max(0,\; 1 - \lambda / \sigma_i^2)},\quad i = 1..k,

    where ``sigma_i^2`` are the ``k`` largest eigenvalues of ``X.T @ X / n``
    (the ``1/n`` of the loss, *not* ``1/(n-1)``; from a fitted PCA,
    ``pca.explained_variance_ * (n - 1) / n``). Derivation:
    ``docs/linear_theory.md``.

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
        positive eigenvalues.
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
