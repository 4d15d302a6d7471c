"""The one place the version is written: pip (pyproject's dynamic version), ``npae
--version``, the docs and every saved file read it from here."""

__version__ = "0.3.0"
