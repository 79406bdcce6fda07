"""Connect minima through transition states (OPTIM's connect, pele's DoubleEndedConnect).

To connect minima A and B: build the complete graph of the known minima where a pair
joined by a stored transition state costs 0 and any other pair costs its squared
distance; the shortest A-B path (Dijkstra) shows the gaps still to close; the first gap
not yet tried too often is attacked with a DNEB, every local maximum of the band is
refined by eigenvector-following, and each transition state found is pushed off
to its two minima, all stored in the database. Repeat until A and B are connected.
"""

import networkx as nx
import numpy as np
from tqdm import tqdm

from ..transition_states import connected_minima, dneb, eigenvector_following
from .graph import landscape_graph


def _distance(system, a, b):
    dist = getattr(system, "distance", None)
    return dist(a, b) if dist is not None else float(np.linalg.norm(a - b))


def search_pair(system, db, m1, m2, n_images=20, neb_kwargs=None, ef_kwargs=None, push_off=0.2):
    """One DNEB between stored minima m1 and m2 and refinement of its maxima.

    Returns the number of new transition states stored."""
    band = dneb(system, m1.coords, m2.coords, n_images=n_images, **(neb_kwargs or {}))
    n_new = 0
    for i in band.local_maxima():
        ts = eigenvector_following(system, band.images[i], **(ef_kwargs or {}))
        if not ts.converged:
            continue
        plus, minus = connected_minima(system, ts, push_off=push_off)
        if plus.status != 0 or minus.status != 0:
            continue
        with db.transaction():  # the TS and its minima are stored together or not at all
            a, b = (db.add_minimum(r.energy, r.x, {"log_prod_evals": system.log_product_eigenvalues(r.x)})[0]
                    for r in (plus, minus))
            _, new = db.add_transition_state(
                ts.energy, ts.x, a.id, b.id, eigenvalue=ts.eigenvalue,
                properties={"log_prod_evals": system.log_product_eigenvalues(ts.x)})
        n_new += int(new)
    return n_new


def are_connected(db, id_a, id_b):
    g = landscape_graph(db)
    return g.has_node(id_a) and g.has_node(id_b) and nx.has_path(g, id_a, id_b)


def connect(system, db, id_a, id_b, max_attempts=10, max_tries_per_pair=2, **search_kwargs):
    """Connect stored minima ``id_a`` and ``id_b``; returns True when a path of stored
    transition states joins them. Resumable: it starts from what the database holds."""
    tries = {}
    for _ in range(max_attempts):
        if are_connected(db, id_a, id_b):
            return True
        minima = {m.id: m for m in db.minima()}
        component = {}
        for k, nodes in enumerate(nx.connected_components(landscape_graph(db))):
            component.update(dict.fromkeys(nodes, k))
        full = nx.Graph()
        ids = list(minima)
        for i, p in enumerate(ids):
            for q in ids[i + 1:]:
                pair = (min(p, q), max(p, q))
                if component.get(p, -1) == component.get(q, -2):
                    full.add_edge(p, q, weight=0.0)
                elif tries.get(pair, 0) < max_tries_per_pair:
                    full.add_edge(p, q, weight=_distance(system, minima[p].coords, minima[q].coords) ** 2)
        if not (full.has_node(id_a) and full.has_node(id_b) and nx.has_path(full, id_a, id_b)):
            return False
        path = nx.dijkstra_path(full, id_a, id_b)
        gaps = [(p, q) for p, q in zip(path, path[1:]) if full[p][q]["weight"] > 0]
        p, q = gaps[0]
        tries[(min(p, q), max(p, q))] = tries.get((min(p, q), max(p, q)), 0) + 1
        search_pair(system, db, minima[p], minima[q], **search_kwargs)
    return are_connected(db, id_a, id_b)


def connect_to_global_minimum(system, db, max_attempts=10, progress=False, **search_kwargs):
    """Try to connect every stored minimum to the global minimum; returns the ids that
    remain unconnected."""
    unconnected = []
    gmin = db.global_minimum().id
    for m in tqdm(db.minima(), desc="connecting", disable=not progress):
        if m.id != gmin and not connect(system, db, m.id, gmin, max_attempts, **search_kwargs):
            unconnected.append(m.id)
    return unconnected
