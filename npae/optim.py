"""Optimizers: SGD, momentum, Adam, and a full-batch L-BFGS driver (scipy).

The first-order optimizers update a flat parameter vector in place from a
flat gradient vector of the same length (see :mod:`npae.nn.params`): one
fused vector operation per step, whatever the number of tensors.  A model
that trains several parts with separate optimizers (the adversarial
autoencoder) gives each its own contiguous slice of the buffer.

    Θ ← Θ − ε ∂L/∂Θ        (the review's eq. 1, plain SGD)
"""

from __future__ import annotations

import copy

import numpy as np
import scipy.optimize

__all__ = ["SGD", "Momentum", "Adam", "make_optimizer", "lbfgs", "OPTIMIZERS"]


class SGD:
    """Θ ← Θ − ε g."""

    def __init__(self, learning_rate=0.01):
        self.learning_rate = learning_rate

    def step(self, theta, grad):
        """Update ``theta`` (1-D array) in place from ``grad`` (same shape)."""
        theta -= self.learning_rate * grad


class Momentum:
    """Heavy-ball momentum (optionally Nesterov): v ← μ v − ε g;  Θ ← Θ + v."""

    def __init__(self, learning_rate=0.01, momentum=0.9, nesterov=False):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = None

    def step(self, theta, grad):
        if self.velocity is None:
            self.velocity = np.zeros_like(theta)
        v = self.velocity
        v *= self.momentum
        v -= self.learning_rate * grad
        if self.nesterov:
            theta += self.momentum * v - self.learning_rate * grad
        else:
            theta += v


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction folded into the step size.

    m ← β1 m + (1−β1) g;   v ← β2 v + (1−β2) g²;
    Θ ← Θ − ε_t m / (√v + ε̂),   ε_t = ε √(1−β2^t) / (1−β1^t),  ε̂ = eps √(1−β2^t)

    (the "efficient" form of Algorithm 1 of the paper: identical to
    ``ε m̂ / (√v̂ + eps)``, with fewer vector operations.)
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.m = self.v = self._buf = None

    def step(self, theta, grad):
        if self.m is None:
            self.m = np.zeros_like(theta)
            self.v = np.zeros_like(theta)
            self._buf = np.empty_like(theta)
        self.t += 1
        b1, b2, m, v, buf = self.beta1, self.beta2, self.m, self.v, self._buf
        m *= b1
        m += (1.0 - b1) * grad
        np.multiply(grad, grad, out=buf)
        v *= b2
        buf *= 1.0 - b2
        v += buf
        c2 = np.sqrt(1.0 - b2**self.t)
        step = self.learning_rate * c2 / (1.0 - b1**self.t)
        np.sqrt(v, out=buf)
        buf += self.eps * c2
        np.divide(m, buf, out=buf)
        buf *= step
        theta -= buf


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name, learning_rate, **kwargs):
    """An optimizer by name ("sgd", "momentum", "adam"), or a fresh copy of an instance.

    An instance (anything with a ``step`` method) is a template with its own
    settings (``learning_rate`` is then ignored): each call returns a deep
    copy, so that a model never mutates the object given as its
    hyperparameter, a refit starts from a fresh state, and two parts of a
    model trained separately never share moment estimates.
    """
    if hasattr(name, "step"):
        return copy.deepcopy(name)
    if name not in OPTIMIZERS:
        raise ValueError(
            f"unknown optimizer {name!r}; expected one of {sorted(OPTIMIZERS)} or 'lbfgs'"
        )
    return OPTIMIZERS[name](learning_rate=learning_rate, **kwargs)


def lbfgs(fun, theta0, maxiter=400, callback=None, tol=1e-12):
    """Full-batch L-BFGS through ``scipy.optimize.minimize`` (as in Ng's exercise).

    Parameters
    ----------
    fun : callable theta -> (loss, grad)
        ``theta`` and ``grad`` are 1-D float64 arrays.
    theta0 : ndarray of shape (n_params,)
    maxiter : int
    callback : callable theta -> None, optional
        Called after each iteration.

    Returns
    -------
    scipy.optimize.OptimizeResult
    """
    return scipy.optimize.minimize(
        fun,
        np.asarray(theta0, dtype=np.float64),
        jac=True,
        method="L-BFGS-B",
        callback=callback,
        options={"maxiter": int(maxiter), "ftol": tol, "gtol": 1e-10},
    )
