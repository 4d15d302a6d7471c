"""Exporting fitted npae models to other engines (optional dependencies, imported lazily)."""

from .torch import to_torch

__all__ = ["to_torch"]
