"""Local minimisation: GMIN-style LBFGS (generic and batched LJAT3) and the
steepest-descent reference used to define basins of attraction."""

from ._lbfgs import (CONVERGED, MAX_ITERATIONS, NON_FINITE, STATUS_NAMES, LBFGSParams,
                     MinimizeResult, capped_step_factor, dot, lbfgs, lbfgs_direction, lbfgs_many,
                     update_memory)
from .ljat3_batch import Sequences, minimize_ljat3

__all__ = ["lbfgs", "lbfgs_many", "minimize_ljat3", "LBFGSParams", "MinimizeResult", "Sequences",
           "CONVERGED", "MAX_ITERATIONS", "NON_FINITE", "STATUS_NAMES",
           # the LBFGS steps as compiled building blocks, for other compiled loops (the DNEB's)
           "lbfgs_direction", "capped_step_factor", "update_memory", "dot"]
from .steepest_descent import steepest_descent_ljat3

__all__ += ["steepest_descent_ljat3"]
from .scipy_baseline import minimize_ljat3_scipy  # noqa: E402

__all__ += ["minimize_ljat3_scipy"]
