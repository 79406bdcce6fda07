"""The LJAT3 cluster with labelled atoms as a landscape :class:`~ljatlib.systems.System`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from .._objective import CompiledHessian, CompiledObjective, CompiledZeroModes
from ..potentials import ljat3
from ._system import System
from .mindist import kabsch_align, same_ljat3

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


@numba.njit(cache=True, error_model="numpy")
def rigid_body_modes_kernel(x, args):
    """Orthonormal translations and rotations (k, 3m) of an m-atom geometry x (3m,)
    (``args``: unused, empty): k = 6, or 5 for a linear geometry.

    No QR: rotations about the centroid are already orthogonal to the translations,
    and their Gram matrix is the inertia tensor I, so R I^-1/2 (over I's non-zero
    eigenvalues) makes them orthonormal."""
    m = x.shape[0] // 3
    pos = x.reshape(m, 3).copy()
    for d in range(3):
        pos[:, d] -= pos[:, d].mean()
    rot = np.zeros((3, m, 3))
    for i in range(m):
        px, py, pz = pos[i, 0], pos[i, 1], pos[i, 2]
        rot[0, i, 1], rot[0, i, 2] = -pz, py  # e_x cross p
        rot[1, i, 0], rot[1, i, 2] = pz, -px  # e_y cross p
        rot[2, i, 0], rot[2, i, 1] = -py, px  # e_z cross p
    rot2 = rot.reshape(3, 3 * m)
    inertia = rot2 @ rot2.T
    vals, vecs = np.linalg.eigh(inertia)
    keep = vals > 1e-16 * max(1.0, vals[2])
    out = np.zeros((3 + int(keep.sum()), 3 * m))
    for d in range(3):
        out[d, d::3] = 1.0 / np.sqrt(m)
    k = 3
    for j in range(3):
        if keep[j]:
            out[k] = (vecs[:, j] @ rot2) / np.sqrt(vals[j])
            k += 1
    return out


def rigid_body_modes(x: ArrayLike) -> np.ndarray:
    """Orthonormal translations and rotations (k, 3m) of an m-atom geometry x (3m,)."""
    x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
    if x.shape[0] % 3:
        raise ValueError(f"a geometry has 3 coordinates per atom, got {x.shape[0]}")
    return rigid_body_modes_kernel(x, ())


@numba.njit(cache=True, error_model="numpy")
def ljat3_objective_kernel(x, args):
    """(energy, gradient (9,)) of the flat geometry x (9,); ``args`` = (z,)."""
    g = np.empty(x.shape[0])
    return ljat3.energy_and_gradient_flat(x, g, args[0]), g


@numba.njit(cache=True, error_model="numpy")
def ljat3_hessian_kernel(x, args):
    """Hessian (9, 9) of the flat geometry x (9,); ``args`` = (z,)."""
    out = np.empty((9, 9))
    ljat3.hessian_flat(x, out, args[0])
    return out


@numba.njit(cache=True, error_model="numpy")
def _ljat3_fun_grad_many(X, z):
    """Energies and gradients of the rows of X (m, 9): a serial loop over the kernel."""
    energies = np.empty(X.shape[0])
    grads = np.empty_like(X)
    for i in range(X.shape[0]):
        energies[i] = ljat3.energy_and_gradient_flat(X[i], grads[i], z)
    return energies, grads


def ljat3_system(z: float = 2.0) -> System:
    """The LJAT3 cluster with labelled atoms (flat 9-vectors).

    ``fun_grad``, ``hessian`` and ``zero_modes`` are compiled kernels on z
    (:class:`~ljatlib._objective.CompiledObjective` and its kin), which the minimisers,
    the DNEB and eigenvector-following call from their own compiled loops;
    ``fun_grad_many`` loops over the serial kernel. Only the length of ``x`` is
    checked: unlike the public ``ljat3`` functions they do not reject non-finite
    coordinates; those, and coinciding atoms, give a non-finite energy, which the
    minimisers and the DNEB treat as a failure."""
    zf = float(z)

    def fun_grad_many(X):
        X = np.ascontiguousarray(X, dtype=np.float64).reshape(-1, 9)
        return _ljat3_fun_grad_many(X, zf)

    return System(fun_grad=CompiledObjective(ljat3_objective_kernel, (zf,), 9),
                  hessian=CompiledHessian(ljat3_hessian_kernel, (zf,), 9),
                  n=9, zero_modes=CompiledZeroModes(rigid_body_modes_kernel, (), 9),
                  same_structure=same_ljat3, aligner=kabsch_align, fun_grad_many=fun_grad_many,
                  description={"system": "LJAT3", "z": z, "atoms": "labelled"})
