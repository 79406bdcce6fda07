"""Basin-hopping global optimisation (Wales & Doye), for any function with a gradient.

Each step perturbs the current minimum by a uniform random displacement in
[-step_size, step_size] per coordinate, minimises with the GMIN-style LBFGS, and
accepts the new minimum with the Metropolis rule at ``temperature``. The lowest
minimum is finally converged tightly. Reproducible from ``seed``, and resumable: a run
handed the :class:`BasinHoppingState` it last checkpointed goes on exactly as if it
had not stopped.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from dataclasses import dataclass, field, replace

import numpy as np
from tqdm import tqdm

from ..optimize import CONVERGED, LBFGSParams, MinimizeResult, lbfgs
from ..storage import SameMinimum
from ..transition_states.eigenvector_following import tighten_minimum

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import ArrayLike

@dataclass
class BasinHoppingResult:
    """x (n,) and f of the lowest minimum (tightly converged); every quench's
    energy and whether it was accepted; ``minima`` = [(f, x)] of each distinct
    converged quench, lowest first; ``seconds``: wall time of the run, over every call
    that resumed it."""

    x: np.ndarray
    f: float
    rms: float
    quench_energies: np.ndarray
    accepted: np.ndarray
    minima: list = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class BasinHoppingState:
    """Where a basin-hopping run is after ``step`` steps: enough to go on exactly as an
    uninterrupted run would (the random generator's state included). ``run`` holds
    the settings it belongs to (n_steps, temperature, step_size, n); ``seconds`` the
    wall time so far, over every call that resumed it; :meth:`as_dict`
    and :meth:`from_dict` convert it to and from JSON-serialisable values, floats
    exactly."""

    step: int
    current: tuple[float, np.ndarray]
    best: tuple[float, np.ndarray, float]
    minima: list
    energies: list
    accepted: list
    rng_state: dict
    run: dict
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "current": [self.current[0], self.current[1].tolist()],
                "best": [self.best[0], self.best[1].tolist(), self.best[2]],
                "minima": [[f, x.tolist()] for f, x in self.minima], "energies": list(self.energies),
                "accepted": list(self.accepted), "rng_state": self.rng_state, "run": self.run,
                "seconds": self.seconds}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BasinHoppingState:
        try:
            return cls(int(d["step"]), (float(d["current"][0]), np.array(d["current"][1], dtype=float)),
                       (float(d["best"][0]), np.array(d["best"][1], dtype=float), float(d["best"][2])),
                       [(float(f), np.array(x, dtype=float)) for f, x in d["minima"]],
                       [float(e) for e in d["energies"]], [bool(a) for a in d["accepted"]],
                       dict(d["rng_state"]), dict(d["run"]), float(d.get("seconds", 0.0)))
        except (KeyError, TypeError, ValueError, IndexError) as err:
            raise ValueError(f"not a basin-hopping state: {err!r}") from None


def _point(f, x, rms=np.nan):
    return MinimizeResult(x=x, energy=f, rms=rms, n_iter=0, status=CONVERGED)


def system_quench(system, lbfgs_params: LBFGSParams | None = None, tight_tol: float = 1e-9
                  ) -> tuple[LBFGSParams, Callable[[np.ndarray], MinimizeResult] | None]:
    """``(lbfgs_params, polish)`` of :func:`basin_hopping` for quenching on ``system``:
    ``lbfgs_params`` (default ``system.quench``) and no polish; where the system has a
    ``newton_below``, LBFGS stops at that RMS gradient and the polish converges each
    quench to ``tight_tol`` by trust-region Newton steps
    (:func:`~ljatlib.transition_states.eigenvector_following.tighten_minimum`)."""
    params = lbfgs_params or system.quench
    if system.newton_below is None:
        return params, None

    def polish(x):  # where Newton does not settle, LBFGS goes on as it would have
        return tighten_minimum(system, x, tight_tol, lbfgs_params=params)
    return replace(params, tol=max(params.tol, system.newton_below)), polish


def quench(fun_grad: Callable[[np.ndarray], tuple[float, np.ndarray]], x: ArrayLike, lbfgs_params: LBFGSParams,
           polish: Callable[[np.ndarray], MinimizeResult] | None = None) -> MinimizeResult:
    """LBFGS from ``x`` with ``lbfgs_params``, then ``polish`` if it converged: one
    quench of :func:`basin_hopping`."""
    res = lbfgs(fun_grad, np.asarray(x, dtype=float), lbfgs_params)
    return polish(res.x) if polish is not None and res.status == CONVERGED else res


def _add_minimum(minima, f, x, rule):
    if rule.index(f, x, minima) is None:
        minima.append((f, x.copy()))


def basin_hopping(fun_grad: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: ArrayLike, n_steps: int,
                  temperature: float = 2.0, step_size: float = 1.0, seed: int | None = None,
                  lbfgs_params: LBFGSParams | None = None, tight_tol: float = 1e-9, energy_tol: float = 1e-7,
                  same_structure: Callable[[np.ndarray, np.ndarray], bool] | None = None,
                  callback: Callable[[np.ndarray, float], None] | None = None,
                  polish: Callable[[np.ndarray], MinimizeResult] | None = None,
                  progress: bool = False, resume: BasinHoppingState | None = None,
                  checkpoint: Callable[[BasinHoppingState], None] | None = None,
                  checkpoint_seconds: float = 60.0) -> BasinHoppingResult:
    """Search for the global minimum of ``fun_grad`` starting from ``x0``.

    Parameters
    ----------
    fun_grad : callable
        ``fun_grad(x) -> (f, g)`` for x of shape (n,).
    x0 : array (n,)
        Starting point (it is minimised first).
    n_steps : int
        Basin-hopping steps after the first minimisation.
    temperature, step_size : float
        Metropolis temperature (units of f) and the perturbation half-width.
    lbfgs_params : LBFGSParams, optional
        Settings of the quenches (loose tolerance, e.g. 1e-6).
    tight_tol : float
        RMS gradient to which the lowest minimum is converged at the end.
    energy_tol, same_structure : float, callable, optional
        Two quenches are the same minimum if their energies agree within ``energy_tol``
        and ``same_structure(x, y)`` (if given) is true.
    callback : callable, optional
        ``callback(step, f_quench, x_quench, accepted)`` after each step.
    polish : callable, optional
        ``polish(x) -> MinimizeResult``: finishes every quench that converged (e.g.
        Newton steps from a looser LBFGS tolerance); its result is the quench's.
    resume : BasinHoppingState, optional
        Go on from this state (a checkpoint of a run with the same ``x0``, ``seed``
        and settings; ValueError if its settings differ) instead of quenching ``x0``.
    checkpoint : callable, optional
        ``checkpoint(state)`` after a step once ``checkpoint_seconds`` have passed since
        the last call (e.g. to store ``state.as_dict()``); how often it is called does
        not change the run.

    Examples
    --------
    A tilted double well, started in the higher well:

    >>> import numpy as np
    >>> from ljatlib.landscape import basin_hopping
    >>> def fun_grad(x):
    ...     return (x[0]**2 - 1)**2 + 0.3 * x[0] + x[1]**2, np.array([4 * x[0] * (x[0]**2 - 1) + 0.3, 2 * x[1]])
    >>> result = basin_hopping(fun_grad, np.array([0.9, 0.5]), n_steps=30, seed=0)
    >>> round(float(result.x[0]), 3), len(result.minima)
    (-1.036, 2)

    Returns
    -------
    BasinHoppingResult
    """
    if n_steps < 0 or temperature <= 0 or step_size <= 0:
        raise ValueError("need n_steps >= 0, temperature > 0 and step_size > 0")
    params = lbfgs_params or LBFGSParams()
    rule = SameMinimum(energy_tol, same_structure)
    rng = np.random.default_rng(seed)
    began, earlier = time.monotonic(), 0.0 if resume is None else resume.seconds
    run = {"n_steps": int(n_steps), "temperature": float(temperature), "step_size": float(step_size),
           "n": int(np.size(x0))}
    if resume is None:
        current = quench(fun_grad, x0, params, polish)
        best = current
        minima, energies, accepted = [], [current.energy], [True]
        if current.status == CONVERGED:
            _add_minimum(minima, current.energy, current.x, rule)
        first = 0
    else:
        if resume.run != run:
            raise ValueError(f"the state belongs to another run: {resume.run} != {run}")
        current, best = _point(*resume.current), _point(*resume.best)
        minima = [(f, x.copy()) for f, x in resume.minima]
        energies, accepted, first = list(resume.energies), list(resume.accepted), resume.step
        rng.bit_generator.state = resume.rng_state
    saved = time.monotonic()
    for step in tqdm(range(first, n_steps), desc="basin-hopping", disable=not progress,
                     initial=first, total=n_steps):
        trial = quench(fun_grad, current.x + rng.uniform(-step_size, step_size, current.x.shape), params, polish)
        ok = np.isfinite(trial.energy)
        if ok and trial.status == CONVERGED:
            _add_minimum(minima, trial.energy, trial.x, rule)
        accept = ok and (trial.energy <= current.energy or
                         rng.random() < np.exp(-(trial.energy - current.energy) / temperature))
        if accept:
            current = trial
        if ok and trial.energy < best.energy:
            best = trial
        energies.append(trial.energy)
        accepted.append(accept)
        if callback is not None:
            callback(step, trial.energy, trial.x, accept)
        if checkpoint is not None and time.monotonic() - saved >= checkpoint_seconds and step + 1 < n_steps:
            checkpoint(BasinHoppingState(
                step + 1, (float(current.energy), current.x.copy()),
                (float(best.energy), best.x.copy(), float(best.rms)), [(f, x.copy()) for f, x in minima],
                [float(e) for e in energies], [bool(a) for a in accepted], rng.bit_generator.state, run,
                earlier + time.monotonic() - began))
            saved = time.monotonic()
    tight = lbfgs(fun_grad, best.x, params, tol=tight_tol)
    if tight.energy > best.energy + energy_tol:  # never lose the best point found
        tight = best
    return BasinHoppingResult(x=tight.x, f=float(tight.energy), rms=float(tight.rms),
                              quench_energies=np.array(energies), accepted=np.array(accepted),
                              minima=sorted(minima, key=lambda m: m[0]),
                              seconds=earlier + time.monotonic() - began)
