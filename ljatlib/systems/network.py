"""The loss landscape of a network on fixed training data as a
:class:`~ljatlib.systems.System`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import replace

import numpy as np

from ._system import DEFAULT_QUENCH, System
from .mindist import SameNetwork, WithinDistance, network_align

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..network import MLP

# LBFGS takes a network loss to RMS gradient 1e-5 in hundreds to thousands of steps and
# then as many again to 1e-6 along its soft modes (curvature 2 lambda); from 1e-5 two to
# ten Newton steps reach 1e-9 (docs/decisions.md).
NEWTON_BELOW = 1e-5
# GMIN's memory in the group's templates (UPDATES 500): more pairs than weights, so
# LBFGS holds the whole curvature; about half the steps of memory 30 (docs/decisions.md).
NETWORK_QUENCH = replace(DEFAULT_QUENCH, memory=500)


def network_system(net: MLP, X: ArrayLike, y: ArrayLike, structure_tol: float = 1e-2,
                   distance_tol: float | None = None) -> System:
    """The loss landscape of ``net`` on training data (X, y): inputs (N, n_inputs),
    classes (N,).

    Two minima are the same structure when their canonical forms (node signs and order
    fixed) agree to within ``structure_tol`` of their norm
    (:class:`~ljatlib.systems.mindist.SameNetwork`); alignment is over node permutations
    and sign flips (:func:`~ljatlib.systems.mindist.network_align`). With
    ``distance_tol``, they are the same when the aligned distance is below it instead
    (:class:`~ljatlib.systems.mindist.WithinDistance`, OPTIM's ``GEOMDIFFTOL``).

    Examples
    --------
    >>> import numpy as np
    >>> from ljatlib.network import MLP
    >>> net = MLP((3,))
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(50, 2)), rng.integers(0, 4, 50)
    >>> system = network_system(net, X, y)
    >>> w = net.random_weights(rng)
    >>> system.n == net.n_params, bool(np.isclose(system.energy(w), net.loss(w, X, y)))
    (True, True)
    """
    fun_grad = net.fun_grad(X, y)
    X, y = np.asarray(X, float), np.asarray(y)
    def aligner(a, b):
        return network_align(net, a, b)
    same = SameNetwork(net, structure_tol) if distance_tol is None else WithinDistance(aligner, distance_tol)
    return System(fun_grad=fun_grad, hessian=net.hessian_function(X, y), n=net.n_params,
                  fun_grad_many=net.fun_grad_many(X, y), same_structure=same,
                  aligner=aligner, quench=NETWORK_QUENCH, newton_below=NEWTON_BELOW,
                  description={"system": "MLP", "hidden": list(net.hidden), "lam": net.lam,
                               "regularise_biases": net.regularise_biases, "n_data": len(y)})
