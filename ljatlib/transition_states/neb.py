"""Doubly-nudged elastic band (DNEB; Trygubenko & Wales, J. Chem. Phys. 120, 2082, 2004).

A chain of images between two minima is relaxed under the true force perpendicular to
the path, a spring force along it, and the DNEB part of the perpendicular spring force
(the component not along the perpendicular true force). Tangents: Henkelman–Jónsson
"improved tangent" (uphill neighbour, energy-weighted at extrema). The chain is
minimised with the GMIN-style LBFGS, whose energy-rise test is switched off because the
DNEB force is not the gradient of any function.
"""

from dataclasses import dataclass

import numpy as np

from ..optimize import LBFGSParams, lbfgs


@dataclass
class NEBResult:
    """images (m + 2, n) including the two fixed ends; energies (m + 2,); rms of the
    DNEB force on the movable images; n_iter LBFGS iterations."""

    images: np.ndarray
    energies: np.ndarray
    rms: float
    n_iter: int

    def local_maxima(self):
        """Indices of interior images higher than both neighbours (TS candidates),
        highest first."""
        e = self.energies
        idx = [i for i in range(1, len(e) - 1) if e[i] > e[i - 1] and e[i] > e[i + 1]]
        return sorted(idx, key=lambda i: -e[i])

    def tangent(self, i):
        t = self.images[i + 1] - self.images[i - 1]
        return t / np.linalg.norm(t)


def _tangents(images, energies):
    t = np.zeros_like(images)
    for i in range(1, len(images) - 1):
        fwd, back = images[i + 1] - images[i], images[i] - images[i - 1]
        e_prev, e, e_next = energies[i - 1], energies[i], energies[i + 1]
        if e_next > e > e_prev:
            tau = fwd
        elif e_next < e < e_prev:
            tau = back
        else:
            d_max = max(abs(e_next - e), abs(e_prev - e))
            d_min = min(abs(e_next - e), abs(e_prev - e))
            tau = fwd * d_max + back * d_min if e_next > e_prev else fwd * d_min + back * d_max
        norm = np.linalg.norm(tau)
        t[i] = tau / norm if norm > 0 else fwd / max(np.linalg.norm(fwd), 1e-300)
    return t


def dneb(system, x_start, x_end, n_images=20, k=50.0, tol=1e-4, max_iter=1000, max_step=0.5,
         initial_images=None):
    """Relax a DNEB between the minima ``x_start`` and ``x_end`` (flat arrays, fixed).

    Parameters
    ----------
    system : :class:`~ljatlib.landscape.System`
    n_images : int
        Movable images (linear interpolation unless ``initial_images`` (n_images, n) is given).
    k : float
        Spring constant (OPTIM's default for these runs: 50).
    tol : float
        RMS of the DNEB force at which the band is converged.

    Returns
    -------
    NEBResult
    """
    a, b = np.asarray(x_start, float).ravel(), np.asarray(x_end, float).ravel()
    if initial_images is None:
        s = np.linspace(0, 1, n_images + 2)[1:-1, None]
        inner = (1 - s) * a + s * b
    else:
        inner = np.asarray(initial_images, float).reshape(n_images, -1)
    e_a, e_b = system.energy(a), system.energy(b)

    def band_force(flat):
        images = np.vstack([a, flat.reshape(n_images, -1), b])
        energies, grads = [e_a], [np.zeros_like(a)]
        for x in images[1:-1]:
            e, g = system.fun_grad(x)
            energies.append(e)
            grads.append(g)
        energies.append(e_b)
        tau = _tangents(images, np.array(energies))
        total = np.empty_like(flat).reshape(n_images, -1)
        for i in range(1, n_images + 1):
            g, t = grads[i], tau[i]
            g_perp = g - (g @ t) * t
            fwd, back = images[i + 1] - images[i], images[i] - images[i - 1]
            spring_par = k * (np.linalg.norm(fwd) - np.linalg.norm(back)) * t
            spring = k * (fwd - back)
            spring_perp = spring - (spring @ t) * t
            gp_norm = np.linalg.norm(g_perp)
            dneb_part = spring_perp - (spring_perp @ g_perp) * g_perp / gp_norm**2 if gp_norm > 0 else spring_perp
            total[i - 1] = g_perp - spring_par - dneb_part  # a "gradient": minus the force
        return float(np.sum(energies[1:-1])), total.ravel()

    res = lbfgs(band_force, inner.ravel(), LBFGSParams(tol=tol, memory=8, max_step=max_step,
                                                       max_rise=np.inf, max_iter=max_iter))
    images = np.vstack([a, res.x.reshape(n_images, -1), b])
    energies = np.array([e_a] + [system.energy(x) for x in images[1:-1]] + [e_b])
    return NEBResult(images, energies, float(res.rms), int(res.n_iter))
