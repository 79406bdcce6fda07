"""The trust-region Newton step in a Hessian's eigenbasis (Moré & Sorensen), compiled."""

import numba
import numpy as np


@numba.njit(cache=True, error_model="numpy")
def trust_region_step(vals, grad, radius):
    """The minimiser h (n,) of the model g.h + h.B.h / 2 within |h| <= ``radius``, for
    B diagonal with eigenvalues ``vals`` (n,) ascending and the gradient ``grad`` (n,)
    in that eigenbasis: h_i = -g_i / (b_i + mu), mu >= max(0, -b_0) the smallest shift
    that keeps the step inside the radius (mu = 0: the Newton step). The rare "hard
    case" (g_0 = 0 exactly with b_0 < 0) takes the shifted step without adding the
    lowest eigenvector. Returns (h, predicted change of the model)."""
    n = len(vals)
    h = np.empty(n)
    lo = max(0.0, -vals[0])
    if vals[0] > 0.0:
        norm2 = 0.0
        for i in range(n):
            h[i] = -grad[i] / vals[i]
            norm2 += h[i] * h[i]
        if norm2 <= radius * radius:
            return h, _model(vals, grad, h)
    gnorm = np.sqrt(np.sum(grad * grad))
    hi = lo + gnorm / radius + 1e-300  # |h(hi)| <= |g| / (hi - lo) < radius
    lo = lo * (1.0 + 1e-15) + 1e-300
    for _ in range(200):  # bisection on |h(mu)| = radius: |h| falls monotonically with mu
        mid = 0.5 * (lo + hi)
        norm2 = 0.0
        for i in range(n):
            norm2 += (grad[i] / (vals[i] + mid)) ** 2
        if norm2 > radius * radius:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    for i in range(n):
        h[i] = -grad[i] / (vals[i] + hi)
    return h, _model(vals, grad, h)


@numba.njit(cache=True)
def _model(vals, grad, h):
    change = 0.0
    for i in range(len(vals)):
        change += grad[i] * h[i] + 0.5 * vals[i] * h[i] * h[i]
    return change
