"""Doubly-nudged elastic band (DNEB; Trygubenko & Wales, J. Chem. Phys. 120, 2082, 2004).

A chain of images between two minima is relaxed under the true force perpendicular to
the path, a spring force along it, and the DNEB part of the perpendicular spring force
(the component not along the perpendicular true force). Tangents: Henkelman–Jónsson
"improved tangent" (uphill neighbour, energy-weighted at extrema). The chain is
minimised with the GMIN-style LBFGS, whose energy-rise test is switched off because the
DNEB force is not the gradient of any function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

import numba
import numpy as np

from .._objective import CompiledObjective
from ..optimize import LBFGSParams, lbfgs
from ._compiled_band import BAND_DIVERGED, BAND_STALLED, band_gradient_into, band_progress, relax_band

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..systems import System


@dataclass
class NEBResult:
    """images (m + 2, n) including the two fixed ends; energies (m + 2,); rms of the
    DNEB force on the movable images; n_iter LBFGS iterations (band-force evaluations
    when the band failed); failed: an image reached a non-finite energy or gradient, or
    the band diverged (its RMS force grew to :data:`DIVERGED` times its starting value;
    e.g. two atoms pushed through each other): ``rms`` is then ``inf`` and the band
    has no :meth:`local_maxima`, so the search is a failed attempt."""

    images: np.ndarray
    energies: np.ndarray
    rms: float
    n_iter: int
    failed: bool = False

    def local_maxima(self) -> list[int]:
        """Indices of interior images higher than both neighbours (TS candidates),
        highest first; none if the band failed or has a non-finite energy."""
        e = self.energies
        if self.failed or not np.isfinite(self.rms) or not np.all(np.isfinite(e)):
            return []
        idx = [i for i in range(1, len(e) - 1) if e[i] > e[i - 1] and e[i] > e[i + 1]]
        return sorted(idx, key=lambda i: -e[i])

    def tangent(self, i: int) -> np.ndarray:
        t = self.images[i + 1] - self.images[i - 1]
        return t / np.linalg.norm(t)


_H0 = LBFGSParams().h0  # the band's first LBFGS step scale, as the Python path's

DIVERGED = 1e6
"""A band whose RMS force grows to this many times its starting value has diverged. The
LJAT3 bands that push two atoms through each other grow by 1e37-1e64 within 1000
iterations; network bands (MLP (3, 3), 12 pairs of workload A, k = 50) by at most 6.2."""


STALL_WINDOW, STALL_GAIN = 100, 0.9
"""A band stops relaxing (stalled, not failed) once the lowest RMS force so far has fallen
by less than the factor STALL_GAIN over the last STALL_WINDOW iterations. Between two
linear LJAT3 isomers (k = 50, 20 images) the RMS force is 0.077 after 100 iterations and
0.073 after 1000."""


class _StalledBand(Exception):
    def __init__(self, images, energies, rms, n_iter):
        super().__init__("the band stalled")
        self.images, self.energies, self.rms, self.n_iter = images, energies, rms, n_iter


class _FailedBand(Exception):
    """An image of the band has a non-finite energy or gradient, or the band diverged."""

    def __init__(self, images, energies):
        super().__init__("non-finite energy or gradient in the band, or the band diverged")
        self.images, self.energies = images, energies


def band_gradient(images: np.ndarray, energies: np.ndarray, grads: np.ndarray, k: float) -> np.ndarray:
    """Minus the DNEB force on the interior images (m, n) of ``images`` (m + 2, n), with
    ``energies`` (m + 2,) and true gradients ``grads`` (m, n) of the interior images:
    the true gradient perpendicular to the tangent, minus the spring force along it
    (k (|fwd| - |back|) t), minus the DNEB part of the perpendicular spring force (its
    component perpendicular to the perpendicular true gradient). Tangents:
    Henkelman–Jónsson's improved tangent. One compiled loop over the images, the one the
    compiled band relaxation calls."""
    out = np.empty(np.shape(grads))
    band_gradient_into(np.ascontiguousarray(images, dtype=np.float64), np.ascontiguousarray(energies, dtype=np.float64),
                       np.ascontiguousarray(grads, dtype=np.float64), float(k), out)
    return out


def dneb(system: System, x_start: ArrayLike, x_end: ArrayLike, n_images: int = 20, k: float = 50.0, tol: float = 1e-2,
         max_iter: int = 1000, max_step: float = 0.5, initial_images: ArrayLike | None = None) -> NEBResult:
    """Relax a DNEB between the minima ``x_start`` and ``x_end`` (flat arrays, fixed).

    Parameters
    ----------
    system : :class:`~ljatlib.systems.System`
        Its ``fun_grad_batch`` (``fun_grad_many`` when the system has one) evaluates
        all images in one call. If its ``fun_grad`` is a compiled objective (the network
        losses), the whole relaxation runs as one compiled loop instead, with the same
        arithmetic and no Python per iteration.
    n_images : int
        Movable images (linear interpolation unless ``initial_images`` (n_images, n) is given).
    k : float
        Spring constant (OPTIM's default for these runs: 50).
    tol : float
        RMS of the DNEB force (|g| / sqrt(n) over all movable coordinates) at which the
        band is converged. Default 1e-2, pele's ``NEBDriver`` default (its
        ``NEBquenchParams`` tol, to which pele maps OPTIM's NEWCONNECT RMStol): the band
        only has to bring its maxima near the transition states, and
        eigenvector-following converges them (to RMS 1e-6 and below) from there
        (why not 1e-4: ``docs/decisions.md``).
    max_iter : int
        LBFGS iterations at most (default 1000, more than pele's 10 per image: see
        ``docs/decisions.md``); fewer if the band stalls (:data:`STALL_WINDOW`) or
        diverges (:data:`DIVERGED`, a failed band).
    max_step : float
        Largest LBFGS step (Euclidean norm over the whole band).

    Returns
    -------
    NEBResult
        ``failed`` (and ``rms = inf``, no local maxima) if an image reached a
        non-finite energy or gradient.

    Examples
    --------
    >>> from ljatlib.systems import tilted_double_well
    >>> well = tilted_double_well()
    >>> band = dneb(well, [-1.03, 0.0], [0.967, 0.0], n_images=9)
    >>> top = band.local_maxima()[0]
    >>> round(float(band.energies[top]), 2)  # the transition state is at 1.0078
    0.99
    """
    a, b = np.asarray(x_start, float).ravel(), np.asarray(x_end, float).ravel()
    if initial_images is None:
        s = np.linspace(0, 1, n_images + 2)[1:-1, None]
        inner = (1 - s) * a + s * b
    else:
        inner = np.asarray(initial_images, float).reshape(n_images, -1)
    e_a, e_b = system.energy(a), system.energy(b)
    batch = getattr(system, "fun_grad_batch", None)
    if batch is None:  # a duck-typed system with fun_grad only
        def batch(X):
            out = [system.fun_grad(x) for x in X]
            return np.array([e for e, _ in out], float), np.array([g for _, g in out], float)
    images = np.empty((n_images + 2, a.size))
    images[0], images[-1] = a, b
    energies = np.empty(n_images + 2)
    energies[0], energies[-1] = e_a, e_b
    n_eval, progress = [0], np.empty(3)
    if not (np.isfinite(e_a) and np.isfinite(e_b)):
        images[1:-1] = inner
        return NEBResult(images, energies, float("inf"), 0, failed=True)
    objective = getattr(system, "fun_grad", None)
    if isinstance(objective, CompiledObjective):
        if a.size != objective.n or b.size != objective.n or inner.shape != (n_images, objective.n):
            raise ValueError(f"the band's ends and images must have {objective.n} coordinates each, "
                             f"got {a.size}, {b.size} and {inner.shape}")
        images[1:-1] = inner
        rms, n_iter, failed = relax_band(objective.serial_kernel, objective.args, images, energies, float(k),
                                         float(tol), 8, float(max_step), _H0, int(max_iter), DIVERGED,
                                         STALL_WINDOW, STALL_GAIN, numba.get_num_threads() > 1)
        return NEBResult(images, energies, float("inf") if failed else float(rms), int(n_iter), failed=bool(failed))

    def band_force(flat):
        images[1:-1] = flat.reshape(n_images, -1)
        e, g = batch(images[1:-1])
        energies[1:-1] = e
        n_eval[0] += 1
        if not (np.all(np.isfinite(e)) and np.all(np.isfinite(g))):
            raise _FailedBand(images.copy(), energies.copy())
        force = band_gradient(images, energies, g, k).ravel()
        rms = np.sqrt(force @ force / force.size)
        it = n_eval[0] - 1  # LBFGS iterations so far (no step is halved: max_rise is inf)
        state = band_progress(rms, it, progress, DIVERGED, STALL_WINDOW, STALL_GAIN)
        if state == BAND_DIVERGED:
            raise _FailedBand(images.copy(), energies.copy())
        if state == BAND_STALLED:
            raise _StalledBand(images.copy(), energies.copy(), rms, it)
        return float(np.sum(e)), force

    try:
        res = lbfgs(band_force, inner.ravel(), LBFGSParams(tol=tol, memory=8, max_step=max_step,
                                                           max_rise=np.inf, max_iter=max_iter))
    except _StalledBand as stalled:
        return NEBResult(stalled.images, stalled.energies, float(stalled.rms), stalled.n_iter)
    except _FailedBand as bad:
        return NEBResult(bad.images, bad.energies, float("inf"), n_eval[0], failed=True)
    images = np.vstack([a, res.x.reshape(n_images, -1), b])
    energies = np.concatenate([[e_a], batch(images[1:-1])[0], [e_b]])
    if not np.all(np.isfinite(energies)) or not np.isfinite(res.rms):
        return NEBResult(images, energies, float("inf"), int(res.n_iter), failed=True)
    return NEBResult(images, energies, float(res.rms), int(res.n_iter))
