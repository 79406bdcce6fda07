"""Eigenvector-following refinement of transition states, and the push-off that finds
the two minima a transition state connects.

Both methods use the lowest Hessian eigenvector v (rigid-body modes removed), with
eigenvalue b, and the eigenvector-following step along a mode with gradient component
F = g . v_i and curvature b_i (Cerjan & Miller; Wales),

    h_i = +- 2 F / (|b_i| (1 + sqrt(1 + 4 F^2 / b_i^2))),

uphill (+) along v and downhill (-) along the others; near a transition state this is
the Newton step, so convergence is quadratic.

* ``hybrid_eigenvector_following`` (Munro & Wales 1999; OPTIM's BFGSTS): the uphill
  step along v, then ``n_tangent`` LBFGS steps in the space perpendicular to v. Needs
  only the lowest eigenvector; slow where the tangent space has very soft modes.
* ``eigenvector_following``: EF steps in every mode from the full exact Hessian. The
  default of :func:`~ljatlib.landscape.connect`: the landscapes here have at most a
  few hundred coordinates, and network losses have modes with curvature ~1e-5 on
  which the tangent-space LBFGS stalls.

Converged when the RMS gradient is below ``tol`` and exactly one eigenvalue is negative.
"""

from dataclasses import dataclass

import numpy as np

from ..optimize import CONVERGED, LBFGSParams, MinimizeResult, lbfgs


@dataclass
class TransitionStateResult:
    x: np.ndarray
    energy: float
    rms: float
    eigenvalue: float          # the lowest Hessian eigenvalue (negative at a TS)
    eigenvector: np.ndarray
    n_negative: int            # negative eigenvalues, rigid-body modes excluded
    n_iter: int
    converged: bool            # RMS gradient < tol and exactly one negative eigenvalue


def hybrid_eigenvector_following(system, x0, tol=1e-9, max_iter=500, max_uphill=0.1,
                                 n_tangent=10, tangent_max_step=0.1, negative_tol=1e-8):
    """Refine a transition-state guess ``x0`` (e.g. the highest DNEB image)."""
    x = np.asarray(x0, float).ravel().copy()
    tangent = LBFGSParams(tol=tol, memory=10, max_step=tangent_max_step, max_rise=np.inf,
                          max_iter=n_tangent)
    for it in range(max_iter + 1):
        f, g = system.fun_grad(x)
        vals, vecs = system.projected_hessian_eigh(x)
        b, v = vals[0], vecs[:, 0]
        rms = float(np.sqrt(g @ g / len(x)))
        n_neg = int(np.sum(vals < -negative_tol))
        if rms < tol and n_neg == 1:
            return TransitionStateResult(x, float(f), rms, float(b), v, n_neg, it, True)
        if it == max_iter:
            break
        F = g @ v
        if b < 0:
            h = 2 * F / (abs(b) * (1 + np.sqrt(1 + 4 * F**2 / b**2)))
        else:  # no negative curvature yet: climb along the softest mode
            h = np.sign(F) * max_uphill if F != 0 else max_uphill
        x = x + np.clip(h, -max_uphill, max_uphill) * v

        def projected(y, v=v):
            e, gy = system.fun_grad(y)
            return e, gy - (gy @ v) * v
        x = lbfgs(projected, x, tangent).x
    f, g = system.fun_grad(x)
    vals, vecs = system.projected_hessian_eigh(x)
    n_neg = int(np.sum(vals < -negative_tol))
    rms = float(np.sqrt(g @ g / len(x)))
    return TransitionStateResult(x, float(f), rms, float(vals[0]), vecs[:, 0], n_neg, max_iter,
                                 rms < tol and n_neg == 1)


def _ef_step(F, b, max_step):
    """Downhill EF step along a mode (negate F for uphill), capped at ``max_step``."""
    b = np.where(np.abs(b) < 1e-300, 1e-300, np.abs(b))
    h = -2 * F / (b * (1 + np.sqrt(1 + 4 * F**2 / b**2)))
    return np.clip(h, -max_step, max_step)


def eigenvector_following(system, x0, tol=1e-9, max_iter=1000, max_step=0.3, negative_tol=1e-8,
                          direction=None, max_distance=None):
    """Refine a transition-state guess ``x0`` with EF steps in all modes (exact Hessian).

    ``max_step`` caps the step along each mode and the total step. ``direction`` (e.g.
    the DNEB tangent at ``x0``): while the Hessian has no negative eigenvalue, climb
    along the mode that overlaps it most (tracked from step to step) instead of the
    softest mode. Network losses have many modes of curvature ~2 lambda (saturated tanh
    nodes) that have nothing to do with the path; climbing along them wanders off.

    ``max_distance`` (a trust region around the guess, as OPTIM rejects a transition
    state far from its band maximum): the search is abandoned, unconverged, as soon as
    it is farther than this from ``x0``. A search that drifts that far has left the
    path it was started on; what it would find connects unrelated minima, often after
    hundreds of steps."""
    x0 = np.asarray(x0, float).ravel()
    x = x0.copy()
    track = None if direction is None else np.asarray(direction, float).ravel() / np.linalg.norm(direction)
    for it in range(max_iter + 1):
        f, g = system.fun_grad(x)
        vals, vecs = system.projected_hessian_eigh(x)
        rms = float(np.sqrt(g @ g / len(x)))
        n_neg = int(np.sum(vals < -negative_tol))
        converged = rms < tol and n_neg == 1
        drifted = max_distance is not None and np.linalg.norm(x - x0) > max_distance
        if converged or drifted or it == max_iter:
            return TransitionStateResult(x, float(f), rms, float(vals[0]), vecs[:, 0], n_neg, it,
                                         converged)
        F = vecs.T @ g
        up = 0
        if track is not None and vals[0] >= -negative_tol:
            up = int(np.argmax(np.abs(vecs.T @ track)))
            track = vecs[:, up]
        elif track is not None:
            track = vecs[:, 0]
        h = _ef_step(F, vals, max_step)
        h[up] = -_ef_step(F[up], vals[up], max_step)  # uphill along the followed mode
        step = vecs @ h
        norm = np.linalg.norm(step)
        x = x + (step * (max_step / norm) if norm > max_step else step)


def tighten_minimum(system, x, tol=1e-9, max_newton=10, lbfgs_params=None):
    """Converge a loosely converged minimum ``x`` to RMS gradient ``tol``: Newton steps
    with the exact Hessian (zero modes removed), quadratic from RMS ~1e-6 so two or
    three steps, instead of the thousands of LBFGS steps that the soft modes of network
    losses (curvature ~2 lambda) cost; LBFGS (memory 30, max step 0.1) from wherever
    Newton stopped if the Hessian is not positive definite or a step raises the energy.
    Returns a MinimizeResult (``n_iter``: Newton plus LBFGS steps)."""
    x = np.asarray(x, float).ravel().copy()
    f, g = system.fun_grad(x)
    n_newton = 0
    for _ in range(max_newton):
        rms = float(np.sqrt(g @ g / len(x)))
        if rms < tol:
            return MinimizeResult(x=x, energy=float(f), rms=rms, n_iter=n_newton, status=CONVERGED)
        vals, vecs = system.projected_hessian_eigh(x)
        if vals[0] <= 0:
            break
        step = -vecs @ ((vecs.T @ g) / vals)
        norm = np.linalg.norm(step)
        if norm > 0.1:  # far from the minimum: Newton is no longer trustworthy
            break
        f_new, g_new = system.fun_grad(x + step)
        if not np.isfinite(f_new) or f_new > f + 1e-12 * max(1.0, abs(f)):
            break
        x, f, g, n_newton = x + step, f_new, g_new, n_newton + 1
    params = lbfgs_params or LBFGSParams(tol=tol, memory=30, max_step=0.1, max_iter=100_000)
    res = lbfgs(system.fun_grad, x, params, tol=tol)
    res.n_iter = int(res.n_iter) + n_newton
    return res


def connected_minima(system, ts, push_off=0.2, lbfgs_params=None, tol=1e-9, loose_tol=1e-6,
                     tighten=True):
    """Minimise from ts.x +- push_off * eigenvector; returns the two MinimizeResults
    (plus side first).

    Which minimum each side reaches is decided by LBFGS to RMS gradient ``loose_tol``
    (memory 30, max step 0.5: basin-hopping's settings); then, if ``tighten``, each is
    converged to ``tol`` by :func:`tighten_minimum` so it can be stored. (Tight LBFGS
    all the way, max step 0.1, took 3,000-10,000 steps per side on network losses.)
    ``lbfgs_params`` replaces the loose LBFGS settings (its ``tol`` is overridden by
    ``loose_tol``, or by ``tol`` if ``tighten`` is false and ``loose_tol`` is None)."""
    first_tol = tol if loose_tol is None else max(loose_tol, tol)
    params = lbfgs_params or LBFGSParams(tol=first_tol, memory=30, max_step=0.5, max_iter=100_000)
    out = []
    for sign in (1.0, -1.0):
        res = lbfgs(system.fun_grad, ts.x + sign * push_off * ts.eigenvector, params, tol=first_tol)
        if tighten and res.status == CONVERGED and res.rms >= tol:
            n_loose = int(res.n_iter)
            res = tighten_minimum(system, res.x, tol)
            res.n_iter = int(res.n_iter) + n_loose
        out.append(res)
    return out
