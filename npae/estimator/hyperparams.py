"""Hyperparameters declared as data: one declaration gives ``__init__``,
``get_params``/``set_params``, ``repr`` and validation.

A family writes its own settings once, in its class body::

    class ContractiveAutoencoder(Autoencoder):
        _parameters = {"lam": Param(0.1, Interval("real", 0, None))}

and inherits everything else (its parent's settings and the training settings
of :class:`npae.estimator.base.BaseAutoencoder`).  From the merged declarations
the class gets a keyword-only ``__init__`` that only stores the values
(scikit-learn's rule), with a real signature (``inspect.signature`` and
``help()`` show every setting and default, so ``sklearn.base.clone``,
``Pipeline`` and ``GridSearchCV`` work), and ``_validate_params()``, called
by ``fit``, checks every value against its constraints.  Why this mechanism
and not a hand-written ``__init__`` per family: see ``docs/adding_a_family.md``.

Constraints follow scikit-learn's ``_parameter_constraints``: a value is valid
when *any* of its parameter's constraints accepts it; the error lists them all.
Booleans are never numbers here (``True`` is not an int of 1) and strings are
never booleans (``tied='False'`` is refused).
"""

from __future__ import annotations

import inspect
import numbers
import os
import warnings as _warnings

import numpy as np

__all__ = ["Param", "Interval", "Options", "Boolean", "NoneValue", "LayerSizes",
           "HasMethods", "RandomState", "ArrayLike", "PositivePair", "FloatDtype", "Callables",
           "PathLike", "IntTuple",
           "InvalidParameterError", "Hyperparameters"]


class InvalidParameterError(ValueError, TypeError):
    """A hyperparameter of the wrong type or out of range (both a ValueError and a TypeError)."""


# ----------------------------------------------------------------- constraints
class Interval:
    """A number of a kind ("int" or "real") in an interval; None bounds are infinite.

    ``closed`` is "both", "left", "right" or "neither".  Reals must be finite.
    """

    def __init__(self, kind, left=None, right=None, closed="both"):
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def is_satisfied_by(self, v):
        if isinstance(v, (bool, np.bool_)):
            return False
        if self.kind == "int" and not isinstance(v, numbers.Integral):
            return False
        if not isinstance(v, numbers.Real) or not np.isfinite(v):
            return False
        lo_ok = self.left is None or v > self.left or (v == self.left and self.closed in ("both", "left"))
        hi_ok = self.right is None or v < self.right or (v == self.right and self.closed in ("both", "right"))
        return bool(lo_ok and hi_ok)

    def __str__(self):
        what = "an integer" if self.kind == "int" else "a finite number"
        if self.left is None and self.right is None:
            return what
        if self.right is None:
            return f"{what} {'>=' if self.closed in ('both', 'left') else '>'} {self.left:g}"
        if self.left is None:
            return f"{what} {'<=' if self.closed in ('both', 'right') else '<'} {self.right:g}"
        lb = "[" if self.closed in ("both", "left") else "("
        rb = "]" if self.closed in ("both", "right") else ")"
        return f"{what} in {lb}{self.left:g}, {self.right:g}{rb}"


class Options:
    """One of a fixed set of strings."""

    def __init__(self, *values):
        self.values = values

    def is_satisfied_by(self, v):
        return isinstance(v, str) and v in self.values

    def __str__(self):
        return f"one of {sorted(self.values)}"


class Boolean:
    def is_satisfied_by(self, v):
        return isinstance(v, (bool, np.bool_))

    def __str__(self):
        return "a bool (True or False)"


class NoneValue:
    def is_satisfied_by(self, v):
        return v is None

    def __str__(self):
        return "None"


class LayerSizes:
    """An int or a tuple/list of positive ints (``allow_empty``: also ``()``)."""

    def __init__(self, allow_empty=False):
        self.allow_empty = allow_empty

    def is_satisfied_by(self, v):
        def is_size(s):
            return isinstance(s, numbers.Integral) and not isinstance(s, (bool, np.bool_)) and s >= 1
        if is_size(v):
            return True
        if isinstance(v, np.ndarray) and v.ndim == 1 and v.dtype.kind in "iu":
            v = v.tolist()
        if not isinstance(v, (tuple, list)):
            return False
        return (self.allow_empty or len(v) > 0) and all(is_size(s) for s in v)

    def __str__(self):
        return "an int or a tuple of positive ints" + (" (or ())" if self.allow_empty else "")



class IntTuple:
    """An int >= ``minimum`` (``scalar``: standing for all ``length`` entries) or a
    tuple/list of ``length`` such ints, e.g. a kernel size 5 or (5, 3)."""

    def __init__(self, length, minimum, scalar=True):
        self.length, self.minimum, self.scalar = length, minimum, scalar

    def is_satisfied_by(self, v):
        def ok(s):
            return isinstance(s, numbers.Integral) and not isinstance(s, (bool, np.bool_)) \
                and s >= self.minimum
        if self.scalar and ok(v):
            return True
        return isinstance(v, (tuple, list)) and len(v) == self.length and all(ok(s) for s in v)

    def __str__(self):
        what = f"a tuple of {self.length} integers >= {self.minimum}"
        return f"an integer >= {self.minimum} or {what}" if self.scalar else what


class HasMethods:
    """An object with the given methods (e.g. an optimizer instance with ``step``)."""

    def __init__(self, *methods):
        self.methods = methods

    def is_satisfied_by(self, v):
        return not isinstance(v, (str, type)) and all(callable(getattr(v, m, None)) for m in self.methods)

    def __str__(self):
        return "an object with method(s) " + ", ".join(f"{m}()" for m in self.methods)


class RandomState:
    """An int seed, None, a ``np.random.Generator`` or a ``SeedSequence``."""

    def is_satisfied_by(self, v):
        return v is None or isinstance(v, (np.random.Generator, np.random.SeedSequence)) or (
            isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) and v >= 0)

    def __str__(self):
        return "an int seed >= 0, None or a np.random.Generator"


class ArrayLike:
    """A NumPy array, list or tuple (validated further where it is used)."""

    def is_satisfied_by(self, v):
        return isinstance(v, (np.ndarray, list, tuple)) and not isinstance(v, np.ma.MaskedArray)

    def __str__(self):
        return "an array-like"


class PositivePair:
    """A pair (a, b) of finite real numbers > 0, e.g. a temperature schedule (start, end)."""

    def is_satisfied_by(self, v):
        real = Interval("real", 0, None, closed="neither")
        return isinstance(v, (tuple, list)) and len(v) == 2 and all(real.is_satisfied_by(t) for t in v)

    def __str__(self):
        return "a pair (start, end) of real numbers > 0"


class Callables:
    """A list or tuple of callables (e.g. training callbacks)."""

    def is_satisfied_by(self, v):
        return isinstance(v, (list, tuple)) and all(callable(f) for f in v)

    def __str__(self):
        return "a list of callables"


class PathLike:
    """A file path: a str or an os.PathLike."""

    def is_satisfied_by(self, v):
        return isinstance(v, (str, os.PathLike))

    def __str__(self):
        return "a file path (str or os.PathLike)"


class FloatDtype:
    """'float64' or 'float32' (or the numpy types / dtypes of those names)."""

    def is_satisfied_by(self, v):
        if isinstance(v, str):
            return v in ("float64", "float32")
        try:
            return v in (np.float64, np.float32) or (isinstance(v, np.dtype) and v.name in ("float64", "float32"))
        except TypeError:
            return False

    def __str__(self):
        return "'float64' or 'float32'"


class Param:
    """A hyperparameter: its default and the constraints a value must meet (any one).

    Declared without constraints in a subclass, it overrides only the default
    of an inherited parameter (e.g. ``"epochs": Param(50)``).
    """

    def __init__(self, default, *constraints, doc=None):
        self.default = default
        self.constraints = constraints
        self.doc = doc  # (type, description) for a generated docstring section, or None

    def describe(self):
        return " or ".join(str(c) for c in self.constraints)


# ----------------------------------------------------------------- the mixin
class Hyperparameters:
    """Estimator plumbing from ``_parameters`` declarations (see the module docstring).

    Class attributes: ``_parameters`` (this class's own declarations),
    ``_parameters_last`` (declarations that close the signature, e.g. the
    training settings shared by every family) and ``_renamed`` ({old name: new
    name} of settings renamed in this class).  The merged, ordered result is
    ``cls._hyperparameters`` (name -> Param); ``cls._renames`` merges the renames.

    A class may not redeclare a shared (``_parameters_last``) setting with
    constraints of its own: that would give one name two meanings (DEC's
    assignment tolerance once shared ``tol`` with early stopping).  It may
    move its default (a declaration without constraints).
    """

    _parameters: dict = {}
    _parameters_last: dict = {}
    _renamed: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._hyperparameters = _merge(cls)
        cls._renames = {}
        for klass in reversed(cls.__mro__):
            cls._renames.update(klass.__dict__.get("_renamed", {}))
        if "__init__" not in cls.__dict__:
            cls.__init__ = _make_init(cls)

    @classmethod
    def _upgrade_settings(cls, settings, warn=True):
        """Settings written with old names, as a dict with the current names.

        ``warn``: a ``FutureWarning`` naming the new name for each old one (a
        user's call); ``load`` passes False (the file, not the user, used the
        old name).  Families extend this for a change of meaning (see
        :class:`npae.Autoencoder`'s ``hidden``).
        """
        settings = dict(settings)
        for old, new in cls._renames.items():
            if old not in settings:
                continue
            if new in settings:
                raise TypeError(f"{cls.__name__}: {old!r} is the old name of {new!r}; pass "
                                f"only {new!r}")
            if warn:
                _warnings.warn(f"{cls.__name__}: the setting {old!r} is now called {new!r} "
                               f"(npae 0.3); the old name will stop working in npae 0.4",
                               FutureWarning, stacklevel=4)
            settings[new] = settings.pop(old)
        return settings

    @classmethod
    def _get_param_names(cls):
        return list(cls._hyperparameters)

    def get_params(self, deep=True):
        """Hyperparameters as a dict (scikit-learn convention)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set hyperparameters; unknown names raise a ValueError. Returns self."""
        valid = self._get_param_names()
        if any(old in params for old in self._renames):  # old names: mapped, with a FutureWarning
            # (the base rule only: here ``hidden`` is read in its current meaning)
            params = Hyperparameters._upgrade_settings.__func__(type(self), params)
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}; "
                                 f"valid: {valid}")
            setattr(self, key, value)
        return self

    def __repr__(self):
        changed = []
        for name, p in self._hyperparameters.items():
            v = getattr(self, name)
            try:
                same = v is p.default or (type(v) is type(p.default) and bool(v == p.default))
            except Exception:  # arrays compare elementwise
                same = False
            if not same:
                changed.append(f"{name}=array{v.shape}" if isinstance(v, np.ndarray) else f"{name}={v!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def _validate_params(self):
        """Check every hyperparameter against its declared constraints."""
        for name, p in self._hyperparameters.items():
            value = getattr(self, name)
            if p.constraints and not any(c.is_satisfied_by(value) for c in p.constraints):
                raise InvalidParameterError(
                    f"{type(self).__name__}: {name} must be {p.describe()}, got {value!r}"
                    + (" (a string)" if isinstance(value, str) and p.constraints
                       and not any(isinstance(c, Options) for c in p.constraints) else "")
                )


def _merge(cls):
    """Merged declarations: the own ones first (base classes' before subclasses'),
    then the ``_parameters_last`` ones; a redeclaration without constraints only
    moves the default; a shared setting redeclared with constraints is refused."""
    own, last = {}, {}
    for klass in reversed(cls.__mro__):
        for target, attr in ((own, "_parameters"), (last, "_parameters_last")):
            for name, p in klass.__dict__.get(attr, {}).items():
                prev = own.get(name) or last.get(name)
                if prev is not None and not p.constraints:
                    p = Param(p.default, *prev.constraints, doc=prev.doc)
                elif name in last and attr == "_parameters":
                    raise TypeError(
                        f"{klass.__name__} redeclares the shared setting {name!r} with "
                        f"constraints of its own; one name, one meaning: give the family's "
                        f"setting its own name (declare {name!r}: Param(default) without "
                        "constraints to change only its default)")
                (last if name in last else own if name in own else target)[name] = p
    return {**own, **last}


def _make_init(cls):
    """A keyword-only ``__init__`` that stores each setting verbatim, with a real signature."""
    params = cls._hyperparameters

    def __init__(self, **kwargs):
        kwargs = type(self)._upgrade_settings(kwargs)  # old names -> new, with a FutureWarning
        unknown = sorted(set(kwargs) - set(params))
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s) "
                            f"{unknown}; valid: {list(params)}")
        for name, p in params.items():
            setattr(self, name, kwargs.get(name, p.default))

    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=p.default)
           for n, p in params.items()])
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__doc__ = f"Store the hyperparameters of {cls.__name__} (see the class docstring)."
    return __init__
