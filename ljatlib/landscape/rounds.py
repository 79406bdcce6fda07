"""Connecting every minimum to the global minimum in rounds of independent searches.

PATHSAMPLE's way of using many cores: one process keeps the database and decides what
to search; the searches themselves (a DNEB and eigenvector-following from its maxima,
push-offs and minimisations: nearly all the time) run anywhere, here on Dask workers,
and return what they found. Each round takes up to ``batch`` minima still to connect
and searches, for each, the gap that :func:`~ljatlib.landscape._connect.connect` would
search next (Dijkstra on the graph of the minima joined to it or to the global minimum
and those its own searches found). The results are stored in the order the searches
were set up, so a database depends on ``batch`` but not on how many workers ran it,
or whether any did (``client=None`` runs the searches in this process).

A search without the database cannot see paths through stored transition states, so
it stops once the transition states it found join its two ends directly or through
minima it found itself (:func:`find_transition_states`); and it cannot tell whether a
minimum it reached is stored, so it converges every one not identical to an end to
RMS gradient ``tol`` (Newton steps) before returning it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from .._threads import one_numba_thread_in_task, tasks_share_cores, with_one_blas_thread
from .._validation import check_integer
from ..optimize import CONVERGED
from ..storage import SameMinimum
from ..transition_states.eigenvector_following import tighten_minimum
from ._settings import SearchSettings
from ._connect import band_transition_states, choose_gap
from ._unionfind import DisjointSets
from .graph import component_labels, landscape_graph

if TYPE_CHECKING:
    import threading

    from distributed import Client
    from numpy.typing import ArrayLike

    from ..storage import Database


class Stopped(Exception):
    """Raised by :func:`connect_in_rounds` when asked to stop between rounds; the
    database holds everything stored until then, and a later call resumes."""


@dataclass
class FoundMinimum:
    """A minimum a search reached: ``endpoint`` 0 or 1 if it is that end of the search
    (then ``x`` is None), else its energy, coordinates (n,) converged to RMS gradient
    ``tol`` and ln of the product of its Hessian eigenvalues."""

    endpoint: int | None = None
    energy: float | None = None
    x: np.ndarray | None = None
    log_prod_evals: float | None = None


@dataclass
class FoundTransitionState:
    energy: float
    x: np.ndarray
    eigenvalue: float
    log_prod_evals: float
    minima: tuple[FoundMinimum, FoundMinimum]


@with_one_blas_thread
def find_transition_states(system, x1: ArrayLike, x2: ArrayLike, settings: SearchSettings | None = None,
                           align: bool = True, stop_when_connected: bool = True,
                           **changes: Any) -> list[FoundTransitionState]:
    """One search between minima ``x1`` and ``x2`` (n,), without a database.

    ``x2`` is replaced by its copy closest to ``x1`` if ``align``. Transition states
    from :func:`~ljatlib.landscape._connect.band_transition_states` with ``settings``
    (a :class:`SearchSettings`, ``changes`` applied); each pushed-off minimum is
    identified with an end or an earlier one (:class:`~ljatlib.storage.SameMinimum`
    with the settings' ``energy_tol``, 1e-4 if None, and ``system.same_structure``),
    otherwise converged to ``tol``. Stops, if ``stop_when_connected``, once the
    transition states found join the two ends.

    Returns
    -------
    list of FoundTransitionState
    """
    s = SearchSettings.resolve(settings, system, **changes)
    energy_tol, tol = (1e-4 if s.energy_tol is None else s.energy_tol), s.tol
    x1, x2 = np.asarray(x1, float).ravel(), np.asarray(x2, float).ravel()
    end = system.align(x1, x2) if align else x2
    known = [FoundMinimum(0, system.energy(x1), x1), FoundMinimum(1, system.energy(end), end)]
    sets = DisjointSets(range(2))  # over the indices of ``known``

    rule = SameMinimum(energy_tol, system.same_structure)

    def identify(res):
        candidates = [(m.energy, m.x) for m in known]
        i = rule.index(res.energy, res.x, candidates)
        if i is not None:
            return i
        tight = tighten_minimum(system, res.x, tol)
        if tight.status != CONVERGED or not np.isfinite(tight.energy):
            return None
        i = rule.index(tight.energy, tight.x, candidates)
        if i is not None:  # loosely converged, it looked new; tightened, it is a known one
            return i
        known.append(FoundMinimum(None, tight.energy, tight.x, system.log_product_eigenvalues(tight.x)))
        return len(known) - 1

    found = []
    for ts, plus, minus in band_transition_states(system, x1, end, s):
        ends = [identify(r) for r in (plus, minus)]
        if None in ends:
            continue
        minima = tuple(FoundMinimum(known[i].endpoint) if known[i].endpoint is not None else known[i]
                       for i in ends)
        found.append(FoundTransitionState(ts.energy, ts.x, ts.eigenvalue,
                                          system.log_product_eigenvalues(ts.x), minima))
        sets.union(ends[0], ends[1])
        if stop_when_connected and sets.joined(0, 1):
            break
    return found


def store_found(db: Database, found: list[FoundTransitionState], ids: tuple[int, int]) -> list[int]:
    """Store what one search found (each transition state with its minima in one
    transaction); ``ids``: the stored ids of its two ends. Returns the ids of the
    minima that were new."""
    new_ids = []
    for ts in found:
        with db.transaction():
            ends = []
            for m in ts.minima:
                if m.endpoint is not None:
                    ends.append(ids[m.endpoint])
                    continue
                stored, is_new = db.add_minimum(m.energy, m.x, {"log_prod_evals": m.log_prod_evals})
                ends.append(stored.id)
                if is_new:
                    new_ids.append(stored.id)
            db.add_transition_state(ts.energy, ts.x, ends[0], ends[1], eigenvalue=ts.eigenvalue,
                                    properties={"log_prod_evals": ts.log_prod_evals})
    return new_ids


def _timed_search(system, x1, x2, options):
    """(what a search found, the CPU seconds it took in this process)."""
    cpu = time.process_time()
    found = find_transition_states(system, x1, x2, **options)
    return found, time.process_time() - cpu


def _search_task(system, x1, x2, options, one_thread):
    """A search on a Dask worker."""
    one_numba_thread_in_task(one_thread)
    return _timed_search(system, x1, x2, options)


class _Searches:
    """Runs a round's searches in this process (``client`` None) or on Dask workers
    (the system is sent to them once); (found, CPU seconds) in the order given."""

    def __init__(self, system, client):
        self.system, self.client, self.rounds = system, client, 0
        if client is not None:
            self.remote = client.scatter(system, broadcast=True, hash=False)
            self.one_thread = tasks_share_cores(client)

    def run(self, tasks):
        if self.client is None:
            return [_timed_search(self.system, x1, x2, options) for x1, x2, options in tasks]
        # Databases sharing the workers: the one that has run the most rounds goes first,
        # since a long chain of rounds, not the sum of the searches, ends the build.
        self.rounds += 1
        futures = [self.client.submit(_search_task, self.remote, x1, x2, options, self.one_thread,
                                      pure=False, priority=self.rounds) for x1, x2, options in tasks]
        return self.client.gather(futures)


def _pair_key(pair):
    return f"{pair[0]},{pair[1]}"


def _key_pair(text):
    a, b = text.split(",")
    return int(a), int(b)


@dataclass
class _RoundsState:
    """Everything :func:`connect_in_rounds` decides from besides the database; stored
    after each round (with that round's results, in one transaction) when the caller
    names a checkpoint, so an interrupted run resumes exactly where it stopped.
    ``seconds``: wall time of the rounds so far, over every run that resumed them;
    ``cpu_seconds``: the CPU time of their searches, wherever they ran."""

    ids: list
    gmin: int
    aim: dict
    attempts: Counter
    queue: list
    succeeded: list
    retried: set
    tries: dict
    found_by: defaultdict
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @classmethod
    def fresh(cls, db):
        ids = [i for i, _ in db.energies()]
        gmin = db.global_minimum().id
        aim = {i: gmin for i in ids if i != gmin}
        return cls(ids, gmin, aim, Counter(), list(aim), [], set(), {}, defaultdict(set))

    def to_json(self, settings):
        return json.dumps({
            "settings": settings, "ids": self.ids, "gmin": self.gmin,
            "aim": {str(k): v for k, v in self.aim.items()},
            "attempts": {str(k): v for k, v in self.attempts.items()},
            "queue": self.queue, "succeeded": self.succeeded,
            "retried": sorted(self.retried), "tries": {_pair_key(k): v for k, v in self.tries.items()},
            "found_by": {str(k): sorted(v) for k, v in self.found_by.items()},
            "seconds": self.seconds, "cpu_seconds": self.cpu_seconds}, sort_keys=True)

    @classmethod
    def from_json(cls, text, settings):
        d = json.loads(text)
        if d["settings"] != settings:
            raise ValueError(f"the checkpoint was made with other settings ({d['settings']}, "
                             f"now {settings}); use another checkpoint name or a new database")
        found_by = defaultdict(set, {int(k): set(v) for k, v in d["found_by"].items()})
        return cls(d["ids"], d["gmin"], {int(k): v for k, v in d["aim"].items()},
                   Counter({int(k): v for k, v in d["attempts"].items()}), d["queue"], d["succeeded"],
                   {tuple(r) for r in d["retried"]}, {_key_pair(k): v for k, v in d["tries"].items()},
                   found_by, float(d.get("seconds", 0.0)), float(d.get("cpu_seconds", 0.0)))


def rounds_times(db: Database, checkpoint: str) -> tuple[float, float]:
    """(wall time, CPU time of the searches), in seconds, that the rounds checkpointed
    under ``checkpoint`` have taken so far, over every run that resumed them ((0, 0) if
    there is no such checkpoint); only reads ``db``."""
    saved = db.get_meta(checkpoint)
    d = {} if saved is None else json.loads(saved)
    return float(d.get("seconds", 0.0)), float(d.get("cpu_seconds", 0.0))


def connect_in_rounds(system, db: Database, max_attempts: int = 10, batch: int = 8,
                      client: Client | str | None = None, progress: bool = False, stop: threading.Event | None = None,
                      checkpoint: str | None = None, settings: SearchSettings | None = None,
                      **changes: Any) -> list[int]:
    """Try to connect every stored minimum to the global minimum, ``batch`` searches at
    a time; returns the ids of those (stored when the call began) left unconnected.

    Searches lead from each minimum towards its aim, one gap at a time as
    :func:`~ljatlib.landscape.connect` chooses them; the searches of a round are
    independent, so ``client`` (a ``distributed.Client``) can run them in parallel, and
    ``batch`` 1 without a client connects one minimum after the other. Each minimum
    gets at most ``max_attempts`` searches towards the global minimum of the moment it
    was taken up (its aim). When a search finds a lower
    minimum, that one is connected to the old global minimum first; once nothing else
    is left, the minima joined to their aim but not to the final global minimum are
    tried once more, against it (those that failed are not). Minima already joined to
    each other with the same aim are one problem: one of them searches per round, and
    when it has used its attempts, the others stop too. ``settings`` (a
    :class:`SearchSettings`, ``changes`` applied; ``energy_tol`` defaults to the
    database's) say how each search runs and which gap it takes, as in
    :func:`~ljatlib.landscape._connect.connect`.
    Resumable: it starts from what the database holds. ``stop`` (e.g. a
    ``threading.Event``): once set, :class:`Stopped` is raised before the next round.
    ``checkpoint`` (a meta-table key, e.g. ``"connect_in_rounds"``): the driver's state
    is stored under it with each round's results, in one transaction, and a later call
    continues from it, so a run killed at any point and resumed ends in the same
    database as one never interrupted (ValueError if it was made with other settings).

    Examples
    --------
    >>> import os, tempfile
    >>> from ljatlib.storage import Database
    >>> from ljatlib.systems import tilted_double_well
    >>> well = tilted_double_well()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     db = Database(os.path.join(tmp, "well.sqlite"))
    ...     for x in ([-1.03, 0.0], [0.967, 0.0]):
    ...         _ = db.add_minimum(well.energy(x), x)
    ...     left = connect_in_rounds(well, db)
    ...     counts = db.counts()
    ...     db.close()
    >>> left, counts  # none left unconnected; 2 minima, 1 transition state
    ([], (2, 1))
    """
    batch = check_integer(batch, "batch", 1)
    max_attempts = check_integer(max_attempts, "max_attempts", 0)
    s = SearchSettings.resolve(settings, system, **changes)
    if s.energy_tol is None:
        s = s.replace(energy_tol=db.energy_tol)
    if db.counts()[0] == 0:
        return []
    recorded = {"max_attempts": max_attempts, "batch": batch, "search": s.as_json()}
    saved = db.get_meta(checkpoint) if checkpoint is not None else None
    state = _RoundsState.fresh(db) if saved is None else _RoundsState.from_json(saved, recorded)
    began, earlier = time.monotonic(), state.seconds
    ids, gmin, aim, attempts = state.ids, state.gmin, state.aim, state.attempts
    queue, succeeded, retried = state.queue, state.succeeded, state.retried
    tries, found_by = state.tries, state.found_by  # found_by: target -> minima its searches found
    searches = _Searches(system, client)
    distances = {}  # aligned distances: recomputed after a resume (they are deterministic)
    bar = tqdm(total=len(queue), desc="connecting", disable=not progress)
    while True:
        if stop is not None and stop.is_set():
            bar.close()
            raise Stopped(f"stopped on request; {db.path} resumes from what it holds")
        lowest = db.global_minimum().id
        if lowest != gmin:  # a search found a lower minimum: join the old target to it first
            aim[gmin], attempts[gmin] = lowest, 0
            queue.insert(0, gmin)
            gmin = lowest
            bar.total += 1
        component = component_labels(landscape_graph(db))

        def joined(a, b):
            return component(a) == component(b)

        keep, failed = [], set()
        for target in queue:
            if joined(target, aim[target]) or joined(target, gmin):
                succeeded.append(target)
            elif attempts[target] < max_attempts:
                keep.append(target)
                continue
            else:
                failed.add((component(target), aim[target]))
            bar.update()
        # minima already joined to one that failed, with the same aim, share its failure
        queue = [t for t in keep if (component(t), aim[t]) not in failed]
        bar.update(len(keep) - len(queue))
        if not queue:  # retry those joined only to an earlier global minimum, once each
            queue = [t for t in succeeded if not joined(t, gmin) and (t, gmin) not in retried]
            if not queue:
                break
            succeeded = [t for t in succeeded if t not in queue]
            for target in queue:
                retried.add((target, gmin))
                aim[target], attempts[target] = gmin, 0
            bar.total += len(queue)
        leaders = {}  # one search per group of targets joined together, with the same aim
        for target in queue:
            leaders.setdefault((component(target), aim[target]), target)
        tasks, served = [], {}  # served: pair -> the targets its search serves
        for target in list(leaders.values())[:batch]:
            attempts[target] += 1
            choice = choose_gap(system, db, target, aim[target], distances, tries, s,
                                found_by[target].__contains__, component)
            if choice is None:  # no untried gap left
                attempts[target] = max_attempts
                continue
            (p, q), minima = choice
            pair = (min(p, q), max(p, q))
            if pair in served:  # another target of this round searches the same gap
                served[pair].append(target)
                continue
            served[pair] = [target]
            n_tried = tries.get(pair, 0)
            tries[pair] = n_tried + 1
            align, retry = s.for_retry(n_tried)
            tasks.append(((p, q), (minima[p].coords, minima[q].coords, {"settings": retry, "align": align})))
        results = searches.run([task for _, task in tasks]) if tasks else []
        with db.transaction():  # a round is stored whole, with the state after it, or not at all
            for ((p, q), _), (found, cpu) in zip(tasks, results):
                state.cpu_seconds += cpu
                new_ids = store_found(db, found, (p, q))
                for target in served[(min(p, q), max(p, q))]:
                    found_by[target].update(new_ids)
            if checkpoint is not None:
                state.gmin, state.queue, state.succeeded = gmin, queue, succeeded
                state.seconds = earlier + time.monotonic() - began
                db.set_meta(**{checkpoint: state.to_json(recorded)})
    bar.close()
    component = component_labels(landscape_graph(db))
    return [i for i in ids if component(i) != component(gmin)]
