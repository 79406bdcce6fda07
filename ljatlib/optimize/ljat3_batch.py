"""Many LJAT3 minimisations at once: the LBFGS of :mod:`.lbfgs` in a parallel numba loop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

import numba
import numpy as np

from .._validation import as_finite_real, check_coords_3x3
from ..potentials.ljat3 import energy_and_gradient_flat
from ._lbfgs import (CONVERGED, MAX_HALVINGS, MAX_ITERATIONS, NON_FINITE, MinimizeResult,
                    _params, capped_step_factor, dot, lbfgs_direction, update_memory)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ._lbfgs import LBFGSParams

NDOF = 9
CHUNK = 64  # systems per work item: work arrays are allocated once per chunk


@dataclass
class Sequences:
    """Ragged (r12, r13) of every iterate: system ``i`` owns rows ``offsets[i]:offsets[i+1]``,
    from the start (row ``offsets[i]``) to the last iterate (row ``offsets[i+1] - 1``)."""

    offsets: np.ndarray  # (n + 1,) int64
    r12_r13: np.ndarray  # (total, 2)

    def of(self, i: int) -> np.ndarray:
        return self.r12_r13[self.offsets[i]:self.offsets[i + 1]]

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _r12_r13(x):
    d12 = (x[0] - x[3]) ** 2 + (x[1] - x[4]) ** 2 + (x[2] - x[5]) ** 2
    d13 = (x[0] - x[6]) ** 2 + (x[1] - x[7]) ** 2 + (x[2] - x[8]) ** 2
    return np.sqrt(d12), np.sqrt(d13)


@numba.njit(cache=True, error_model="numpy", parallel=True)
def _minimize_batch(x0, z, tol, memory, max_step, h0_init, max_rise, max_iter,
                    record, rec_offsets, rec):
    n_sys = x0.shape[0]
    x_out = np.empty((n_sys, NDOF))
    energy = np.empty(n_sys)
    rms = np.empty(n_sys)
    n_iter = np.zeros(n_sys, dtype=np.int64)
    status = np.empty(n_sys, dtype=np.int64)
    n_chunks = (n_sys + CHUNK - 1) // CHUNK
    for c in numba.prange(n_chunks):
        x, g = np.empty(NDOF), np.empty(NDOF)
        x_new, g_new, step = np.empty(NDOF), np.empty(NDOF), np.empty(NDOF)
        s_mem, y_mem = np.empty((memory, NDOF)), np.empty((memory, NDOF))
        rho, alpha = np.empty(memory), np.empty(memory)
        for b in range(c * CHUNK, min(n_sys, (c + 1) * CHUNK)):
            x[:] = x0[b]
            f = energy_and_gradient_flat(x, g, z)
            if record:
                rec[rec_offsets[b], 0], rec[rec_offsets[b], 1] = _r12_r13(x)
            h0, k, st = h0_init, 0, MAX_ITERATIONS
            while True:
                if not np.isfinite(f):
                    st = NON_FINITE
                    break
                if np.sqrt(dot(g, g) / NDOF) < tol:
                    st = CONVERGED
                    break
                if k == max_iter:
                    break
                lbfgs_direction(g, s_mem, y_mem, rho, k, h0, step, alpha)
                factor = capped_step_factor(step, g, max_step)
                for _ in range(MAX_HALVINGS):
                    for j in range(NDOF):
                        x_new[j] = x[j] + factor * step[j]
                    f_new = energy_and_gradient_flat(x_new, g_new, z)
                    if f_new - f < max_rise:
                        break
                    factor *= 0.5
                h0 = update_memory(x, g, x_new, g_new, s_mem, y_mem, rho, k)
                x[:] = x_new
                g[:] = g_new
                f = f_new
                k += 1
                if record:
                    row = rec_offsets[b] + k
                    if row < rec_offsets[b + 1]:
                        rec[row, 0], rec[row, 1] = _r12_r13(x)
            x_out[b] = x
            energy[b] = f
            rms[b] = np.sqrt(dot(g, g) / NDOF)
            n_iter[b] = k
            status[b] = st
    return x_out, energy, rms, n_iter, status


def minimize_ljat3(x0_batch: ArrayLike, z: float = 2.0, params: LBFGSParams | None = None, record: bool = False,
                   **kwargs: float) -> MinimizeResult | tuple[MinimizeResult, Sequences]:
    """Minimise many LJAT3 clusters in parallel with the GMIN-style LBFGS.

    Parameters
    ----------
    x0_batch : array, shape (n, 3, 3) or (3, 3)
        Starting Cartesian coordinates (finite).
    z : float
        Axilrod-Teller weight.
    params : LBFGSParams, optional
        LBFGS settings; keyword arguments (``tol=``, ``max_step=``, ...) override them.
    record : bool
        Also return the (r12, r13) of every iterate as :class:`Sequences`
        (the minimisation is then run twice: once to size the buffers).

    Returns
    -------
    MinimizeResult with fields of leading length n (``x`` of shape (n, 3, 3)),
    and, if ``record``, a :class:`Sequences` as second value.
    Coincident atoms give status ``NON_FINITE``; systems are independent.
    """
    p = _params(params, kwargs)
    xb, _ = check_coords_3x3(x0_batch, "x0_batch")
    flat = xb.reshape(len(xb), NDOF)
    args = (flat, as_finite_real(z, "z"), p.tol, p.memory, p.max_step, p.h0, p.max_rise, p.max_iter)
    no_offsets, no_rec = np.zeros(1, dtype=np.int64), np.zeros((1, 2))
    with np.errstate(all="ignore"):
        out = _minimize_batch(*args, False, no_offsets, no_rec)
        result = MinimizeResult(out[0].reshape(xb.shape), *out[1:])
        if not record:
            return result
        offsets = np.zeros(len(xb) + 1, dtype=np.int64)
        np.cumsum(result.n_iter + 1, out=offsets[1:])
        rec = np.empty((offsets[-1], 2))
        _minimize_batch(*args, True, offsets, rec)
    return result, Sequences(offsets, rec)
