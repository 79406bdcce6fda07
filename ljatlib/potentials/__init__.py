"""Potential energy functions (each module: energy, gradient, hessian)."""

from . import binary_lj, ljat3

__all__ = ["ljat3", "binary_lj"]
