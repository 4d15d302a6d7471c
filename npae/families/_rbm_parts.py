"""The RBM's parts: its unit types, its inference methods and its file format.

Split from :mod:`npae.families.rbm` so that the family file holds the model and
its contrastive-divergence update.  Notation as there: a unit type gives its mean
u(x) given the total input x, a sample, its energy term E_u(s; a) and the
log-partition A(x; a) of one unit (summed over a layer).
"""

from __future__ import annotations

import json
import os

import numpy as np

from .._validation import check_array, check_rng
from ..nn.activations import ACTIVATIONS, SIGMOID

__all__ = ["UNITS", "RBMInference"]

_SOFTPLUS = ACTIVATIONS["softplus"]
_LOG_2PI = float(np.log(2 * np.pi))


class _Bernoulli:
    name = "bernoulli"

    @staticmethod
    def mean(x):
        return SIGMOID.forward(x)

    @staticmethod
    def sample(mean, rng):
        return (rng.random(mean.shape, dtype=mean.dtype) < mean).astype(mean.dtype)

    @staticmethod
    def energy(s, a):
        return -(s @ a)  # (n, u) @ (u,) -> (n,)

    @staticmethod
    def log_partition(x, a):
        return _SOFTPLUS.forward(x).sum(axis=1)  # (n, u) -> (n,)


class _Gaussian:
    name = "gaussian"

    @staticmethod
    def mean(x):
        return x

    @staticmethod
    def sample(mean, rng):
        return mean + rng.standard_normal(mean.shape, dtype=mean.dtype)

    @staticmethod
    def energy(s, a):
        return 0.5 * ((s - a) ** 2).sum(axis=1)

    @staticmethod
    def log_partition(x, a):
        # ∫ exp(−½(s − a)² + s (x − a)) ds = √(2π) exp(½ (x² − a²))
        return 0.5 * (x ** 2 - a ** 2).sum(axis=1) + 0.5 * x.shape[1] * _LOG_2PI


UNITS = {"bernoulli": _Bernoulli, "gaussian": _Gaussian}


class RBMInference:
    """``transform``, ``inverse_transform``, ``reconstruct``, ``reconstruction_error``,
    ``save`` and ``load`` of :class:`npae.RBM`."""

    def transform(self, X):
        """Hidden means E[h | v]: p(h = 1 | v) for Bernoulli units.  (n, d) -> (n, m)"""
        self._check_fitted()
        X = self._check_X(X)
        return self._hid.mean(X @ self.params_["W"] + self.params_["c"])

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def inverse_transform(self, H):
        """Visible means E[v | h].  (n, m) -> (n, d)"""
        self._check_fitted()
        H = check_array(H, name="H", dtype=self._dtype, n_features=self.n_components,
                        estimator="this RBM's hidden layer")
        return self._vis.mean(H @ self.params_["W"].T + self.params_["b"])

    def reconstruct(self, X):
        """E[v | h = E[h | v]]: the deterministic up-down pass (a one-layer unrolled stack)."""
        return self.inverse_transform(self.transform(X))

    def reconstruction_error(self, X):
        """Per-row mean squared error of :meth:`reconstruct`.  (n, d) -> (n,)"""
        self._check_fitted()
        X = self._check_X(X)
        return ((X - self.reconstruct(X)) ** 2).mean(axis=1)

    # ------------------------------------------------------------ persistence
    def save(self, path):
        """Write the weights and settings as ``.npz`` arrays + JSON (no pickle); returns path."""
        self._check_fitted()
        meta = {"format": "npae-rbm", "params": self.get_params(), "n_iter": self.n_iter_,
                "history": self.history_}
        meta["params"]["dtype"] = self._dtype.name
        if not isinstance(meta["params"]["random_state"], (int, type(None))):
            meta["params"]["random_state"] = None  # a Generator is not part of the model
        with open(os.fspath(path), "wb") as fh:
            np.savez(fh, __meta__=np.array(json.dumps(meta)), **self.params_)
        return path

    @classmethod
    def load(cls, path):
        """Read a file written by :meth:`save` (``allow_pickle=False``); checks shapes and values."""
        with np.load(os.fspath(path), allow_pickle=False) as f:
            if set(f.files) != {"__meta__", "W", "b", "c"}:
                raise ValueError(f"{path!s} is not an RBM saved by npae (arrays {sorted(f.files)})")
            meta = json.loads(str(f["__meta__"][()]))
            arrays = {k: f[k] for k in ("W", "b", "c")}
        if not isinstance(meta, dict) or meta.get("format") != "npae-rbm":
            raise ValueError(f"{path!s} is not an RBM saved by npae")
        rbm = cls(**meta["params"])
        rbm._check_settings()
        d, m = arrays["W"].shape if arrays["W"].ndim == 2 else (-1, -1)
        if m != rbm.n_components or arrays["b"].shape != (d,) or arrays["c"].shape != (m,) \
                or any(a.dtype != rbm._dtype or not np.all(np.isfinite(a)) for a in arrays.values()):
            raise ValueError(f"{path!s}: the stored weights do not fit the stored settings")
        rbm.params_, rbm.n_features_in_, rbm.n_iter_ = arrays, d, int(meta["n_iter"])
        rbm.history_ = {k: list(map(float, v)) for k, v in meta["history"].items()}
        rbm._velocity = {k: np.zeros_like(v) for k, v in arrays.items()}
        rbm._chains, rbm._rng = None, check_rng(rbm.random_state)
        return rbm
