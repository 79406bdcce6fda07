"""The one rule for "the same minimum", used wherever minima are told apart (the
database, basin-hopping, a search's push-offs, line profiles, the quench census)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from numpy.typing import ArrayLike


class SameMinimum:
    """Two minima are the same if their energies differ by at most ``energy_tol`` and
    ``same_structure(x1, x2)`` is true (skipped if None): e.g. equal up to the
    network's node permutations and sign flips, or to a rigid motion of a cluster.

    Parameters
    ----------
    energy_tol : float
        Largest energy difference (>= 0) of two copies of one minimum.
    same_structure : callable, optional
        ``same_structure(x1 (n,), x2 (n,)) -> bool``.

    Examples
    --------
    >>> rule = SameMinimum(1e-4)
    >>> rule(-1.0, [0.0], -1.00005, [3.0])
    True
    >>> rule.index(-2.0, [0.0], [(-1.0, [0.0]), (-2.00001, [1.0])])
    1
    """

    def __init__(self, energy_tol: float = 1e-4,
                 same_structure: Callable[[ArrayLike, ArrayLike], bool] | None = None) -> None:
        energy_tol = float(energy_tol)
        if not (np.isfinite(energy_tol) and energy_tol >= 0):
            raise ValueError(f"energy_tol must be finite and >= 0, got {energy_tol!r}")
        if same_structure is not None and not callable(same_structure):
            raise TypeError(f"same_structure must be callable or None, got {same_structure!r}")
        self.energy_tol, self.same_structure = energy_tol, same_structure

    def __call__(self, e1: float, x1: ArrayLike, e2: float, x2: ArrayLike) -> bool:
        return abs(e1 - e2) <= self.energy_tol and (
            self.same_structure is None or bool(self.same_structure(x1, x2)))

    def index(self, energy: float, x: ArrayLike, candidates: Iterable[tuple[float, ArrayLike]]) -> int | None:
        """Index of the first (energy, coords) pair of ``candidates`` that is the same
        minimum as (``energy``, ``x``), or None."""
        for i, (e, y) in enumerate(candidates):
            if self(energy, x, e, y):
                return i
        return None
