"""Binary Lennard-Jones mixture in a periodic cubic box (SI S4, Kob-Andersen parameters).

    V = sum_{i<j} sum_images phi_ab(r),   phi_ab = 0 for r >= rc_ab = cutoff * sigma_ab,

with the Stoddard-Ford shifted and truncated pair potential (energy and force both
vanish at the cutoff):

    phi(r) = 4 eps [ (sigma/r)^12 - (sigma/r)^6 + (6 x^2 - 3 x) (r/rc)^2 - 7 x^2 + 4 x ],
    x = (sigma/rc)^6.

Reduced units: sigma_AA = eps_AA = 1. The box side is (N / density)^(1/3). When the
largest cutoff exceeds half the box side (BLJ60 at density 1: side 3.91, cutoff 2.5),
a pair interacts with several periodic images of its partner; every image within the
cutoff is summed. The cutoff must stay below the box side, so no atom meets its own
image.

Everything is written in the squared distance s = r^2, so that with phi(s),
dV/dx_i = 2 phi'(s) d and the pair's Hessian block is 2 phi'(s) I + 4 phi''(s) d d^T,
d = x_i - x_j (the image's separation vector).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from .._validation import as_finite_array, check_integer, check_positive

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

# Kob & Andersen (1995): species A (index 0) and B (index 1).
KOB_ANDERSEN_SIGMA = ((1.0, 0.8), (0.8, 0.88))
KOB_ANDERSEN_EPSILON = ((1.0, 1.5), (1.5, 0.5))


@numba.njit(cache=True, error_model="numpy", inline="always")
def _pair(s, sig2, eps, a_coef, b_coef, rc2):
    """phi, dphi/ds and d2phi/ds2 of one pair at squared distance s (< rc2)."""
    i3 = (sig2 / s) ** 3
    i6 = i3 * i3
    phi = 4.0 * eps * (i6 - i3 + a_coef * s / rc2 + b_coef)
    d1 = 4.0 * eps * ((-6.0 * i6 + 3.0 * i3) / s + a_coef / rc2)
    d2 = 4.0 * eps * (42.0 * i6 - 12.0 * i3) / (s * s)
    return phi, d1, d2


@numba.njit(cache=True, error_model="numpy", inline="always")
def _check_flat(x, n_out, types):
    """ValueError unless x and an output of length n_out have 3N entries (N = len(types)):
    the kernels write into the caller's buffers, so a wrong length would corrupt memory."""
    if x.shape[0] != 3 * types.shape[0] or n_out != x.shape[0]:
        raise ValueError("x and the output must have 3N entries for N atoms")


@numba.njit(cache=True, error_model="numpy")
def energy_and_gradient_flat(x, grad, types, sig2, eps, a_coef, b_coef, rc2, box, n_image):
    """Energy of one configuration x (3N,) (atom-major); writes dV/dx into grad (3N,).

    ``n_image`` = 0: nearest images only (every cutoff below half the box side); 1:
    also the images one box away. The hot kernel of the minimisers. ValueError unless
    x and grad both have 3N entries."""
    _check_flat(x, grad.shape[0], types)
    n = x.shape[0] // 3
    grad[:] = 0.0
    energy = 0.0
    for i in range(n - 1):
        for j in range(i + 1, n):
            ti, tj = types[i], types[j]
            rc2_ij = rc2[ti, tj]
            d0x = x[3 * i] - x[3 * j]
            d0y = x[3 * i + 1] - x[3 * j + 1]
            d0z = x[3 * i + 2] - x[3 * j + 2]
            d0x -= box * np.floor(d0x / box + 0.5)
            d0y -= box * np.floor(d0y / box + 0.5)
            d0z -= box * np.floor(d0z / box + 0.5)
            for kx in range(-n_image, n_image + 1):
                for ky in range(-n_image, n_image + 1):
                    for kz in range(-n_image, n_image + 1):
                        dx, dy, dz = d0x + kx * box, d0y + ky * box, d0z + kz * box
                        s = dx * dx + dy * dy + dz * dz
                        if s >= rc2_ij:
                            continue
                        if s == 0.0:  # coincident atoms: infinite energy, not inf - inf = nan
                            energy = np.inf
                            continue
                        phi, d1, _ = _pair(s, sig2[ti, tj], eps[ti, tj], a_coef[ti, tj],
                                           b_coef[ti, tj], rc2_ij)
                        energy += phi
                        gx, gy, gz = 2.0 * d1 * dx, 2.0 * d1 * dy, 2.0 * d1 * dz
                        grad[3 * i] += gx
                        grad[3 * i + 1] += gy
                        grad[3 * i + 2] += gz
                        grad[3 * j] -= gx
                        grad[3 * j + 1] -= gy
                        grad[3 * j + 2] -= gz
    return energy


@numba.njit(cache=True, error_model="numpy", parallel=True)
def energy_and_gradient_many(X, types, sig2, eps, a_coef, b_coef, rc2, box, n_image):
    """Energies (m,) and gradients (m, 3N) of the rows of X (m, 3N), in parallel."""
    if X.shape[1] != 3 * types.shape[0]:
        raise ValueError("X must have 3N columns for N atoms")
    energies = np.empty(X.shape[0])
    grads = np.empty_like(X)
    for k in numba.prange(X.shape[0]):
        energies[k] = energy_and_gradient_flat(X[k], grads[k], types, sig2, eps, a_coef, b_coef,
                                           rc2, box, n_image)
    return energies, grads


@numba.njit(cache=True, error_model="numpy")
def hessian_flat(x, out, types, sig2, eps, a_coef, b_coef, rc2, box, n_image):
    """Hessian (3N, 3N) of one configuration x (3N,), written into ``out``."""
    _check_flat(x, out.shape[0], types)
    if out.shape[1] != x.shape[0]:
        raise ValueError("out must have shape (3N, 3N)")
    n = x.shape[0] // 3
    out[:, :] = 0.0
    d, d0 = np.empty(3), np.empty(3)
    for i in range(n - 1):
        for j in range(i + 1, n):
            ti, tj = types[i], types[j]
            rc2_ij = rc2[ti, tj]
            for c in range(3):
                d0[c] = x[3 * i + c] - x[3 * j + c]
                d0[c] -= box * np.floor(d0[c] / box + 0.5)
            for kx in range(-n_image, n_image + 1):
                for ky in range(-n_image, n_image + 1):
                    for kz in range(-n_image, n_image + 1):
                        d[0], d[1], d[2] = d0[0] + kx * box, d0[1] + ky * box, d0[2] + kz * box
                        s = d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
                        if s >= rc2_ij:
                            continue
                        _, d1, d2 = _pair(s, sig2[ti, tj], eps[ti, tj], a_coef[ti, tj],
                                          b_coef[ti, tj], rc2_ij)
                        for a in range(3):
                            for b in range(3):
                                h = 4.0 * d2 * d[a] * d[b]
                                if a == b:
                                    h += 2.0 * d1
                                out[3 * i + a, 3 * i + b] += h
                                out[3 * j + a, 3 * j + b] += h
                                out[3 * i + a, 3 * j + b] -= h
                                out[3 * j + a, 3 * i + b] -= h
    return out


class BinaryLJ:
    """A periodic binary Lennard-Jones mixture of ``n_a`` A and ``n_b`` B atoms.

    Parameters
    ----------
    n_a, n_b : int
        Atoms of each species (A first in the coordinate array). n_a + n_b >= 2.
    density : float
        Number density (atoms per sigma_AA^3); the cubic box side is (N / density)^(1/3).
    cutoff : float
        Pair cutoff in units of each pair's sigma (rc_ab = cutoff * sigma_ab).
    sigma, epsilon : 2x2 nested sequences
        Pair parameters (default Kob-Andersen).

    Coordinates are (N, 3) or flat (3N,) arrays in units of sigma_AA; they need not lie
    inside the box. Energies are in units of eps_AA.
    """

    def __init__(self, n_a: int, n_b: int, density: float = 1.0, cutoff: float = 2.5,
                 sigma: tuple[tuple[float, float], tuple[float, float]] = KOB_ANDERSEN_SIGMA,
                 epsilon: tuple[tuple[float, float], tuple[float, float]] = KOB_ANDERSEN_EPSILON) -> None:
        self.n_a, self.n_b = check_integer(n_a, "n_a", 0), check_integer(n_b, "n_b", 0)
        self.n_atoms = self.n_a + self.n_b
        if self.n_atoms < 2:
            raise ValueError(f"need at least 2 atoms, got {self.n_atoms}")
        self.density = check_positive(density, "density")
        self.cutoff = check_positive(cutoff, "cutoff")
        sig = as_finite_array(sigma, "sigma", ndim=2, shape_tail=(2, 2))
        eps = as_finite_array(epsilon, "epsilon", ndim=2, shape_tail=(2, 2))
        if np.any(sig <= 0) or np.any(eps <= 0) or np.any(sig != sig.T) or np.any(eps != eps.T):
            raise ValueError("sigma and epsilon must be symmetric 2x2 with positive entries")
        self.box = (self.n_atoms / self.density) ** (1.0 / 3.0)
        if not np.isfinite(self.box):
            raise ValueError(f"density {density!r} is too small: the box side (N / density)^(1/3) "
                             "is beyond the float range")
        rc = self.cutoff * sig
        if rc.max() >= self.box:
            raise ValueError(f"the largest cutoff {rc.max():.3f} must be below the box side "
                             f"{self.box:.3f} (an atom would meet its own image)")
        self.n_image = 0 if rc.max() <= self.box / 2 else 1
        x6 = (sig / rc) ** 6
        self._params = (np.array([0] * self.n_a + [1] * self.n_b, dtype=np.int64), sig ** 2,
                        eps.copy(), 6 * x6 ** 2 - 3 * x6, -7 * x6 ** 2 + 4 * x6, rc ** 2,
                        self.box, self.n_image)
        self.sigma, self.epsilon = sig, eps

    @property
    def types(self) -> np.ndarray:
        """Species of each atom (N,): 0 for A, 1 for B."""
        return self._params[0].copy()

    @property
    def kernel_args(self) -> tuple:
        """The arguments after (x, output) of the compiled kernels
        :func:`energy_and_gradient_flat`, :func:`energy_and_gradient_many` (after X) and
        :func:`hessian_flat`: types, sigma^2, epsilon, the shift coefficients, cutoff^2,
        box side and periodic-image flag."""
        return self._params

    def _flat(self, x):
        x = as_finite_array(x, "x", ndim=(1, 2))
        if x.size != 3 * self.n_atoms or (x.ndim == 2 and x.shape[1] != 3):
            raise ValueError(f"x must have shape ({self.n_atoms}, 3) or ({3 * self.n_atoms},), "
                             f"got {x.shape}")
        return x.reshape(-1)

    def energy(self, x: ArrayLike) -> float:
        """Potential energy (eps_AA) of coordinates x (N, 3) or (3N,); ``inf`` if two
        atoms (or an atom and an image of another) coincide."""
        return self.energy_and_gradient(x)[0]

    def energy_and_gradient(self, x: ArrayLike) -> tuple[float, np.ndarray]:
        """Energy and gradient (same shape as x). Coincident atoms: energy ``inf``, and
        the gradient leaves their pair out."""
        flat = self._flat(x)
        grad = np.empty_like(flat)
        e = energy_and_gradient_flat(flat, grad, *self._params)
        return float(e), grad.reshape(np.shape(x))

    def energy_and_gradient_many(self, X: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Energies (m,) and gradients (m, 3N) of configurations X (m, 3N)."""
        X = as_finite_array(X, "X", ndim=2)
        if X.shape[1] != 3 * self.n_atoms:
            raise ValueError(f"X must have shape (m, {3 * self.n_atoms}), got {X.shape}")
        return energy_and_gradient_many(X, *self._params)

    def hessian(self, x: ArrayLike) -> np.ndarray:
        """Hessian (3N, 3N) of the energy at x; ValueError if two atoms coincide."""
        flat = self._flat(x)
        if not np.isfinite(energy_and_gradient_flat(flat, np.empty_like(flat), *self._params)):
            raise ValueError("x has coincident atoms: the Hessian is not defined there")
        return hessian_flat(flat, np.empty((flat.size, flat.size)), *self._params)

    def random_configuration(self, rng: np.random.Generator | None = None) -> np.ndarray:
        """Uniformly random positions in the box (3N,): a liquid-like start to quench."""
        rng = np.random.default_rng(rng)
        return rng.uniform(0.0, self.box, 3 * self.n_atoms)

    def wrap(self, x: ArrayLike) -> np.ndarray:
        """Coordinates folded into [0, box) (same shape as x)."""
        return np.mod(np.asarray(x, dtype=float), self.box)

    def description(self) -> dict:
        return {"system": "BLJ", "n_a": self.n_a, "n_b": self.n_b, "density": self.density,
                "cutoff": self.cutoff, "sigma": self.sigma.tolist(),
                "epsilon": self.epsilon.tolist()}
