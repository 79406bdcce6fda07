"""Diagnostics of landscape exploration. What one double-ended search does, step by step:
how far its band relaxes, and where eigenvector-following goes from the band's maxima.

:func:`trace_search` runs the first two stages of a connection search
(:func:`~ljatlib.landscape._connect.band_transition_states`, same settings) between two
minima and records them instead of storing transition states. On the LJAT3 cluster
the band maximum lies within 0.005 of the transition state; on the network losses of
the S3 landscapes chapter (one hidden layer as well as two) the band stops far from
relaxed and eigenvector-following ends several to tens of weight units off it (the
chapter shows both).

:func:`quench_census` asks whether the database's rule for "the same minimum" merges
distinct minima: it counts the minima among a basin-hopping run's quenches with that
rule and with much stricter ones. :func:`push_off_audit` asks the same of a finished
database: do the push-offs of its transition states end at the minima stored for them?
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import as_finite_array
from ..optimize import CONVERGED, lbfgs
from ..storage import SameMinimum
from ..transition_states import connected_minima, dneb
from ..transition_states.eigenvector_following import TransitionStateResult
from .basinhopping import basin_hopping, quench, system_quench
from ._settings import SearchSettings
from ._connect import refine_band_maxima

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike

    from ..optimize import LBFGSParams


@dataclass
class MaximumTrace:
    """Eigenvector-following from one band maximum.

    image: index of the band image; band_energy: its energy; converged: a transition
    state was found (RMS gradient ``tol``, one negative eigenvalue) within the trust
    distance; n_iter: EF steps; moved: distance from the image to where EF ended;
    energy: the energy there; off_band: distance from there to the closest band image
    (coordinate units)."""

    image: int
    band_energy: float
    converged: bool
    n_iter: int
    moved: float
    energy: float
    off_band: float


@dataclass
class SearchTrace:
    """distance: between the two ends (after alignment); end_energies (2,);
    band_rms: RMS DNEB force when the band stopped; band_iterations; band_max_energy:
    highest image; maxima: one MaximumTrace per band maximum, highest first."""

    distance: float
    end_energies: tuple
    band_rms: float
    band_iterations: int
    band_max_energy: float
    maxima: list = field(default_factory=list)

    @property
    def n_converged(self) -> int:
        return sum(m.converged for m in self.maxima)


def trace_search(system, x1: ArrayLike, x2: ArrayLike, settings: SearchSettings | None = None, align: bool = True,
                 **changes: Any) -> SearchTrace:
    """The band and eigenvector-following stages of a search from minimum ``x1`` to
    minimum ``x2`` ((n,) each; ``x2`` replaced by its copy closest to ``x1`` if
    ``align``), with the :class:`~ljatlib.landscape.SearchSettings` ``settings``
    (``changes`` applied) as :func:`~ljatlib.landscape._connect.search_pair` uses them.
    Returns a :class:`SearchTrace`."""
    s = SearchSettings.resolve(settings, system, **changes)
    x1, x2 = np.asarray(x1, float).ravel(), np.asarray(x2, float).ravel()
    if x1.shape != x2.shape or not (np.all(np.isfinite(x1)) and np.all(np.isfinite(x2))):
        raise ValueError(f"x1 and x2 must be finite arrays of one shape, got {x1.shape} and {x2.shape}")
    if align:  # checked first: the alignment of a bad x2 fails less clearly
        x2 = system.align(x1, x2)
    band = dneb(system, x1, x2, n_images=s.n_images, k=s.neb_k, tol=s.neb_tol, max_iter=s.neb_max_iter,
                max_step=s.neb_max_step)
    trace = SearchTrace(float(np.linalg.norm(x2 - x1)), (float(band.energies[0]), float(band.energies[-1])),
                        float(band.rms), int(band.n_iter), float(np.max(band.energies)))
    for i, ts in refine_band_maxima(system, band, s):
        off_band = float(np.min(np.linalg.norm(band.images - ts.x, axis=1)))
        trace.maxima.append(MaximumTrace(i, float(band.energies[i]), bool(ts.converged), int(ts.n_iter),
                                         float(np.linalg.norm(ts.x - band.images[i])), float(ts.energy),
                                         off_band))
    return trace


@dataclass
class QuenchCensus:
    """How many distinct minima a run of quenches holds, by how strictly two are told apart.

    energies (n,): every converged quench, re-converged to RMS gradient ``tight_tol``
    (units of the energy); minimum_energies (k,): the distinct minima under the
    database's rule (energies within ``database_energy_tol`` and
    ``system.same_structure``), lowest first; database_count: k;
    counts: {distance_tol: distinct minima} when two quenches are the same only if
    their energies agree within ``energy_tol`` and the aligned distance between them
    is below ``distance_tol`` (coordinate units); widest_copy: the largest aligned
    distance from a quench to the lowest quench the database's rule counts it with;
    closest_distinct: the smallest aligned distance between two of the database's
    distinct minima (inf if fewer than two)."""

    energies: np.ndarray
    minimum_energies: np.ndarray
    database_count: int
    counts: dict
    widest_copy: float
    closest_distinct: float

    @property
    def median_gap(self) -> float:
        """Median energy difference of consecutive distinct minima (nan if fewer than two)."""
        return float(np.median(np.diff(self.minimum_energies))) if self.database_count > 1 else float("nan")


def _distinct(order, energies, rule):
    """Representatives (indices, lowest first) and each quench's representative under
    ``rule`` (a SameMinimum on quench indices)."""
    reps, label = [], {}
    for i in order:
        k = rule.index(energies[i], i, [(energies[r], r) for r in reps])
        if k is None:
            reps.append(i)
        label[i] = i if k is None else reps[k]
    return reps, label


def quench_census(system, x0: ArrayLike, n_hops: int, seed: int | None = None, temperature: float = 2.0,
                  step_size: float = 1.0, distance_tols: Sequence[float] = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5),
                  energy_tol: float = 1e-8, database_energy_tol: float = 1e-4,
                  lbfgs_params: LBFGSParams | None = None, tight_tol: float = 1e-9) -> QuenchCensus:
    """Does the database's rule for "the same minimum" merge distinct minima?

    Runs :func:`~ljatlib.landscape.basin_hopping` from ``x0`` (``n_hops`` steps;
    ``seed``, ``temperature``, ``step_size`` and ``lbfgs_params`` as there, so with a
    database build's own values these are its quenches), converges every quench to
    RMS gradient ``tight_tol`` and counts the distinct minima among them with the
    database's rule and with stricter ones (:class:`QuenchCensus`). Counts that stay
    the same over several orders of ``distance_tols`` are distinct minima; a count
    that rises only at the scale of ``widest_copy`` separates copies of one minimum
    left apart by the convergence tolerance.
    """
    x0 = as_finite_array(x0, "x0", ndim=1, shape_tail=(system.n,))
    params, polish = system_quench(system, lbfgs_params, tight_tol)
    quenches = [quench(system.fun_grad, x0, params, polish).x]  # basin-hopping's first
    basin_hopping(system.fun_grad, x0, n_hops, temperature, step_size, seed=seed, lbfgs_params=params,
                  tight_tol=tight_tol, polish=polish,
                  callback=lambda step, f, x, accepted: quenches.append(x.copy()))
    tight = [lbfgs(system.fun_grad, x, params, tol=tight_tol) for x in quenches]
    tight = [r for r in tight if r.status == CONVERGED and np.isfinite(r.energy)]
    energies = np.array([r.energy for r in tight])
    xs = [r.x for r in tight]
    order = np.argsort(energies, kind="stable")
    distances = {}

    def distance(r, i):
        if (r, i) not in distances:
            distances[r, i] = system.distance(xs[r], xs[i])
        return distances[r, i]

    same = system.same_structure or (lambda a, b: True)
    reps, label = _distinct(order, energies, SameMinimum(database_energy_tol, lambda i, r: same(xs[r], xs[i])))
    counts = {float(tol): len(_distinct(order, energies, SameMinimum(
        energy_tol, lambda i, r, tol=tol: distance(r, i) < tol))[0]) for tol in distance_tols}
    widest = max((distance(label[i], i) for i in order), default=0.0)
    closest = min((system.distance(xs[a], xs[b]) for k, a in enumerate(reps) for b in reps[k + 1:]),
                  default=np.inf)
    return QuenchCensus(energies, energies[reps], len(reps), counts, float(widest), float(closest))


@dataclass
class PushOffAudit:
    """Where the push-offs of a sample of stored transition states end.

    n_checked: transition states checked; n_ends: their push-off ends (two each);
    n_far: ends farther than ``far`` (aligned, coordinate units) from both minima the
    transition state was stored with, i.e. minima of another structure that the
    database's rule took for one of them; median_far: their median distance (nan if
    none)."""

    n_checked: int
    n_ends: int
    n_far: int
    median_far: float
    far: float

    def as_dict(self) -> dict:
        return {"n_checked": self.n_checked, "n_ends": self.n_ends, "n_far": self.n_far,
                "median_far": None if np.isnan(self.median_far) else round(self.median_far, 3),
                "far": self.far}


def requench_push_offs(system, ts, settings: SearchSettings | None = None) -> list:
    """The two minima the push-offs of the stored transition state ``ts`` reach now:
    pushed off along its lowest Hessian eigenvector and quenched as the searches do
    (``settings.push_off``, ``settings.push_off_params``); MinimizeResults, plus side
    first."""
    settings = SearchSettings.resolve(settings, system)
    value, vector = system.lowest_mode(ts.coords)
    found = TransitionStateResult(ts.coords, ts.energy, 0.0, value, vector, 1, 0, True)
    return connected_minima(system, found, push_off=settings.push_off, lbfgs_params=settings.push_off_params)


def push_off_audit(system, db, n_sample: int = 20, far: float = 1.0, seed: int = 0,
                   settings: SearchSettings | None = None) -> PushOffAudit:
    """Quench the push-offs of up to ``n_sample`` stored transition states again.

    The transition states are drawn at random (``seed``) from ``db``; each is pushed
    off and quenched as the searches do (:func:`requench_push_offs`), and each end is
    compared, aligned, with the two minima stored for it. With a rule for "the same minimum"
    that tells structures apart, every end lies within ``far`` of one of them; a
    looser rule (energy and a large distance) shows here what it merged. Only reads
    ``db``.

    Returns
    -------
    PushOffAudit

    Examples
    --------
    >>> import numpy as np
    >>> from ljatlib.storage import Database
    >>> from ljatlib.systems import tilted_double_well
    >>> well = tilted_double_well()   # (x^2 - 1)^2 + x / 4 + y^2
    >>> left, saddle, right = np.sort(np.roots([4.0, 0.0, -4.0, 0.25]).real)
    >>> db = Database(":memory:")
    >>> a, _ = db.add_minimum(well.energy([left, 0.0]), [left, 0.0])
    >>> b, _ = db.add_minimum(well.energy([right, 0.0]), [right, 0.0])
    >>> _ = db.add_transition_state(well.energy([saddle, 0.0]), [saddle, 0.0], a.id, b.id)
    >>> audit = push_off_audit(well, db)
    >>> audit.n_checked, audit.n_ends, audit.n_far
    (1, 2, 0)
    """
    stored = db.transition_states()
    rng = np.random.default_rng(seed)
    picked = sorted(rng.choice(len(stored), size=min(n_sample, len(stored)), replace=False))
    minima = db.minima_by_id({i for k in picked for i in (stored[k].minimum1, stored[k].minimum2)})
    distances = []
    for k in picked:
        ts = stored[k]
        for end in requench_push_offs(system, ts, settings):
            distances.append(min(system.distance(end.x, minima[i].coords) for i in (ts.minimum1, ts.minimum2)))
    distances = np.array(distances)
    far_ones = distances[distances > far]
    return PushOffAudit(len(picked), len(distances), len(far_ones),
                        float(np.median(far_ones)) if len(far_ones) else float("nan"), float(far))
