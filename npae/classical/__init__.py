"""Classical baselines: the methods an autoencoder is measured against.

:mod:`npae.classical.kmeans`, :mod:`npae.classical.mixture`
    :func:`kmeans` (k-means++), :func:`gaussian_mixture` (EM).
:mod:`npae.classical.hashing`
    Linear binary hashes: random projections (LSH), PCA signs, ITQ.
:mod:`npae.classical.robust_pca`
    :class:`RobustPCA`, principal component pursuit (Candès et al. 2011).

The linear autoencoder is PCA (the reference against which npae's trained
linear autoencoders are checked):

:mod:`npae.classical.pca`
    :class:`PCA`, principal component analysis by SVD with the scikit-learn API.
:mod:`npae.classical.linear_theory`
    :func:`linear_autoencoder_closed_form` (Baldi & Hornik 1989),
    :func:`principal_angles` (Björck & Golub 1973),
    :func:`recover_principal_components` (Plaut 2018; Kunin et al. 2019),
    :func:`predicted_decoder_singular_values` (Kunin et al. 2019).

Conventions and derivations: ``docs/linear_theory.md``.
"""

from .kmeans import KMeansResult, kmeans
from .mixture import GaussianMixtureResult, gaussian_mixture
from .pca import PCA
from .robust_pca import RobustPCA, principal_component_pursuit
from .linear_theory import (LinearAutoencoderWeights, linear_autoencoder_closed_form,
                     predicted_decoder_singular_values, principal_angles,
                     recover_principal_components)

__all__ = [
    "PCA", "kmeans", "KMeansResult", "gaussian_mixture", "GaussianMixtureResult", "RobustPCA",
    "principal_component_pursuit",
    "LinearAutoencoderWeights",
    "linear_autoencoder_closed_form",
    "principal_angles",
    "recover_principal_components",
    "predicted_decoder_singular_values",
]
