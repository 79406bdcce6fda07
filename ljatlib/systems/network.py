"""The loss landscape of a network on fixed training data as a
:class:`~ljatlib.systems.System`."""

import numpy as np

from ._system import System
from .mindist import SameNetwork, network_align


def network_system(net, X, y, structure_tol=1e-2):
    """The loss landscape of ``net`` on training data (X, y)."""
    fun_grad = net.fun_grad(X, y)
    X, y = np.asarray(X, float), np.asarray(y)
    return System(fun_grad=fun_grad, hessian=lambda w: net.hessian(w, X, y), n=net.n_params,
                  fun_grad_many=net.fun_grad_many(X, y), same_structure=SameNetwork(net, structure_tol),
                  aligner=lambda a, b: network_align(net, a, b),
                  description={"system": "MLP", "hidden": list(net.hidden), "lam": net.lam,
                               "regularise_biases": net.regularise_biases, "n_data": len(y)})
