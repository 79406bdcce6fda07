"""Local minimisation: GMIN-style LBFGS (generic and batched LJAT3) and the
steepest-descent reference used to define basins of attraction."""

from ._lbfgs import (CONVERGED, MAX_ITERATIONS, NON_FINITE, STATUS_NAMES, LBFGSParams,
                     MinimizeResult, lbfgs, lbfgs_many)
from .ljat3_batch import Sequences, minimize_ljat3

__all__ = ["lbfgs", "lbfgs_many", "minimize_ljat3", "LBFGSParams", "MinimizeResult", "Sequences",
           "CONVERGED", "MAX_ITERATIONS", "NON_FINITE", "STATUS_NAMES"]
from .steepest_descent import steepest_descent_ljat3

__all__ += ["steepest_descent_ljat3"]
from .scipy_baseline import minimize_ljat3_scipy  # noqa: E402

__all__ += ["minimize_ljat3_scipy"]
