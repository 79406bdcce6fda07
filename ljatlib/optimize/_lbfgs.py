"""GMIN-style limited-memory BFGS: no line search, a capped step, energy-rise rejection.

One iteration (the scheme of GMIN's ``mylbfgs`` and pele's ``LBFGS``):

1. direction d = -H g from the two-loop recursion over the last ``memory`` pairs
   (s, y), with H0 = s.y / y.y of the newest pair (``h0`` before the first
   update; the first step is -h0 g / max(1, |g|));
2. if d points uphill it is reversed; if |d| > ``max_step`` it is scaled down to
   ``max_step`` (Euclidean norm of the whole coordinate vector);
3. the step is taken; while the energy rose by more than ``max_rise`` the step is
   halved (at most 10 times, after which it is accepted as pele does);
4. the memory is updated with the accepted step.

Converged when the RMS gradient |g| / sqrt(n) is below ``tol``. Defaults are
pele's ``lbfgs_cpp`` defaults (memory 4, max step 0.1, h0 0.1, max rise 1e-4),
which the SI calls "GMIN-like"; see the S1 chapter for what they change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

import numba
import numpy as np

from .._objective import CompiledObjective
from .._validation import as_finite_array, check_integer, check_positive

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import ArrayLike

CONVERGED, MAX_ITERATIONS, NON_FINITE = 0, 1, 2
STATUS_NAMES = {CONVERGED: "converged", MAX_ITERATIONS: "max-iterations", NON_FINITE: "non-finite"}
MAX_HALVINGS = 10


@dataclass(frozen=True)
class LBFGSParams:
    """Settings of the GMIN-style LBFGS (reduced units)."""

    tol: float = 1e-6
    memory: int = 4
    max_step: float = 0.1
    h0: float = 0.1
    max_rise: float = 1e-4
    max_iter: int = 10000

    def __post_init__(self):
        for name in ("tol", "max_step", "h0"):
            object.__setattr__(self, name, check_positive(getattr(self, name), name))
        rise = float(self.max_rise)
        if np.isnan(rise) or rise < 0:  # inf is allowed: no energy-rise test (the DNEB's case)
            raise ValueError(f"max_rise must be >= 0, got {self.max_rise!r}")
        object.__setattr__(self, "max_rise", rise)
        object.__setattr__(self, "memory", check_integer(self.memory, "memory", 1))
        object.__setattr__(self, "max_iter", check_integer(self.max_iter, "max_iter", 0))


@dataclass
class MinimizeResult:
    """Outcome of one or many minimisations.

    For a batch every field has a leading axis of length n.
    ``status``: 0 converged, 1 max-iterations, 2 non-finite (see ``STATUS_NAMES``).
    """

    x: np.ndarray
    energy: np.ndarray
    rms: np.ndarray
    n_iter: np.ndarray
    status: np.ndarray

    @property
    def converged(self) -> np.ndarray:
        return self.status == CONVERGED


@numba.njit(cache=True, error_model="numpy", inline="always")
def dot(a, b):
    """Plain loop: numba's np.dot calls BLAS, slow for vectors of a few elements."""
    acc = 0.0
    for j in range(a.shape[0]):
        acc += a[j] * b[j]
    return acc


@numba.njit(cache=True, error_model="numpy")
def lbfgs_direction(g, s_mem, y_mem, rho, k, h0, step, alpha):
    """Write the LBFGS direction -H g into ``step`` (two-loop recursion).

    ``s_mem``, ``y_mem``: (memory, n) ring buffers; ``k`` updates made so far.
    """
    m = s_mem.shape[0]
    n = g.shape[0]
    if k == 0:
        gnorm = np.sqrt(dot(g, g))
        scale = -h0 / gnorm if gnorm > 1.0 else -h0
        for j in range(n):
            step[j] = scale * g[j]
        return
    for j in range(n):
        step[j] = g[j]
    jmin = max(0, k - m)
    for it in range(k - 1, jmin - 1, -1):
        i = it % m
        a = 0.0
        for j in range(n):
            a += s_mem[i, j] * step[j]
        a *= rho[i]
        alpha[i] = a
        for j in range(n):
            step[j] -= a * y_mem[i, j]
    for j in range(n):
        step[j] *= h0
    for it in range(jmin, k):
        i = it % m
        b = 0.0
        for j in range(n):
            b += y_mem[i, j] * step[j]
        b = alpha[i] - rho[i] * b
        for j in range(n):
            step[j] += b * s_mem[i, j]
    for j in range(n):
        step[j] = -step[j]


@numba.njit(cache=True, error_model="numpy")
def capped_step_factor(step, g, max_step):
    """Reverse ``step`` if it points uphill; return the factor that caps its norm."""
    if dot(step, g) > 0.0:
        for j in range(step.shape[0]):
            step[j] = -step[j]
    norm = np.sqrt(dot(step, step))
    return max_step / norm if norm > max_step else 1.0


@numba.njit(cache=True, error_model="numpy")
def update_memory(x_old, g_old, x_new, g_new, s_mem, y_mem, rho, k):
    """Store the newest (s, y) pair; return the new H0 = s.y / y.y."""
    i = k % s_mem.shape[0]
    ys = 0.0
    yy = 0.0
    for j in range(x_old.shape[0]):
        sj = x_new[j] - x_old[j]
        yj = g_new[j] - g_old[j]
        s_mem[i, j] = sj
        y_mem[i, j] = yj
        ys += sj * yj
        yy += yj * yj
    if ys == 0.0:
        ys = 1.0
    if yy == 0.0:
        yy = 1.0
    rho[i] = 1.0 / ys
    return ys / yy


# Not cached on disk: numba's cache index of a function that takes a dispatcher holds
# the dispatcher's type, which fails to pickle or to match in another process
# ("underlying object has vanished", KeyError on load). Compiled once per process.
@numba.njit(error_model="numpy")
def _lbfgs_loop(kernel, args, x0, tol, memory, max_step, h0, max_rise, max_iter):
    """The loop of :func:`lbfgs` for a compiled ``kernel(x, args) -> (f, g)``: the same
    steps, in the same arithmetic."""
    n = x0.shape[0]
    x = x0.copy()
    f, g = kernel(x, args)
    s_mem, y_mem = np.zeros((memory, n)), np.zeros((memory, n))
    rho, alpha, step = np.zeros(memory), np.zeros(memory), np.zeros(n)
    x_new = np.empty(n)
    k, status = 0, MAX_ITERATIONS
    for _ in range(max_iter + 1):
        if not np.isfinite(f):
            status = NON_FINITE
            break
        if np.sqrt(dot(g, g) / n) < tol:
            status = CONVERGED
            break
        if k == max_iter:
            break
        lbfgs_direction(g, s_mem, y_mem, rho, k, h0, step, alpha)
        factor = capped_step_factor(step, g, max_step)
        for _ in range(MAX_HALVINGS):
            for j in range(n):
                x_new[j] = x[j] + factor * step[j]
            f_new, g_new = kernel(x_new, args)
            if f_new - f < max_rise:
                break
            factor *= 0.5
        h0 = update_memory(x, g, x_new, g_new, s_mem, y_mem, rho, k)
        x, x_new = x_new, x
        f, g, k = f_new, g_new, k + 1
    return x, f, np.sqrt(dot(g, g) / n), k, status


@numba.njit(error_model="numpy", parallel=True)
def _lbfgs_rows(kernel, args, X0, tol, memory, max_step, h0, max_rise, max_iter):
    m = X0.shape[0]
    X, energies, rms = np.empty_like(X0), np.empty(m), np.empty(m)
    n_iter, status = np.empty(m, np.int64), np.empty(m, np.int64)
    for i in numba.prange(m):
        X[i], energies[i], rms[i], n_iter[i], status[i] = _lbfgs_loop(
            kernel, args, X0[i], tol, memory, max_step, h0, max_rise, max_iter)
    return X, energies, rms, n_iter, status


def lbfgs(fun_grad: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: ArrayLike,
          params: LBFGSParams | None = None, callback: Callable[[np.ndarray, float], None] | None = None,
          **kwargs: float) -> MinimizeResult:
    """Minimise one system of any size with the GMIN-style LBFGS.

    Parameters
    ----------
    fun_grad : callable
        ``fun_grad(x) -> (f, g)`` with ``x`` and ``g`` of the shape of ``x0``. A
        :class:`~ljatlib._objective.CompiledObjective` (e.g. ``MLP.fun_grad``) is
        minimised by a compiled loop (unless there is a ``callback``), with the same
        result.
    x0 : array, any shape
        Starting point (finite).
    params : LBFGSParams, optional
        Settings; keyword arguments (``tol=``, ``max_step=``, ...) override them.
    callback : callable, optional
        Called as ``callback(x, f)`` after every accepted step.

    Returns
    -------
    MinimizeResult with scalar fields and ``x`` of the shape of ``x0``.

    Examples
    --------
    >>> import numpy as np
    >>> res = lbfgs(lambda x: (float(x @ x), 2 * x), np.array([1.0, -2.0]), tol=1e-8)
    >>> bool(res.converged), bool(np.allclose(res.x, 0, atol=1e-8))
    (True, True)
    """
    p = _params(params, kwargs)
    x0 = as_finite_array(x0, "x0")
    if x0.size == 0:
        raise ValueError("x0 is empty: nothing to minimise")
    shape = x0.shape
    n = x0.size
    if isinstance(fun_grad, CompiledObjective) and callback is None:
        if n != fun_grad.n:
            raise ValueError(f"x0 must have {fun_grad.n} entries for this objective, got {n}")
        x, f, rms, k, status = _lbfgs_loop(fun_grad.kernel, fun_grad.args, x0.reshape(n).copy(),
                                           p.tol, p.memory, p.max_step, p.h0, p.max_rise, p.max_iter)
        return MinimizeResult(x=x.reshape(shape), energy=float(f), rms=float(rms), n_iter=int(k),
                              status=int(status))

    def evaluate(xflat):
        f, g = fun_grad(xflat.reshape(shape))
        return float(f), np.ascontiguousarray(g, dtype=np.float64).reshape(n)

    x = x0.reshape(n).copy()
    f, g = evaluate(x)
    s_mem, y_mem = np.zeros((p.memory, n)), np.zeros((p.memory, n))
    rho, alpha, step = np.zeros(p.memory), np.zeros(p.memory), np.zeros(n)
    h0, k, status = p.h0, 0, MAX_ITERATIONS
    for _ in range(p.max_iter + 1):
        if not np.isfinite(f):
            status = NON_FINITE
            break
        if np.sqrt(dot(g, g) / n) < p.tol:
            status = CONVERGED
            break
        if k == p.max_iter:
            break
        lbfgs_direction(g, s_mem, y_mem, rho, k, h0, step, alpha)
        factor = capped_step_factor(step, g, p.max_step)
        for _ in range(MAX_HALVINGS):
            x_new = x + factor * step
            f_new, g_new = evaluate(x_new)
            if f_new - f < p.max_rise:
                break
            factor *= 0.5
        h0 = update_memory(x, g, x_new, g_new, s_mem, y_mem, rho, k)
        x, f, g, k = x_new, f_new, g_new, k + 1
        if callback is not None:
            callback(x.reshape(shape), f)
    return MinimizeResult(x=x.reshape(shape), energy=f, rms=float(np.sqrt(dot(g, g) / n)),
                          n_iter=k, status=status)


def lbfgs_many(objective: CompiledObjective, X0: ArrayLike, params: LBFGSParams | None = None,
               **kwargs: float) -> MinimizeResult:
    """Minimise many starting points of one compiled objective at once (a parallel
    compiled loop over the rows): row ``i`` of the result is ``lbfgs(objective, X0[i])``.

    Parameters
    ----------
    objective : CompiledObjective
    X0 : array (m, n)
    params : LBFGSParams, optional
        Keyword arguments override its fields, as in :func:`lbfgs`.

    Returns
    -------
    MinimizeResult with fields of leading length m.
    """
    if not isinstance(objective, CompiledObjective):
        raise TypeError(f"objective must be a CompiledObjective, got {type(objective).__name__}")
    p = _params(params, kwargs)
    X0 = as_finite_array(X0, "X0", ndim=2)
    if X0.shape[1] != objective.n:
        raise ValueError(f"X0 must have shape (m, {objective.n}), got {X0.shape}")
    X, energies, rms, n_iter, status = _lbfgs_rows(objective.serial_kernel, objective.args, X0,
                                                   p.tol, p.memory, p.max_step, p.h0, p.max_rise,
                                                   p.max_iter)
    return MinimizeResult(x=X, energy=energies, rms=rms, n_iter=n_iter, status=status)


def _params(params, overrides):
    base = params if params is not None else LBFGSParams()
    if not isinstance(base, LBFGSParams):
        raise TypeError(f"params must be an LBFGSParams, got {type(base).__name__}")
    if overrides:
        unknown = set(overrides) - set(base.__dict__)
        if unknown:
            raise TypeError(f"unknown LBFGS setting(s): {sorted(unknown)}")
        if any(base.__dict__[name] != value for name, value in overrides.items()):
            base = LBFGSParams(**{**base.__dict__, **overrides})
    return base
