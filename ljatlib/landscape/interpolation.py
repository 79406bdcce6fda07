"""What lies on the straight line between two minima.

A double-ended search starts from the straight line between its endpoints (the DNEB's
initial band). :func:`line_profile` shows how far that guess is from a pathway: the
energy along the line, and the minimum a local minimisation reaches from each point
(the basins the line crosses). On the LJAT3 cluster the line from the triangle to a
linear minimum, or between two linear isomers, crosses only the basins of its two ends
(41 points; tests/test_interpolation.py); between two basin-hopping minima of a
two-layer network loss it crosses dozens (measured: see the S3 landscapes chapter).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

import numpy as np

from ..optimize import CONVERGED, lbfgs
from ..storage import SameMinimum

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..optimize import LBFGSParams


@dataclass
class LineProfile:
    """Samples of the straight line x(s) = (1 - s) a + s b, s in [0, 1].

    Attributes
    ----------
    s : ndarray (n_points,)
    line_energy : ndarray (n_points,)
        Energy at x(s).
    quench_energy : ndarray (n_points,)
        Energy of the minimum reached by LBFGS from x(s) (nan where it did not converge).
    basin : ndarray of int (n_points,)
        Label of that minimum: equal labels = the same minimum (energy within
        ``energy_tol`` and the system's ``same_structure``); -1 where not converged.
        Labels count up from 0 in order of first appearance along the line.
    quench_distance : ndarray (n_points,)
        Euclidean distance from x(s) to the minimum reached (coordinate units).
    minima : list of ndarray (n,)
        Coordinates of minimum ``k`` (one representative per label).
    minimum_energies : ndarray (n_basins,)
        Energy of minimum ``k``.
    """

    s: np.ndarray
    line_energy: np.ndarray
    quench_energy: np.ndarray
    basin: np.ndarray
    quench_distance: np.ndarray
    minima: list
    minimum_energies: np.ndarray

    @property
    def n_basins(self) -> int:
        """Distinct minima reached from the line."""
        return len(self.minima)


def line_profile(system, a: ArrayLike, b: ArrayLike, n_points: int = 41, align: bool = True,
                 lbfgs_params: LBFGSParams | None = None, energy_tol: float = 1e-4) -> LineProfile:
    """Energy along the straight line from minimum ``a`` to minimum ``b`` and the basin
    of every point.

    Parameters
    ----------
    system : :class:`~ljatlib.systems.System`
    a, b : array (n,)
        Endpoints (flat coordinates).
    n_points : int
        Points on the line, both ends included (>= 2).
    align : bool
        Replace ``b`` by its symmetric copy closest to ``a`` (``System.align``), as
        the DNEB of :func:`~ljatlib.landscape.connect` does.
    lbfgs_params : LBFGSParams, optional
        The local minimisation (default: tol 1e-6, memory 30, step cap 0.5, as
        the system's quench settings, ``system.quench``).
    energy_tol : float
        Two minima are the same if their energies differ by less than this and the
        system's ``same_structure`` (if any) agrees.

    Returns
    -------
    LineProfile
    """
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != (system.n,) or b.shape != (system.n,):
        raise ValueError(f"a and b must have {system.n} coordinates, got {a.size} and {b.size}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("a and b must be finite")
    if int(n_points) != n_points or n_points < 2:
        raise ValueError(f"n_points must be an integer >= 2, got {n_points!r}")
    if align:
        b = system.align(a, b)
    params = lbfgs_params or system.quench
    rule = SameMinimum(energy_tol, system.same_structure)
    s = np.linspace(0.0, 1.0, int(n_points))
    line_e, quench_e, dist = (np.full(len(s), np.nan) for _ in range(3))
    basin = np.full(len(s), -1, dtype=int)
    minima, energies = [], []
    for i, si in enumerate(s):
        x = (1.0 - si) * a + si * b
        line_e[i] = system.fun_grad(x)[0]
        res = lbfgs(system.fun_grad, x, params)
        if res.status != CONVERGED or not np.isfinite(res.energy):
            continue
        quench_e[i], dist[i] = res.energy, np.linalg.norm(res.x - x)
        k = rule.index(res.energy, res.x, zip(energies, minima))
        if k is None:
            k = len(minima)
            minima.append(res.x)
            energies.append(res.energy)
        basin[i] = k
    return LineProfile(s, line_e, quench_e, basin, dist, minima, np.array(energies))
