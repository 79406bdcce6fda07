"""The LJAT3 cluster with labelled atoms as a landscape :class:`~ljatlib.systems.System`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from ..potentials import ljat3
from ._system import System
from .mindist import kabsch_align, same_ljat3

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


def rigid_body_modes(x: ArrayLike) -> np.ndarray:
    """Orthonormal translations and rotations (k, 3m) of an m-atom geometry x (3m,)."""
    pos = np.asarray(x, dtype=float).reshape(-1, 3)
    pos = pos - pos.mean(axis=0)
    m = len(pos)
    modes = np.zeros((6, m, 3))
    px, py, pz = pos[:, 0], pos[:, 1], pos[:, 2]
    modes[0, :, 0] = modes[2, :, 1] = modes[4, :, 2] = 1.0  # translations
    modes[1, :, 1], modes[1, :, 2] = -pz, py  # e_x cross p
    modes[3, :, 0], modes[3, :, 2] = pz, -px  # e_y cross p
    modes[5, :, 0], modes[5, :, 1] = -py, px  # e_z cross p
    q, r = np.linalg.qr(modes.reshape(6, 3 * m).T)
    return q[:, np.abs(np.diag(r)) > 1e-8].T


@numba.njit(cache=True, error_model="numpy")
def _ljat3_fun_grad_many(X, z):
    """Energies and gradients of the rows of X (m, 9): a serial loop over the kernel."""
    energies = np.empty(X.shape[0])
    grads = np.empty_like(X)
    for i in range(X.shape[0]):
        energies[i] = ljat3.energy_and_gradient_flat(X[i], grads[i], z)
    return energies, grads


def _as_ljat3_flat(x):
    x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
    if x.shape[0] != 9:
        raise ValueError(f"an LJAT3 geometry has 9 coordinates, got {x.shape[0]}")
    return x


def ljat3_system(z: float = 2.0) -> System:
    """The LJAT3 cluster with labelled atoms (flat 9-vectors).

    ``fun_grad``, ``fun_grad_many`` and ``hessian`` call the serial compiled kernels
    (``ljat3.energy_and_gradient_flat``, ``ljat3.hessian_flat``) directly; only the length
    of ``x`` is checked. Unlike the public ``ljat3`` functions they do not reject
    non-finite coordinates: those, and coinciding atoms, give a non-finite energy,
    which the minimisers and the DNEB treat as a failure."""
    zf = float(z)

    def fun_grad(x):
        x = _as_ljat3_flat(x)
        g = np.empty(9)
        e = ljat3.energy_and_gradient_flat(x, g, zf)
        return e, g

    def fun_grad_many(X):
        X = np.ascontiguousarray(X, dtype=np.float64).reshape(-1, 9)
        return _ljat3_fun_grad_many(X, zf)

    def hessian(x):
        out = np.empty((9, 9))
        ljat3.hessian_flat(_as_ljat3_flat(x), out, zf)
        return out

    return System(fun_grad=fun_grad, hessian=hessian, n=9, zero_modes=rigid_body_modes,
                  same_structure=same_ljat3, aligner=kabsch_align, fun_grad_many=fun_grad_many,
                  description={"system": "LJAT3", "z": z, "atoms": "labelled"})
