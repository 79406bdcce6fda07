"""Eigenvector-following as one compiled loop, for systems whose gradient, Hessian and
zero modes (if any) are compiled kernels (:class:`~ljatlib._objective.CompiledObjective`,
:class:`~ljatlib._objective.CompiledHessian`, :class:`~ljatlib._objective.CompiledZeroModes`:
the network losses, LJAT3): the dense path of
:func:`~ljatlib.transition_states.eigenvector_following` (every mode from a full
diagonalisation of the Hessian with its zero modes removed), the same arithmetic with
no Python per step."""

import numba
import numpy as np

from .._linalg import projected_eigh


@numba.njit(cache=True, error_model="numpy")
def ef_step_along(F, b, max_step):
    """Downhill EF step along one mode with gradient component ``F`` and curvature
    ``b`` (negate it for uphill), capped at ``max_step``."""
    b = max(abs(b), 1e-300)
    h = -2.0 * F / (b * (1.0 + np.sqrt(1.0 + 4.0 * F * F / (b * b))))
    return min(max(h, -max_step), max_step)


@numba.njit(cache=True, error_model="numpy")
def ef_steps(F, b, max_step):
    """:func:`ef_step_along` for every mode: arrays ``F`` and ``b`` (n,)."""
    h = np.empty(F.shape[0])
    for i in range(F.shape[0]):
        h[i] = ef_step_along(F[i], b[i], max_step)
    return h


@numba.njit(cache=True, error_model="numpy")
def no_zero_modes(x, args):
    """The zero-mode kernel of a system without zero modes: (0, n)."""
    return np.zeros((0, x.shape[0]))


# Not cached on disk (it takes dispatchers; see optimize._lbfgs). Compiled once per process.
@numba.njit(error_model="numpy")
def follow(kernel, args, hessian_kernel, hessian_args, zero_kernel, zero_args, x0, track, tol, max_iter,
           max_step, negative_tol, max_distance):
    """The EF loop from ``x0`` (n,). ``zero_kernel(x, zero_args)``: the zero modes (k, n)
    (:func:`no_zero_modes` if none). ``track``: the followed direction, unit length, or an
    empty array; ``max_distance`` < 0: no limit. Returns (x, f, rms, lowest eigenvalue,
    its eigenvector, number of negative eigenvalues, steps, converged)."""
    n = x0.shape[0]
    x = x0.copy()
    has_track = track.shape[0] == n
    track = track.copy()
    for it in range(max_iter + 1):
        f, g = kernel(x, args)
        rms = np.sqrt(np.dot(g, g) / n)
        drifted = max_distance >= 0 and np.sqrt(np.sum((x - x0) ** 2)) > max_distance
        vals, vecs = projected_eigh(hessian_kernel(x, hessian_args), zero_kernel(x, zero_args))
        n_neg = 0
        for i in range(vals.shape[0]):
            if vals[i] < -negative_tol:
                n_neg += 1
        converged = rms < tol and n_neg == 1
        if converged or drifted or it == max_iter:
            return x, f, rms, vals[0], vecs[:, 0].copy(), n_neg, it, converged
        F = vecs.T @ g
        up = 0
        if has_track and vals[0] >= -negative_tol:
            up = int(np.argmax(np.abs(vecs.T @ track)))
            track[:] = vecs[:, up]
        elif has_track:
            track[:] = vecs[:, 0]
        h = ef_steps(F, vals, max_step)
        h[up] = -ef_step_along(F[up], vals[up], max_step)  # uphill along the followed mode
        step = vecs @ h
        norm = np.sqrt(np.dot(step, step))
        if norm > max_step:
            step *= max_step / norm
        x = x + step
    return x, f, rms, vals[0], vecs[:, 0].copy(), n_neg, max_iter, False
