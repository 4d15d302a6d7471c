r"""Restricted Boltzmann machine trained by contrastive divergence (CD-k) or persistent CD.

References: Smolensky (1986) and Hinton, *Training products of experts by
minimizing contrastive divergence*, Neural Computation 14 (2002) (the model,
CD-k); Tieleman, *Training restricted Boltzmann machines using approximations
to the likelihood gradient*, ICML 2008 (persistent CD); Hinton, *A practical
guide to training restricted Boltzmann machines*, UTML TR 2010-003 (momentum
0.5 then 0.9, weight decay on the weights only, initial weights :math:`\mathcal N(0, 0.01^2)`,
visible biases :math:`\log p/(1 - p)`, Gaussian units at unit variance and a smaller
learning rate, probabilities for the reconstruction); Hinton & Salakhutdinov,
Science 313 (2006) (the stack; linear-Gaussian code units).

Energy and distribution (visible :math:`v \in \mathbb R^d`, hidden :math:`h \in \mathbb R^m`):

.. math:: E(v, h) = E_v(v; b) + E_h(h; c) - v^\top W h, \qquad p(v, h) = \exp(-E(v, h)) / Z,

          E_u(s; a) = \begin{cases} -a^\top s & \text{Bernoulli units, } s \in \{0, 1\} \\
          \tfrac12 \lVert s - a \rVert^2 & \text{Gaussian units of unit variance, } s \in \mathbb R
          \end{cases}

          p(h \mid v) = \prod_j u_h(c_j + v^\top W_{:j}), \qquad p(v \mid h) = \prod_i u_v(b_i + W_{i:} h),

          F(v) = -\log \sum_h \exp(-E(v, h)) = E_v(v; b) - \sum_j A_h(c_j + v^\top W_{:j}; c_j),

          A(x; a) = \log(1 + e^x) \ \text{(Bernoulli)}, \qquad
          \tfrac12 \log 2\pi + \tfrac12 (x^2 - a^2) \ \text{(Gaussian)}

CD-k estimate of the log-likelihood gradient and the practical guide's update
(momentum μ, learning rate ε, weight decay λ on W only):

.. math:: \nabla W \approx \langle v h^\top \rangle_{data} - \langle v h^\top \rangle_k, \quad
          \nabla b \approx \langle v \rangle_{data} - \langle v \rangle_k, \quad
          \nabla c \approx \langle h \rangle_{data} - \langle h \rangle_k,

          \Delta\theta \leftarrow \mu \Delta\theta + \varepsilon (\nabla\theta - \lambda \theta
          \ [W \text{ only}]), \qquad \theta \leftarrow \theta + \Delta\theta

Symbols: W (d, m) weights, b (d,) visible and c (m,) hidden biases, u the
units' mean (the logistic σ for Bernoulli, the identity for Gaussian), A
the log-partition of one unit given its total input x, F the free energy,
:math:`\langle\cdot\rangle_{data}` the average over a minibatch with h replaced by p(h | v), :math:`\langle\cdot\rangle_k`
the same after k steps of block Gibbs sampling started at the data (CD-k) or
at the persistent chains (PCD).  Both sides may not be Gaussian at once (Z
would be infinite for some W).
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_real, check_rng, not_fitted
from ..estimator.hyperparams import (Boolean, FloatDtype, Hyperparameters, Interval, Options,
                                     Param, RandomState)
from . import _rbm_partition
from ._rbm_parts import UNITS, RBMInference
from . import _rbm_training

__all__ = ["RBM"]



class RBM(RBMInference, Hyperparameters):
    """Restricted Boltzmann machine: Bernoulli or Gaussian units, CD-k or persistent CD.

    Hyperparameters are keyword-only and checked by ``fit``.

    Parameters
    ----------
    n_components : int, default=64
        m, the number of hidden units.
    visible_units, hidden_units : {"bernoulli", "gaussian"}, default="bernoulli"
        Unit types; not both "gaussian".  Bernoulli visible units take data
        in [0, 1] (grey levels are read as probabilities, as in Hinton &
        Salakhutdinov 2006); Gaussian units have unit variance, so standardise
        real-valued data first (the practical guide, §13.2).
    k : int, default=1
        Gibbs steps per update (CD-k, or PCD-k).
    persistent : bool, default=False
        Persistent CD: the negative chains (one per minibatch row) continue
        from one update to the next instead of restarting at the data.
    learning_rate : float or "auto", default="auto"
        ε; "auto" is 0.1 with Bernoulli units on both sides and 0.001 with a
        Gaussian side (Gaussian units need a smaller step: practical guide §13.2).
    momentum, initial_momentum : float, default=0.9, 0.5
        μ after / during the first ``momentum_epochs`` passes (practical guide §9).
    momentum_epochs : int, default=5
    weight_decay : float, default=2e-4
        λ, an L2 penalty on W only (practical guide §10; the value of Hinton &
        Salakhutdinov 2006).
    batch_size : int, default=100
    epochs : int, default=10
    random_state : int, Generator or None, default=0
        Seeds the initial weights, the epoch orders and every Gibbs sample.
    dtype : {"float64", "float32"}, default="float64"
    verbose : bool, default=False

    Attributes
    ----------
    params_ : dict
        ``"W"`` (d, m), ``"b"`` (d,), ``"c"`` (m,).
    history_ : dict of lists
        Per pass: ``"reconstruction_error"`` (squared error summed over the
        features, mean over rows, of the reconstruction from sampled hidden
        states, as in Hinton & Salakhutdinov's code) and ``"time"`` (seconds).
    n_iter_ : int
        Passes over the data so far (``fit`` epochs and ``partial_fit`` calls).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np, npae
    >>> X = (np.random.default_rng(0).random((64, 10)) < 0.3).astype(float)
    >>> rbm = npae.RBM(n_components=4, epochs=2).fit(X)
    >>> rbm.transform(X).shape, rbm.free_energy(X).shape
    ((64, 4), (64,))
    """

    _parameters = {
        "n_components": Param(64, Interval("int", 1, None)),
        "visible_units": Param("bernoulli", Options(*UNITS)),
        "hidden_units": Param("bernoulli", Options(*UNITS)),
        "k": Param(1, Interval("int", 1, None)),
        "persistent": Param(False, Boolean()),
        "learning_rate": Param("auto", Options("auto"), Interval("real", 0, None, "neither")),
        "momentum": Param(0.9, Interval("real", 0, 1, "left")),
        "initial_momentum": Param(0.5, Interval("real", 0, 1, "left")),
        "momentum_epochs": Param(5, Interval("int", 0, None)),
        "weight_decay": Param(2e-4, Interval("real", 0, None)),
        "batch_size": Param(100, Interval("int", 1, None)),
        "epochs": Param(10, Interval("int", 0, None)),
        "random_state": Param(0, RandomState()),
        "dtype": Param("float64", FloatDtype()),
        "verbose": Param(False, Boolean()),
    }

    def _check_settings(self):
        """Validated settings; sets ``_vis``, ``_hid``, ``_dtype``, ``_lr``."""
        self._validate_params()
        self._vis, self._hid = UNITS[self.visible_units], UNITS[self.hidden_units]
        if self._vis is self._hid is UNITS["gaussian"]:
            raise ValueError("visible and hidden units may not both be 'gaussian': the "
                             "partition function is then infinite for large enough weights")
        gaussian = UNITS["gaussian"] in (self._vis, self._hid)
        self._lr = (0.001 if gaussian else 0.1) if self.learning_rate == "auto" else \
            float(self.learning_rate)
        self._dtype = np.dtype(self.dtype)

    def _check_X(self, X, fitted=True):
        return check_array(X, dtype=self._dtype, n_features=self.n_features_in_ if fitted else None,
                           unit_interval=self._vis is UNITS["bernoulli"], estimator="this RBM",
                           bernoulli_setting=("visible_units='bernoulli'",
                                              "use visible_units='gaussian' on standardised data"))

    def _check_fitted(self):
        if not hasattr(self, "params_"):
            raise not_fitted("This RBM is not fitted yet; call fit or partial_fit first.")

    # --------------------------------------------------------------- training
    def initialize(self, X):
        """Fresh parameters for data like ``X`` (the practical guide's §8); returns self."""
        self._check_settings()
        return self._initialize(self._check_X(X, fitted=False))

    def _initialize(self, X):
        self.n_features_in_ = d = X.shape[1]
        self._rng = check_rng(self.random_state)
        m = self.n_components
        W = (0.01 * self._rng.standard_normal((d, m))).astype(self._dtype)
        if self._vis is UNITS["bernoulli"]:
            # log p/(1 − p) of each pixel's training mean, so that the hidden units
            # need not learn the pixels' base rates first
            p = np.clip(X.mean(axis=0), 1e-3, 1 - 1e-3)
            b = np.log(p / (1 - p))
        else:
            b = X.mean(axis=0)
        self.params_ = {"W": W, "b": b.astype(self._dtype), "c": np.zeros(m, self._dtype)}
        self._velocity = {k: np.zeros_like(v) for k, v in self.params_.items()}
        self._chains = None  # persistent hidden states, set at the first PCD update
        self.history_ = {"reconstruction_error": [], "time": []}
        self.n_iter_ = 0
        return self

    def fit(self, X, y=None):
        """Train for ``epochs`` passes over shuffled minibatches of ``X`` (n, d); returns self.

        Divergence (the rule of :mod:`npae.estimator.divergence`, with the
        reconstruction error as the monitor): a non-finite reconstruction error or
        parameters, or an error above ``DIVERGENCE_FACTOR`` × max(1, the initial
        parameters' error on the first minibatch) raises
        :class:`npae.TrainingDivergedError`; the model then holds its last good
        pass, or, without one, exactly what it held before the call.  The loop:
        :mod:`npae.families._rbm_training`.
        """
        return _rbm_training.fit(self, X)

    def partial_fit(self, X, y=None):
        """One pass over ``X`` in its own row order (the caller shuffles); returns self.
        The first call initialises the model; the momentum schedule counts calls as passes.
        A pass that diverges (see :meth:`fit`) changes nothing."""
        return _rbm_training.partial_fit(self, X)

    def cd_gradient(self, V, rng):
        r"""The CD-k (or PCD-k) estimate of the log-likelihood gradient on a minibatch.

        Draw order from ``rng``: the hidden sample of the data, then, per Gibbs
        step, the visible sample (PCD only: CD uses the mean, the guide's §3.2)
        and the hidden sample (CD: not after the last step, whose probabilities
        are used; PCD: after every step, as the chains' next state).  With PCD the chains start from the stored hidden states
        (the first call samples them from the data).

        Parameters
        ----------
        V : ndarray of shape (n, d)
        rng : np.random.Generator

        Returns
        -------
        grads : dict
            ``"W"`` (d, m), ``"b"`` (d,), ``"c"`` (m,): data minus model
            statistics, averaged over the n rows (no weight decay).
        reconstruction_error : float
            :math:`\sum_i (v_i - u_v(b + W h^0)_i)^2`, mean over rows, with :math:`h^0 \sim p(h \mid v)`.
        """
        p = self.params_
        W = p["W"]
        n = V.shape[0]
        ph0, h, v_rec, rec = self._reconstruct(V, rng)
        if self.persistent:
            if self._chains is None or self._chains.shape[0] != n:
                self._chains = h  # chains start at the data, one per minibatch row
            h = self._chains
        for step in range(self.k):
            mean_v = v_rec if (step == 0 and not self.persistent) else \
                self._vis.mean(h @ W.T + p["b"])  # (n, m) @ (m, d) -> (n, d)
            # PCD samples the visible units: its chains must be a true Markov chain
            v = self._vis.sample(mean_v, rng) if self.persistent else mean_v
            ph = self._hid.mean(v @ W + p["c"])  # (n, d) @ (d, m) -> (n, m)
            if step < self.k - 1 or self.persistent:
                h = self._hid.sample(ph, rng)
        if self.persistent:
            self._chains = h
        grads = {"W": (V.T @ ph0 - v.T @ ph) / n,  # (d, n) @ (n, m) -> (d, m)
                 "b": (V.sum(axis=0) - v.sum(axis=0)) / n,
                 "c": (ph0.sum(axis=0) - ph.sum(axis=0)) / n}
        return grads, rec

    def _reconstruct(self, V, rng):
        """p(h | v), a sample h, the visible means given h, and the reconstruction error."""
        p = self.params_
        ph0 = self._hid.mean(V @ p["W"] + p["c"])  # (n, d) @ (d, m) -> (n, m)
        h = self._hid.sample(ph0, rng)
        v_rec = self._vis.mean(h @ p["W"].T + p["b"])  # (n, m) @ (m, d) -> (n, d)
        return ph0, h, v_rec, float(((V - v_rec) ** 2).sum(axis=1).mean())

    def _apply(self, grads):
        """Momentum step with weight decay on W (Hinton & Salakhutdinov's update)."""
        mu = self.initial_momentum if self.n_iter_ < self.momentum_epochs else self.momentum
        for name, g in grads.items():
            if name == "W" and self.weight_decay:
                g = g - self.weight_decay * self.params_["W"]
            vel = self._velocity[name]
            vel *= mu
            vel += self._lr * g
            self.params_[name] += vel

    def free_energy(self, X):
        r""":math:`F(v) = -\log \sum_h \exp(-E(v, h))`, per row.  (n, d) -> (n,)"""
        self._check_fitted()
        return _rbm_partition.free_energy(self, self._check_X(X))

    def pseudo_log_likelihood(self, X):
        r""":math:`\sum_i \log p(v_i \mid v_{-i})` per row, for binary data and Bernoulli visible units.  (n,)"""
        self._check_fitted()
        return _rbm_partition.pseudo_log_likelihood(self, self._check_X(X))

    def log_partition(self, method="exact", *, n_chains=100, n_betas=1000, random_state=0):
        """log Z: ``"exact"`` by enumerating the smaller Bernoulli side (≤ 20 units), or
        ``"ais"``, annealed importance sampling (Salakhutdinov & Murray, ICML 2008).
        See :mod:`npae.families._rbm_partition`."""
        self._check_fitted()
        if method == "exact":
            return _rbm_partition.exact_log_partition(self)
        if method == "ais":
            return _rbm_partition.ais_log_partition(self, n_chains, n_betas, random_state)[0]
        raise ValueError(f"unknown method {method!r}; expected 'exact' or 'ais'")

    def score_samples(self, X, log_z):
        """log p(v) = −F(v) − log Z, per row, given ``log_z`` from :meth:`log_partition`."""
        return -self.free_energy(X) - check_real("log_z", log_z)
