"""Distances, Cartesian coordinates and the S2 projection plane of a three-atom cluster.

The plane r12 + r13 + r23 = 3 r_e (r_e = 2^(1/6)) is mapped to
    x = (r12 + r13 - 2 r23) / sqrt(6),   y = (r12 - r13) / sqrt(2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._validation import as_finite_array, check_coords_3x3

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

R_E = 2.0 ** (1.0 / 6.0)


def pair_distances(x: ArrayLike) -> np.ndarray:
    """(r12, r13, r23) of coordinates (3, 3) -> (3,) or (n, 3, 3) -> (n, 3)."""
    xb, single = check_coords_3x3(x)
    d = np.stack([np.linalg.norm(xb[:, 0] - xb[:, 1], axis=1),
                  np.linalg.norm(xb[:, 0] - xb[:, 2], axis=1),
                  np.linalg.norm(xb[:, 1] - xb[:, 2], axis=1)], axis=1)
    return d[0] if single else d


def cartesian_from_distances(r: ArrayLike) -> np.ndarray:
    """Planar coordinates (n, 3, 3) realising distances ``r`` (n, 3) = (r12, r13, r23).

    Atom 1 at the origin, atom 2 on the x axis, atom 3 in the z = 0 plane with y >= 0.
    Raises ``ValueError`` where the triangle inequalities fail (beyond rounding).
    """
    r = as_finite_array(r, "r", ndim=2, shape_tail=(3,))
    r12, r13, r23 = r.T
    if np.any(r < 0):
        raise ValueError("distances must be non-negative")
    safe = np.where(r12 > 0, r12, 1.0)
    x3 = np.where(r12 > 0, (r12**2 + r13**2 - r23**2) / (2 * safe), r13)
    y3sq = r13**2 - x3**2
    if np.any(y3sq < -1e-9 * np.maximum(1.0, r13**2)):
        raise ValueError("distances violate the triangle inequality")
    out = np.zeros((len(r), 3, 3))
    out[:, 1, 0] = r12
    out[:, 2, 0] = x3
    out[:, 2, 1] = np.sqrt(np.clip(y3sq, 0.0, None))
    return out


def plane_xy(r: ArrayLike) -> np.ndarray:
    """Projected coordinates (n, 2) of distances ``r`` (n, 3) (any sum; see module doc)."""
    r = np.asarray(r, dtype=float)
    return np.stack([(r[:, 0] + r[:, 1] - 2 * r[:, 2]) / np.sqrt(6),
                     (r[:, 0] - r[:, 1]) / np.sqrt(2)], axis=1)


def distances_from_plane_xy(x: ArrayLike, y: ArrayLike, r_e: float = R_E) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(r12, r13, r23) in the plane r12 + r13 + r23 = 3 r_e, for arrays x, y of any shape."""
    r23 = (3 * r_e - np.sqrt(6) * x) / 3
    r12 = (3 * r_e - r23 + np.sqrt(2) * y) / 2
    r13 = (3 * r_e - r23 - np.sqrt(2) * y) / 2
    return r12, r13, r23
