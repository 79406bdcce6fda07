"""Training = the global minimum of the network loss, found by basin-hopping.

Settings (see the book's model page): Metropolis temperature 2.0 and perturbation 1.0 as in the
group's GMIN runs; quenches with the GMIN-style LBFGS to RMS gradient 1e-6 with a
large memory (30) and a step cap of 0.5 (our choice: about 5x fewer iterations than
memory 4 on these smooth losses), then the best minimum tightly to 1e-9. Results are
cached on disk, keyed by the network, the data and every setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._hashing import array_digest
from ..data.cache import cached_arrays
from ..landscape import basin_hopping
from ..systems import DEFAULT_QUENCH
from ..network import MLP

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..optimize import LBFGSParams


@dataclass
class TrainedNetwork:
    """A network with the weights of the lowest minimum found, and that loss."""

    net: MLP
    w: np.ndarray
    loss: float
    rms: float
    n_minima: int

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        return self.net.predict_proba(self.w, X)

    def p0(self, X: ArrayLike) -> np.ndarray:
        """Probability of the triangle, class 0 (n,)."""
        return self.predict_proba(X)[:, 0]


def train(net: MLP, X: ArrayLike, y: ArrayLike, n_hops: int = 10, seed: int | None = 0, temperature: float = 2.0,
          step_size: float = 1.0, init_scale: float = 1.0, lbfgs: LBFGSParams = DEFAULT_QUENCH,
          tight_tol: float = 1e-9, use_cache: bool = True, progress: bool = False) -> TrainedNetwork:
    """Global minimum of ``net``'s loss on (X (N, 2), y (N,)) by basin-hopping.

    The start is uniform in [-init_scale, init_scale]; ``n_hops`` basin-hopping steps
    follow. Reproducible from ``seed``; cached. Returns a :class:`TrainedNetwork`.
    """
    fun_grad = net.fun_grad(X, y)  # validates the data
    params = {"hidden": list(net.hidden), "lam": net.lam, "reg_biases": net.regularise_biases,
              "offset": net.input_offset.tolist(), "scale": net.input_scale.tolist(),
              "data": array_digest(np.asarray(X, float), np.asarray(y, np.int64)), "n_hops": n_hops,
              "seed": seed, "temperature": temperature, "step_size": step_size,
              "init_scale": init_scale, "lbfgs": lbfgs.__dict__, "tight_tol": tight_tol}

    def compute():
        rng = np.random.default_rng(seed)
        w0 = net.random_weights(rng, init_scale)
        res = basin_hopping(fun_grad, w0, n_hops, temperature, step_size, seed=rng,
                            lbfgs_params=lbfgs, tight_tol=tight_tol, progress=progress)
        return {"w": res.x, "loss": np.array(res.f), "rms": np.array(res.rms),
                "n_minima": np.array(len(res.minima))}

    members = {"w": ((net.n_params,), "f"), "loss": ((), "f"), "rms": ((), "f"),
               "n_minima": ((), "iu")}
    a = cached_arrays("trained-network", params, compute, use_cache, members=members)
    return TrainedNetwork(net, a["w"], float(a["loss"]), float(a["rms"]), int(a["n_minima"]))
