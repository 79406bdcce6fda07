"""The loops of ``network_align``, compiled.

Weights are the flat vector of :class:`~ljatlib.network.MLP` (layer by layer, W
(n_out, n_in) row-major then b); ``sizes`` (n_layers + 1,) are the layer widths from
input to output and ``w_off``, ``b_off`` where each layer's W and b start. Hidden layer
``l`` is layer ``l``'s output: its node i owns row i of W_l, b_l[i] and column i of
W_{l+1}, which a permutation moves together and a tanh sign flip negates.

Compiled because a connection search aligns every new minimum with every other one in
its Dijkstra graph: thousands of alignments per search.
"""

import numba
import numpy as np


@numba.njit(cache=True)
def assign(cost):
    """Minimum-cost perfect assignment of the square ``cost`` (n, n): the column (n,)
    of each row (Hungarian algorithm with potentials, O(n^3)). The identity if the
    costs are not finite."""
    n = cost.shape[0]
    u, v = np.zeros(n + 1), np.zeros(n + 1)
    row_of = np.zeros(n + 1, np.int64)  # 1-based row matched to column j; 0: none
    way = np.zeros(n + 1, np.int64)
    for i in range(1, n + 1):
        row_of[0] = i
        j0 = 0
        slack = np.full(n + 1, np.inf)
        used = np.zeros(n + 1, np.bool_)
        while True:
            used[j0] = True
            i0, delta, j1 = row_of[j0], np.inf, 0
            for j in range(1, n + 1):
                if not used[j]:
                    cur = cost[i0 - 1, j - 1] - u[i0] - v[j]
                    if cur < slack[j]:
                        slack[j], way[j] = cur, j0
                    if slack[j] < delta:
                        delta, j1 = slack[j], j
            if j1 == 0:
                return np.arange(n)
            for j in range(n + 1):
                if used[j]:
                    u[row_of[j]] += delta
                    v[j] -= delta
                else:
                    slack[j] -= delta
            j0 = j1
            if row_of[j0] == 0:
                break
        while j0 != 0:
            j1 = way[j0]
            row_of[j0] = row_of[j1]
            j0 = j1
    col = np.empty(n, np.int64)
    for j in range(1, n + 1):
        col[row_of[j] - 1] = j - 1
    return col


@numba.njit(cache=True)
def best_layer(a, x, sizes, w_off, b_off, l, outgoing):
    """Permutation and signs (n,) of hidden layer ``l`` of ``x`` closest to ``a`` with the
    other layers fixed (exact: the squared distance is separable over the layer's
    nodes). Node vectors: incoming weights, bias and, if ``outgoing``, outgoing weights."""
    n, n_in, n_next = sizes[l + 1], sizes[l], sizes[l + 2]
    dots, cost = np.empty((n, n)), np.empty((n, n))
    for i in range(n):
        for j in range(n):
            s = a[b_off[l] + i] * x[b_off[l] + j]
            for k in range(n_in):
                s += a[w_off[l] + i * n_in + k] * x[w_off[l] + j * n_in + k]
            if outgoing:
                for r in range(n_next):
                    s += a[w_off[l + 1] + r * n + i] * x[w_off[l + 1] + r * n + j]
            dots[i, j], cost[i, j] = s, -abs(s)
    perm = assign(cost)
    sign = np.empty(n)
    for i in range(n):
        sign[i] = -1.0 if dots[i, perm[i]] < 0 else 1.0
    return perm, sign


@numba.njit(cache=True)
def apply_layer(x, sizes, w_off, b_off, l, perm, sign):
    """In place: new node i of hidden layer ``l`` = ``sign[i]`` x old node ``perm[i]``."""
    old = x.copy()
    n, n_in, n_next = sizes[l + 1], sizes[l], sizes[l + 2]
    for i in range(n):
        p, s = perm[i], sign[i]
        for k in range(n_in):
            x[w_off[l] + i * n_in + k] = s * old[w_off[l] + p * n_in + k]
        x[b_off[l] + i] = s * old[b_off[l] + p]
        for r in range(n_next):
            x[w_off[l + 1] + r * n + i] = s * old[w_off[l + 1] + r * n + p]


@numba.njit(cache=True)
def sweeps(a, x, sizes, w_off, b_off, first, max_sweeps):
    """Coordinate descent over hidden layers ``first``.. until nothing changes (in place)."""
    n_hidden = sizes.shape[0] - 2
    for _ in range(max_sweeps):
        changed = False
        for l in range(first, n_hidden):
            perm, sign = best_layer(a, x, sizes, w_off, b_off, l, True)
            moved = False
            for i in range(perm.shape[0]):
                moved = moved or perm[i] != i or sign[i] < 0
            if moved:
                apply_layer(x, sizes, w_off, b_off, l, perm, sign)
                changed = True
        if not changed or n_hidden - first <= 1:
            break


@numba.njit(cache=True)
def descend(a, x, sizes, w_off, b_off, first, max_sweeps):
    """With several layers from ``first`` on, a pass up matching incoming weights and
    biases only (exact for an exact copy), then :func:`sweeps` (in place)."""
    n_hidden = sizes.shape[0] - 2
    if n_hidden - first > 1:
        for l in range(first, n_hidden):
            perm, sign = best_layer(a, x, sizes, w_off, b_off, l, False)
            apply_layer(x, sizes, w_off, b_off, l, perm, sign)
    sweeps(a, x, sizes, w_off, b_off, first, max_sweeps)


@numba.njit(cache=True)
def _squared_distance(a, x):
    s = 0.0
    for i in range(a.shape[0]):
        s += (a[i] - x[i]) ** 2
    return s


@numba.njit(cache=True)
def align(a, b, sizes, w_off, b_off, first_perms, first_signs, max_sweeps):
    """The copy of ``b`` closest to ``a`` among: ``b``; :func:`descend` from ``b``; and
    with several layers a pass from the output down then :func:`sweeps`, and
    :func:`descend` over the layers above the first from every first-layer copy
    (``first_perms`` (k, width) x ``first_signs`` (m, width); k = m = 0: none).
    The first closest candidate in that order wins."""
    best, best_d = b.copy(), _squared_distance(a, b)
    n_hidden = sizes.shape[0] - 2
    x = b.copy()
    descend(a, x, sizes, w_off, b_off, 0, max_sweeps)
    d = _squared_distance(a, x)
    if d < best_d:
        best, best_d = x, d
    if n_hidden > 1:
        x = b.copy()
        for l in range(n_hidden - 1, -1, -1):
            perm, sign = best_layer(a, x, sizes, w_off, b_off, l, True)
            apply_layer(x, sizes, w_off, b_off, l, perm, sign)
        sweeps(a, x, sizes, w_off, b_off, 0, max_sweeps)
        d = _squared_distance(a, x)
        if d < best_d:
            best, best_d = x, d
        for p in range(first_perms.shape[0]):
            for q in range(first_signs.shape[0]):
                x = b.copy()
                apply_layer(x, sizes, w_off, b_off, 0, first_perms[p], first_signs[q])
                descend(a, x, sizes, w_off, b_off, 1, max_sweeps)
                d = _squared_distance(a, x)
                if d < best_d:
                    best, best_d = x, d
    return best
