"""What the landscape tools need to know about an energy function.

A :class:`System` bundles energy+gradient and Hessian of a flat coordinate vector,
the rigid-body (zero) modes to ignore when counting negative Hessian eigenvalues, a
test for "the same structure", and a JSON description stored in databases.

A System is an internal fast path: the landscape tools call ``fun_grad`` tens of
thousands of times per double-ended search, so :func:`ljat3_system` calls the serial
compiled kernels directly (about a microsecond per call) instead of the validated,
parallel public functions of :mod:`ljatlib.potentials.ljat3` (which launch a numba
parallel loop for one geometry).
"""

from dataclasses import dataclass, field

import numba
import numpy as np

from .._threads import one_blas_thread
from ..potentials import binary_lj, ljat3
from .structure import SameNetwork, kabsch_align, network_align, periodic_align, same_ljat3


@dataclass
class System:
    """An energy landscape on flat coordinates x (n,).

    fun_grad(x) -> (f, g); hessian(x) -> (n, n); zero_modes(x) -> (k, n) orthonormal
    rows spanning directions of zero curvature by symmetry (or None);
    same_structure(a, b) -> bool; description: JSON-serialisable dict;
    aligner(a, b) -> the copy of b under the energy's symmetries (node permutations and
    sign flips, rigid rotations/translations) that is closest to a (or None: no symmetry);
    fun_grad_many(X (m, n)) -> (E (m,), G (m, n)): optional batched ``fun_grad`` (used by
    the DNEB for all its images at once; :meth:`fun_grad_batch` falls back to a loop).
    """

    fun_grad: callable
    hessian: callable
    n: int
    zero_modes: callable = None
    same_structure: callable = None
    description: dict = field(default_factory=dict)
    aligner: callable = None
    fun_grad_many: callable = None

    def energy(self, x):
        return self.fun_grad(x)[0]

    def fun_grad_batch(self, X):
        """Energies (m,) and gradients (m, n) of the rows of ``X`` (m, n)."""
        X = np.ascontiguousarray(X, dtype=np.float64).reshape(-1, self.n)
        if self.fun_grad_many is not None:
            return self.fun_grad_many(X)
        energies, grads = np.empty(len(X)), np.empty_like(X)
        for i, x in enumerate(X):
            energies[i], grads[i] = self.fun_grad(x)
        return energies, grads

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
        with one_blas_thread():
            if self.zero_modes is None:
                return np.linalg.eigh(h)
            z = self.zero_modes(x)
            p = np.eye(self.n) - z.T @ z
            vals, vecs = np.linalg.eigh(p @ h @ p)
        keep = np.abs(vecs.T @ z.T).sum(axis=1) < 0.5  # drop the eigenvectors that are the zero modes
        return vals[keep], vecs[:, keep]

    def lowest_mode(self, x, v0=None, tol=1e-8, dense_below=300, hessian=None):
        """Lowest eigenvalue and unit eigenvector (n,) of the Hessian at ``x``, zero
        modes excluded.

        Up to ``dense_below`` coordinates: from :meth:`projected_hessian_eigh`. Above:
        Lanczos (ARPACK's ``eigsh``, one eigenpair) on the Hessian with its zero modes
        shifted up out of the way (by more than the lowest eigenvalue can be), started
        from ``v0`` (the previous step's eigenvector, or a band tangent; the full
        diagonalisation if Lanczos does not converge). Measured on a BLJ256 minimum
        (768 coordinates): 7 ms from a good start, 185 ms for the full
        diagonalisation. ``hessian``: the Hessian at ``x`` if already computed."""
        if self.n <= dense_below:
            vals, vecs = self.projected_hessian_eigh(x)
            return float(vals[0]), vecs[:, 0]
        from scipy.sparse.linalg import ArpackNoConvergence, eigsh
        h = self.hessian(x) if hessian is None else hessian
        if self.zero_modes is not None:
            z = self.zero_modes(x)
            h = h + (2.0 * np.abs(np.diag(h)).max() + 1.0) * (z.T @ z)
        start = None if v0 is None else np.asarray(v0, dtype=float).ravel()
        try:
            with one_blas_thread():
                vals, vecs = eigsh(h, k=1, which="SA", v0=start, tol=tol)
        except ArpackNoConvergence:  # rare; the full diagonalisation always answers
            vals, vecs = self.projected_hessian_eigh(x)
        return float(vals[0]), vecs[:, 0]

    def log_product_eigenvalues(self, x):
        """ln of the product of the positive Hessian eigenvalues (rigid-body modes
        removed): PATHSAMPLE's vibrational term in min.data / ts.data."""
        vals, _ = self.projected_hessian_eigh(x)
        return float(np.sum(np.log(vals[vals > 0])))


def rigid_body_modes(x):
    """Orthonormal translations and rotations (k, 3m) of an m-atom geometry x (3m,)."""
    pos = np.asarray(x, dtype=float).reshape(-1, 3)
    pos = pos - pos.mean(axis=0)
    m = len(pos)
    modes = np.zeros((6, m, 3))
    px, py, pz = pos[:, 0], pos[:, 1], pos[:, 2]
    modes[0, :, 0] = modes[2, :, 1] = modes[4, :, 2] = 1.0  # translations
    modes[1, :, 1], modes[1, :, 2] = -pz, py  # e_x cross p
    modes[3, :, 0], modes[3, :, 2] = pz, -px  # e_y cross p
    modes[5, :, 0], modes[5, :, 1] = -py, px  # e_z cross p
    q, r = np.linalg.qr(modes.reshape(6, 3 * m).T)
    return q[:, np.abs(np.diag(r)) > 1e-8].T


@numba.njit(cache=True, error_model="numpy")
def _ljat3_fun_grad_many(X, z):
    """Energies and gradients of the rows of X (m, 9): a serial loop over the kernel."""
    energies = np.empty(X.shape[0])
    grads = np.empty_like(X)
    for i in range(X.shape[0]):
        energies[i] = ljat3.energy_gradient_flat(X[i], grads[i], z)
    return energies, grads


def _as_ljat3_flat(x):
    x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
    if x.shape[0] != 9:
        raise ValueError(f"an LJAT3 geometry has 9 coordinates, got {x.shape[0]}")
    return x


def ljat3_system(z=2.0):
    """The LJAT3 cluster with labelled atoms (flat 9-vectors).

    ``fun_grad``, ``fun_grad_many`` and ``hessian`` call the serial compiled kernels
    (``ljat3.energy_gradient_flat``, ``ljat3._hessian_one``) directly; only the length
    of ``x`` is checked. Unlike the public ``ljat3`` functions they do not reject
    non-finite coordinates: those, and coinciding atoms, give a non-finite energy,
    which the minimisers and the DNEB treat as a failure."""
    zf = float(z)

    def fun_grad(x):
        x = _as_ljat3_flat(x)
        g = np.empty(9)
        e = ljat3.energy_gradient_flat(x, g, zf)
        return e, g

    def fun_grad_many(X):
        X = np.ascontiguousarray(X, dtype=np.float64).reshape(-1, 9)
        return _ljat3_fun_grad_many(X, zf)

    def hessian(x):
        x = _as_ljat3_flat(x).reshape(3, 3)
        out = np.empty((9, 9))
        ljat3._hessian_one(x, zf, out)
        return out

    return System(fun_grad=fun_grad, hessian=hessian, n=9, zero_modes=rigid_body_modes,
                  same_structure=same_ljat3, aligner=kabsch_align, fun_grad_many=fun_grad_many,
                  description={"system": "LJAT3", "z": z, "atoms": "labelled"})


def network_system(net, X, y, structure_tol=1e-2):
    """The loss landscape of ``net`` on training data (X, y)."""
    fun_grad = net.fun_grad(X, y)
    X, y = np.asarray(X, float), np.asarray(y)
    return System(fun_grad=fun_grad, hessian=lambda w: net.hessian(w, X, y), n=net.n_params,
                  fun_grad_many=net.fun_grad_many(X, y), same_structure=SameNetwork(net, structure_tol),
                  aligner=lambda a, b: network_align(net, a, b),
                  description={"system": "MLP", "hidden": list(net.hidden), "lam": net.lam,
                               "regularise_biases": net.regularise_biases, "n_data": len(y)})


def translation_modes(n_atoms):
    """Orthonormal uniform translations (3, 3 n_atoms): the zero modes of a periodic box."""
    modes = np.zeros((3, n_atoms, 3))
    for k in range(3):
        modes[k, :, k] = 1.0 / np.sqrt(n_atoms)
    return modes.reshape(3, -1)


def binary_lj_system(potential, structure_tol=1e-2):
    """The energy landscape of a periodic binary Lennard-Jones mixture (SI S4).

    ``potential`` is a :class:`~ljatlib.potentials.binary_lj.BinaryLJ`. As for
    :func:`ljat3_system`, ``fun_grad`` and ``hessian`` call its serial compiled kernels
    directly (only the length of x is checked); ``fun_grad_many`` runs the images of a
    band in parallel. Two minima are the same structure if, after
    :func:`~ljatlib.landscape.structure.periodic_align` (translation, permutation of
    equal atoms, periodic images), they are closer than ``structure_tol`` (sigma_AA)."""
    pot = potential
    if not isinstance(pot, binary_lj.BinaryLJ):
        raise TypeError(f"potential must be a BinaryLJ, got {type(pot).__name__}")
    n, params = 3 * pot.n_atoms, pot._params
    zero = translation_modes(pot.n_atoms)

    def flat(x):
        x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
        if x.shape[0] != n:
            raise ValueError(f"a configuration of this system has {n} coordinates, got {x.shape[0]}")
        return x

    def fun_grad(x):
        x = flat(x)
        g = np.empty(n)
        return binary_lj.energy_gradient_flat(x, g, *params), g

    def fun_grad_many(X):
        return binary_lj.energy_gradient_many(np.ascontiguousarray(X, dtype=np.float64).reshape(-1, n),
                                              *params)

    def hessian(x):
        return binary_lj.hessian_flat(flat(x), np.empty((n, n)), *params)

    def align(a, b):
        return periodic_align(a, b, pot.box, params[0])

    def same_structure(a, b):
        return np.linalg.norm(np.asarray(a, float).ravel() - align(a, b)) < structure_tol

    return System(fun_grad=fun_grad, hessian=hessian, n=n, zero_modes=lambda x: zero,
                  same_structure=same_structure, aligner=align, fun_grad_many=fun_grad_many,
                  description=pot.description())
