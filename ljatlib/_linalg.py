"""The one rule for the Hessian without its zero modes, compiled, so that the Python
landscape tools (``System.projected_hessian_eigh``) and the compiled
eigenvector-following loop use the same arithmetic."""

import numba
import numpy as np


@numba.njit(cache=True, error_model="numpy")
def projected_eigh(hess, zero):
    """Eigenpairs (ascending) of ``hess`` (n, n) with the orthonormal rows of ``zero``
    (k, n) removed: those of P H P (P = 1 - Z^T Z) less the k eigenvectors that are the
    zero modes (overlap with them above 0.5). ``zero`` (0, n): all of ``hess``'s."""
    if zero.shape[0] == 0:
        return np.linalg.eigh(hess)
    p = np.eye(hess.shape[0]) - zero.T @ zero
    vals, vecs = np.linalg.eigh(p @ hess @ p)
    keep = np.abs(vecs.T @ zero.T).sum(axis=1) < 0.5
    return vals[keep], np.asfortranarray(vecs[:, keep])  # eigh's layout: one type for both returns
