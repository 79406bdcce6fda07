"""Energy-landscape tools for any function with a gradient (LJAT3, network losses, ...)."""

from .basinhopping import BasinHoppingResult, basin_hopping

__all__ = ["basin_hopping", "BasinHoppingResult"]
