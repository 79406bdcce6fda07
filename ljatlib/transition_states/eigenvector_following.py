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
  default of :func:`~ljatlib.landscape.connect`: network losses have modes with
  curvature ~1e-5 on which the tangent-space LBFGS stalls. Above ``dense_below``
  (300) coordinates (BLJ256: 768) a step does not diagonalise the Hessian (185 ms
  there): the lowest eigenpair comes from Lanczos, warm-started, and the step is the
  EF step uphill along it plus Newton in the rest from one Cholesky solve, which
  also tells whether a negative eigenvalue exists (the Schur complement). Near a
  transition state this is the same step as the full EF's. Where the gradient and the
  Hessian are compiled kernels and there are no zero modes (the network losses), the
  dense path runs as one compiled loop, the same steps with no Python per step.

Converged when the RMS gradient is below ``tol`` and exactly one eigenvalue is negative.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

import numpy as np

from .._objective import CompiledHessian, CompiledObjective, CompiledZeroModes
from .._threads import one_blas_thread, with_one_blas_thread
from ..optimize import CONVERGED, LBFGSParams, MinimizeResult, lbfgs
from ..optimize._trust_region import trust_region_step
from ._compiled_ef import ef_step_along, ef_steps, follow, no_zero_modes

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..systems import System


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


def hybrid_eigenvector_following(system: System, x0: ArrayLike, tol: float = 1e-9, max_iter: int = 500,
                                 max_uphill: float = 0.1, n_tangent: int = 10, tangent_max_step: float = 0.1,
                                 negative_tol: float = 1e-8, direction: ArrayLike | None = None,
                                 max_distance: float | None = None, dense_below: int = 300) -> TransitionStateResult:
    """Refine a transition-state guess ``x0`` (e.g. the highest DNEB image) by hybrid
    eigenvector-following: an EF step uphill along the lowest Hessian eigenvector v
    (``System.lowest_mode``: Lanczos, no full diagonalisation, above ``dense_below``
    coordinates), then ``n_tangent`` LBFGS steps (max step ``tangent_max_step``) on
    the gradient with its v component removed.

    ``direction`` (e.g. the band tangent at ``x0``): while the lowest eigenvalue is not
    negative, climb along it instead of along the softest mode, which need not lie
    along the path.
    ``max_distance``: abandoned, unconverged, once farther than this from ``x0`` (as
    :func:`eigenvector_following`). A candidate (RMS gradient < ``tol``, lowest
    eigenvalue negative) is checked by one full diagonalisation: converged only with
    exactly one negative eigenvalue."""
    x0 = np.asarray(x0, float).ravel()
    x = x0.copy()
    tangent = LBFGSParams(tol=tol, memory=10, max_step=tangent_max_step, max_rise=np.inf,
                          max_iter=n_tangent)
    track = None if direction is None else np.asarray(direction, float).ravel() / np.linalg.norm(direction)
    v = track
    for it in range(max_iter + 1):
        f, g = system.fun_grad(x)
        b, v = system.lowest_mode(x, v0=v, dense_below=dense_below)
        rms = float(np.sqrt(g @ g / len(x)))
        drifted = max_distance is not None and np.linalg.norm(x - x0) > max_distance
        if rms < tol and b < -negative_tol or drifted or it == max_iter:
            vals, vecs = system.projected_hessian_eigh(x)
            n_neg = int(np.sum(vals < -negative_tol))
            converged = rms < tol and n_neg == 1 and not drifted
            if converged or drifted or it == max_iter:
                return TransitionStateResult(x, float(f), rms, float(vals[0]), vecs[:, 0], n_neg, it,
                                             converged)
        up = v if (track is None or b < -negative_tol) else track
        F = g @ up
        if b < -negative_tol:
            h = -ef_step_along(F, b, max_uphill)
        else:  # no negative curvature yet: climb along the followed direction
            h = np.sign(F) * max_uphill if F != 0 else max_uphill
        x = x + np.clip(h, -max_uphill, max_uphill) * up

        def projected(y, up=up):
            e, gy = system.fun_grad(y)
            return e, gy - (gy @ up) * up
        x = lbfgs(projected, x, tangent).x


@with_one_blas_thread  # see ljatlib._threads
def partitioned_step(hess: np.ndarray, zero: np.ndarray | None, g: np.ndarray, u: np.ndarray,
                     max_step: float) -> tuple[np.ndarray | None, bool]:
    """EF step uphill along the unit vector ``u`` and Newton downhill in the space
    perpendicular to ``u`` and the zero modes (rows of ``zero``, or None), by one
    Cholesky solve instead of a diagonalisation; total step capped at ``max_step``.

    Returns (step, negative): ``negative`` whether the Hessian has a negative
    eigenvalue (besides its zero modes; from the Schur complement of ``u``). (None,
    True) if it is not positive definite perpendicular to ``u`` (two or more negative
    modes, or one not along ``u``)."""
    from scipy.linalg import LinAlgError, cho_factor, cho_solve
    q = u[:, None] if zero is None else np.column_stack([u, zero.T])
    hq = hess @ q
    qhq = q.T @ hq
    shift = 2.0 * np.abs(np.diag(hess)).max() + 1.0
    # P H P + shift Q Q^T (P = 1 - Q Q^T): the Hessian on the complement, made positive on Q
    hc = hess - q @ hq.T
    hc -= hq @ q.T
    hc += q @ (qhq + shift * np.eye(len(qhq))) @ q.T
    try:
        factor = cho_factor(hc, check_finite=False)
    except LinAlgError:
        return None, True
    couple = hq[:, 0] - q @ qhq[:, 0]  # P H u
    h = -cho_solve(factor, np.column_stack([g - q @ (q.T @ g), couple]), check_finite=False)
    negative = qhq[0, 0] + couple @ h[:, 1] < 0  # u.H.u - c.Hc^-1.c: the Schur complement
    step = h[:, 0] - q @ (q.T @ h[:, 0]) + u * -ef_step_along(g @ u, qhq[0, 0], max_step)
    norm = np.linalg.norm(step)
    return (step * (max_step / norm) if norm > max_step else step), negative


def eigenvector_following(system: System, x0: ArrayLike, tol: float = 1e-9, max_iter: int = 1000,
                          max_step: float = 0.3, negative_tol: float = 1e-8, direction: ArrayLike | None = None,
                          max_distance: float | None = None, dense_below: int = 300) -> TransitionStateResult:
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
    hundreds of steps.

    Above ``dense_below`` coordinates (BLJ256: 768) a step does not diagonalise the
    Hessian: the lowest eigenpair comes from Lanczos (``System.lowest_mode``, started
    from the previous one), the step is uphill along it (along the followed direction
    while it is not negative) and Newton in the rest, by a Cholesky solve
    (:func:`partitioned_step`); the full EF step is the fallback where that part of
    the Hessian is not positive definite, and a converged point is checked by one
    full diagonalisation (its cost against the full diagonalisation:
    ``docs/decisions.md``). While climbing (no negative eigenvalue yet) this path follows the
    direction itself, not the Hessian mode overlapping it most, so from such a start
    it can reach another transition state.

    Examples
    --------
    >>> from ljatlib.systems import tilted_double_well
    >>> ts = eigenvector_following(tilted_double_well(), [-0.03, 0.0])  # e.g. a band maximum
    >>> bool(ts.converged), round(ts.energy, 4), round(ts.eigenvalue, 3)
    (True, 1.0078, -3.953)
    """
    x0 = np.asarray(x0, float).ravel()
    x = x0.copy()
    track = None if direction is None else np.asarray(direction, float).ravel() / np.linalg.norm(direction)
    partitioned = system.n > dense_below
    if (not partitioned and isinstance(system.fun_grad, CompiledObjective)
            and isinstance(system.hessian, CompiledHessian)
            and (system.zero_modes is None or isinstance(system.zero_modes, CompiledZeroModes))):
        return _compiled_following(system, x0, track, tol, max_iter, max_step, negative_tol, max_distance)
    v, climbing = track, track is not None
    for it in range(max_iter + 1):
        f, g = system.fun_grad(x)
        rms = float(np.sqrt(g @ g / len(x)))
        drifted = max_distance is not None and np.linalg.norm(x - x0) > max_distance
        step = None
        if partitioned and not (drifted or it == max_iter):
            hess = system.hessian(x)
            zero = None if system.zero_modes is None else system.zero_modes(x)
            negative = True
            if climbing:  # along the followed direction while there is no negative mode
                u = track if zero is None else track - zero.T @ (zero @ track)
                step, negative = partitioned_step(hess, zero, g, u / np.linalg.norm(u), max_step)
            if negative:
                climbing = False
                b, v = system.lowest_mode(x, v0=v, dense_below=dense_below, hessian=hess)
                step = None
                if not (rms < tol and b < -negative_tol):  # else: checked below
                    step, _ = partitioned_step(hess, zero, g, v, max_step)
        if step is None:
            vals, vecs = system.projected_hessian_eigh(x)
            n_neg = int(np.sum(vals < -negative_tol))
            converged = rms < tol and n_neg == 1
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
            h = ef_steps(F, vals, max_step)
            h[up] = -ef_step_along(F[up], vals[up], max_step)  # uphill along the followed mode
            step = vecs @ h
            v = vecs[:, 0]
            norm = np.linalg.norm(step)
            step = step * (max_step / norm) if norm > max_step else step
        x = x + step


def _compiled_following(system, x0, track, tol, max_iter, max_step, negative_tol, max_distance):
    """The dense path of :func:`eigenvector_following` as one compiled loop
    (``_compiled_ef.follow``): the same steps, no Python per step."""
    if len(x0) != system.n:
        raise ValueError(f"x0 must have {system.n} coordinates, got {len(x0)}")
    objective, hessian, zero = system.fun_grad, system.hessian, system.zero_modes
    zero_kernel, zero_args = (no_zero_modes, ()) if zero is None else (zero.kernel, zero.args)
    with one_blas_thread():
        x, f, rms, lowest, vec, n_neg, it, converged = follow(
            objective.kernel, objective.args, hessian.kernel, hessian.args, zero_kernel, zero_args,
            np.ascontiguousarray(x0),
            np.empty(0) if track is None else np.ascontiguousarray(track), float(tol), int(max_iter),
            float(max_step), float(negative_tol), -1.0 if max_distance is None else float(max_distance))
    return TransitionStateResult(x, float(f), float(rms), float(lowest), vec, int(n_neg), int(it), bool(converged))


def tighten_minimum(system: System, x: ArrayLike, tol: float = 1e-9, max_newton: int = 25,
                    lbfgs_params: LBFGSParams | None = None, radius: float = 0.5,
                    max_radius: float = 5.0) -> MinimizeResult:
    """Converge a nearly converged minimum ``x`` to RMS gradient ``tol`` by trust-region
    Newton steps with the exact Hessian (zero modes removed), instead of the thousands
    of LBFGS steps that the soft modes of network losses (curvature ~2 lambda) cost.

    Each step minimises the quadratic model within ``radius`` (the Newton step where
    the Hessian is positive definite and the step is short enough,
    :func:`~ljatlib.optimize._trust_region.trust_region_step`); a step is taken only if
    it lowers the energy, and the radius shrinks where the model predicted badly and
    grows (up to ``max_radius``) where it predicted well. From RMS gradient ~1e-5 this
    takes two to ten steps. If ``max_newton`` steps were not enough, Newton has left
    the quadratic region and may be walking along a soft valley to another minimum;
    then LBFGS (``lbfgs_params``, default memory 30, max step 0.1) converges from ``x``
    instead. Returns a MinimizeResult (``n_iter``: Newton plus LBFGS steps).

    Examples
    --------
    >>> from ljatlib.systems import tilted_double_well
    >>> res = tighten_minimum(tilted_double_well(), [1.0, 0.05])
    >>> bool(res.converged), res.n_iter <= 6, round(float(res.x[0]), 4)
    (True, True, 0.9671)
    """
    start = np.asarray(x, float).ravel()
    x = start.copy()
    f, g = system.fun_grad(x)
    n_newton = 0
    while True:
        rms = float(np.sqrt(g @ g / len(x)))
        if rms < tol:
            return MinimizeResult(x=x, energy=float(f), rms=rms, n_iter=n_newton, status=CONVERGED)
        if n_newton == max_newton:
            break
        vals, vecs = system.projected_hessian_eigh(x)
        h, predicted = trust_region_step(vals, vecs.T @ g, radius)
        x_new = x + vecs @ h
        f_new, g_new = system.fun_grad(x_new)
        n_newton += 1
        if not np.isfinite(f_new):
            radius *= 0.25
            continue
        quality = (f_new - f) / predicted if predicted < 0 else 0.0
        length = float(np.linalg.norm(h))
        if quality < 0.25:
            radius = 0.25 * length
        elif quality > 0.75 and length > 0.99 * radius:
            radius = min(2.0 * radius, max_radius)
        # at 1e-9 the energy changes below its rounding: then a smaller gradient counts
        if f_new < f or (f_new <= f + 1e-13 * max(1.0, abs(f)) and g_new @ g_new < g @ g):
            x, f, g = x_new, f_new, g_new
    params = lbfgs_params or LBFGSParams(tol=tol, memory=30, max_step=0.1, max_iter=100_000)
    res = lbfgs(system.fun_grad, start, params, tol=tol)
    res.n_iter = int(res.n_iter) + n_newton
    return res


def connected_minima(system: System, ts: TransitionStateResult, push_off: float = 0.2,
                     lbfgs_params: LBFGSParams | None = None, tol: float = 1e-9, loose_tol: float | None = 1e-6,
                     tighten: bool = True) -> list[MinimizeResult]:
    """Minimise from ts.x +- push_off * eigenvector; returns the two MinimizeResults
    (plus side first).

    Which minimum each side reaches is decided by LBFGS to RMS gradient ``loose_tol``
    (memory 30, max step 0.5: basin-hopping's settings); then, if ``tighten``, each is
    converged to ``tol`` by :func:`tighten_minimum` so it can be stored. (Tight LBFGS
    all the way, max step 0.1, took 3,000-10,000 steps per side on network losses.)
    ``lbfgs_params`` replaces the loose LBFGS settings (its ``tol`` is overridden by
    ``loose_tol``, or by ``tol`` if ``tighten`` is false and ``loose_tol`` is None).
    Where ``system.newton_below`` is set, LBFGS stops at that RMS gradient and
    :func:`tighten_minimum` takes each side on to ``loose_tol`` (to ``tol`` if
    ``tighten``)."""
    first_tol = tol if loose_tol is None else max(loose_tol, tol)
    lbfgs_tol = first_tol if system.newton_below is None else max(first_tol, system.newton_below)
    params = lbfgs_params or LBFGSParams(tol=first_tol, memory=30, max_step=0.5, max_iter=100_000)
    out = []
    target = tol if tighten else first_tol
    for sign in (1.0, -1.0):
        res = lbfgs(system.fun_grad, ts.x + sign * push_off * ts.eigenvector, params, tol=lbfgs_tol)
        if res.status == CONVERGED and res.rms >= target:
            n_lbfgs = int(res.n_iter)
            res = tighten_minimum(system, res.x, target)
            res.n_iter = int(res.n_iter) + n_lbfgs
        out.append(res)
    return out
