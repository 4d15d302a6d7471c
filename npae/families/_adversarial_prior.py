"""The adversarial autoencoder's prior side: labels, prior draws, the discriminator's
input, sampling, each phase's loss for checking, and the measures of whether the
codes occupy the prior.

Split from :mod:`npae.families.adversarial` (the family file keeps the three
training phases).  Symbols as there: z a code, p(z) the prior, K the number
of mixture components, s = ``prior_scale``, D_ψ the discriminator.

Occupancy of a mixture prior (:func:`prior_occupancy`).  Matching the
aggregated posterior q(z) to a mixture prior means two things that an MMD
figure does not separate:

- every component receives its share of the codes: the share of codes
  nearest component c (Euclidean, in the full code space) against the
  component's weight 1/K;
- no code lies where the prior has no mass: the density of codes in the
  ring's hole (radius < 2s in (z1, z2), where the prior's mass is below
  1e-4: each component is 4s from the origin with standard deviation s/2)
  against their density on the ring (3s < radius < 5s), each as a share of
  the codes per unit area.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_choice, check_labels, check_positive, check_rng
from ..nn import get_ops
from ..nn.activations import SIGMOID
from ..terms.priors import draw_prior, mixture_means

__all__ = ["PriorMixin", "prior_occupancy", "PHASES"]

PHASES = ("reconstruction", "discriminator", "generator")


def prior_occupancy(Z, n_components, scale=1.0, labels=None):
    """How the codes ``Z`` occupy the "mixture" prior (see the module docstring).

    Parameters
    ----------
    Z : ndarray of shape (n, k), k >= 2
    n_components : int
        K.
    scale : float
        s.
    labels : ndarray of shape (n,) of component indices, optional
        The component each row should lie nearest (supervised AAE).

    Returns
    -------
    dict
        "share" (K,) share of codes nearest each component; "max_share_ratio":
        max_c share_c K (1 when every component has its weight);
        "min_share_ratio"; "hole_density" and "ring_density" (share of codes
        per unit area, radius < 2s and 3s < radius < 5s); "hole_to_ring" their
        ratio (≈ 0 for codes drawn from the prior; inf when the ring is empty); "own_component" (share of
        rows nearest their own component, with ``labels``).
    """
    Z = np.asarray(Z, dtype=np.float64)
    K, s = int(n_components), float(scale)
    means = mixture_means(K, Z.shape[1], s)  # (K, k)
    d2 = np.sum((Z[:, None, :] - means[None, :, :]) ** 2, axis=2)  # (n, K)
    nearest = np.argmin(d2, axis=1)
    share = np.bincount(nearest, minlength=K) / Z.shape[0]
    r = np.hypot(Z[:, 0], Z[:, 1]) / s
    hole = np.mean(r < 2.0) / (np.pi * 4.0)
    ring = np.mean((r > 3.0) & (r < 5.0)) / (np.pi * (25.0 - 9.0))
    out = {"share": share, "max_share_ratio": float(share.max() * K),
           "min_share_ratio": float(share.min() * K), "hole_density": float(hole),
           "ring_density": float(ring),
           "hole_to_ring": float(hole / ring) if ring > 0 else (0.0 if hole == 0 else np.inf)}
    if labels is not None:
        out["own_component"] = float(np.mean(nearest == np.asarray(labels)))
    return out


class PriorMixin:
    """Labels, prior draws and inference of :class:`npae.AdversarialAutoencoder`."""

    def _validate_y(self, y, n_samples, fitting=False):
        """Labels select the mixture component of each row, only with ``supervised=True``
        (otherwise ``y`` is ignored, as scikit-learn passes one to every ``fit``)."""
        if fitting:
            if self.supervised and y is None:
                raise ValueError("supervised=True needs the class labels: call fit(X, y)")
            if y is None or not self.supervised:
                self.supervised_ = False
                self.classes_ = np.zeros(0, dtype=np.int64)
                return None
            y = check_labels(y, n_samples)
            if self.prior != "mixture":
                raise ValueError(
                    f"labels were given with prior={self.prior!r}; the supervised AAE gives "
                    "each class its own component and needs prior='mixture' (or call fit(X) "
                    "without labels)"
                )
            classes = np.unique(y)
            if classes.size > self.n_components:
                raise ValueError(
                    f"y has {classes.size} classes but the prior has n_components="
                    f"{self.n_components}; set n_components >= {classes.size}"
                )
            self.supervised_ = True
            self.classes_ = classes
            return np.searchsorted(classes, y)
        if not getattr(self, "supervised_", False):
            return None  # unsupervised model: labels are not used
        if y is None:
            raise ValueError(
                "this AdversarialAutoencoder was fitted with labels (supervised variant); "
                "pass y as well"
            )
        y = check_labels(y, n_samples)
        idx = np.minimum(np.searchsorted(self.classes_, y), self.classes_.size - 1)
        unknown = self.classes_[idx] != y
        if np.any(unknown):
            raise ValueError(
                f"y holds labels not seen at fit time: {np.unique(y[unknown]).tolist()}; "
                f"known labels are {self.classes_.tolist()}"
            )
        return idx

    def phase_loss_and_grads(self, X, phase, y=None, rng=None, vectorized=True):
        """One phase's loss and its gradient with respect to every parameter.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        phase : {"reconstruction", "discriminator", "generator"}
        y : array-like of shape (n_samples,), optional
            Labels (required for a model fitted with labels).
        rng : int, Generator or None
            Source of the prior draws (phase "discriminator"); pass the same
            int to hold them fixed.
        vectorized : bool
            Batch path (True) or per-example reference path (False).

        Returns
        -------
        loss : float
            L_rec, L_D or L_G (no weight decay).
        grads : dict name -> ndarray
            Same keys and shapes as ``params_``; zero for parameters the phase
            does not depend on (the decoder for L_D and L_G, the discriminator
            for L_rec).  For "generator" the encoder entries are the gradient
            that flows back through the discriminator; for "discriminator"
            they are L_D's dependence on the codes (which training does not use).
        """
        self._check_fitted()
        check_choice(phase, "phase", set(PHASES))
        X = self._validate_X(X)
        y = self._validate_y(y, X.shape[0])
        grads = {k: np.zeros_like(v) for k, v in self.params_.items()}
        value, _ = self._phase(self.params_, X, y, check_rng(rng), get_ops(vectorized),
                               grads, phase, full=True)
        return float(value), grads

    def _draw_prior(self, rng, n, components=None):
        """n draws z ~ p(z) (row i from mixture component ``components[i]`` if given)."""
        return draw_prior(self.prior, rng, n, self.latent_dim, self.prior_scale,
                          self.n_components, components, self._dtype)

    def _disc_input(self, Z, comp):
        """The discriminator's input: z, or [z, one-hot(component)] when supervised."""
        if comp is None:
            return Z
        onehot = np.zeros((Z.shape[0], int(self.n_components)), dtype=Z.dtype)
        onehot[np.arange(Z.shape[0]), comp] = 1.0
        return np.hstack([Z, onehot])  # (n, k + K)

    def _components(self, component, n):
        """Validate ``component`` (a label, or one per row) -> component indices or None."""
        if component is None:
            return None
        if self.prior != "mixture":
            raise ValueError(f"component= applies to prior='mixture' only (prior={self.prior!r})")
        comp = np.broadcast_to(np.asarray(component), (n,))
        if getattr(self, "supervised_", False):
            return self._validate_y(np.array(comp), n)
        comp = check_labels(np.array(comp), n, name="component")
        if comp.min() < 0 or comp.max() >= self.n_components:
            raise ValueError(f"component must lie in [0, {self.n_components - 1}], "
                             f"got {np.unique(comp).tolist()}")
        return comp

    def sample_prior(self, n, rng=None, component=None):
        """n draws z ~ p(z).

        Parameters
        ----------
        n : int
        rng : int, Generator or None
        component : int or array of shape (n,), optional
            Mixture prior only: the component of each draw (a class label of
            ``classes_`` for a model fitted with labels).

        Returns
        -------
        ndarray of shape (n, latent_dim)
        """
        self._check_fitted()
        check_positive(n, "n", integer=True)
        return self._draw_prior(check_rng(rng), int(n), self._components(component, int(n)))

    def sample(self, n, rng=None, component=None):
        r"""Decode n prior draws: :math:`x = p_\phi(z)`, :math:`z \sim p(z)`.  Returns (n, n_features)."""
        Z = self.sample_prior(n, rng, component)  # checks fitted first
        return self._decode(self.params_, Z)

    def discriminate(self, Z, y=None):
        r""":math:`D_\psi(z)`: the discriminator's probability that each code came from the prior.

        Parameters
        ----------
        Z : array-like of shape (n, latent_dim)
        y : array-like of shape (n,), optional
            Labels (required when fitted with labels).

        Returns
        -------
        ndarray of shape (n,)
        """
        self._check_fitted()
        Z = check_array(Z, name="Z", dtype=self._dtype, n_features=self.code_size_)
        comp = self._validate_y(y, Z.shape[0])
        logits = self.discriminator_.forward(self.params_, self._disc_input(Z, comp),
                                             get_ops(True))[0]
        return SIGMOID.forward(logits[:, 0])

    def prior_occupancy(self, X, y=None):
        """:func:`prior_occupancy` of the codes of ``X`` (mixture prior only)."""
        self._check_fitted()
        if self.prior != "mixture":
            raise ValueError(f"prior_occupancy applies to prior='mixture' (prior={self.prior!r})")
        comp = self._validate_y(y, np.shape(X)[0]) if y is not None else None
        return prior_occupancy(self.transform(X), self.n_components, self.prior_scale, comp)

    def _set_extra_state(self, state):
        self.supervised_ = bool(state.get("supervised_", False))
        self.classes_ = np.asarray(state.get("classes_", np.zeros(0, np.int64)), dtype=np.int64)
