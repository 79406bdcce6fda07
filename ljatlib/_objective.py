"""Functions backed by a compiled kernel on fixed data: :class:`CompiledObjective` (value
and gradient), :class:`CompiledHessian` and :class:`CompiledZeroModes`."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import ArrayLike


def _by_name(dispatcher):
    return dispatcher.py_func.__module__, dispatcher.py_func.__qualname__


def _kernel(module, qualname):
    return getattr(importlib.import_module(module), qualname)


def _rebuild(kernel, args, n, serial_kernel):
    return CompiledObjective(_kernel(*kernel), args, n, _kernel(*serial_kernel))


def _rebuild_on_data(cls, kernel, args, n):
    return cls(_kernel(*kernel), args, n)


class _KernelOnData:
    """A numba kernel ``kernel(x, args)`` on fixed data ``args``, called with ``x`` of
    ``n`` entries (checked; any shape, flattened)."""

    def __init__(self, kernel: Callable, args: tuple, n: int) -> None:
        self.kernel, self.args, self.n = kernel, args, int(n)

    def __call__(self, x: ArrayLike) -> tuple[float, np.ndarray] | np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float64)
        if x.size != self.n:
            raise ValueError(f"x must have {self.n} entries, got shape {x.shape}")
        return self.kernel(x.reshape(self.n), self.args)

    def __reduce__(self):
        # Kernels travel by name. numba would pickle them by value, and a process that
        # unpickles one before importing its module ends up with two dispatchers of one
        # function; compiling a loop that takes them then fails to save its cache.
        return _rebuild_on_data, (type(self), _by_name(self.kernel), self.args, self.n)


class CompiledObjective(_KernelOnData):
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

    Kernels must be module-level functions (an objective is pickled with their names).
    """

    def __init__(self, kernel: Callable, args: tuple, n: int, serial_kernel: Callable | None = None) -> None:
        super().__init__(kernel, args, n)
        self.serial_kernel = kernel if serial_kernel is None else serial_kernel

    def __reduce__(self):
        return _rebuild, (_by_name(self.kernel), self.args, self.n, _by_name(self.serial_kernel))


class CompiledHessian(_KernelOnData):
    """``hessian(x) -> (n, n)`` of a numba kernel ``kernel(x, args) -> (n, n)``: an
    ordinary callable, whose kernel the compiled eigenvector-following loop
    (:mod:`ljatlib.transition_states`) calls directly, as the optimisers do with a
    :class:`CompiledObjective` (and, like it, pickled with the kernel's name).

    Parameters
    ----------
    kernel : numba dispatcher
        ``kernel(x (n,) float64, args) -> (n, n) float64``, module-level.
    args : tuple
        The kernel's fixed data, validated by whoever builds it.
    n : int
        Length of ``x``.
    """


class CompiledZeroModes(_KernelOnData):
    """``zero_modes(x) -> (k, n)`` of a numba kernel ``kernel(x, args) -> (k, n)``: the
    orthonormal directions of zero curvature by symmetry at ``x`` (e.g. rigid-body
    translations and rotations), which the compiled eigenvector-following loop removes
    from the Hessian at every step. Kernel, ``args`` and ``n`` as for
    :class:`CompiledHessian`.
    """
