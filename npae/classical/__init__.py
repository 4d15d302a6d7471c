"""The linear autoencoder is PCA: PCA by SVD, the closed-form linear AE, principal angles.

The reference against which npae's trained linear autoencoders are checked.

:mod:`npae.classical.pca`
    :class:`PCA`, principal component analysis by SVD with the scikit-learn API.
:mod:`npae.classical.linear_theory`
    :func:`linear_autoencoder_closed_form` (Baldi & Hornik 1989),
    :func:`principal_angles` (Björck & Golub 1973),
    :func:`recover_principal_components` (Plaut 2018; Kunin et al. 2019),
    :func:`predicted_decoder_singular_values` (Kunin et al. 2019).

Conventions and derivations: ``docs/linear_theory.md``.
"""

from .pca import PCA
from .linear_theory import (LinearAutoencoderWeights, linear_autoencoder_closed_form,
                     predicted_decoder_singular_values, principal_angles,
                     recover_principal_components)

__all__ = [
    "PCA",
    "LinearAutoencoderWeights",
    "linear_autoencoder_closed_form",
    "principal_angles",
    "recover_principal_components",
    "predicted_decoder_singular_values",
]
