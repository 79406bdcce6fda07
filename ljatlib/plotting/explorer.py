"""A basin explorer for a landscape database that works without a kernel.

For each of the lowest minima of a database everything the explorer shows is drawn in
advance: the disconnectivity graph with that minimum's leaf and its minimax path to
the global minimum highlighted, its prediction map on the D3 grid, and a line of
numbers (train and test loss, test AUC, the path and its barrier). A dropdown ordered
by loss picks one; the dropdown and the stack of panels are linked in the browser
(``jslink``), so the static site needs no Python.
"""

from dataclasses import dataclass
from html import escape

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np

from ..landscape.disconnectivity import disconnectivity_graph
from ..landscape.graph import landscape_graph, minimax_path
from ._basics import add_class_legend, plot_basin_map, png_bytes

CHOSEN, ON_PATH = "#d62728", "#ff7f0e"


@dataclass
class ExplorerPanel:
    """What the explorer shows for one minimum: ``png`` (the graph and the map) and
    ``html`` (its numbers), with ``label`` for the dropdown."""

    minimum_id: int
    label: str
    png: bytes
    html: str


def _path_text(path, graph):
    steps = [f"{path[0]}"]
    for a, b in zip(path, path[1:]):
        steps.append(f"—({graph[a][b]['energy']:.5f})→ {b}")
    return " ".join(steps)


def explorer_panels(db, net, grid, max_minima=40, n_levels=25, dpi=100):
    """Draw the explorer's panels for the lowest ``max_minima`` minima of ``db``.

    Parameters
    ----------
    db : Database
        Minima with properties ``test_loss`` and ``test_auc`` (the paper's databases
        store them).
    net : MLP
        The network whose weights the minima are.
    grid : D3Grid
        Where the prediction maps are drawn.
    max_minima : int
        Panels for this many minima at most, lowest loss first.

    Returns
    -------
    list of ExplorerPanel
        In the order of the dropdown (by loss).
    """
    if max_minima < 1:
        raise ValueError(f"max_minima must be >= 1, got {max_minima}")
    graph = landscape_graph(db)
    gmin = db.global_minimum()
    joined = nx.node_connected_component(graph, gmin.id)
    minima = sorted(db.minima(), key=lambda m: m.energy)[:max_minima]
    panels = []
    for rank, m in enumerate(minima, 1):
        path, top = minimax_path(graph, m.id, gmin.id) if m.id in joined else (None, None)
        highlight = {m.id: CHOSEN}
        for other in path or []:
            highlight.setdefault(other, ON_PATH)
        fig, (ax_g, ax_m) = plt.subplots(1, 2, figsize=(6.8, 3.4), gridspec_kw={"width_ratios": [1.35, 1]})
        if graph.number_of_edges():
            disconnectivity_graph(graph, ax_g, n_levels=n_levels, label="training loss", highlight=highlight)
            if top is not None and path and len(path) > 1:
                ax_g.axhline(top, color=ON_PATH, lw=0.8, ls="--")
        else:
            ax_g.text(0.5, 0.5, "no transition states", ha="center", va="center", transform=ax_g.transAxes)
            ax_g.axis("off")
        ax_g.set_title(f"minimum {m.id} (rank {rank})", fontsize=10)
        plot_basin_map(ax_m, grid, net.predict(m.coords, grid.inputs), title="predicted class on D3")
        add_class_legend(ax_m, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=9, frameon=False)
        fig.tight_layout()
        png = png_bytes(fig, dpi=dpi)
        p = m.properties
        if path is None:
            route = "not joined to the global minimum in this database"
        elif len(path) == 1:
            route = "this is the global minimum"
        else:
            route = (f"minimax path to the global minimum: {escape(_path_text(path, graph))}; "
                     f"barrier {top - m.energy:.3g} above this minimum")
        html = (f"<p><b>minimum {m.id}</b> — train loss {m.energy:.5f}, "
                f"test loss {p.get('test_loss', np.nan):.5f}, test AUC {p.get('test_auc', np.nan):.4f}. "
                f"{route}.</p>")
        panels.append(ExplorerPanel(m.id, f"{rank}. loss {m.energy:.5f} (minimum {m.id})", png, html))
    return panels


def basin_explorer(panels):
    """The explorer widget: a dropdown over ``panels`` linked to a stack of them."""
    import ipywidgets as widgets
    if not panels:
        raise ValueError("no panels to explore")
    pages = [widgets.VBox([widgets.Image(value=p.png, format="png"), widgets.HTML(p.html)]) for p in panels]
    stack = widgets.Stack(pages, selected_index=0)
    chooser = widgets.Dropdown(options=[(p.label, i) for i, p in enumerate(panels)], value=0,
                               description="minimum", layout=widgets.Layout(width="420px"))
    widgets.jslink((chooser, "index"), (stack, "selected_index"))
    return widgets.VBox([chooser, stack])
