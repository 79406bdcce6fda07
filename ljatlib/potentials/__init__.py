"""Potential energy functions (each module: energy, gradient, hessian)."""

from . import ljat3

__all__ = ["ljat3"]
