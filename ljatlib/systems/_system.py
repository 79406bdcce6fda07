"""What the landscape tools need to know about an energy function: :class:`System`.

A System bundles energy+gradient and Hessian of a flat coordinate vector, the
rigid-body (zero) modes to ignore when counting negative Hessian eigenvalues, a test
for "the same structure", the alignment of one structure onto another, the settings
of its quenches and a JSON description stored in databases. The landscape tools
(:mod:`ljatlib.landscape`, :mod:`ljatlib.transition_states`) see nothing else of it.

A System is an internal fast path: the landscape tools call ``fun_grad`` tens of
thousands of times per double-ended search, so the constructors in this package call
the serial compiled kernels directly (about a microsecond per call) instead of the
validated, parallel public functions of the potentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass, field

import numpy as np

from .._linalg import projected_eigh
from .._threads import one_blas_thread
from ..optimize import LBFGSParams

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

# Quenches of smooth landscapes with soft modes (the network losses, the glass-former):
# GMIN-style LBFGS with memory 30 and step cap 0.5.
DEFAULT_QUENCH = LBFGSParams(tol=1e-6, memory=30, max_step=0.5, max_iter=100_000)


@dataclass
class System:
    """An energy landscape on flat coordinates x (n,).

    fun_grad(x) -> (f, g); hessian(x) -> (n, n); zero_modes(x) -> (k, n) orthonormal
    rows spanning directions of zero curvature by symmetry (or None);
    same_structure(a, b) -> bool; description: JSON-serialisable dict;
    aligner(a, b) -> the copy of b under the energy's symmetries (node permutations and
    sign flips, rigid rotations/translations) that is closest to a (or None: no symmetry);
    fun_grad_many(X (m, n)) -> (E (m,), G (m, n)): optional batched ``fun_grad`` (used by
    the DNEB for all its images at once; :meth:`fun_grad_batch` falls back to a loop);
    quench: the LBFGS settings of its quenches (basin-hopping, re-convergence of minima;
    their ``tol`` is the loose tolerance at which minima are first told apart);
    newton_below: the RMS gradient at which basin-hopping's quenches and the push-offs
    from transition states hand over from LBFGS to trust-region Newton steps with the
    exact Hessian (``transition_states.eigenvector_following.tighten_minimum``), or None
    (LBFGS to the end). Worth it where soft modes make LBFGS's last decades slow and a
    Hessian is cheap to diagonalise (the network losses: 1e-5);
    search: the double-ended search settings suited to this landscape, as a mapping of
    ``landscape.SearchSettings`` field names to values, applied where a caller gives no
    settings of its own (empty: the defaults).
    """

    fun_grad: callable
    hessian: callable
    n: int
    zero_modes: callable = None
    same_structure: callable = None
    description: dict = field(default_factory=dict)
    aligner: callable = None
    fun_grad_many: callable = None
    quench: LBFGSParams = DEFAULT_QUENCH
    newton_below: float | None = None
    search: dict = field(default_factory=dict)

    def energy(self, x: ArrayLike) -> float:
        return self.fun_grad(x)[0]

    def fun_grad_batch(self, X: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Energies (m,) and gradients (m, n) of the rows of ``X`` (m, n)."""
        X = np.ascontiguousarray(X, dtype=np.float64).reshape(-1, self.n)
        if self.fun_grad_many is not None:
            return self.fun_grad_many(X)
        energies, grads = np.empty(len(X)), np.empty_like(X)
        for i, x in enumerate(X):
            energies[i], grads[i] = self.fun_grad(x)
        return energies, grads

    def align(self, a: ArrayLike, b: ArrayLike) -> np.ndarray:
        """The symmetric copy of ``b`` (same energy) closest to ``a``."""
        b = np.asarray(b, dtype=float).ravel()
        return b.copy() if self.aligner is None else self.aligner(np.asarray(a, dtype=float).ravel(), b)

    def distance(self, a: ArrayLike, b: ArrayLike) -> float:
        """Euclidean distance from ``a`` to the closest symmetric copy of ``b``."""
        return float(np.linalg.norm(np.asarray(a, dtype=float).ravel() - self.align(a, b)))

    def projected_hessian_eigh(self, x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Eigenvalues/vectors of the Hessian with the zero modes removed (ascending).

        BLAS runs on one thread: its threads only slow matrices this small, and after a
        call they spin and starve numba's parallel loss kernels (seen: 100x slower)."""
        h = np.ascontiguousarray(self.hessian(x), dtype=np.float64)
        z = np.zeros((0, self.n)) if self.zero_modes is None else self.zero_modes(x)
        with one_blas_thread():
            return projected_eigh(h, np.ascontiguousarray(z, dtype=np.float64))

    def lowest_mode(self, x: ArrayLike, v0: ArrayLike | None = None, tol: float = 1e-8, dense_below: int = 300,
                    hessian: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """Lowest eigenvalue and unit eigenvector (n,) of the Hessian at ``x``, zero
        modes excluded.

        Up to ``dense_below`` coordinates: from :meth:`projected_hessian_eigh`. Above:
        Lanczos (ARPACK's ``eigsh``, one eigenpair) on the Hessian with its zero modes
        shifted up out of the way (by more than the lowest eigenvalue can be), started
        from ``v0`` (the previous step's eigenvector, or a band tangent; the full
        diagonalisation if Lanczos does not converge). ``hessian``: the Hessian at ``x`` if already computed."""
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

    def log_product_eigenvalues(self, x: ArrayLike) -> float:
        """ln of the product of the positive Hessian eigenvalues (rigid-body modes
        removed): PATHSAMPLE's vibrational term in min.data / ts.data."""
        vals, _ = self.projected_hessian_eigh(x)
        return float(np.sum(np.log(vals[vals > 0])))
