"""When are two minima the same structure?

Networks: flipping the sign of a tanh node's incoming weights, bias and outgoing weights,
or permuting the nodes of a hidden layer, leaves the loss unchanged. ``network_canonical``
maps weights to one representative: each node's sign is chosen so that its bias is
positive, then the nodes of the layer are sorted by bias; layers are done from the input
up, so later layers see the permuted columns. Two minima are the same if their
canonical forms agree to within ``tol`` times their norm (a loose geometric test, as
the book's model page explains: minima converged to RMS gradient 1e-6 along soft directions, curvature ~1e-4,
differ by ~1e-2 in the weights).

LJAT3 with labelled atoms: the same if the three distances (r12, r13, r23) agree
(rotations and translations do not change them; permutations do, which keeps the
three linear isomers distinct).

Alignment (OPTIM's minpermdist): ``network_align`` and ``kabsch_align`` return the
symmetric copy of b closest to a, so that distances and DNEB endpoints do not depend on
which copy of a minimum happens to be stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..network import MLP


def network_canonical(net: MLP, w: ArrayLike) -> np.ndarray:
    """Canonical representative (n_params,) of ``w`` under sign flips and node permutations."""
    layers = [(W.copy(), b.copy()) for W, b in net.unpack(np.asarray(w, dtype=float))]
    for l in range(len(layers) - 1):
        W, b = layers[l]
        W_next, b_next = layers[l + 1]
        sign = np.where(b < 0, -1.0, 1.0)
        W, b, W_next = W * sign[:, None], b * sign, W_next * sign[None, :]
        order = np.lexsort(np.column_stack([b, W]).T[::-1])  # by bias, then incoming weights
        layers[l] = (W[order], b[order])
        layers[l + 1] = (W_next[:, order], b_next)
    return net.pack(layers)


class SameNetwork:
    """``same(a, b)``: weight vectors equal up to the network's symmetries, i.e.
    |canonical(a) - canonical(b)| < tol * max(1, |canonical(a)|)."""

    def __init__(self, net: MLP, tol: float = 1e-2) -> None:
        self.net, self.tol = net, tol

    def __call__(self, a: ArrayLike, b: ArrayLike) -> bool:
        ca, cb = network_canonical(self.net, a), network_canonical(self.net, b)
        return np.linalg.norm(ca - cb) < self.tol * max(1.0, np.linalg.norm(ca))


def same_ljat3(a: ArrayLike, b: ArrayLike, tol: float = 1e-3) -> bool:
    """Labelled LJAT3 geometries (9,) with equal interatomic distances within ``tol``."""
    def distances(x):
        x = np.asarray(x, dtype=float).reshape(3, 3)
        return np.array([np.linalg.norm(x[i] - x[j]) for i, j in ((0, 1), (0, 2), (1, 2))])
    return np.max(np.abs(distances(a) - distances(b))) < tol


# -- alignment: the symmetric copy of b closest to a (OPTIM's minpermdist) ---------------

def _node_vectors(layers, l, outgoing=True):
    """(width, k) per node of hidden layer ``l``: incoming weights, bias, outgoing weights
    (everything a sign flip of that node negates and a permutation moves together)."""
    W, b = layers[l]
    return np.column_stack([W, b, layers[l + 1][0].T] if outgoing else [W, b])


def _apply_layer(layers, l, perm, sign):
    """New node i of hidden layer ``l`` = ``sign[i]`` x old node ``perm[i]`` (in place)."""
    W, b = layers[l]
    layers[l] = ((W[perm] * sign[:, None]), b[perm] * sign)
    W_next, b_next = layers[l + 1]
    layers[l + 1] = (W_next[:, perm] * sign[None, :], b_next)


def _best_layer(layers_a, layers_b, l, outgoing=True):
    """Optimal permutation and signs of hidden layer ``l`` of b with all other layers
    fixed (exact: the squared distance is separable over the layer's nodes)."""
    from scipy.optimize import linear_sum_assignment
    dots = _node_vectors(layers_a, l, outgoing) @ _node_vectors(layers_b, l, outgoing).T
    rows, perm = linear_sum_assignment(-np.abs(dots))
    sign = np.where(dots[rows, perm] < 0, -1.0, 1.0)
    return perm, sign


def _sweeps(net, layers_a, layers_b, first, max_sweeps):
    """Coordinate descent over hidden layers ``first``.. until nothing changes."""
    n_hidden = len(net.hidden)
    for _ in range(max_sweeps):
        changed = False
        for l in range(first, n_hidden):
            perm, sign = _best_layer(layers_a, layers_b, l)
            if np.any(perm != np.arange(len(perm))) or np.any(sign < 0):
                _apply_layer(layers_b, l, perm, sign)
                changed = True
        if not changed or n_hidden - first <= 1:
            break
    return layers_b


def network_align(net: MLP, a: ArrayLike, b: ArrayLike, max_enumerate: int = 48, max_sweeps: int = 20) -> np.ndarray:
    """The copy of weights ``b`` under hidden-node permutations and tanh sign flips that
    is closest (Euclidean) to ``a``; the loss of the copy equals that of ``b``.

    One hidden layer: exact (assignment problem on |a_i . b_j| of each node's incoming
    weights, bias and outgoing weights; Hungarian algorithm). Several layers:
    coordinate descent over the layers (each step exact) from a pass from the input up
    matching incoming weights and biases only (exact for an exact copy), from a pass
    from the output down, and, if the first layer has at most ``max_enumerate``
    permutations and signs (width <= 3), from each of them (exact for two layers).
    Never farther than ``b``."""
    import itertools
    import math
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    layers_a = net.unpack(a)
    start = [(W.copy(), c.copy()) for W, c in net.unpack(b)]
    n_hidden = len(net.hidden)

    def descend(layers, first):
        if n_hidden - first > 1:  # several layers: start from a pass up on incoming weights
            for l in range(first, n_hidden):
                _apply_layer(layers, l, *_best_layer(layers_a, layers, l, outgoing=False))
        return net.pack(_sweeps(net, layers_a, layers, first, max_sweeps))

    candidates = [net.pack(start), descend(list(start), 0)]
    if n_hidden > 1:
        layers = list(start)  # from the output down
        for l in reversed(range(n_hidden)):
            _apply_layer(layers, l, *_best_layer(layers_a, layers, l))
        candidates.append(net.pack(_sweeps(net, layers_a, layers, 0, max_sweeps)))
        width = net.hidden[0]
        if math.factorial(width) * 2**width <= max_enumerate:
            for perm in itertools.permutations(range(width)):
                for signs in itertools.product((1.0, -1.0), repeat=width):
                    layers = list(start)
                    _apply_layer(layers, 0, np.array(perm), np.array(signs))
                    candidates.append(descend(layers, 1))
    return min(candidates, key=lambda c: np.sum((c - a) ** 2))


def kabsch_align(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Geometry ``b`` (3m,) rigidly rotated and translated onto ``a`` (least squares,
    proper rotations only; atoms keep their labels)."""
    pa, pb = np.asarray(a, float).reshape(-1, 3), np.asarray(b, float).reshape(-1, 3)
    ca, cb = pa.mean(axis=0), pb.mean(axis=0)
    u, _, vt = np.linalg.svd((pb - cb).T @ (pa - ca))
    d = np.sign(np.linalg.det(u @ vt)) or 1.0
    rot = u @ np.diag([1.0, 1.0, d]) @ vt  # pb @ rot ~ pa
    return ((pb - cb) @ rot + ca).ravel()


def periodic_align(a: ArrayLike, b: ArrayLike, box: float, types: ArrayLike, max_rounds: int = 10) -> np.ndarray:
    """Configuration ``b`` (3N,) of a periodic cubic box of side ``box`` moved onto ``a``:
    a uniform translation, a permutation of atoms of equal species (``types`` (N,)) and
    each atom's periodic image nearest its partner in ``a`` (OPTIM's minpermdist for
    periodic systems).

    Alternates the best translation for the current assignment (the mean
    nearest-image displacement) with the best assignment for the current translation
    (Hungarian algorithm per species on nearest-image squared distances) until the
    assignment stops changing. Each step can only shorten the distance, so the result
    is a local optimum; never farther than ``b`` moved to its nearest images."""
    from scipy.optimize import linear_sum_assignment
    pa = np.asarray(a, float).reshape(-1, 3)
    pb = np.asarray(b, float).reshape(-1, 3)
    types = np.asarray(types)

    def nearest(d):
        return d - box * np.round(d / box)

    order = np.arange(len(pa))
    for _ in range(max_rounds):
        shift = nearest(pb[order] - pa).mean(axis=0)
        new = order.copy()
        for t in np.unique(types):
            idx = np.flatnonzero(types == t)
            d = nearest(pb[idx][None, :, :] - shift - pa[idx][:, None, :])
            _, cols = linear_sum_assignment(np.einsum("ijk,ijk->ij", d, d))
            new[idx] = idx[cols]
        if np.array_equal(new, order):
            break
        order = new
    shift = nearest(pb[order] - pa).mean(axis=0)
    moved = pb[order] - shift
    return (pa + nearest(moved - pa)).ravel()
