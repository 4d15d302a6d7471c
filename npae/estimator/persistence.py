"""Saving and loading models: ``.npz`` arrays + JSON metadata, never pickle.

Format 2 (this version) records the family's registry key; format-1 files
(which recorded the bare class name) still load, through the registry's
stock classes.  ``save`` is atomic: it writes a temporary file in the target
folder, flushes and fsyncs it, then moves it over the target with
``os.replace``, so an interrupted or failed save never destroys an existing
file; the temporary files of killed saves are removed by the next save into
that folder, and the file's mode follows the umask (:mod:`npae.estimator._atomic`).
"""

from __future__ import annotations

import json
import numbers
import os
import warnings
import zipfile

import numpy as np

from .._version import __version__
from . import schedules
from .hyperparams import LayerSizes
from .registry import families, family_key, get_family
from ._atomic import write_atomic
from ._safe_npz import SafeNpz, UnsafeArchive

__all__ = ["save", "load", "FORMAT_VERSION"]

FORMAT_VERSION = 2

#: settings that are inputs of a fit, not part of the model: saved as None
_TRAINING_INPUTS = ("validation_data", "callbacks")


def _check_target(path):
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot save to {path!r}: it is a directory; pass a file name "
                                "such as 'model.npz'")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path!r}: the folder {folder!r} does not exist; "
                                "create it first")
    return path, folder


def save(model, path):
    """Write ``model`` to ``path`` atomically (see the module docstring); returns ``path``."""
    model._check_fitted()
    key = family_key(type(model))
    if key is None:
        raise TypeError(
            f"{type(model).__name__} is not a registered family, so npae.load could not find it "
            "again; register it with @npae.estimator.registry.register('my_key')"
        )
    target, folder = _check_target(path)
    hyper, dropped = {}, []
    for k, v in model.get_params().items():
        # The held-out set is a training input, not part of the model (as JSON
        # it would cost ~80 bytes per value).
        hyper[k] = None if k in _TRAINING_INPUTS else _jsonable(v)
        if k == "callbacks":  # functions, by nature not saved: no warning (every checkpoint would)
            continue
        if hyper[k] is None and v is not None:
            dropped.append(f"{k} ({type(v).__name__})")
    if dropped:
        warnings.warn("saved as None (not part of the model, or not representable in the file): "
                      + ", ".join(dropped), UserWarning, stacklevel=3)
    meta = {
        "format": "npae-model",
        "format_version": FORMAT_VERSION,
        "npae_version": __version__,
        "family": key,
        "class": type(model).__name__,
        "hyperparameters": hyper,
        "n_features_in": int(model.n_features_in_),
        "history": {k: (list(map(float, v)) if isinstance(v, list) else bool(v))
                    for k, v in model.history_.items()},
    }
    arrays = {f"param:{k}": np.asarray(v) for k, v in model.params_.items()}
    arrays.update({f"state:{k}": np.asarray(v) for k, v in model._extra_state().items()})
    arrays["__meta__"] = np.array(json.dumps(meta))
    # atomic; stale temporary files of killed saves removed; mode from the umask
    write_atomic(target, folder, lambda fh: np.savez(fh, **arrays))
    return path


def _jsonable(value):
    """Hyperparameters as JSON; None for values that cannot round-trip."""
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.name}
    if isinstance(value, tuple):
        return {"__tuple__": [_jsonable(v) for v in value]}
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, type) and issubclass(value, np.floating):
        return np.dtype(value).name
    if type(value) in schedules.SCHEDULES.values():  # its settings are plain numbers
        return {"__schedule__": type(value).__name__, "settings": vars(value)}
    return None  # Generators, optimizer objects, validation arrays


#: dtypes a hyperparameter array may declare in the metadata
_JSON_DTYPES = ("float64", "float32", "int64", "int32", "bool")


def _from_json(value):
    if isinstance(value, dict) and "__ndarray__" in value:
        if set(value) != {"__ndarray__", "dtype"} or value["dtype"] not in _JSON_DTYPES:
            raise ValueError(f"an array hyperparameter must be {{'__ndarray__': [...], 'dtype': "
                             f"one of {list(_JSON_DTYPES)}}}, got keys {sorted(value)}")
        return np.asarray(value["__ndarray__"], dtype=value["dtype"])
    if isinstance(value, dict) and set(value) == {"__tuple__"} \
            and isinstance(value["__tuple__"], list):
        return tuple(_from_json(v) for v in value["__tuple__"])
    if isinstance(value, dict) and set(value) == {"__schedule__", "settings"} \
            and isinstance(value["settings"], dict):
        by_name = {cls.__name__: cls for cls in schedules.SCHEDULES.values()}
        if value["__schedule__"] not in by_name:
            raise ValueError(f"unknown learning-rate schedule {value['__schedule__']!r}")
        return by_name[value["__schedule__"]](**value["settings"])
    if isinstance(value, dict):
        raise ValueError(f"unexpected object {sorted(value)} among the hyperparameters")
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def _unreadable(path, exc):
    return ValueError(
        f"{path!s} is not a readable npae model file ({type(exc).__name__}: {exc}); "
        "it may be truncated or not saved by npae's save()"
    )


def _family_class(meta, path):
    if meta.get("format_version", 0) >= 2:
        try:
            cls = get_family(meta.get("family"))
        except ValueError as exc:
            raise ValueError(f"{path!s}: {exc}") from None
        if cls.__name__ != meta.get("class"):
            raise ValueError(f"{path!s} holds an unknown model class {meta.get('class')!r} "
                             f"(family {meta.get('family')!r} is {cls.__name__})")
        return cls
    # Format 1 named the class only: resolve it among the registered stock classes.
    by_name = {cls.__name__: cls for cls in families().values()}
    cls = by_name.get(meta.get("class"))
    if cls is None:
        raise ValueError(f"{path!s} holds an unknown model class {meta.get('class')!r}")
    return cls


#: the largest metadata string read (as UCS-4 bytes): far beyond any real history
MAX_META_BYTES = 64 * 2**20

#: the metadata's keys and their JSON types (format 1 had no "family")
_SCHEMA = {"format": str, "format_version": int, "npae_version": str, "family": str,
           "class": str, "hyperparameters": dict, "n_features_in": int, "history": dict}

#: hyperparameters that count units (each unit has at least one stored parameter)
_SIZE_NAMES = ("latent_dim", "n_selected", "n_components", "k")


def _check_meta(meta, path):
    """The metadata against ``_SCHEMA``: every key, no other, each of its type."""
    if not isinstance(meta, dict) or meta.get("format") != "npae-model":
        raise ValueError(f"{path!s} is not an npae model file")
    version = meta.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"{path!s}: format_version must be a positive int, got {version!r}")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{path!s} was saved with format version {version}, newer than "
            f"this npae supports ({FORMAT_VERSION}); upgrade npae"
        )
    expected = set(_SCHEMA) - ({"family"} if version == 1 else set())
    if set(meta) != expected:
        raise ValueError(f"{path!s}: damaged metadata: missing keys {sorted(expected - set(meta))}, "
                         f"unexpected keys {sorted(set(meta) - expected)}")
    for key, kind in _SCHEMA.items():
        value = meta.get(key, "")
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"{path!s}: damaged metadata: {key!r} must be a JSON "
                             f"{kind.__name__}, got {type(value).__name__}")
    for name, values in meta["history"].items():
        ok = isinstance(values, bool) if name == "interrupted" else (
            isinstance(values, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                             for v in values))
        if not ok:
            raise ValueError(f"{path!s}: damaged metadata: history entry {name!r} must be a "
                             "list of numbers")


def _read_meta(archive, path):
    member = archive.members.get("__meta__")
    if member is None:
        raise ValueError(f"{path!s} is an .npz file but not an npae model (no metadata)")
    if member.dtype.kind != "U" or member.shape != () or member.data_bytes > MAX_META_BYTES:
        raise ValueError(f"{path!s}: damaged metadata: expected one string of at most "
                         f"{MAX_META_BYTES // 4} characters, got {member.dtype} of shape "
                         f"{member.shape}")
    try:
        meta = json.loads(str(archive.read(member)[()]))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path!s}: damaged metadata ({exc})") from exc
    _check_meta(meta, path)
    return meta


def _members(archive, prefix, path):
    return {k[len(prefix):]: m for k, m in archive.members.items() if k.startswith(prefix)}


def _check_sizes(model, meta, params, path):
    """Sizes in the metadata that could not fit in the stored parameters are refused
    before ``_build`` (so that a forged ``hidden=(10**12,)`` allocates nothing)."""
    budget = sum(int(np.prod(m.shape, dtype=object)) for m in params.values())
    # A convolutional model shares its kernels over the pixels: its inputs may outnumber its
    # parameters, and its _build allocates nothing of the input's size.
    shared = getattr(type(model), "_kernels_shared_over_inputs", False)
    sizes = {} if shared else {"n_features_in": meta["n_features_in"]}
    for name, p in model._hyperparameters.items():
        value = getattr(model, name)
        if name in _SIZE_NAMES or any(isinstance(c, LayerSizes) for c in p.constraints):
            for i, v in enumerate(np.ravel(np.asarray(value, dtype=object))):
                if isinstance(v, numbers.Integral):
                    sizes[f"{name}[{i}]"] = int(v)
    for name, v in sizes.items():
        if not 1 <= v <= max(budget, 1):
            raise ValueError(f"{name} = {v} cannot be right: the file stores {budget} parameter "
                             "values in all")


def _read_params(archive, model, shapes, params, path):
    """Each parameter's declared shape and dtype checked against ``shapes`` before reading."""
    missing, extra = set(shapes) - set(params), set(params) - set(shapes)
    if missing or extra:
        raise ValueError(f"parameter names do not match: missing {sorted(missing)}, "
                         f"unexpected {sorted(extra)}")
    dtype = np.dtype(model._dtype)
    for name, m in params.items():
        if m.dtype != dtype:
            raise ValueError(f"parameter {name!r} holds {m.dtype} values; this model's dtype "
                             f"is {dtype} (native byte order)")
        if m.shape != tuple(shapes[name]):
            raise ValueError(f"parameter {name!r} has shape {m.shape}, expected "
                             f"{tuple(shapes[name])}")
    values = {}
    for name, m in params.items():
        values[name] = v = archive.read(m)
        if not np.all(np.isfinite(v)):
            raise ValueError(f"parameter {name!r} must hold finite floats, got values that are "
                             "not finite")
    return values


def _read_state(archive, cls, state):
    unknown = set(state) - set(cls._state)
    if unknown:
        raise ValueError(f"unexpected fitted state {sorted(unknown)}; {cls.__name__} "
                         f"saves {list(cls._state)}")
    out = {}
    for name, m in state.items():
        if m.dtype.kind not in "fiubU" or m.dtype.byteorder == ">" or len(m.shape) > 3:
            raise ValueError(f"fitted state {name!r} holds unsupported {m.dtype} values of "
                             f"shape {m.shape}")
        out[name] = v = archive.read(m)
        if v.dtype.kind == "f" and not np.all(np.isfinite(v)):
            raise ValueError(f"fitted state {name!r} holds values that are not finite")
    return out


def load(path):
    """Load a model saved with ``save``.  Never unpickles anything.

    Nothing is trusted: the metadata is checked against a schema (its keys and
    their types, a family known to the registry, the format version, only
    that family's hyperparameters and fitted-state names); each array's
    shape and dtype are read from its ``.npy`` header and checked against the
    shapes the metadata implies *before* its data are read, with sizes
    bounded by the file's own size (see :mod:`npae.estimator._safe_npz`); the
    weights must be finite floats of the model's dtype.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        The file is not an npae model, is damaged or truncated, was written by
        a newer format version, or holds values that do not fit its family.
    """
    if not os.path.isfile(path):
        if os.path.isdir(path):
            raise IsADirectoryError(f"{path!s} is a directory, not a model file")
        raise FileNotFoundError(f"no such model file: {path!s}")
    try:
        archive = SafeNpz(path)
    except UnsafeArchive as exc:
        raise _unreadable(path, exc) from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        with open(path, "rb") as fh:
            if fh.read(6) == b"\x93NUMPY":
                raise ValueError(f"{path!s} is not a readable npae model file: it holds a single "
                                 "array (.npy), not the .npz archive that model.save() writes"
                                 ) from None
        raise _unreadable(path, exc) from exc
    with archive:
        try:
            meta = _read_meta(archive, path)
        except (UnsafeArchive, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise _unreadable(path, exc) from exc
        foreign = [k for k in archive.members
                   if k != "__meta__" and not k.startswith(("param:", "state:"))]
        if foreign:
            raise ValueError(f"{path!s}: damaged or inconsistent model file: unexpected "
                             f"arrays {sorted(foreign)}")
        cls = _family_class(meta, path)
        params = _members(archive, "param:", path)
        try:
            hyper = {k: _from_json(v) for k, v in meta["hyperparameters"].items()}
            # files of earlier versions: old names mapped, silently (the file used them,
            # not the user)
            hyper = cls._upgrade_settings(hyper, warn=False)
            unknown = set(hyper) - set(cls._hyperparameters)
            if unknown:
                raise ValueError(f"unknown hyperparameters {sorted(unknown)} for {cls.__name__}")
            model = cls(**hyper)
            model._validate_params()
            _check_sizes(model, meta, params, path)
            model._set_extra_state(_read_state(archive, cls, _members(archive, "state:", path)))
            model.n_features_in_ = meta["n_features_in"]
            shapes = model._build(model.n_features_in_, None)
            model._allocate(shapes, _read_params(archive, model, shapes, params, path))
            model.history_ = {k: (list(map(float, v)) if isinstance(v, list) else v)
                              for k, v in meta["history"].items()}
        except (UnsafeArchive, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise _unreadable(path, exc) from exc
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise ValueError(
                f"{path!s}: the model file is damaged or inconsistent ({type(exc).__name__}: "
                f"{exc}); save the model again with this npae version"
            ) from exc
    return model
