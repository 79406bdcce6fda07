"""Outcome labels of an LJAT3 minimisation.

Classes 0-3 are the four minima; negative codes are outcomes that are not a class
and are excluded from training and testing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import brentq

from ..ljat3_geometry import pair_distances
from ..optimize import CONVERGED, NON_FINITE
from ..potentials import ljat3

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..optimize import MinimizeResult

TRIANGLE, LINEAR_1, LINEAR_2, LINEAR_3 = 0, 1, 2, 3
DISSOCIATED, UNCONVERGED, FAILED, OTHER, FREE_ATOMS = -1, -2, -3, -4, -5
LABEL_NAMES = {
    TRIANGLE: "triangle",
    LINEAR_1: "linear, atom 1 central",
    LINEAR_2: "linear, atom 2 central",
    LINEAR_3: "linear, atom 3 central",
    DISSOCIATED: "dissociated (dimer + free atom)",
    UNCONVERGED: "not converged",
    FAILED: "failed (non-finite energy)",
    OTHER: "converged elsewhere (not a minimum)",
    FREE_ATOMS: "dissociated (three free atoms)",
}
# A converged cluster whose longest distance exceeds this is dissociated: a dimer + a free
# atom, or, if its shortest distance does too, three free atoms (the forces at 3 are
# below 0.011 and vanish as r^-7, so atoms far apart "converge" where they start).
DISSOCIATION_DISTANCE = 3.0


def _triangle(r):
    return np.array([[0, 0, 0], [r, 0, 0], [r / 2, r * np.sqrt(3) / 2, 0]], dtype=float)


def _chain(r):
    return np.array([[0, 0, 0], [r, 0, 0], [2 * r, 0, 0]], dtype=float)


@lru_cache(maxsize=8)
def reference_minima(z: float = 2.0) -> dict[str, tuple[float, float, np.ndarray]]:
    """Energies and nearest-neighbour distances of the triangle and the linear minimum.

    Each is the stationary point of its symmetric shape (equilateral triangle,
    evenly spaced chain) scaled by the bond length r: the root of
    dE/dr = grad V . shape(1). Returns a dict with ``triangle`` and ``linear``
    entries ``(energy, distance, coordinates)``.
    """
    out = {}
    for name, shape in (("triangle", _triangle), ("linear", _chain)):
        r = brentq(lambda r: np.sum(ljat3.gradient(shape(r), z) * shape(1.0)), 0.9, 1.5,
                   xtol=1e-15)
        out[name] = (ljat3.energy(shape(r), z), float(r), shape(r))
    return out


def classify(x: ArrayLike, z: float = 2.0, tol: float = 0.02) -> int | np.ndarray:
    """Class of converged geometries: 0 triangle, 1/2/3 linear with atom 1/2/3 central.

    Parameters
    ----------
    x : array, shape (3, 3) or (n, 3, 3)
        Coordinates, assumed converged.
    tol : float
        Allowed deviation of each distance from the minimum's (reduced units).

    Returns
    -------
    int or int array (n,): a class, ``DISSOCIATED`` if an atom is far from the other
    two (a dimer + a free atom), ``FREE_ATOMS`` if all three are far apart, otherwise
    ``OTHER``.
    """
    d = np.atleast_2d(pair_distances(x))
    ref = reference_minima(z)
    r_tri, r_lin = ref["triangle"][1], ref["linear"][1]
    labels = np.full(len(d), OTHER, dtype=np.int64)
    labels[np.all(np.abs(d - r_tri) < tol, axis=1)] = TRIANGLE
    longest = np.argmax(d, axis=1)  # r12 -> atom 3 central, r13 -> atom 2, r23 -> atom 1
    short = np.sort(d, axis=1)[:, :2]
    linear = (np.all(np.abs(short - r_lin) < tol, axis=1)
              & (np.abs(d.max(axis=1) - 2 * r_lin) < 2 * tol))
    labels[linear] = np.array([LINEAR_3, LINEAR_2, LINEAR_1])[longest[linear]]
    apart = (labels == OTHER) & (d.max(axis=1) > DISSOCIATION_DISTANCE)
    labels[apart] = np.where(d[apart].min(axis=1) > DISSOCIATION_DISTANCE, FREE_ATOMS, DISSOCIATED)
    return int(labels[0]) if np.ndim(x) == 2 else labels


def label_outcomes(result: MinimizeResult, z: float = 2.0) -> np.ndarray:
    """Labels (n,) of a batch :class:`~ljatlib.optimize.MinimizeResult`: the class of
    each converged system, ``UNCONVERGED`` or ``FAILED`` otherwise."""
    labels = np.full(len(result.status), UNCONVERGED, dtype=np.int64)
    ok = result.status == CONVERGED
    if ok.any():
        labels[ok] = classify(result.x[ok], z)
    labels[result.status == NON_FINITE] = FAILED
    return labels


def outcome_counts(labels: ArrayLike) -> dict[str, int]:
    """{label name: count} for every code present in ``labels`` (classes first)."""
    labels = np.asarray(labels)
    return {LABEL_NAMES[c]: int(np.sum(labels == c)) for c in LABEL_NAMES if np.any(labels == c)}
