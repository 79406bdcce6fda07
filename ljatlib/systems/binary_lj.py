"""A periodic binary Lennard-Jones mixture (SI S4) as a landscape
:class:`~ljatlib.systems.System`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..potentials import binary_lj
from ._system import System
from .mindist import periodic_align

if TYPE_CHECKING:
    from ..potentials.binary_lj import BinaryLJ


def translation_modes(n_atoms: int) -> np.ndarray:
    """Orthonormal uniform translations (3, 3 n_atoms): the zero modes of a periodic box."""
    modes = np.zeros((3, n_atoms, 3))
    for k in range(3):
        modes[k, :, k] = 1.0 / np.sqrt(n_atoms)
    return modes.reshape(3, -1)


def binary_lj_system(potential: BinaryLJ, structure_tol: float = 1e-2) -> System:
    """The energy landscape of a periodic binary Lennard-Jones mixture (SI S4).

    ``potential`` is a :class:`~ljatlib.potentials.binary_lj.BinaryLJ`. As for
    :func:`ljat3_system`, ``fun_grad`` and ``hessian`` call its serial compiled kernels
    directly (only the length of x is checked); ``fun_grad_many`` runs the images of a
    band in parallel. Two minima are the same structure if, after
    :func:`~ljatlib.systems.mindist.periodic_align` (translation, permutation of
    equal atoms, periodic images), they are closer than ``structure_tol`` (sigma_AA)."""
    pot = potential
    if not isinstance(pot, binary_lj.BinaryLJ):
        raise TypeError(f"potential must be a BinaryLJ, got {type(pot).__name__}")
    n, params = 3 * pot.n_atoms, pot.kernel_args
    zero = translation_modes(pot.n_atoms)

    def flat(x):
        x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
        if x.shape[0] != n:
            raise ValueError(f"a configuration of this system has {n} coordinates, got {x.shape[0]}")
        return x

    def fun_grad(x):
        x = flat(x)
        g = np.empty(n)
        return binary_lj.energy_and_gradient_flat(x, g, *params), g

    def fun_grad_many(X):
        return binary_lj.energy_and_gradient_many(np.ascontiguousarray(X, dtype=np.float64).reshape(-1, n),
                                              *params)

    def hessian(x):
        return binary_lj.hessian_flat(flat(x), np.empty((n, n)), *params)

    def align(a, b):
        return periodic_align(a, b, pot.box, params[0])

    def same_structure(a, b):
        return np.linalg.norm(np.asarray(a, float).ravel() - align(a, b)) < structure_tol

    return System(fun_grad=fun_grad, hessian=hessian, n=n, zero_modes=lambda x: zero,
                  same_structure=same_structure, aligner=align, fun_grad_many=fun_grad_many,
                  description=pot.description())
