"""When are two minima the same structure?

Networks: flipping the sign of a tanh node's incoming weights, bias and outgoing weights,
or permuting the nodes of a hidden layer, leaves the loss unchanged. ``network_canonical``
maps weights to one representative: each node's sign is chosen so that its bias is
positive, then the nodes of the layer are sorted by bias; layers are done from the input
up, so later layers see the permuted columns. Two minima are the same if their
canonical forms agree to within ``tol`` times their norm (a loose geometric test, as
the book's model page explains: minima converged to RMS gradient 1e-6 along soft directions, curvature ~1e-4,
differ by ~1e-2 in the weights). ``WithinDistance`` is the other rule, OPTIM's: the
aligned distance below a tolerance (the group's templates use 100, which for the
networks of the paper merges nearly any two minima of equal loss).

LJAT3 with labelled atoms: the same if the three distances (r12, r13, r23) agree
(rotations and translations do not change them; permutations do, which keeps the
three linear isomers distinct).

Alignment (OPTIM's minpermdist): ``network_align`` and ``kabsch_align`` return the
symmetric copy of b closest to a, so that distances and DNEB endpoints do not depend on
which copy of a minimum happens to be stored.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import TYPE_CHECKING

import numpy as np

from .._validation import as_finite_array, check_integer, check_positive
from . import _compiled_align

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


class WithinDistance:
    """``same(a, b)``: the copy of ``b`` closest to ``a`` (``aligner(a, b)``) lies within
    ``tol`` (Euclidean) of ``a``; OPTIM and PATHSAMPLE's ``GEOMDIFFTOL`` test.

    Examples
    --------
    >>> from ljatlib.network import MLP
    >>> net = MLP((2,))
    >>> same = WithinDistance(lambda a, b: network_align(net, a, b), 0.5)
    >>> w = np.linspace(-1.0, 1.0, net.n_params)
    >>> (W1, b1), (W2, b2) = net.unpack(w)
    >>> flipped = net.pack([(-W1, -b1), (-W2, b2)])  # every hidden node's sign flipped
    >>> bool(same(w, flipped)), bool(same(w, w + 1.0))
    (True, False)
    """

    def __init__(self, aligner, tol: float) -> None:
        if not callable(aligner):
            raise TypeError(f"aligner must be callable, got {aligner!r}")
        self.aligner, self.tol = aligner, check_positive(tol, "tol")

    def __call__(self, a: ArrayLike, b: ArrayLike) -> bool:
        a = np.asarray(a, dtype=float)
        return bool(np.linalg.norm(a - self.aligner(a, b)) < self.tol)


def same_ljat3(a: ArrayLike, b: ArrayLike, tol: float = 1e-3) -> bool:
    """Labelled LJAT3 geometries (9,) with equal interatomic distances within ``tol``."""
    def distances(x):
        x = np.asarray(x, dtype=float).reshape(3, 3)
        return np.array([np.linalg.norm(x[i] - x[j]) for i, j in ((0, 1), (0, 2), (1, 2))])
    return np.max(np.abs(distances(a) - distances(b))) < tol


# -- alignment: the symmetric copy of b closest to a (OPTIM's minpermdist) ---------------

@functools.lru_cache(maxsize=None)
def _first_layer_copies(width: int, max_enumerate: int) -> tuple[np.ndarray, np.ndarray]:
    """Every permutation (k, width) and every sign pattern (m, width) of a layer of
    ``width`` nodes (itertools order), or none if there are more than ``max_enumerate``."""
    if math.factorial(width) * 2**width > max_enumerate:
        return np.zeros((0, width), np.int64), np.zeros((0, width))
    return (np.array(list(itertools.permutations(range(width))), np.int64),
            np.array(list(itertools.product((1.0, -1.0), repeat=width))))


def network_align(net: MLP, a: ArrayLike, b: ArrayLike, max_enumerate: int = 48, max_sweeps: int = 20) -> np.ndarray:
    """The copy of weights ``b`` (n_params,) under hidden-node permutations and tanh sign
    flips that is closest (Euclidean) to ``a`` (n_params,); the loss of the copy equals
    that of ``b``.

    One hidden layer: exact (assignment problem on |a_i . b_j| of each node's incoming
    weights, bias and outgoing weights; Hungarian algorithm). Several layers:
    coordinate descent over the layers (each step exact) from a pass from the input up
    matching incoming weights and biases only (exact for an exact copy), from a pass
    from the output down, and, if the first layer has at most ``max_enumerate``
    permutations and signs (width <= 3), from each of them (exact for two layers).
    Never farther than ``b``. Compiled (``ljatlib.systems._compiled_align``).

    Examples
    --------
    >>> import numpy as np
    >>> from ljatlib.network import MLP
    >>> net = MLP((3, 3))
    >>> w = net.random_weights(0)
    >>> (W1, b1), (W2, b2), (W3, b3) = net.unpack(w)
    >>> copy = net.pack([(-W1[::-1], -b1[::-1]), (-W2[:, ::-1], b2), (W3, b3)])  # nodes reversed, signs flipped
    >>> float(np.linalg.norm(copy - w)) > 1, float(np.linalg.norm(network_align(net, w, copy) - w)) < 1e-12
    (True, True)
    """
    a = as_finite_array(a, "a", ndim=1, shape_tail=(net.n_params,))
    b = as_finite_array(b, "b", ndim=1, shape_tail=(net.n_params,))
    max_sweeps = check_integer(max_sweeps, "max_sweeps", 1)
    perms, signs = _first_layer_copies(net.hidden[0], check_integer(max_enumerate, "max_enumerate", 0))
    return _compiled_align.align(a, b, np.asarray(net.sizes, np.int64), np.asarray(net.w_off, np.int64),
                                 np.asarray(net.b_off, np.int64), perms, signs, max_sweeps)


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
