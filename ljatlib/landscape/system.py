"""What the landscape tools need to know about an energy function.

A :class:`System` bundles energy+gradient and Hessian of a flat coordinate vector,
the rigid-body (zero) modes to ignore when counting negative Hessian eigenvalues, a
test for "the same structure", and a JSON description stored in databases.
"""

from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from ..potentials import ljat3
from .structure import SameNetwork, kabsch_align, network_align, same_ljat3


@dataclass
class System:
    """An energy landscape on flat coordinates x (n,).

    fun_grad(x) -> (f, g); hessian(x) -> (n, n); zero_modes(x) -> (k, n) orthonormal
    rows spanning directions of zero curvature by symmetry (or None);
    same_structure(a, b) -> bool; description: JSON-serialisable dict;
    aligner(a, b) -> the copy of b under the energy's symmetries (node permutations and
    sign flips, rigid rotations/translations) that is closest to a (or None: no symmetry).
    """

    fun_grad: callable
    hessian: callable
    n: int
    zero_modes: callable = None
    same_structure: callable = None
    description: dict = field(default_factory=dict)
    aligner: callable = None

    def energy(self, x):
        return self.fun_grad(x)[0]

    def align(self, a, b):
        """The symmetric copy of ``b`` (same energy) closest to ``a``."""
        b = np.asarray(b, dtype=float).ravel()
        return b.copy() if self.aligner is None else self.aligner(np.asarray(a, dtype=float).ravel(), b)

    def distance(self, a, b):
        """Euclidean distance from ``a`` to the closest symmetric copy of ``b``."""
        return float(np.linalg.norm(np.asarray(a, dtype=float).ravel() - self.align(a, b)))

    def projected_hessian_eigh(self, x):
        """Eigenvalues/vectors of the Hessian with the zero modes removed (ascending).

        BLAS runs on one thread: its threads only slow matrices this small, and after a
        call they spin and starve numba's parallel loss kernels (seen: 100x slower)."""
        h = self.hessian(x)
        with threadpool_limits(1, user_api="blas"):
            if self.zero_modes is None:
                return np.linalg.eigh(h)
            z = self.zero_modes(x)
            p = np.eye(self.n) - z.T @ z
            vals, vecs = np.linalg.eigh(p @ h @ p)
        keep = np.abs(vecs.T @ z.T).sum(axis=1) < 0.5  # drop the eigenvectors that are the zero modes
        return vals[keep], vecs[:, keep]


    def log_product_eigenvalues(self, x):
        """ln of the product of the positive Hessian eigenvalues (rigid-body modes
        removed): PATHSAMPLE's vibrational term in min.data / ts.data."""
        vals, _ = self.projected_hessian_eigh(x)
        return float(np.sum(np.log(vals[vals > 0])))


def rigid_body_modes(x):
    """Orthonormal translations and rotations (k, 3m) of an m-atom geometry x (3m,)."""
    pos = np.asarray(x, dtype=float).reshape(-1, 3)
    pos = pos - pos.mean(axis=0)
    modes = []
    for axis in np.eye(3):
        modes.append(np.tile(axis, len(pos)))
        modes.append(np.cross(axis, pos).ravel())
    q, r = np.linalg.qr(np.array(modes).T)
    return q[:, np.abs(np.diag(r)) > 1e-8].T


def ljat3_system(z=2.0):
    """The LJAT3 cluster with labelled atoms (flat 9-vectors)."""
    def fun_grad(x):
        e, g = ljat3.energy_and_gradient(np.reshape(x, (3, 3)), z)
        return e, g.ravel()
    return System(fun_grad=fun_grad, hessian=lambda x: ljat3.hessian(np.reshape(x, (3, 3)), z),
                  n=9, zero_modes=rigid_body_modes, same_structure=same_ljat3, aligner=kabsch_align,
                  description={"system": "LJAT3", "z": z, "atoms": "labelled"})


def network_system(net, X, y, structure_tol=1e-2):
    """The loss landscape of ``net`` on training data (X, y)."""
    fun_grad = net.fun_grad(X, y)
    X, y = np.asarray(X, float), np.asarray(y)
    return System(fun_grad=fun_grad, hessian=lambda w: net.hessian(w, X, y), n=net.n_params,
                  same_structure=SameNetwork(net, structure_tol),
                  aligner=lambda a, b: network_align(net, a, b),
                  description={"system": "MLP", "hidden": list(net.hidden), "lam": net.lam,
                               "regularise_biases": net.regularise_biases, "n_data": len(y)})
