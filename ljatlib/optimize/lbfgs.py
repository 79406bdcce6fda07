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

from dataclasses import dataclass

import numba
import numpy as np

from .._validation import as_finite_array, check_integer, check_positive

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
    def converged(self):
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


def lbfgs(fun_grad, x0, params=None, callback=None, **kwargs):
    """Minimise one system of any size with the GMIN-style LBFGS.

    Parameters
    ----------
    fun_grad : callable
        ``fun_grad(x) -> (f, g)`` with ``x`` and ``g`` of the shape of ``x0``.
    x0 : array, any shape
        Starting point (finite).
    params : LBFGSParams, optional
        Settings; keyword arguments (``tol=``, ``max_step=``, ...) override them.
    callback : callable, optional
        Called as ``callback(x, f)`` after every accepted step.

    Returns
    -------
    MinimizeResult with scalar fields and ``x`` of the shape of ``x0``.
    """
    p = _params(params, kwargs)
    x0 = as_finite_array(x0, "x0")
    if x0.size == 0:
        raise ValueError("x0 is empty: nothing to minimise")
    shape = x0.shape
    n = x0.size

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
        if np.sqrt(g @ g / n) < p.tol:
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
    return MinimizeResult(x=x.reshape(shape), energy=f, rms=float(np.sqrt(g @ g / n)),
                          n_iter=k, status=status)


def _params(params, overrides):
    base = params if params is not None else LBFGSParams()
    if not isinstance(base, LBFGSParams):
        raise TypeError(f"params must be an LBFGSParams, got {type(base).__name__}")
    if overrides:
        fields = {**base.__dict__, **overrides}
        unknown = set(overrides) - set(base.__dict__)
        if unknown:
            raise TypeError(f"unknown LBFGS setting(s): {sorted(unknown)}")
        base = LBFGSParams(**fields)
    return base
