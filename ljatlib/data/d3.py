"""Data set D3: the (x, y) grid of the S2 projection plane and its true classes.

``numpy.linspace(-sqrt(3) r_e, sqrt(3) r_e, n)`` on both axes; the points whose
distances (in the plane r12 + r13 + r23 = 3 r_e) satisfy the triangle inequalities
are kept: 79,524 of them for n = 700. Image arrays are indexed [iy, ix] (use
``origin="lower"`` with ``extent``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..ljat3_geometry import R_E, cartesian_from_distances, distances_from_plane_xy
from ..optimize import (LBFGSParams, minimize_ljat3, minimize_ljat3_scipy,
                        steepest_descent_ljat3)
from .cache import cached_arrays
from .classes import label_outcomes

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

METHODS = ("lbfgs", "steepest-descent", "scipy-lbfgsb")


@dataclass
class D3Grid:
    """Feasible points of the S2 grid.

    axis : (n,) grid coordinates on both axes; mask : (n, n) feasible pixels [iy, ix];
    xy : (m, 2) projected coordinates of the feasible points (row-major pixel order);
    r : (m, 3) distances (r12, r13, r23); coords : (m, 3, 3) planar Cartesian geometries.
    """

    axis: np.ndarray
    mask: np.ndarray
    xy: np.ndarray
    r: np.ndarray
    coords: np.ndarray

    def __len__(self):
        return len(self.xy)

    @property
    def inputs(self) -> np.ndarray:
        """Network inputs (m, 2): (r12, r13)."""
        return self.r[:, :2]

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) for ``imshow``."""
        h = (self.axis[1] - self.axis[0]) / 2
        return (self.axis[0] - h, self.axis[-1] + h, self.axis[0] - h, self.axis[-1] + h)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of the feasible points, half a pixel added."""
        h = (self.axis[1] - self.axis[0]) / 2
        (x0, y0), (x1, y1) = self.xy.min(axis=0), self.xy.max(axis=0)
        return (x0 - h, x1 + h, y0 - h, y1 + h)

    def image(self, values: ArrayLike, fill: float = np.nan) -> np.ndarray:
        """Put per-point ``values`` (m,) back on the (n, n) grid, ``fill`` elsewhere."""
        values = np.asarray(values)
        if values.shape[0] != len(self):
            raise ValueError(f"need {len(self)} values, got {values.shape[0]}")
        dtype = np.result_type(values.dtype, np.min_scalar_type(fill) if np.isfinite(fill) else float)
        img = np.full(self.mask.shape + values.shape[1:], fill, dtype=dtype)
        img[self.mask] = values
        return img


def d3_grid(n: int = 700, r_e: float = R_E) -> D3Grid:
    """The D3 grid with ``n`` points per axis (n = 700 in the SI)."""
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n}")
    axis = np.linspace(-np.sqrt(3) * r_e, np.sqrt(3) * r_e, n)
    gx, gy = np.meshgrid(axis, axis, indexing="xy")
    r12, r13, r23 = distances_from_plane_xy(gx, gy, r_e)
    mask = (r12 <= r13 + r23) & (r13 <= r12 + r23) & (r23 <= r12 + r13)
    r = np.stack([r12[mask], r13[mask], r23[mask]], axis=1)
    r = np.clip(r, 0.0, None)
    xy = np.stack([gx[mask], gy[mask]], axis=1)
    return D3Grid(axis=axis, mask=mask, xy=xy, r=r, coords=cartesian_from_distances(r))


def plane_samples(n: int, seed: int | None, z: float = 2.0, lbfgs: LBFGSParams | None = None,
                  r_e: float = R_E) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` geometries uniform over the feasible triangle of the S2 plane, labelled by
    LBFGS minimisation (the training set R' of Fig. S1b).

    Returns (inputs (n, 2) = (r12, r13), labels (n,), xy (n, 2)). Points are drawn
    uniformly in the grid's square and kept if feasible (rejection sampling).
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    rng = np.random.default_rng(seed)
    half = np.sqrt(3) * r_e
    xy = np.empty((0, 2))
    while len(xy) < n:
        cand = rng.uniform(-half, half, (2 * n + 16, 2))
        r = np.stack(distances_from_plane_xy(cand[:, 0], cand[:, 1], r_e), axis=1)
        ok = (r[:, 0] < r[:, 1] + r[:, 2]) & (r[:, 1] < r[:, 0] + r[:, 2]) & (r[:, 2] < r[:, 0] + r[:, 1])
        xy = np.concatenate([xy, cand[ok]])
    xy = xy[:n]
    r = np.stack(distances_from_plane_xy(xy[:, 0], xy[:, 1], r_e), axis=1)
    res = minimize_ljat3(cartesian_from_distances(r), z=z, params=lbfgs or LBFGSParams())
    return r[:, :2], label_outcomes(res, z), xy


def d3_labels(grid: D3Grid, method: str = "lbfgs", z: float = 2.0, lbfgs: LBFGSParams | None = None,
              use_cache: bool = True) -> np.ndarray:
    """True classes (m,) of the grid points: the minimum each geometry reaches.

    method : "lbfgs" (the book's minimiser, the SI's definition), "steepest-descent"
    (the gradient-flow reference) or "scipy-lbfgsb" (scipy's line-search L-BFGS-B,
    slow: one Python call per point). Results are cached per grid size and settings.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    lbfgs = lbfgs or LBFGSParams()
    params = {"n": len(grid.axis), "m": len(grid), "method": method, "z": z,
              "lbfgs": lbfgs.__dict__ if method == "lbfgs" else None}

    def compute():
        if method == "lbfgs":
            res = minimize_ljat3(grid.coords, z=z, params=lbfgs)
        elif method == "steepest-descent":
            res = steepest_descent_ljat3(grid.coords, z=z)
        else:
            res = minimize_ljat3_scipy(grid.coords, z=z)
        return {"labels": label_outcomes(res, z), "n_iter": res.n_iter}

    m = len(grid)
    members = {"labels": ((m,), "iu"), "n_iter": ((m,), "iu")}
    return cached_arrays("d3-labels", params, compute, use_cache, members=members)["labels"]
