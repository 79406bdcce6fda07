"""Connect minima through transition states (OPTIM's connect, pele's DoubleEndedConnect).

To connect minima A and B: build the complete graph of the minima joined to A or to B
and those found while connecting them (OPTIM's choice; all stored minima on request,
at the cost of an alignment per pair), where a pair
joined by a path of stored transition states costs 0 and any other pair costs its
squared distance (after alignment: the distance between the closest symmetric copies,
``System.distance``, OPTIM's minpermdist); the shortest A-B path (Dijkstra) shows the
gaps still to close; the shortest gap on it (pele's choice; not yet tried too often)
is attacked with a DNEB between the aligned endpoints (``System.align``), the local
maxima of the band are refined by eigenvector-following (climbing along the band
tangent while there is no negative curvature; abandoned once it drifts farther from
the band maximum than the two endpoints are apart), highest first and no more once
the pair is connected, and each transition state found is pushed off to its two
minima (identified after a loose minimisation, tightened only if new), all stored in
the database. A gap tried again gets a different band (unaligned copies, more
images), since the same band would give the same result. Repeat until A and B are
connected. Minima found on the way are nodes of the next Dijkstra graph.

The measurements behind these choices and the default of 20 band images are in
``docs/decisions.md``.

:func:`~ljatlib.landscape.rounds.connect_in_rounds`, the one driver that connects every
stored minimum to the global minimum, makes the same choices for several minima at a
time and runs their searches (:func:`band_transition_states`, without the database) in
parallel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from .._threads import with_one_blas_thread
from ..optimize import CONVERGED
from ..transition_states import connected_minima, dneb, eigenvector_following
from ..transition_states.eigenvector_following import tighten_minimum
from ._settings import SearchSettings
from .graph import component_labels, landscape_graph

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from numpy.typing import ArrayLike

    from ..optimize import MinimizeResult
    from ..storage import Database, Minimum
    from ..transition_states import NEBResult, TransitionStateResult


def _align(system, a, b):
    align = getattr(system, "align", None)
    return align(a, b) if align is not None else np.asarray(b, float).ravel()


def _distance(system, a, b):
    dist = getattr(system, "distance", None)
    return dist(a, b) if dist is not None else float(np.linalg.norm(a - b))


def _identify_minimum(system, db, res, tol):
    """(stored minimum, None) if the loosely converged ``res`` is one, else (None, its
    MinimizeResult converged to ``tol``): tightening, the costly part, only for new
    minima. (None, None) if the tightening fails."""
    stored = db.find_minimum(res.energy, res.x)
    if stored is not None:
        return stored, None
    tight = tighten_minimum(system, res.x, tol)
    ok = tight.status == CONVERGED and np.isfinite(tight.energy)
    return None, (tight if ok else None)


@with_one_blas_thread
def search_pair(system, db: Database, m1: Minimum, m2: Minimum, settings: SearchSettings | None = None,
                align: bool = True, stop_when_connected: bool = True, **changes: Any) -> int:
    """One DNEB between stored minima m1 and m2 (m2 aligned to m1 if ``align``, else as
    stored) and refinement of its maxima by eigenvector-following.

    ``settings`` (a :class:`SearchSettings`, with ``changes`` to its fields applied)
    say how. The band's local maxima are refined highest first (at most
    ``max_maxima`` of them), and, if ``stop_when_connected``, no more once a stored path
    joins m1 and m2. On the MLP (3, 3) landscape converged refinements moved 1-57
    (mostly < 35) from the band maximum and unconverged ones up to 220, hence the
    ``ts_max_distance`` of max(1, d). Each transition state found is pushed off both
    ways; its minima are identified at RMS gradient ``loose_tol`` and only new ones are
    converged to ``tol`` (Newton steps,
    :func:`~ljatlib.transition_states.eigenvector_following.tighten_minimum`) before
    they are stored. Every transition state found is stored, also one whose minima are
    new and joined to neither m1 nor m2 (they are nodes of the next Dijkstra graph).

    Returns the number of new transition states stored. BLAS runs on one thread
    throughout (see ``ljatlib._threads``)."""
    s = SearchSettings.resolve(settings, system, **changes)
    end = _align(system, m1.coords, m2.coords) if align else m2.coords
    n_new = 0
    for ts, plus, minus in band_transition_states(system, m1.coords, end, s):
        found = [_identify_minimum(system, db, r, s.tol) for r in (plus, minus)]
        if any(m is None and r is None for m, r in found):
            continue
        with db.transaction():  # the TS and its minima are stored together or not at all
            a, b = (m if m is not None else
                    db.add_minimum(r.energy, r.x, {"log_prod_evals": system.log_product_eigenvalues(r.x)})[0]
                    for m, r in found)
            _, new = db.add_transition_state(
                ts.energy, ts.x, a.id, b.id, eigenvalue=ts.eigenvalue,
                properties={"log_prod_evals": system.log_product_eigenvalues(ts.x)})
        n_new += int(new)
        if new and stop_when_connected and are_connected(db, m1.id, m2.id):
            break
    return n_new


def band_transition_states(system, x1: ArrayLike, x2: ArrayLike, settings: SearchSettings | None = None,
                           **changes: Any) -> Iterator[tuple[TransitionStateResult, MinimizeResult, MinimizeResult]]:
    """The search of :func:`search_pair` without a database: a DNEB from ``x1`` to
    ``x2`` (as given, (n,) each) and eigenvector-following from its maxima. Yields
    (TransitionStateResult, plus, minus) for each transition state converged to RMS
    gradient ``tol`` whose two push-offs reached minima (LBFGS results converged to
    ``loose_tol`` only); the caller may stop early."""
    s = SearchSettings.resolve(settings, system, **changes)
    band = dneb(system, x1, x2, n_images=s.n_images, k=s.neb_k, tol=s.neb_tol, max_iter=s.neb_max_iter,
                max_step=s.neb_max_step)
    for _, ts in refine_band_maxima(system, band, s):
        if not ts.converged:
            continue
        plus, minus = connected_minima(system, ts, push_off=s.push_off, tol=s.tol, tighten=False,
                                       lbfgs_params=s.push_off_params, loose_tol=s.loose_tol)
        if plus.status == 0 and minus.status == 0:
            yield ts, plus, minus


def refine_band_maxima(system, band: NEBResult, settings: SearchSettings | None = None,
                       **changes: Any) -> Iterator[tuple[int, TransitionStateResult]]:
    """Eigenvector-following from the local maxima of a relaxed ``band`` (NEBResult),
    highest first, climbing along the band tangent (settings as in :func:`search_pair`).
    Yields (image index, TransitionStateResult), converged or not."""
    s = SearchSettings.resolve(settings, system, **changes)
    d = float(np.linalg.norm(band.images[-1] - band.images[0]))
    limit = s.ts_max_distance
    if limit == "auto":
        limit = max(1.0, d)
    elif callable(limit):
        limit = limit(d)
    starts = list(band.local_maxima()[:s.max_maxima])
    if s.endpoint_climbs:  # single-ended: climb out of each endpoint along the band
        starts += [i for i in (1, len(band.images) - 2) if i not in starts and 0 < i < len(band.images) - 1]
    for i in starts:
        yield i, eigenvector_following(system, band.images[i], tol=s.ef_tol, max_iter=s.ef_max_iter,
                                       max_step=s.ef_max_step, negative_tol=s.ef_negative_tol,
                                       direction=band.tangent(i), max_distance=limit)


def are_connected(db: Database, id_a: int, id_b: int) -> bool:
    g = landscape_graph(db)
    return g.has_node(id_a) and g.has_node(id_b) and nx.has_path(g, id_a, id_b)


def joined_to(db: Database, target: int) -> set[int]:
    """Ids of the minima joined to ``target`` by stored transition states (with it)."""
    g = landscape_graph(db)
    return nx.node_connected_component(g, target) if g.has_node(target) else {target}


def connect(system, db: Database, id_a: int, id_b: int, max_attempts: int = 10,
            distances: dict[tuple[int, int], float] | None = None, tries: dict[tuple[int, int], int] | None = None,
            settings: SearchSettings | None = None, **changes: Any) -> bool:
    """Connect stored minima ``id_a`` and ``id_b``; returns True when a path of stored
    transition states joins them. Resumable: it starts from what the database holds.

    ``settings`` (a :class:`SearchSettings`, with ``changes`` applied) say how each
    search runs and which gap is searched next (``gap_choice``: the shortest gap of the
    Dijkstra path, as pele's DoubleEndedConnect, or the first from ``id_a``;
    ``graph_minima``: all stored minima as nodes of the Dijkstra graph, an alignment per
    pair of minima in different connected sets, or only the "local" ones, those joined to
    ``id_a`` or ``id_b`` and those this call found). ``distances``: a dict {(id, id):
    aligned distance} kept between calls (the alignments are the costly part of the
    Dijkstra graph); ``tries``: a dict {(id, id): searches made}, likewise (a pair that
    failed for one target is not searched again the same way for the next); retries of
    a gap differ as :meth:`SearchSettings.for_retry` says."""
    s = SearchSettings.resolve(settings, system, **changes)
    tries = {} if tries is None else tries
    distances = {} if distances is None else distances
    first_new = None  # ids of the minima this call finds start here
    for _ in range(max_attempts):
        if first_new is None:
            first_new = max(i for i, _ in db.energies()) + 1
        choice = choose_gap(system, db, id_a, id_b, distances, tries, s, lambda i: i >= first_new)
        if choice is None:
            return are_connected(db, id_a, id_b)
        (p, q), minima = choice
        pair = (min(p, q), max(p, q))
        n_tried = tries.get(pair, 0)
        tries[pair] = n_tried + 1
        align, retry = s.for_retry(n_tried)
        search_pair(system, db, minima[p], minima[q], settings=retry, align=align)
    return are_connected(db, id_a, id_b)


def choose_gap(system, db: Database, id_a: int, id_b: int, distances: dict[tuple[int, int], float],
               tries: dict[tuple[int, int], int], settings: SearchSettings,
               found: Callable[[int], bool] = lambda i: False,
               component: Callable[[int], Any] | None = None) -> tuple[tuple[int, int], dict[int, Minimum]] | None:
    """The next pair of stored minima to search when connecting ``id_a`` and ``id_b``
    (see :func:`connect`; ``settings.max_tries_per_pair``, ``gap_choice`` and
    ``graph_minima``); ``found(id)``: whether a minimum was found while connecting
    them (a node of the "local" graph); ``component``: the database's
    :func:`~ljatlib.landscape.graph.component_labels`, if the caller has them (else
    read). Returns ((p, q), {id: Minimum} of the graph's minima), or None when they
    are connected or no untried gap is left."""
    if component is None:
        component = component_labels(landscape_graph(db))
    if component(id_a) == component(id_b):
        return None
    ids = [i for i, _ in db.energies()]
    if settings.graph_minima == "local":
        ends = {component(id_a), component(id_b)}
        ids = [i for i in ids if i in (id_a, id_b) or found(i) or component(i) in ends]
    read = db.minima_by_id(ids)
    minima = {i: read[i] for i in ids}  # lowest first, as the Dijkstra graph's ties are broken
    # Within a connected set moving is free, so each set is one node of the Dijkstra
    # graph and two sets are as far apart as their closest pair that may still be tried
    # (the same shortest paths as the graph of all pairs, without its
    # quadratically many free edges inside the large sets).
    members: dict[Any, list[int]] = {}
    for i in minima:
        members.setdefault(component(i), []).append(i)
    sets = list(members)
    gaps = nx.Graph()
    gaps.add_nodes_from(sets)
    for u, set_u in enumerate(sets):
        for set_v in sets[u + 1:]:
            best = None
            for p in members[set_u]:
                for q in members[set_v]:
                    pair = (min(p, q), max(p, q))
                    if tries.get(pair, 0) >= settings.max_tries_per_pair:
                        continue
                    if pair not in distances:
                        distances[pair] = _distance(system, minima[pair[0]].coords, minima[pair[1]].coords)
                    if best is None or distances[pair] < best[0]:
                        best = (distances[pair], p, q)
            if best is not None:
                gaps.add_edge(set_u, set_v, weight=best[0] ** 2, ends={set_u: best[1], set_v: best[2]})
    start, end = component(id_a), component(id_b)
    if not nx.has_path(gaps, start, end):
        return None
    path = nx.dijkstra_path(gaps, start, end)
    steps = [(u, v, gaps[u][v]) for u, v in zip(path, path[1:])]
    if settings.gap_choice == "closest":  # OPTIM: close the shortest gap of the path first
        u, v, edge = min(steps, key=lambda step: step[2]["weight"])
    else:
        u, v, edge = steps[0]
    return (edge["ends"][u], edge["ends"][v]), minima
