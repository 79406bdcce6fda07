"""Objective functions backed by a compiled kernel: :class:`CompiledObjective`."""

import numpy as np


class CompiledObjective:
    """``fun_grad(x) -> (f, g)`` of a numba kernel ``kernel(x, args) -> (f, g)``.

    An ordinary callable for any optimiser; the compiled optimisers of
    :mod:`ljatlib.optimize` recognise it and call ``kernel`` from their own compiled
    loops, with no Python per iteration. ``serial_kernel`` computes the same numbers
    without a parallel region (for loops that are themselves parallel over many
    starting points).

    Parameters
    ----------
    kernel, serial_kernel : numba dispatcher
        ``kernel(x (n,) float64, args) -> (float, (n,) float64)``.
    args : tuple
        The kernel's fixed data, validated by whoever builds the objective.
    n : int
        Length of ``x``.
    """

    def __init__(self, kernel, args, n, serial_kernel=None):
        self.kernel, self.args, self.n = kernel, args, int(n)
        self.serial_kernel = kernel if serial_kernel is None else serial_kernel

    def __call__(self, x):
        x = np.ascontiguousarray(x, dtype=np.float64)
        if x.shape != (self.n,):
            raise ValueError(f"x must have shape ({self.n},), got {x.shape}")
        return self.kernel(x, self.args)
