"""The one registry of autoencoder families.

Every family module registers its class under a short, stable key::

    @register("contractive")
    class ContractiveAutoencoder(Autoencoder): ...

and everything else is derived from this table: the command line's model
names (``npae families``), the family names exported by ``npae`` (``__all__``),
the shared test suite (``tests/families/test_families.py``), and ``npae.load``, which
finds the class of a saved model by its key.  Lookups are by key and by the
class object itself, never by bare class name, so a user's own subclass that
happens to be called ``Autoencoder`` cannot change what ``npae.load`` returns
for a stock file; a user family is saved and loaded once it is registered
under a key of its own.
"""

from __future__ import annotations

import re

__all__ = ["register", "get_family", "family_key", "families"]

_BY_KEY = {}  # key -> class
_BY_CLASS = {}  # class -> key
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def register(key):
    """Class decorator: register a family under ``key`` (lower case, e.g. "wae").

    Raises
    ------
    ValueError
        The key is malformed or already taken by another class.
    """
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError(f"a family key is a lower-case identifier such as 'my_family', got {key!r}")

    def decorate(cls):
        taken = _BY_KEY.get(key)
        if taken is not None and taken is not cls:
            raise ValueError(f"the family key {key!r} is already registered to "
                             f"{taken.__module__}.{taken.__qualname__}; choose another key")
        _BY_KEY[key] = cls
        _BY_CLASS[cls] = key
        return cls

    return decorate


def get_family(key):
    """The class registered under ``key``; a ValueError lists the known keys."""
    try:
        return _BY_KEY[key]
    except (KeyError, TypeError):
        raise ValueError(f"unknown model family {key!r}; known: {', '.join(_BY_KEY)}") from None


def family_key(cls):
    """The key ``cls`` itself is registered under, or None (subclasses do not inherit it)."""
    return _BY_CLASS.get(cls)


def families():
    """{key: class} of every registered family, in registration order."""
    return dict(_BY_KEY)
