"""The family contract and the estimator API every family shares.

A family is one module with one class that subclasses :class:`BaseAutoencoder`
(or another family), is registered with :func:`npae.estimator.registry.register`, and
writes only its own maths and its own hyperparameters:

Required hooks (abstract: a class without them cannot be instantiated)
    ``_build(n_features, y)``        create the networks; return {param name: shape}
    ``_init_params(rng)``            initial values for those names
    ``_loss(params, X, y, rng, ops, grads)``  forward, terms, backward
    ``_encode(params, X)``, ``_decode(params, Z)``  inference
    ``_code_size()``                 the width of the codes

Optional hooks (the defaults are right for most families)
    ``_check_settings()``            rules that tie several hyperparameters together
    ``_validate_y(y, n, fitting)``   labels (default: ignored)
    ``_needs_unit_interval()``       targets must lie in [0, 1] (Bernoulli likelihood)
    ``_prepare_fit(X, y)``           fitted attributes derived from the training data
    ``_epoch_start(epoch)``          schedules (KL warm-up, temperature, ...)
    ``_should_stop()``               True ends minibatch training before the next epoch
    ``_param_groups()``, ``_phase_loss(...)``  several optimizers / phases (see training.py)
    ``_epoch_diagnostics()``         per-epoch figures for ``history_`` that are not loss terms
    ``_after_fit()``                 derive fitted attributes once training has ended
    ``_extra_state()``               fitted arrays beyond ``params_`` to save; names in ``_state``

Declared data: ``_parameters`` (the family's hyperparameters, see
:mod:`npae.estimator.hyperparams`), ``_examples`` (small configurations: ``npae
gradcheck`` uses the first, the shared test suite ``tests/families/test_families.py``
checks them all), ``_state`` (names of saved fitted attributes),
``_diagnostics`` (history entries that are not loss terms), ``_uses_labels``,
``_loss_unit`` (the loss's unit in the progress lines, e.g. "nats/sample").
The walkthrough ``docs/adding_a_family.md`` adds a family step by step.
"""

from __future__ import annotations

import abc

import numpy as np

from .._validation import check_array, check_output, check_rng, not_fitted
from .hyperparams import Hyperparameters
from .settings import TRAINING_SETTINGS, document_training_settings
from ..nn import batch as batch_ops
from ..nn import get_ops
from .params import FlatParams
from ..terms.penalties import weight_decay
from . import fitting, training
from .fitting import Fitting
from .inference import Inference
from .training import ParamGroup

__all__ = ["BaseAutoencoder"]

_DTYPES = {"float64": np.float64, "float32": np.float32}


class BaseAutoencoder(Fitting, Inference, Hyperparameters, abc.ABC):
    """The shared estimator; subclass it to write a family (see the module docstring).

    Training settings: every family has those of :mod:`npae.estimator.settings`,
    listed in its docstring's *Other Parameters* section (generated from the
    declarations, with the family's own defaults).
    """

    #: the training settings of every family, declared and documented in one place
    _parameters_last = TRAINING_SETTINGS

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        document_training_settings(cls)  # the family's docstring lists them; it cannot drift

    #: small configurations of the family (settings dicts) for checks and tests
    _examples = ({},)
    #: fitted attributes (beyond params_) that save() stores and load() restores
    _state = ()
    #: history entries that are diagnostics, not loss terms (kept out of the total)
    _diagnostics = ()
    #: True when fit() needs labels
    _uses_labels = False
    #: the unit of the loss in the progress lines: a str, or a dict keyed by the ``loss`` setting
    _loss_unit = {"mse": "½‖x−x̂‖²/sample", "bce": "−log p/sample"}
    #: the setting that selects a Bernoulli likelihood and the remedy the [0, 1] error names
    _bernoulli_setting = ("loss='bce'", "use loss='mse'")

    # ------------------------------------------------------------ the contract
    @abc.abstractmethod
    def _build(self, n_features, y=None):
        """Create the networks (fitted attributes such as ``encoder_``) for data with
        ``n_features`` columns; return ``{param name: shape}`` in a fixed order
        (groups trained by separate optimizers must be contiguous)."""

    @abc.abstractmethod
    def _init_params(self, rng):
        """Initial values ``{name: array}`` for the names ``_build`` returned, from ``rng``."""

    @abc.abstractmethod
    def _loss(self, params, X, y, rng, ops, grads):
        """The family's loss on a batch: forward pass, terms, backward pass.

        Return ``{term name: value}`` (the loss is their sum) and *add* the
        gradient of every term into ``grads`` (a dict keyed like ``params``).
        ``ops`` is the batch or the reference path (:func:`npae.nn.get_ops`);
        every random draw comes from ``rng``.  Weight decay is added by the base.
        """

    @abc.abstractmethod
    def _encode(self, params, X):
        """Codes of validated rows ``X`` (n, d) -> (n, code_size), deterministic."""

    @abc.abstractmethod
    def _decode(self, params, Z):
        """Reconstructions (means) from codes (n, code_size) -> (n, d)."""

    @abc.abstractmethod
    def _code_size(self):
        """The number of code units."""

    # ---------------------------------------------------------- optional hooks
    def _check_settings(self):
        """Rules between several hyperparameters (each one alone is checked from ``_parameters``)."""

    def _validate_y(self, y, n_samples, fitting=False):
        """Labels: ignored by unsupervised families (overridden by labelled ones)."""
        return None

    def _needs_unit_interval(self):
        """True when the targets must lie in [0, 1] (a Bernoulli likelihood)."""
        return getattr(self, "loss", None) == "bce"

    def _prepare_fit(self, X, y):
        """Called with the validated training data once the parameters are drawn."""

    def _prepare_warm(self, X, y, previous):
        """``_prepare_fit`` for a model that continues ``previous``'s parameters (a warm
        start, or partial_fit after fit); default the same.  Families that pretrain (DEC,
        VaDE) keep the fitted model instead of pretraining afresh over it."""
        self._prepare_fit(X, y)

    def _carry(self, previous, *names):
        """Copy the fitted attributes ``names`` that ``previous`` has (a warm start)."""
        self.__dict__.update({k: getattr(previous, k) for k in names if hasattr(previous, k)})

    def _continue_fit(self, X, y):
        """A later ``partial_fit`` call: its validated chunk stands for the training data
        that ``_prepare_fit`` stored for the epoch hooks and ``_after_fit`` (default: none)."""

    def _epoch_start(self, epoch):
        """Called before every epoch (schedules)."""

    def _should_stop(self):
        """Checked after ``_epoch_start``: True ends training (a convergence rule such as
        DEC's fraction of changed assignments); default never."""
        return False

    def _param_groups(self):
        """Parameter groups with their own optimizer (default: one, every parameter)."""
        return [ParamGroup(tuple(self._flat.shapes), self.learning_rate)]

    def _phase_loss(self, phase, params, X, y, rng, ops, grads):
        """The loss a training phase follows (default: the one phase "loss" = ``_loss``)."""
        return self._loss(params, X, y, rng, ops, grads)

    def _epoch_diagnostics(self):
        """{name: value} recorded in ``history_`` after every epoch (not loss terms)."""
        return {}

    def _after_fit(self):
        """Called once training has ended (derive fitted attributes)."""

    def _extra_state(self):
        """Fitted arrays beyond ``params_`` to save: by default the ``_state`` attributes."""
        return {k: np.asarray(getattr(self, k)) for k in self._state}

    def _set_extra_state(self, state):
        """Restore what ``_extra_state`` saved (``load`` passes only ``_state`` names)."""
        for k, v in state.items():
            setattr(self, k, v)

    # ---------------------------------------------------------------- settings
    @property
    def _dtype(self):
        d = self.dtype
        return _DTYPES[d if isinstance(d, str) else np.dtype(d).name]

    def _validate_params(self):
        super()._validate_params()
        fitting.check_training_settings(self)
        self._check_settings()

    def _validate_X(self, X, name="X", fitting=False, targets=True):
        """``X`` checked and cast; ``targets=False`` where no likelihood of ``X`` is evaluated
        (encoding, reconstructing): the [0, 1] rule of a Bernoulli likelihood then does
        not apply, so that e.g. MinMaxScaler -> Autoencoder(loss="bce") transforms test
        rows slightly outside the training range."""
        n_features = None if fitting else self.n_features_in_
        return check_array(X, name=name, dtype=self._dtype, n_features=n_features,
                           unit_interval=targets and self._needs_unit_interval(),
                           bernoulli_setting=self._bernoulli_setting,
                           estimator=type(self).__name__)

    def _check_fitted(self):
        if not hasattr(self, "params_"):
            raise not_fitted(
                f"this {type(self).__name__} is not fitted yet; call fit(X) first "
                "(or initialize(X) to allocate parameters without training)"
            )

    def _allocate(self, shapes, values):
        """One flat buffer for every parameter; ``params_`` are named views into it."""
        self._flat = FlatParams(shapes, self._dtype)
        if values is not None:
            self._flat.assign(values)
        self.params_ = self._flat.views
        self._trainer = None  # the optimizers of step(): new parameters, fresh optimizer state
        self._weight_names = [k for k in shapes if k.endswith(".W")]

    # --------------------------------------------------------------- objective
    def _total(self, terms):
        """The loss: the sum of the terms that are not diagnostics."""
        return float(sum(v for k, v in terms.items() if k not in self._diagnostics))

    def _objective(self, params, X, y, rng, ops, grads):
        """Every term of the loss (family terms + weight decay); gradients added into ``grads``."""
        terms = self._loss(params, X, y, rng, ops, grads)
        if self.weight_decay:
            terms["weight_decay"] = weight_decay(params, self._weight_names, self.weight_decay, grads)
        return terms

    def loss_and_grads(self, X, y=None, rng=None, vectorized=True):
        """Loss and its gradient with respect to every parameter, at the current parameters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), optional
            Labels, for families that use them.
        rng : int, np.random.Generator or None
            Source of every random draw in the loss (noise, epsilon, ...).
            Pass the same int twice to hold the draw fixed (gradient checks).
        vectorized : bool
            True: the batch path; False: the per-example reference path.

        Returns
        -------
        loss : float
        grads : dict name -> ndarray, same keys and shapes as ``params_``
        """
        self._check_fitted()
        X = self._validate_X(X)
        y = self._validate_y(y, X.shape[0])
        grads = {k: np.zeros_like(v) for k, v in self.params_.items()}
        with np.errstate(over="ignore", invalid="ignore"):
            terms = self._objective(self.params_, X, y, check_rng(rng), get_ops(vectorized), grads)
        loss = check_output(self._dtype, self._total(terms), "loss", X)
        for g in grads.values():
            check_output(self._dtype, g, "gradient", X)
        return loss, grads

    def loss_terms(self, X, y=None, rng=None, vectorized=True):
        """Each term of the loss as it enters it (weights included); they sum to the loss.

        Returns
        -------
        dict term name -> float
        """
        self._check_fitted()
        X = self._validate_X(X)
        y = self._validate_y(y, X.shape[0])
        with np.errstate(over="ignore", invalid="ignore"):
            terms = self._objective(self.params_, X, y, check_rng(rng), get_ops(vectorized), {})
        return {k: float(check_output(self._dtype, v, f"{k} term", X)) for k, v in terms.items()}

    # ------------------------------------------------------------ one step
    def step(self, X, y=None, rng=None):
        """One training step on a minibatch: forward, loss, backward, one optimizer update.

        This is the step ``fit`` and ``partial_fit`` take for every minibatch (they
        call :meth:`_step` below, on data they have validated once), so what you
        read here is what runs.  The optimizers (``optimizer``, ``learning_rate``)
        are created on the first call and keep their state (Adam's moments)
        between calls; drawing new parameters (``initialize``, ``fit``) resets them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The minibatch.
        y : array-like of shape (n_samples,), optional
            Labels, for families that use them.
        rng : int, np.random.Generator or None
            Source of the step's random draws (noise, ε, ...).

        Returns
        -------
        terms : dict term name -> float
            Each term of the loss at the parameters *before* the update.

        Examples
        --------
        >>> ae = npae.Autoencoder(hidden=(8,), latent_dim=4).initialize(X)   # doctest: +SKIP
        >>> for Xb in np.array_split(X, 10):                      # doctest: +SKIP
        ...     terms = ae.step(Xb)
        """
        self._check_fitted()
        X = self._validate_X(X)
        y = self._validate_y(y, X.shape[0])
        if getattr(self, "_trainer", None) is None:
            self._trainer = training.Trainer(self)  # one optimizer per parameter group
        return self._step(self._trainer, X, y, check_rng(rng))

    def _step(self, trainer, X, y, rng):
        """The step itself on validated data; ``trainer`` holds the optimizers and buffers."""
        params, theta, grads = self.params_, self._flat.flat, trainer.grads
        terms = {}
        # The batch path reuses last step's arrays (npae.nn.batch.Workspace);
        # plain NumPy would allocate them afresh.
        with trainer.workspace.step():
            # Most families have one phase ("loss") and one group (every parameter);
            # the AAE has three phases, the concrete AE two groups (npae.estimator.training).
            for phase, groups in trainer.phases.items():
                for rep in range(trainer.repeats[phase]):
                    grads.flat.fill(0.0)
                    # forward, loss terms, backward: the family's maths (its ``_loss``)
                    t = self._phase_loss(phase, params, X, y, rng, batch_ops, grads.views)
                    decays = [weight_decay(params, wd, self.weight_decay, grads.views)
                              for _, _, wd in groups if wd and self.weight_decay]
                    if rep == 0:  # later runs see a batch the group has just stepped on
                        terms.update(t)
                        if decays:  # summed over the phases
                            terms["weight_decay"] = terms.get("weight_decay", 0.0) + sum(decays)
                    for s, opt, _ in groups:
                        opt.step(theta[s], grads.flat[s])  # θ ← θ − η · update(∂L/∂θ)
        return {k: float(v) for k, v in terms.items()}  # nothing outlives the step's buffers
