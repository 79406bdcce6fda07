"""A two-dimensional tilted double well: the smallest landscape with two minima and one
transition state, for examples and tests of the landscape tools."""

from __future__ import annotations

import numpy as np

from ._system import System


def tilted_double_well(tilt: float = 0.25) -> System:
    """The System of f(x, y) = (x^2 - 1)^2 + tilt * x + y^2 on points (2,).

    Two minima near x = -1 and x = +1 (the tilt makes their energies differ, so they are
    told apart by energy alone) and one transition state near x = tilt / 4, y = 0.

    Examples
    --------
    >>> well = tilted_double_well()
    >>> f, g = well.fun_grad([0.0, 0.0])
    >>> float(f), g.tolist()
    (1.0, [0.25, 0.0])
    """
    tilt = float(tilt)
    if not np.isfinite(tilt):
        raise ValueError(f"tilt must be finite, got {tilt!r}")

    def fun_grad(x):
        x = np.asarray(x, dtype=float).reshape(2)
        return ((x[0] ** 2 - 1) ** 2 + tilt * x[0] + x[1] ** 2,
                np.array([4 * x[0] * (x[0] ** 2 - 1) + tilt, 2 * x[1]]))

    def hessian(x):
        x = np.asarray(x, dtype=float).reshape(2)
        return np.diag([12 * x[0] ** 2 - 4, 2.0])

    return System(fun_grad=fun_grad, hessian=hessian, n=2,
                  description={"system": "tilted double well", "tilt": tilt})
