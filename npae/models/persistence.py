"""Saving and loading models: ``.npz`` arrays + JSON metadata, never pickle.

Format 2 (this version) records the family's registry key; format-1 files
(which recorded the bare class name) still load, through the registry's
stock classes.  ``save`` is atomic: it writes a temporary file in the target
folder, flushes and fsyncs it, then moves it over the target with
``os.replace``, so an interrupted or failed save never destroys an existing
file.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings

import numpy as np

from .. import __version__, schedules
from ..registry import families, family_key, get_family

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
            "again; register it with @npae.registry.register('my_key')"
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
    fd, tmp = tempfile.mkstemp(prefix=".npae-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
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


def _from_json(value):
    if isinstance(value, dict) and "__ndarray__" in value:
        return np.asarray(value["__ndarray__"], dtype=value["dtype"])
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_from_json(v) for v in value["__tuple__"])
    if isinstance(value, dict) and "__schedule__" in value:
        by_name = {cls.__name__: cls for cls in schedules.SCHEDULES.values()}
        return by_name[value["__schedule__"]](**value["settings"])
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
        cls = get_family(meta.get("family"))
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


def load(path):
    """Load a model saved with ``save``.  Never unpickles anything.

    Raises
    ------
    ValueError
        The file is not an npae model, is damaged or truncated, was written by
        a newer format version, or holds values that do not fit its family.
    """
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except Exception as exc:  # zipfile.BadZipFile, OSError, ValueError, EOFError
        raise _unreadable(path, exc) from exc
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"{path!s} is not a readable npae model file: it holds a single "
                         "array (.npy), not the .npz archive that model.save() writes")
    try:
        with data:
            arrays = {k: data[k] for k in data.files}
    except Exception as exc:  # a damaged member, or an object array (pickle refused)
        raise _unreadable(path, exc) from exc
    if "__meta__" not in arrays:
        raise ValueError(f"{path!s} is an .npz file but not an npae model (no metadata)")
    try:
        meta = json.loads(str(arrays.pop("__meta__")))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path!s}: damaged metadata ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != "npae-model":
        raise ValueError(f"{path!s} is not an npae model file")
    version = meta.get("format_version", 0)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path!s} was saved with format version {version}, newer than "
            f"this npae supports ({FORMAT_VERSION}); upgrade npae"
        )
    cls = _family_class(meta, path)
    try:
        model = cls(**{k: _from_json(v) for k, v in meta["hyperparameters"].items()})
        model._validate_params()
        params = {k[len("param:"):]: v for k, v in arrays.items() if k.startswith("param:")}
        state = {k[len("state:"):]: v for k, v in arrays.items() if k.startswith("state:")}
        for name, v in params.items():
            if v.dtype.kind != "f" or not np.all(np.isfinite(v)):
                raise ValueError(f"parameter {name!r} must hold finite floats, got {v.dtype} "
                                 + ("values that are not finite" if v.dtype.kind == "f" else "values"))
        for name, v in state.items():
            if v.dtype.kind not in "fiubU" or (v.dtype.kind == "f" and not np.all(np.isfinite(v))):
                raise ValueError(f"fitted state {name!r} holds unsupported {v.dtype} values")
        unknown = set(state) - set(cls._state)
        if unknown:
            raise ValueError(f"unexpected fitted state {sorted(unknown)}; {cls.__name__} "
                             f"saves {list(cls._state)}")
        model._set_extra_state(state)
        model.n_features_in_ = int(meta["n_features_in"])
        model._allocate(model._build(model.n_features_in_, None), params)
        model.history_ = {k: (list(v) if isinstance(v, list) else v)
                          for k, v in meta.get("history", {}).items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(
            f"{path!s}: the model file is damaged or inconsistent ({type(exc).__name__}: "
            f"{exc}); save the model again with this npae version"
        ) from exc
    return model
