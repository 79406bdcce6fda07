"""scipy's L-BFGS-B on LJAT3, one start at a time: the baseline a user would reach for.

Its line search takes long first steps out of compressed starts, so it often ends in
a different minimum from the steepest-descent path (see the S2 chapter): a speed
baseline, not an outcome reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from .._validation import check_coords_3x3
from ..potentials.ljat3 import energy_and_gradient_flat
from ._lbfgs import CONVERGED, MAX_ITERATIONS, NON_FINITE, MinimizeResult

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


def _fun_grad(z):
    def fun_grad(x):
        g = np.empty(9)
        return energy_and_gradient_flat(x, g, z), g
    return fun_grad


def minimize_ljat3_scipy(x0_batch: ArrayLike, z: float = 2.0, tol: float = 1e-6,
                         max_iter: int = 10000) -> MinimizeResult:
    """Minimise each start with ``scipy.optimize.minimize(method="L-BFGS-B")``.

    Same potential kernel as :func:`minimize_ljat3`; converged means an RMS gradient
    below ``tol`` at scipy's end point (scipy stops on its own criteria, here set
    tight: ``gtol = tol / 10``, ``ftol = 1e-15``). BLAS runs on one thread: for nine
    variables its threads only add overhead, and on a loaded machine OpenBLAS's
    spinning threads slowed this loop 3-100x. Returns a batch MinimizeResult.
    """
    xb, _ = check_coords_3x3(x0_batch, "x0_batch")
    fun_grad = _fun_grad(float(z))
    n = len(xb)
    x_out, energy, rms = np.empty((n, 9)), np.empty(n), np.empty(n)
    n_iter, status = np.zeros(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    options = {"gtol": tol / 10, "ftol": 1e-15, "maxiter": max_iter}
    with np.errstate(all="ignore"), threadpool_limits(1):
        for i in tqdm(range(n), desc="scipy L-BFGS-B", disable=None, leave=False):
            if not np.isfinite(fun_grad(xb[i].ravel())[0]):
                x_out[i], energy[i], rms[i], status[i] = xb[i].ravel(), np.inf, np.inf, NON_FINITE
                continue
            res = minimize(fun_grad, xb[i].ravel(), jac=True, method="L-BFGS-B", options=options)
            x_out[i], energy[i], n_iter[i] = res.x, res.fun, res.nit
            rms[i] = np.sqrt(np.mean(res.jac**2))
            status[i] = (CONVERGED if rms[i] < tol else
                         NON_FINITE if not np.isfinite(res.fun) else MAX_ITERATIONS)
    return MinimizeResult(x_out.reshape(xb.shape), energy, rms, n_iter, status)
