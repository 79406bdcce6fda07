"""Steepest-descent paths of LJAT3: the reference that defines basins of attraction.

The SI calls basins "well-defined volumes for steepest-descent minimisation": the
minimum a start belongs to is the end of its gradient-flow path dx/dt = -grad V.
We integrate the reparametrised flow

    dx/dt = -grad V / (1 + |grad V|)

(same path, bounded speed, so compressed starts with huge forces are not stiff at
the start) with an adaptive Dormand-Prince 5(4) scheme until the RMS gradient is
below ``gtol``, then finish with a tightly step-capped LBFGS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from .._validation import check_coords_3x3
from ..potentials.ljat3 import energy_and_gradient_flat
from ._lbfgs import CONVERGED, MAX_ITERATIONS, NON_FINITE, dot
from .ljat3_batch import NDOF, minimize_ljat3

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ._lbfgs import MinimizeResult

# Dormand-Prince 5(4) tableau (autonomous system, so the nodes are not needed). The
# last row is the 5th-order solution: its stage is the first of the next step (FSAL).
_A = np.array([
    [0, 0, 0, 0, 0, 0],
    [1 / 5, 0, 0, 0, 0, 0],
    [3 / 40, 9 / 40, 0, 0, 0, 0],
    [44 / 45, -56 / 15, 32 / 9, 0, 0, 0],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729, 0, 0],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656, 0],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
])
_E = np.array([71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40])


@numba.njit(cache=True, error_model="numpy", inline="always")
def _velocity(x, out, z):
    """Flow velocity into ``out``; returns (energy, |grad|)."""
    e = energy_and_gradient_flat(x, out, z)
    gn = np.sqrt(dot(out, out))
    scale = -1.0 / (1.0 + gn)
    for j in range(x.shape[0]):
        out[j] *= scale
    return e, gn


@numba.njit(cache=True, error_model="numpy", parallel=True)
def _flow_batch(x0, z, rtol, atol, gtol, max_steps, a, err_w):
    n_sys = x0.shape[0]
    x_out = np.empty_like(x0)
    status = np.full(n_sys, MAX_ITERATIONS, dtype=np.int64)
    n_steps = np.zeros(n_sys, dtype=np.int64)
    for s in numba.prange(n_sys):
        x = x0[s].copy()
        k = np.zeros((7, NDOF))
        xt = np.empty(NDOF)
        e, gn = _velocity(x, k[0], z)
        h = 1e-3
        for it in range(max_steps):
            if not np.isfinite(e):
                status[s] = NON_FINITE
                break
            if gn / np.sqrt(NDOF) < gtol:
                status[s] = CONVERGED
                break
            for st in range(1, 7):
                for j in range(NDOF):
                    acc = 0.0
                    for m in range(st):
                        acc += a[st, m] * k[m, j]
                    xt[j] = x[j] + h * acc
                e_new, gn_new = _velocity(xt, k[st], z)
            err = 0.0
            for j in range(NDOF):
                acc = 0.0
                for m in range(7):
                    acc += err_w[m] * k[m, j]
                sc = atol + rtol * max(abs(x[j]), abs(xt[j]))
                err += (h * acc / sc) ** 2
            err = np.sqrt(err / NDOF)
            if err <= 1.0 and np.isfinite(e_new):
                x[:] = xt
                k[0, :] = k[6]
                e, gn = e_new, gn_new
            factor = 0.9 * err ** -0.2 if err > 0.0 else 5.0
            h *= min(5.0, max(0.2, factor)) if np.isfinite(factor) else 0.2
            n_steps[s] = it + 1
        x_out[s] = x
    return x_out, status, n_steps


def steepest_descent_ljat3(x0_batch: ArrayLike, z: float = 2.0, rtol: float = 1e-8, atol: float = 1e-10,
                           gtol: float = 1e-5, max_steps: int = 200000, finish_step: float = 0.01) -> MinimizeResult:
    """Follow the steepest-descent path of each start to its minimum.

    Parameters
    ----------
    x0_batch : array, shape (n, 3, 3) or (3, 3)
        Starting Cartesian coordinates.
    rtol, atol : float
        Tolerances of the adaptive Dormand-Prince integration.
    gtol : float
        RMS gradient at which the flow is handed to the finishing LBFGS.
    finish_step : float
        Step cap of the finishing LBFGS (small, so it stays on the path).

    Returns
    -------
    MinimizeResult of the finishing minimisation (``n_iter`` = flow steps);
    a start whose flow did not reach ``gtol`` keeps status ``MAX_ITERATIONS``.
    """
    xb, _ = check_coords_3x3(x0_batch, "x0_batch")
    with np.errstate(all="ignore"):
        x_end, status, n_steps = _flow_batch(xb.reshape(len(xb), NDOF), float(z), rtol, atol,
                                             gtol, max_steps, _A, _E)
    final = minimize_ljat3(x_end.reshape(xb.shape), z=z, max_step=finish_step)
    final.status = np.where(status == CONVERGED, final.status, status)
    final.n_iter = n_steps
    return final
