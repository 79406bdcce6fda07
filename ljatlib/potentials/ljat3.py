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

import numba
import numpy as np

from .._validation import check_coords_3x3

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
def energy_gradient_flat(x, grad, z):
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
        energy_gradient_flat(flat[n], grad[n], z)
    return grad.reshape(x.shape)


@numba.njit(cache=True, error_model="numpy", parallel=True)
def _hessian_batch(x, z):
    d = x.shape[2]
    out = np.empty((x.shape[0], 3 * d, 3 * d))
    for n in numba.prange(x.shape[0]):
        _hessian_one(x[n], z, out[n])
    return out


def energy(x, z=2.0):
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
        Energy in units of epsilon; ``inf`` if two atoms coincide.
    """
    xb, single = check_coords_3x3(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = _energy_batch(xb, float(z))
    return float(e[0]) if single else e


def gradient(x, z=2.0):
    """Gradient dV/dx, same shape as ``x`` ((3, 3) or (n, 3, 3)), units epsilon/sigma."""
    xb, single = check_coords_3x3(x)
    g = _gradient_batch(xb, float(z))
    return g[0] if single else g


def energy_and_gradient(x, z=2.0):
    """Energy and gradient together (for optimisers taking ``fun_grad``)."""
    return energy(x, z), gradient(x, z)


def hessian(x, z=2.0):
    """Hessian d2V/dx2 of shape (9, 9) or (n, 9, 9); rows ordered atom-major (x1, y1, z1, x2, ...)."""
    xb, single = check_coords_3x3(x)
    h = _hessian_batch(xb, float(z))
    return h[0] if single else h


@numba.njit(cache=True, error_model="numpy")
def hessian_flat(x, out, z):
    """Hessian of one geometry given flat (9,), written into ``out`` (9, 9): the serial
    kernel of the landscape tools (as :func:`energy_gradient_flat`). ValueError unless
    x has 9 entries and out is (9, 9)."""
    if x.shape[0] != 9:
        raise ValueError("x must have 9 entries (3 atoms x 3 coordinates)")
    _hessian_one(x.reshape(3, 3), z, out)
