"""The LJAT3 cluster: three Lennard-Jones atoms with an Axilrod-Teller triple term.

    V = 4 * sum_{i<j} (r_ij^-12 - r_ij^-6) + Z * (1 + 3 cos t1 cos t2 cos t3) / (r12 r13 r23)^3

in reduced units (epsilon = sigma = 1); t1, t2, t3 are the internal angles.
With Z = 2 there are four minima: the equilateral triangle (V = -2.18510) and three
linear permutational isomers (V = -2.21910).

Everything is written in the squared distances s = (s12, s13, s23), where the
triple term is a rational function:

    cos t1 cos t2 cos t3 = a b c / (8 s12 s13 s23),
    a = s12 + s13 - s23,  b = s12 + s23 - s13,  c = s13 + s23 - s12,

so the energy, its gradient and its Hessian follow from derivatives in s and the
chain rule through s_ij = |x_i - x_j|^2. Atoms are indexed 0, 1, 2 in arrays and
called 1, 2, 3 in the text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import math

import numba
import numpy as np

from .._validation import as_finite_real, check_coords_3x3

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

# Pairs in the order (s12, s13, s23): atoms (0, 1), (0, 2), (1, 2).
PAIRS = ((0, 1), (0, 2), (1, 2))


@numba.njit(cache=True, error_model="numpy", inline="always")
def _squared_distances(x):
    s12 = s13 = s23 = 0.0
    for k in range(x.shape[1]):
        d12 = x[0, k] - x[1, k]
        d13 = x[0, k] - x[2, k]
        d23 = x[1, k] - x[2, k]
        s12 += d12 * d12
        s13 += d13 * d13
        s23 += d23 * d23
    return s12, s13, s23


@numba.njit(cache=True, error_model="numpy", inline="always")
def _energy_s(s1, s2, s3, z):
    i1, i2, i3 = 1.0 / (s1 * s1 * s1), 1.0 / (s2 * s2 * s2), 1.0 / (s3 * s3 * s3)
    lj = 4.0 * (i1 * i1 - i1 + i2 * i2 - i2 + i3 * i3 - i3)
    p = s1 * s2 * s3
    a, b, c = s1 + s2 - s3, s1 + s3 - s2, s2 + s3 - s1
    q1 = 1.0 / (p * np.sqrt(p))  # P^-3/2
    return lj + z * q1 * (1.0 + 0.375 * a * b * c / p)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _energy_ds(s1, s2, s3, z):
    """Energy and its derivatives with respect to (s12, s13, s23)."""
    i1, i2, i3 = 1.0 / (s1 * s1 * s1), 1.0 / (s2 * s2 * s2), 1.0 / (s3 * s3 * s3)
    lj = 4.0 * (i1 * i1 - i1 + i2 * i2 - i2 + i3 * i3 - i3)
    d1 = 12.0 * i1 * (1.0 - 2.0 * i1) / s1
    d2 = 12.0 * i2 * (1.0 - 2.0 * i2) / s2
    d3 = 12.0 * i3 * (1.0 - 2.0 * i3) / s3
    p = s1 * s2 * s3
    a, b, c = s1 + s2 - s3, s1 + s3 - s2, s2 + s3 - s1
    g = a * b * c
    q1 = 1.0 / (p * np.sqrt(p))
    q2 = q1 / p
    # f = q1 + 3/8 g q2;  df/ds_i = -3/2 q1/s_i + 3/8 (dg_i q2 - 5/2 g q2/s_i)
    t = -1.5 * q1 - 0.9375 * g * q2
    ab, ac, bc = a * b, a * c, b * c
    f1 = t / s1 + 0.375 * q2 * (bc + ac - ab)
    f2 = t / s2 + 0.375 * q2 * (bc - ac + ab)
    f3 = t / s3 + 0.375 * q2 * (ac + ab - bc)
    e = lj + z * (q1 + 0.375 * g * q2)
    return e, d1 + z * f1, d2 + z * f2, d3 + z * f3


@numba.njit(cache=True, error_model="numpy")
def energy_and_gradient_flat(x, grad, z):
    """Energy of one geometry given as a flat array ``x`` (3 * d,), atom-major;
    writes dV/dx into ``grad`` (3 * d,). The hot kernel of the minimisers. ValueError
    unless ``x`` and ``grad`` have the same length, a multiple of 3 (a wrong length
    would write past the caller's buffer)."""
    if x.shape[0] % 3 != 0 or grad.shape[0] != x.shape[0]:
        raise ValueError("x and grad must have the same length, a multiple of 3")
    d = x.shape[0] // 3
    s1 = s2 = s3 = 0.0
    for k in range(d):
        d12 = x[k] - x[d + k]
        d13 = x[k] - x[2 * d + k]
        d23 = x[d + k] - x[2 * d + k]
        s1 += d12 * d12
        s2 += d13 * d13
        s3 += d23 * d23
    e, v1, v2, v3 = _energy_ds(s1, s2, s3, z)
    for k in range(d):
        d12 = 2.0 * v1 * (x[k] - x[d + k])
        d13 = 2.0 * v2 * (x[k] - x[2 * d + k])
        d23 = 2.0 * v3 * (x[d + k] - x[2 * d + k])
        grad[k] = d12 + d13
        grad[d + k] = d23 - d12
        grad[2 * d + k] = -d13 - d23
    return e


@numba.njit(cache=True, error_model="numpy")
def _hessian_s(s, z):
    """First (3,) and second (3, 3) derivatives of V with respect to s."""
    e, v1, v2, v3 = _energy_ds(s[0], s[1], s[2], z)
    dv = np.array([v1, v2, v3])
    h = np.zeros((3, 3))
    for i in range(3):  # Lennard-Jones: 4 (42 s^-8 - 12 s^-5)
        inv3 = 1.0 / s[i] ** 3
        h[i, i] = 4.0 * (42.0 * inv3 * inv3 - 12.0 * inv3) / (s[i] * s[i])
    p = s[0] * s[1] * s[2]
    a, b, c = s[0] + s[1] - s[2], s[0] + s[2] - s[1], s[1] + s[2] - s[0]
    g = a * b * c
    q1 = 1.0 / (p * np.sqrt(p))
    q2 = q1 / p
    alpha = np.array([1.0, 1.0, -1.0])
    beta = np.array([1.0, -1.0, 1.0])
    gamma = np.array([-1.0, 1.0, 1.0])
    dg = b * c * alpha + a * c * beta + a * b * gamma
    for i in range(3):
        for j in range(3):
            delta = 1.0 if i == j else 0.0
            inv_ss = 1.0 / (s[i] * s[j])
            d2q1 = q1 * (2.25 - (-1.5) * delta) * inv_ss  # P^m: (m^2 - m delta) P^m / (s_i s_j)
            d2q2 = q2 * (6.25 - (-2.5) * delta) * inv_ss
            d2g = (c * (alpha[i] * beta[j] + beta[i] * alpha[j])
                   + b * (alpha[i] * gamma[j] + gamma[i] * alpha[j])
                   + a * (beta[i] * gamma[j] + gamma[i] * beta[j]))
            dq2_i, dq2_j = -2.5 * q2 / s[i], -2.5 * q2 / s[j]
            h[i, j] += z * (d2q1 + 0.375 * (d2g * q2 + dg[i] * dq2_j + dg[j] * dq2_i + g * d2q2))
    return e, dv, h


@numba.njit(cache=True, error_model="numpy")
def _hessian_one(x, z, out):
    if x.shape[0] != 3 or out.shape[0] != 3 * x.shape[1] or out.shape[1] != 3 * x.shape[1]:
        raise ValueError("x must have shape (3, d) and out (3d, 3d)")
    s = np.array(_squared_distances(x))
    _, dv, hs = _hessian_s(s, z)
    d = x.shape[1]
    ds = np.zeros((3, 3 * d))  # ds_p / dx, flattened atom-major
    for p in range(3):
        i, j = PAIRS[p]
        for k in range(d):
            diff = 2.0 * (x[i, k] - x[j, k])
            ds[p, i * d + k] = diff
            ds[p, j * d + k] = -diff
    for m in range(3 * d):
        for n in range(3 * d):
            acc = 0.0
            for p in range(3):
                for q in range(3):
                    acc += hs[p, q] * ds[p, m] * ds[q, n]
            out[m, n] = acc
    for p in range(3):  # second derivatives of s_p: +-2 I on the atom blocks
        i, j = PAIRS[p]
        for k in range(d):
            w = 2.0 * dv[p]
            out[i * d + k, i * d + k] += w
            out[j * d + k, j * d + k] += w
            out[i * d + k, j * d + k] -= w
            out[j * d + k, i * d + k] -= w


@numba.njit(cache=True, error_model="numpy", parallel=True)
def _energy_batch(x, z):
    out = np.empty(x.shape[0])
    for n in numba.prange(x.shape[0]):
        s1, s2, s3 = _squared_distances(x[n])
        out[n] = _energy_s(s1, s2, s3, z)
    return out


@numba.njit(cache=True, error_model="numpy", parallel=True)
def _gradient_batch(x, z):
    flat = x.reshape(x.shape[0], -1)
    grad = np.empty_like(flat)
    for n in numba.prange(x.shape[0]):
        energy_and_gradient_flat(flat[n], grad[n], z)
    return grad.reshape(x.shape)


@numba.njit(cache=True, error_model="numpy", parallel=True)
def _hessian_batch(x, z):
    d = x.shape[2]
    out = np.empty((x.shape[0], 3 * d, 3 * d))
    for n in numba.prange(x.shape[0]):
        _hessian_one(x[n], z, out[n])
    return out


# -- public wrappers --------------------------------------------------------------------
# The compiled kernels work in squared distances, which overflow (or cancel) for atoms
# that coincide or are extremely close (below ~1e-25) or far apart (beyond ~1e51): nan
# or inf comes out where the true value is inf, a finite number or ~0. The wrappers
# redo only those geometries below, in logarithms of the distances, so the kernels stay
# as they are.

def _real_z(z):
    if type(z) is float and math.isfinite(z):  # the common case, quickly
        return z
    return as_finite_real(z, "z")


def _coords(x):
    try:
        dtype = x.dtype if isinstance(x, np.ndarray) else np.asarray(x).dtype
    except ValueError as err:  # ragged nested sequences
        raise ValueError(f"x must be an array of shape (3, 3) or (n, 3, 3): {err}") from None
    if dtype.kind not in "biuf":
        raise TypeError(f"x must be an array of real numbers, got dtype {dtype}")
    return check_coords_3x3(x)


# Angle at atom o between the vectors to atoms a and b; the vector o -> a is
# sign_a * u[pair_a] (u[p] points from the first atom of PAIRS[p] to the second).
_ANGLES = ((0, 1, 0, 1.0, 2, 1, 1.0), (1, 0, 0, -1.0, 2, 2, 1.0), (2, 0, 1, -1.0, 1, 2, -1.0))


def _pairs_robust(x):
    """log r (3,) and unit vectors u (3, 3) of the pairs of one geometry (3, 3), without
    squaring: x_j/2 - x_i/2 never overflows, and is scaled by its largest component."""
    logr, u = np.empty(3), np.zeros((3, 3))
    for p, (i, j) in enumerate(PAIRS):
        half = 0.5 * x[j] - 0.5 * x[i]
        a = np.max(np.abs(half))
        if a == 0.0:
            logr[p] = -np.inf
            continue
        v = half / a
        norm = np.sqrt(v @ v)
        logr[p], u[p] = np.log(2.0) + np.log(a) + np.log(norm), v / norm
    return logr, u


def _cosines(u):
    return np.array([(sa * u[pa]) @ (sb * u[pb]) for _, _, pa, sa, _, pb, sb in _ANGLES])


def _energy_robust(x, z):
    logr, u = _pairs_robust(x)
    if np.any(np.isneginf(logr)):
        return np.inf  # atoms coincide
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        t = np.exp(-6.0 * logr)  # r^-6: inf for r < 1e-51, 0 for r > 1e51
        lj = 4.0 * t * (t - 1.0)
        if not np.all(np.isfinite(lj)):
            return np.inf  # the r^-12 term overflows (and outgrows the triple term's r^-9)
        c = _cosines(u)
        return float(lj.sum() + z * (1.0 + 3.0 * c[0] * c[1] * c[2]) * np.exp(-3.0 * logr.sum()))


def _too_close(x, what, index):
    logr, _ = _pairs_robust(x)
    p = int(np.argmin(logr))
    i, j = PAIRS[p]
    where = "" if index is None else f"[{index}]"
    dist = "coincide" if np.isneginf(logr[p]) else f"are {np.exp(logr[p]):.3g} apart"
    return ValueError(f"x{where}: atoms {i + 1} and {j + 1} {dist}: the {what} is not finite there")


def _gradient_robust(x, z, index):
    logr, u = _pairs_robust(x)
    g = np.zeros((3, 3))
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for p, (i, j) in enumerate(PAIRS):  # d/dr 4 (r^-12 - r^-6) along u
            dphi = -48.0 * np.exp(-13.0 * logr[p]) + 24.0 * np.exp(-7.0 * logr[p])
            g[j] += dphi * u[p]
            g[i] -= dphi * u[p]
        # triple term z f W, f = 1 + 3 c1 c2 c3, W = (r12 r13 r23)^-3; wr[p] = W / r_p
        c = _cosines(u)
        f = 1.0 + 3.0 * c[0] * c[1] * c[2]
        wr = np.exp(-3.0 * logr.sum() - logr)
        for k, (o, a, pa, sa, b, pb, sb) in enumerate(_ANGLES):
            ua, ub, ck = sa * u[pa], sb * u[pb], c[k]
            da, db = (ub - ck * ua) * wr[pa], (ua - ck * ub) * wr[pb]  # W dc_k/dx_a, W dc_k/dx_b
            others = 3.0 * z * np.prod(np.delete(c, k))
            g[a] += others * da
            g[b] += others * db
            g[o] -= others * (da + db)
        for p, (i, j) in enumerate(PAIRS):  # f dW/dx = -3 f W / r_p dr_p/dx
            g[j] -= 3.0 * z * f * wr[p] * u[p]
            g[i] += 3.0 * z * f * wr[p] * u[p]
    if not np.all(np.isfinite(g)):
        raise _too_close(x, "gradient", index)
    return g


def _hessian_robust(x, z, index):
    """The pair (Lennard-Jones) Hessian alone: where the compiled kernel overflows (a pair
    closer than ~1e-20 or atoms beyond ~1e51) the triple term's share is below double
    precision of it, or below 1e-300 (for moderate z)."""
    logr, u = _pairs_robust(x)
    h = np.zeros((9, 9))
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for p, (i, j) in enumerate(PAIRS):
            d2phi = 624.0 * np.exp(-14.0 * logr[p]) - 168.0 * np.exp(-8.0 * logr[p])
            dphi_r = -48.0 * np.exp(-14.0 * logr[p]) + 24.0 * np.exp(-8.0 * logr[p])
            uu = np.outer(u[p], u[p])
            block = d2phi * uu + dphi_r * (np.eye(3) - uu)
            si, sj = slice(3 * i, 3 * i + 3), slice(3 * j, 3 * j + 3)
            h[si, si] += block
            h[sj, sj] += block
            h[si, sj] -= block
            h[sj, si] -= block
    if not np.all(np.isfinite(h)):
        raise _too_close(x, "Hessian", index)
    return h


def energy(x: ArrayLike, z: float = 2.0) -> float | np.ndarray:
    """Potential energy.

    Parameters
    ----------
    x : array, shape (3, 3) or (n, 3, 3)
        Cartesian coordinates of the three atoms (reduced units).
    z : float
        Weight of the Axilrod-Teller term.

    Returns
    -------
    float or array of shape (n,)
        Energy in units of epsilon; ``inf`` if two atoms coincide (or are so close that
        it overflows), finite (about 0) however far apart they are.

    Examples
    --------
    >>> import numpy as np
    >>> from ljatlib.potentials import ljat3
    >>> x = np.array([[0.0, 0.0, 0.0], [1.1, 0.0, 0.0], [0.55, 0.95, 0.0]])
    >>> round(ljat3.energy(x), 4)
    -1.7616
    >>> ljat3.energy(np.stack([x, 2 * x])).shape
    (2,)
    """
    xb, single = _coords(x)
    e = _energy(xb, _real_z(z))
    return float(e[0]) if single else e


def _energy(xb, z):
    e = _energy_batch(xb, z)
    if not np.isfinite(e).all():  # one cheap check; the rows only if it fails
        for n in np.flatnonzero(~np.isfinite(e)):
            e[n] = _energy_robust(xb[n], z)
    return e


def _gradient(xb, z, skip=None):
    g = _gradient_batch(xb, z)
    if not np.isfinite(g).all():
        for n in np.flatnonzero(~np.all(np.isfinite(g), axis=(1, 2))):
            if skip is None or not skip[n]:
                g[n] = _gradient_robust(xb[n], z, n if len(xb) > 1 else None)
    return g


def gradient(x: ArrayLike, z: float = 2.0) -> np.ndarray:
    """Gradient dV/dx, same shape as ``x`` ((3, 3) or (n, 3, 3)), units epsilon/sigma.
    ValueError (naming the geometry and the atoms) where it is not finite: two atoms
    that coincide or are closer than about 1e-23."""
    xb, single = _coords(x)
    g = _gradient(xb, _real_z(z))
    return g[0] if single else g


def energy_and_gradient(x: ArrayLike, z: float = 2.0) -> tuple[float | np.ndarray, np.ndarray]:
    """Energy and gradient together (for optimisers taking ``fun_grad``). Where the
    energy is inf (atoms that coincide) the gradient is undefined and returned as nan,
    so an optimiser rejects the step on the energy; elsewhere as :func:`gradient`."""
    xb, single = _coords(x)
    z = _real_z(z)
    e = _energy(xb, z)
    infinite = np.isinf(e)
    g = _gradient(xb, z, skip=infinite)
    if infinite.any():
        g[infinite] = np.nan
    return (float(e[0]), g[0]) if single else (e, g)


def hessian(x: ArrayLike, z: float = 2.0) -> np.ndarray:
    """Hessian d2V/dx2 of shape (9, 9) or (n, 9, 9); rows ordered atom-major (x1, y1, z1, x2, ...).
    ValueError (naming the geometry and the atoms) where it is not finite: two atoms that
    coincide or are closer than about 1e-22."""
    xb, single = _coords(x)
    z = _real_z(z)
    h = _hessian_batch(xb, z)
    if not np.isfinite(h).all():
        for n in np.flatnonzero(~np.all(np.isfinite(h), axis=(1, 2))):
            h[n] = _hessian_robust(xb[n], z, n if len(xb) > 1 else None)
    return h[0] if single else h


@numba.njit(cache=True, error_model="numpy")
def hessian_flat(x, out, z):
    """Hessian of one geometry given flat (9,), written into ``out`` (9, 9): the serial
    kernel of the landscape tools (as :func:`energy_and_gradient_flat`). ValueError unless
    x has 9 entries and out is (9, 9)."""
    if x.shape[0] != 9:
        raise ValueError("x must have 9 entries (3 atoms x 3 coordinates)")
    _hessian_one(x.reshape(3, 3), z, out)
