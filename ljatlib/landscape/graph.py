"""The landscape as a graph: minima are nodes, transition states edges.

Barrier statistics of the SI (Tables S1 and S2) and minimax paths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

import networkx as nx
import numpy as np

from ._unionfind import DisjointSets

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

    from ..storage import Database


def landscape_graph(db: Database, include_degenerate: bool = False) -> nx.Graph:
    """networkx.Graph of minima (attribute ``energy``) joined by their lowest transition
    state (edge attributes ``energy``, ``ts``). Degenerate rearrangements (a TS from a
    minimum to itself) are left out unless ``include_degenerate``."""
    g = nx.Graph()
    g.add_nodes_from((i, {"energy": e}) for i, e in db.energies())
    for ts, energy, a, b in db.edges():
        if a == b and not include_degenerate:
            continue
        if not g.has_edge(a, b) or energy < g[a][b]["energy"]:
            g.add_edge(a, b, energy=energy, ts=ts)
    return g


def component_labels(g: nx.Graph) -> Callable[[int], Hashable]:
    """label(id): a label shared exactly by the minima that the edges of ``g`` join (an
    id not in ``g`` has its own)."""
    sets = DisjointSets(g.nodes)
    for a, b in g.edges:
        sets.union(a, b)
    return lambda i: sets.find(i) if i in g else ("alone", i)


def minimax_path(g: nx.Graph, source: int, target: int) -> tuple[list[int], float]:
    """Path from ``source`` to ``target`` whose highest transition state is lowest, and
    that energy. Uses the minimum spanning tree (by TS energy), whose paths are minimax."""
    tree = nx.minimum_spanning_tree(g, weight="energy")
    path = nx.shortest_path(tree, source, target)
    top = max((g[p][q]["energy"] for p, q in zip(path, path[1:])), default=-np.inf)
    return path, top


@dataclass
class BarrierTable:
    """Means over transition states (Table S1) or over minima (Table S2)."""

    uphill: float
    downhill: float
    uphill_scaled: float
    downhill_scaled: float
    count: int


def ts_barriers(db: Database) -> BarrierTable:
    """Table S1: over every non-degenerate TS, the barrier from its lower minimum
    (uphill) and from its higher one (downhill), and each divided by the two minima's
    energy difference (pairs whose energies differ by less than the database's
    ``energy_tol`` are left out of the scaled means)."""
    up, down, up_s, down_s = [], [], [], []
    energy = dict(db.energies())
    for _, top, a, b in db.edges():
        if a == b:
            continue
        low, high = sorted((energy[a], energy[b]))
        up.append(top - low)
        down.append(top - high)
        if high - low > db.energy_tol:
            up_s.append((top - low) / (high - low))
            down_s.append((top - high) / (high - low))
    mean = lambda v: float(np.mean(v)) if v else np.nan  # noqa: E731
    return BarrierTable(mean(up), mean(down), mean(up_s), mean(down_s), len(up))


def barriers_to_global_minimum(db: Database) -> BarrierTable:
    """Table S2: for every other minimum connected to the global minimum, the downhill
    barrier along the minimax path (its highest TS minus the minimum's energy), and that
    divided by the minimum's energy above the global minimum (minima degenerate with
    it within ``energy_tol`` are left out of the scaled mean).

    **Interpretation** (the SI is brief): "downhill barrier to the global minimum" =
    highest TS on the minimax path minus the energy of the starting minimum."""
    g = landscape_graph(db)
    gmin = db.global_minimum()
    barriers, scaled = [], []
    for node in nx.node_connected_component(g, gmin.id) - {gmin.id}:
        _, top = minimax_path(g, node, gmin.id)
        e = g.nodes[node]["energy"]
        barriers.append(top - e)
        if e - gmin.energy > db.energy_tol:
            scaled.append((top - e) / (e - gmin.energy))
    mean = lambda v: float(np.mean(v)) if v else np.nan  # noqa: E731
    return BarrierTable(np.nan, mean(barriers), np.nan, mean(scaled), len(barriers))
