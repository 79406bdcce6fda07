"""Disconnectivity graphs (Becker & Karplus 1997; Wales, Miller & Walsh 1998).

At a ladder of energies E_0 > E_1 > ..., minima below a level belong to the same
superbasin when transition states below that level join them. Each superbasin is a node
at its level, joined to the superbasin containing it one level up; each minimum's line
ends at its own energy. Leaves are ordered depth first, lowest branches in the middle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from ._unionfind import DisjointSets

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, Sequence

    from ..storage import Database


@dataclass
class _Node:
    level: int
    minima: frozenset
    children: list
    x: float = 0.0


def superbasin_tree(energies: dict[Hashable, float], edges: Iterable[tuple[Hashable, Hashable, float]],
                    levels: Sequence[float]) -> list[_Node]:
    """Tree of superbasins. ``energies``: {minimum id: energy}; ``edges``: iterable of
    (id_a, id_b, ts_energy); ``levels``: decreasing energies. Returns the root nodes."""
    edges = sorted(edges, key=lambda e: e[2])
    per_level = []
    for level in levels:
        below = [m for m, e in energies.items() if e < level]
        uf, members = DisjointSets(below), set(below)
        for a, b, e in edges:
            if e < level and a in members and b in members:
                uf.union(a, b)
        groups = {}
        for m in below:
            groups.setdefault(uf.find(m), set()).add(m)
        per_level.append([frozenset(g) for g in groups.values()])
    nodes = [[_Node(i, g, []) for g in groups] for i, groups in enumerate(per_level)]
    for i in range(1, len(nodes)):
        for child in nodes[i]:
            parent = next(p for p in nodes[i - 1] if child.minima <= p.minima)
            parent.children.append(child)
    return nodes[0] if nodes else []


def _layout(roots, energies):
    order = []

    def lowest(node):
        return min(energies[m] for m in node.minima)

    def visit(node):
        kids = sorted(node.children, key=lowest)
        arranged = kids[1::2][::-1] + kids[0:1] + kids[2::2]  # lowest in the middle
        if not arranged:
            order.append(node)
        for k in arranged:
            visit(k)
    for r in sorted(roots, key=lowest):
        visit(r)
    for x, leaf in enumerate(order):
        leaf.x = float(x)

    def place(node):
        if node.children:
            node.x = float(np.mean([place(k) for k in node.children]))
        return node.x
    for r in roots:
        place(r)
    return order


def disconnectivity_graph(db_or_graph: Database | nx.Graph, ax=None, n_levels: int = 20, e_top: float | None = None,
                          values: dict[int, float] | None = None, cmap="viridis", label: str | None = None,
                          linewidth: float = 0.8, global_component: bool = True,
                          highlight: dict[int, str] | None = None):
    """Draw the disconnectivity graph of a database (or a landscape_graph) on ``ax``.

    Parameters
    ----------
    n_levels : int
        Energy levels from ``e_top`` (default: just above the highest transition state)
        down to the global minimum.
    values : dict, optional
        {minimum id: number} colouring each minimum's line (e.g. test AUC), with a colour bar.
    global_component : bool
        Draw only the minima connected to the lowest one (as disconnectionDPS does);
        otherwise every connected component is a tree of its own.
    highlight : dict, optional
        {minimum id: colour}: the leaves holding these minima drawn thick in that colour
        (a leaf holds several minima when they join below the lowest level); the first
        colour given for a leaf wins.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt  # here: importing the landscape tools never loads pyplot
    from .graph import landscape_graph
    g = db_or_graph if hasattr(db_or_graph, "nodes") else landscape_graph(db_or_graph)
    if global_component and g.number_of_nodes():
        lowest = min(g.nodes, key=lambda n: g.nodes[n]["energy"])
        g = g.subgraph(nx.node_connected_component(g, lowest))
    energies = {n: d["energy"] for n, d in g.nodes(data=True)}
    edges = [(a, b, d["energy"]) for a, b, d in g.edges(data=True)]
    if not energies:
        raise ValueError("no minima to draw")
    e_min = min(energies.values())
    top = e_top if e_top is not None else (max(e for *_, e in edges) if edges else max(energies.values()))
    step = (top - e_min) / max(n_levels - 1, 1) or 1.0
    levels = top + step * 0.5 - step * np.arange(n_levels)
    roots = superbasin_tree(energies, edges, levels)
    leaves = _layout(roots, energies)
    ax = ax or plt.subplots(figsize=(6.8, 5))[1]
    norm = cmap_ = None
    if values:
        vals = np.array([v for v in values.values() if np.isfinite(v)])
        norm = plt.Normalize(vals.min(), vals.max())
        cmap_ = plt.get_cmap(cmap)

    def draw(node, parent):
        y = levels[node.level]
        if parent is not None:
            ax.plot([parent.x, node.x], [levels[parent.level], y], color="k", lw=linewidth)
        if node.children:
            for k in node.children:
                draw(k, node)
        else:  # a leaf: its minimum (or lowest of the group) drops to its energy
            m = min(node.minima, key=energies.get)
            color = cmap_(norm(values[m])) if values and m in values else "k"
            marked = next((highlight[i] for i in highlight if i in node.minima), None) if highlight else None
            if marked is not None:
                ax.plot([node.x, node.x], [y, energies[m]], color=marked, lw=linewidth * 4, zorder=3)
                ax.plot([node.x], [energies[m]], "o", color=marked, ms=7, zorder=4)
            else:
                ax.plot([node.x, node.x], [y, energies[m]], color=color, lw=linewidth * 1.5)
    for r in roots:
        draw(r, None)
    ax.set_xticks([])
    ax.set_xlim(-1, max(len(leaves), 1))
    ax.set_ylabel(label or "energy")
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    if values:
        plt.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap_), ax=ax, shrink=0.7)
    return ax
