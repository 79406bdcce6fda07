"""The DNEB force as compiled code (what every band uses), and the whole relaxation of
:func:`~ljatlib.transition_states.dneb` as one compiled loop for systems whose
``fun_grad`` is a :class:`~ljatlib._objective.CompiledObjective` (the network losses):
band force, tangents and the LBFGS steps with no Python per iteration, the same
arithmetic as the Python path."""

import numba
import numpy as np

from ..optimize import capped_step_factor, dot, lbfgs_direction, update_memory


def _evaluate_images(kernel, args, images, energies, grads):
    """Energies and gradients of the interior images; False if any is not finite."""
    m = grads.shape[0]
    ok = np.ones(m, np.bool_)
    for i in numba.prange(m):
        e, g = kernel(images[i + 1], args)
        energies[i + 1] = e
        grads[i, :] = g
        ok[i] = np.isfinite(e) and np.all(np.isfinite(g))
    return np.all(ok)


# One loop compiled twice: on one numba thread the parallel scheduler costs more than it
# saves (LJAT3 bands 0.39 against 0.26 ms); without parallel=True, prange is range.
_evaluate_parallel = numba.njit(error_model="numpy", parallel=True)(_evaluate_images)
_evaluate_serial = numba.njit(error_model="numpy")(_evaluate_images)


@numba.njit(error_model="numpy")
def _evaluate(kernel, args, images, energies, grads, parallel):
    if parallel:
        return _evaluate_parallel(kernel, args, images, energies, grads)
    return _evaluate_serial(kernel, args, images, energies, grads)


@numba.njit(cache=True, error_model="numpy")
def band_gradient_into(images, energies, grads, k, out):
    """Minus the DNEB force on the interior images (m, n) into ``out``, for ``images``
    (m + 2, n), ``energies`` (m + 2,) and the interior images' true gradients ``grads``
    (m, n): :func:`~ljatlib.transition_states.neb.band_gradient`."""
    m, n = grads.shape
    fwd, back, tau, spring = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for i in range(m):
        e_prev, e, e_next = energies[i], energies[i + 1], energies[i + 2]
        for j in range(n):
            fwd[j] = images[i + 2, j] - images[i + 1, j]
            back[j] = images[i + 1, j] - images[i, j]
        if e_next > e and e > e_prev:
            w_fwd, w_back = 1.0, 0.0
        elif e_next < e and e < e_prev:
            w_fwd, w_back = 0.0, 1.0
        else:
            d_next, d_prev = abs(e_next - e), abs(e_prev - e)
            d_max, d_min = max(d_next, d_prev), min(d_next, d_prev)
            if e_next > e_prev:
                w_fwd, w_back = d_max, d_min
            else:
                w_fwd, w_back = d_min, d_max
        for j in range(n):
            tau[j] = w_fwd * fwd[j] + w_back * back[j]
        norm = np.sqrt(dot(tau, tau))
        if norm > 0:
            for j in range(n):
                tau[j] /= norm
        else:
            fwd_norm = max(np.sqrt(dot(fwd, fwd)), 1e-300)
            for j in range(n):
                tau[j] = fwd[j] / fwd_norm
        g = grads[i]
        g_t = dot(g, tau)
        spring_par = k * (np.sqrt(dot(fwd, fwd)) - np.sqrt(dot(back, back)))
        for j in range(n):
            spring[j] = k * (fwd[j] - back[j])
        s_t = dot(spring, tau)
        gp2, sp_gp = 0.0, 0.0
        for j in range(n):
            gp = g[j] - g_t * tau[j]
            gp2 += gp * gp
            sp_gp += (spring[j] - s_t * tau[j]) * gp
        coef = sp_gp / gp2 if gp2 > 0 else 0.0
        for j in range(n):
            gp = g[j] - g_t * tau[j]
            sp = spring[j] - s_t * tau[j]
            out[i, j] = gp - spring_par * tau[j] - (sp - coef * gp)


BAND_RELAXING, BAND_STALLED, BAND_DIVERGED = 0, 1, 2


@numba.njit(cache=True, error_model="numpy")
def band_progress(rms, it, state, max_growth, window, gain):
    """Whether a band relaxed by LBFGS goes on after ``it`` iterations at RMS force ``rms``:
    BAND_DIVERGED once ``rms`` exceeds ``max_growth`` times its value at iteration 0,
    BAND_STALLED once the lowest ``rms`` so far has fallen by less than the factor
    ``gain`` over the last ``window`` iterations, else BAND_RELAXING. ``state`` (3,):
    the rule's memory between calls (the limit, the lowest rms so far and at the last
    check), set at iteration 0 and updated in place. The compiled relaxation and the
    Python path both call it, once per iteration."""
    if it == 0:
        state[0], state[1], state[2] = max_growth * rms, np.inf, np.inf
    if rms > state[0]:
        return BAND_DIVERGED
    state[1] = min(state[1], rms)
    if it % window == 0:
        if state[1] > gain * state[2]:
            return BAND_STALLED
        state[2] = state[1]
    return BAND_RELAXING


# Not cached on disk (it takes a dispatcher; see optimize._lbfgs). Compiled once per process.
@numba.njit(error_model="numpy")
def relax_band(kernel, args, images, energies, k, tol, memory, max_step, h0, max_iter, max_growth, window, gain,
               parallel):
    """Relax the interior of ``images`` (m + 2, n) in place (ends fixed, ``energies``
    (m + 2,) holding the ends' energies) by LBFGS on the DNEB force.

    Returns (rms, n_iter, failed): the RMS force when it stopped; LBFGS iterations (band
    evaluations if it failed, as the Python path counts them); whether an image reached a
    non-finite energy or gradient or the band diverged (``images``/``energies`` then
    hold that band). It also stops, not failed, when the band stalls
    (:func:`band_progress` with ``max_growth``, ``window``, ``gain``). ``parallel``:
    the images evaluated on numba's threads (else in one loop)."""
    m = images.shape[0] - 2
    n = images.shape[1]
    size = m * n
    grads = np.empty((m, n))
    x = np.empty(size)
    for i in range(m):
        for j in range(n):
            x[i * n + j] = images[i + 1, j]
    g = np.empty(size)
    gb = g.reshape(m, n)
    if not _evaluate(kernel, args, images, energies, grads, parallel):
        return np.inf, 1, True
    band_gradient_into(images, energies, grads, k, gb)
    s_mem, y_mem = np.zeros((memory, size)), np.zeros((memory, size))
    rho, alpha, step = np.zeros(memory), np.zeros(memory), np.zeros(size)
    x_new, g_new = np.empty(size), np.empty(size)
    g_newb = g_new.reshape(m, n)
    it = 0
    state = np.empty(3)
    for _ in range(max_iter + 1):
        rms = np.sqrt(dot(g, g) / size)
        progress = band_progress(rms, it, state, max_growth, window, gain)
        if progress == BAND_DIVERGED:
            return np.inf, it + 1, True
        if progress == BAND_STALLED or rms < tol or it == max_iter:
            return rms, it, False
        lbfgs_direction(g, s_mem, y_mem, rho, it, h0, step, alpha)
        factor = capped_step_factor(step, g, max_step)
        for j in range(size):
            x_new[j] = x[j] + factor * step[j]
        for i in range(m):
            for j in range(n):
                images[i + 1, j] = x_new[i * n + j]
        if not _evaluate(kernel, args, images, energies, grads, parallel):
            return np.inf, it + 2, True  # the evaluations: the first, and one per step
        band_gradient_into(images, energies, grads, k, g_newb)
        h0 = update_memory(x, g, x_new, g_new, s_mem, y_mem, rho, it)
        x, x_new = x_new, x
        g, g_new = g_new, g
        g_newb = g_new.reshape(m, n)
        it += 1
    return np.sqrt(dot(g, g) / size), it, False
