"""Connect minima through transition states (OPTIM's connect, pele's DoubleEndedConnect).

To connect minima A and B: build the complete graph of the known minima where a pair
joined by a path of stored transition states costs 0 and any other pair costs its
squared distance (after alignment: the distance between the closest symmetric copies,
``System.distance``, OPTIM's minpermdist); the shortest A-B path (Dijkstra) shows the
gaps still to close; the first gap not yet tried too often is attacked with a DNEB
between the aligned endpoints (``System.align``), every local maximum of the band is
refined by eigenvector-following (climbing along the band tangent while there is no
negative curvature), and each transition state found is pushed off to its two minima,
all stored in the database. A gap tried again gets a different band (unaligned copies,
more images), since the same band would give the same result. Repeat until A and B are
connected. Minima found on the way are nodes of the next Dijkstra graph.
"""

import networkx as nx
import numpy as np
from tqdm import tqdm

from ..transition_states import connected_minima, dneb, eigenvector_following
from .graph import landscape_graph


def _align(system, a, b):
    align = getattr(system, "align", None)
    return align(a, b) if align is not None else np.asarray(b, float).ravel()


def _distance(system, a, b):
    dist = getattr(system, "distance", None)
    return dist(a, b) if dist is not None else float(np.linalg.norm(a - b))


def search_pair(system, db, m1, m2, n_images=50, neb_kwargs=None, ef_kwargs=None, push_off=0.2,
                align=True):
    """One DNEB between stored minima m1 and m2 (m2 aligned to m1 if ``align``, else as
    stored) and refinement of its maxima by eigenvector-following.

    Returns the number of new transition states stored."""
    end = _align(system, m1.coords, m2.coords) if align else m2.coords
    band = dneb(system, m1.coords, end, n_images=n_images, **(neb_kwargs or {}))
    n_new = 0
    for i in band.local_maxima():
        ef = {"direction": band.tangent(i), **(ef_kwargs or {})}
        ts = eigenvector_following(system, band.images[i], **ef)
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


def connect(system, db, id_a, id_b, max_attempts=10, max_tries_per_pair=4, distances=None,
            tries=None, image_growth=2.0, **search_kwargs):
    """Connect stored minima ``id_a`` and ``id_b``; returns True when a path of stored
    transition states joins them. Resumable: it starts from what the database holds.

    ``distances``: a dict {(id, id): aligned distance} kept between calls (the
    alignments are the costly part of the Dijkstra graph); ``tries``: a dict {(id, id):
    searches made}, likewise (a pair that failed for one target is not searched again
    the same way for the next). Searches of a pair differ, since the same band gives
    the same result: the 1st, 3rd, ... use the aligned endpoints, the 2nd, 4th, ... the
    copies as stored (another straight line, which sometimes finds another route), and
    the images grow by ``image_growth`` every two searches."""
    tries = {} if tries is None else tries
    distances = {} if distances is None else distances
    n_images = search_kwargs.pop("n_images", 50)
    for _ in range(max_attempts):
        g = landscape_graph(db)
        if g.has_node(id_a) and g.has_node(id_b) and nx.has_path(g, id_a, id_b):
            return True
        minima = {m.id: m for m in db.minima()}
        component = {}
        for k, nodes in enumerate(nx.connected_components(g)):
            component.update(dict.fromkeys(nodes, k))
        full = nx.Graph()
        ids = list(minima)
        for i, p in enumerate(ids):
            for q in ids[i + 1:]:
                pair = (min(p, q), max(p, q))
                if component.get(p, -1) == component.get(q, -2):
                    full.add_edge(p, q, weight=0.0)
                elif tries.get(pair, 0) < max_tries_per_pair:
                    if pair not in distances:
                        distances[pair] = _distance(system, minima[pair[0]].coords, minima[pair[1]].coords)
                    full.add_edge(p, q, weight=distances[pair] ** 2)
        if not (full.has_node(id_a) and full.has_node(id_b) and nx.has_path(full, id_a, id_b)):
            return False
        path = nx.dijkstra_path(full, id_a, id_b)
        gaps = [(p, q) for p, q in zip(path, path[1:]) if full[p][q]["weight"] > 0]
        p, q = gaps[0]
        pair = (min(p, q), max(p, q))
        n_tried = tries.get(pair, 0)
        tries[pair] = n_tried + 1
        # retries differ: more images, and every second one the copies as stored
        search_pair(system, db, minima[p], minima[q], align=n_tried % 2 == 0,
                    n_images=int(round(n_images * image_growth ** (n_tried // 2))), **search_kwargs)
    return are_connected(db, id_a, id_b)


def connect_to_global_minimum(system, db, max_attempts=10, progress=False, **search_kwargs):
    """Try to connect every stored minimum to the global minimum; returns the ids that
    remain unconnected."""
    unconnected = []
    gmin = db.global_minimum().id
    search_kwargs.setdefault("distances", {})
    search_kwargs.setdefault("tries", {})
    for m in tqdm(db.minima(), desc="connecting", disable=not progress):
        if m.id != gmin and not connect(system, db, m.id, gmin, max_attempts, **search_kwargs):
            unconnected.append(m.id)
    return unconnected
