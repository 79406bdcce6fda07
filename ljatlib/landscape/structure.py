"""When are two minima the same structure?

Networks: flipping the sign of a tanh node's incoming weights, bias and outgoing weights,
or permuting the nodes of a hidden layer, leaves the loss unchanged. ``network_canonical``
maps weights to one representative: each node's sign is chosen so that its bias is
positive, then the nodes of the layer are sorted by bias; layers are done from the input
up, so later layers see the permuted columns. Two minima are the same if their
canonical forms agree to within ``tol`` times their norm (NETWORK.md: "a loose geometric
test": minima converged to RMS gradient 1e-6 along soft directions, curvature ~1e-4,
differ by ~1e-2 in the weights).

LJAT3 with labelled atoms: the same if the three distances (r12, r13, r23) agree
(rotations and translations do not change them; permutations do, which keeps the
three linear isomers distinct).
"""

import numpy as np


def network_canonical(net, w):
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

    def __init__(self, net, tol=1e-2):
        self.net, self.tol = net, tol

    def __call__(self, a, b):
        ca, cb = network_canonical(self.net, a), network_canonical(self.net, b)
        return np.linalg.norm(ca - cb) < self.tol * max(1.0, np.linalg.norm(ca))


def same_ljat3(a, b, tol=1e-3):
    """Labelled LJAT3 geometries (9,) with equal interatomic distances within ``tol``."""
    def distances(x):
        x = np.asarray(x, dtype=float).reshape(3, 3)
        return np.array([np.linalg.norm(x[i] - x[j]) for i, j in ((0, 1), (0, 2), (1, 2))])
    return np.max(np.abs(distances(a) - distances(b))) < tol
