"""Build a landscape database: basin-hopping for minima, then connections to the global
minimum. Resumable: minima and transition states already stored are kept, so running
it again continues where an interrupted run stopped."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from dataclasses import dataclass

import numpy as np

from ..optimize import CONVERGED, lbfgs
from .basinhopping import BasinHoppingState, basin_hopping, system_quench
from .rounds import Stopped, connect_in_rounds

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable

    from numpy.typing import ArrayLike

    from ..optimize import LBFGSParams
    from ..storage import Database


@dataclass
class ExploreResult:
    n_minima: int
    n_transition_states: int
    unconnected: list
    n_quenches: int


def store_basin_hopping_minima(system, db: Database, x0: ArrayLike, n_hops: int, seed: int | None = 0,
                               temperature: float = 2.0, step_size: float = 1.0,
                               lbfgs_params: LBFGSParams | None = None, tight_tol: float = 1e-9,
                               progress: bool = False, meta: Callable[[int, float], dict] | None = None,
                               checkpoint_key: str | None = None, checkpoint_seconds: float = 60.0,
                               stop: threading.Event | None = None) -> int:
    """Basin-hop from ``x0`` and store every distinct minimum (re-converged to RMS
    gradient ``tight_tol``) in ``db``, in one transaction, together with the meta
    values ``meta(n_quenches, seconds)`` returns (a dict, e.g. a marker that
    basin-hopping is done; ``seconds``: the run's wall time, over every call that
    resumed it). Returns the number of quenches.

    The quenches are ``lbfgs_params`` (default ``system.quench``); where the system
    has a ``newton_below``, LBFGS stops at that RMS gradient and trust-region Newton
    steps converge each quench to ``tight_tol`` before it is compared with the others.

    With ``checkpoint_key``, the run's :class:`~ljatlib.landscape.basinhopping.BasinHoppingState`
    is stored under that meta key every ``checkpoint_seconds`` and removed with the
    minima; a call that finds it there goes on from it (the same ``x0``, ``seed`` and
    settings are the caller's to give), so an interrupted run ends where an
    uninterrupted one does. Once ``stop`` (anything with ``is_set()``) is set, the run
    raises :class:`~ljatlib.landscape.rounds.Stopped` after its current step, storing
    nothing more."""
    params, polish = system_quench(system, lbfgs_params, tight_tol)
    saved = db.get_meta(checkpoint_key) if checkpoint_key is not None else None
    try:
        resume = BasinHoppingState.from_dict(json.loads(saved)) if saved else None
    except ValueError as err:
        raise ValueError(f"{db.path}: the basin-hopping checkpoint {checkpoint_key!r} is unreadable: {err}") from None

    def save(state):
        db.set_meta(**{checkpoint_key: json.dumps(state.as_dict())})

    def stop_if_asked(*_):
        if stop is not None and stop.is_set():
            raise Stopped(f"basin-hopping stopped on request; {db.path} resumes from its last checkpoint")

    res = basin_hopping(system.fun_grad, x0, n_hops, temperature, step_size, seed=seed,
                        lbfgs_params=params, tight_tol=tight_tol, polish=polish,
                        same_structure=system.same_structure, progress=progress, resume=resume,
                        callback=stop_if_asked,
                        checkpoint=save if checkpoint_key is not None else None,
                        checkpoint_seconds=checkpoint_seconds)
    tight = [lbfgs(system.fun_grad, x, params, tol=tight_tol) for f, x in res.minima]
    found = [(t.energy, t.x, {"log_prod_evals": system.log_product_eigenvalues(t.x)})
             for t in tight if t.status == CONVERGED and np.isfinite(t.energy)]
    with db.transaction():  # computed first: the write lock is held only to store them
        for energy, x, properties in found:
            db.add_minimum(energy, x, properties)
        if meta is not None:
            db.set_meta(**meta(len(res.quench_energies), res.seconds))
        if checkpoint_key is not None:
            db.delete_meta(checkpoint_key)
    return len(res.quench_energies)


def explore(system, db: Database, x0: ArrayLike, n_hops: int, seed: int | None = 0, temperature: float = 2.0,
            step_size: float = 1.0, lbfgs_params: LBFGSParams | None = None, tight_tol: float = 1e-9,
            connect_attempts: int = 10, progress: bool = False, **connect_kwargs: Any) -> ExploreResult:
    """Basin-hop from ``x0``, store every distinct minimum (re-converged to RMS gradient
    ``tight_tol``) in ``db``, then connect every stored minimum to the global minimum.

    The connections are :func:`~ljatlib.landscape.connect_in_rounds` with one search
    per round (``batch`` 1), in this process; ``connect_kwargs`` go to it
    (``settings``, ``client``, ``checkpoint``, fields of
    :class:`~ljatlib.landscape.SearchSettings`, e.g. ``n_images``, ``push_off``).
    Returns an :class:`ExploreResult`.

    Examples
    --------
    >>> import os, tempfile
    >>> from ljatlib.storage import Database
    >>> from ljatlib.systems import tilted_double_well
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     db = Database(os.path.join(tmp, "well.sqlite"))
    ...     found = explore(tilted_double_well(), db, [0.5, 0.5], n_hops=20, step_size=1.5)
    ...     db.close()
    >>> found.n_minima, found.n_transition_states, found.unconnected
    (2, 1, [])
    """
    n_quenches = store_basin_hopping_minima(system, db, x0, n_hops, seed, temperature, step_size,
                                            lbfgs_params, tight_tol, progress)
    options = {"batch": 1, "progress": progress, **connect_kwargs}
    unconnected = connect_in_rounds(system, db, connect_attempts, **options)
    n_min, n_ts = db.counts()
    return ExploreResult(n_min, n_ts, unconnected, n_quenches)
