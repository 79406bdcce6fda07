"""Pathways through the landscape: sequences of minima and transition states, traced
point by point so that the energy can be plotted against the integrated path length
(OPTIM's path.info; SI Fig. S3 and Movie S1).

A step from minimum a to minimum b over their transition state t is traced by
pushing off t along its negative-curvature eigenvector on both sides and
minimising with small capped LBFGS steps, recording every step: the reversed
descent into a, then t, then the descent into b. Each step is traced in its own
copy of the coordinates: a stored minimum may be a symmetric copy (permuted
hidden nodes, ...) of the end point a descent reaches, which changes neither
energies nor path lengths nor anything the network predicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from ..optimize import LBFGSParams, lbfgs
from .graph import landscape_graph

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..storage import Database


@dataclass
class Pathway:
    """A traced pathway.

    minima, transition_states : list of int
        Database ids, in order (len(transition_states) == len(minima) - 1).
    frames : array (n_frames, n)
        Coordinates along the path.
    energies : array (n_frames,)
    s : array (n_frames,)
        Integrated Euclidean path length (coordinate units), 0 at the first minimum.
    minimum_frames, ts_frames : array of int
        Frame index of each minimum / transition state.
    """

    minima: list
    transition_states: list
    frames: np.ndarray
    energies: np.ndarray
    s: np.ndarray
    minimum_frames: np.ndarray
    ts_frames: np.ndarray


def longest_minimax_pathway(db: Database, n_minima: int | None = None, through: int | None = None) -> list[int]:
    """Minimum ids of the longest path in the minimax spanning tree (the tree whose
    paths have the lowest highest transition state), optionally cut to ``n_minima``
    minima centred on the minimum ``through`` (default: the global minimum, when the
    path visits it)."""
    g = landscape_graph(db)
    gmin = db.global_minimum().id
    tree = nx.minimum_spanning_tree(g.subgraph(nx.node_connected_component(g, gmin)), weight="energy")
    if tree.number_of_nodes() == 1:
        return [gmin]
    far = max(nx.single_source_shortest_path_length(tree, gmin).items(), key=lambda kv: kv[1])[0]
    lengths = nx.single_source_shortest_path_length(tree, far)
    other = max(lengths.items(), key=lambda kv: kv[1])[0]
    path = nx.shortest_path(tree, far, other)
    if n_minima is None or len(path) <= n_minima:
        return path
    anchor = gmin if through is None else through
    centre = path.index(anchor) if anchor in path else len(path) // 2
    start = min(max(0, centre - n_minima // 2), len(path) - n_minima)
    return path[start:start + n_minima]


def _descent(system, x, params):
    """LBFGS from ``x``: (result, [(coordinates, energy) of x and of every step])."""
    frames = [(x.copy(), system.energy(x))]
    res = lbfgs(system.fun_grad, x, params, callback=lambda y, f: frames.append((y.copy(), f)))
    return res, frames


def trace_pathway(system, db: Database, minima: Sequence[int], push_off: float = 0.01, max_step: float = 0.02,
                  tol: float = 1e-9) -> Pathway:
    """Trace the pathway through the stored ``minima`` (ids, consecutive ones joined by a
    stored transition state; the lowest one is used).

    ``push_off`` and ``max_step`` (coordinate units) set the resolution of the trace;
    descents stop at RMS gradient ``tol``. Returns a :class:`Pathway`.
    """
    g = landscape_graph(db)
    stored_ts = {t.id: t for t in db.transition_states()}
    params = LBFGSParams(tol=tol, memory=10, max_step=max_step, max_rise=1e-12, max_iter=100_000)
    frames, min_frames, ts_frames, ts_ids = [], [], [], []
    for a, b in zip(minima, minima[1:]):
        if not g.has_edge(a, b):
            raise ValueError(f"minima {a} and {b} share no transition state")
        ts = stored_ts[g[a][b]["ts"]]
        _, vecs = system.projected_hessian_eigh(ts.coords)
        sides = [_descent(system, ts.coords + sign * push_off * vecs[:, 0], params) for sign in (1.0, -1.0)]
        energy_a = db.get_minimum(a).energy
        # the side that ends nearer minimum a in energy leads back to a
        if abs(sides[1][0].energy - energy_a) < abs(sides[0][0].energy - energy_a):
            sides.reverse()
        to_a, to_b = sides[0][1], sides[1][1]
        if not frames:
            frames.extend(to_a[::-1])
            min_frames.append(0)
        else:  # continue from the previous descent's end (same minimum, own copy)
            frames.extend(to_a[-2::-1])
        ts_frames.append(len(frames))
        frames.append((ts.coords.copy(), ts.energy))
        frames.extend(to_b)
        min_frames.append(len(frames) - 1)
        ts_ids.append(ts.id)
    if not frames:
        m = db.get_minimum(minima[0])
        frames, min_frames = [(m.coords, m.energy)], [0]
    energies = np.array([e for _, e in frames])
    frames = np.array([x for x, _ in frames])
    steps = np.linalg.norm(np.diff(frames, axis=0), axis=1)
    # a copy change at a minimum shows as one jump: measure it as zero
    for k in min_frames[1:-1]:
        if steps[k] > 10 * max_step:
            steps[k] = 0.0
    s = np.concatenate([[0.0], np.cumsum(steps)])
    return Pathway(list(minima), ts_ids, frames, energies, s, np.array(min_frames, dtype=int),
                   np.array(ts_frames, dtype=int))


def frames_evenly_in_s(pathway: Pathway, n_frames: int) -> np.ndarray:
    """Indices of about ``n_frames`` frames evenly spaced in path length, always
    including every minimum and transition state."""
    targets = np.linspace(0.0, pathway.s[-1], n_frames)
    idx = np.searchsorted(pathway.s, targets).clip(0, len(pathway.s) - 1)
    return np.unique(np.concatenate([idx, pathway.minimum_frames, pathway.ts_frames]))
