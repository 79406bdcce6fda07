import networkx as nx
import numpy as np
import pytest

from ljatlib.data import classify
from ljatlib.landscape import connect, connect_in_rounds, landscape_graph, ts_barriers
from ljatlib.systems import network_system
from ljatlib.systems.mindist import network_canonical
from ljatlib.network import MLP
from ljatlib.storage import Database


def test_ljat3_landscape_is_found_and_connected(ljat3_database):
    system, db = ljat3_database()
    classes = sorted(classify(m.coords.reshape(3, 3)) for m in db.minima())
    assert classes == [0, 1, 2, 3]
    assert connect_in_rounds(system, db, batch=1, push_off=0.05, n_images=10, neb_max_iter=300) == []
    g = landscape_graph(db)
    assert nx.is_connected(g) and g.number_of_nodes() == 4
    for ts in db.transition_states():
        vals, _ = system.projected_hessian_eigh(ts.coords)
        assert np.sum(vals < -1e-8) == 1
        assert np.sqrt(np.mean(system.fun_grad(ts.coords)[1] ** 2)) < 1e-9
        assert ts.energy == pytest.approx(-1.98507, abs=1e-5)  # triangle <-> linear, by symmetry
    stats = ts_barriers(db)
    assert stats.uphill_scaled - stats.downhill_scaled == pytest.approx(1.0)


def test_interrupted_connection_resumes_without_duplicates(tmp_path, ljat3_database):
    path = tmp_path / "ljat3.sqlite"
    system, db = ljat3_database(path)
    ids = [m.id for m in db.minima()]
    connect(system, db, ids[0], ids[-1], max_attempts=1, push_off=0.05, n_images=10,
            neb_max_iter=300)
    counts = db.counts()
    db.close()  # "interrupted": a new process reopens the file and continues
    db = Database(path, system=system.description, same_structure=system.same_structure)
    assert db.counts() == counts
    assert connect_in_rounds(system, db, batch=1, push_off=0.05, n_images=10, neb_max_iter=300) == []
    assert db.counts()[0] == 4


@pytest.mark.parametrize("seed", [1, 2, 9])
def test_network_landscape_is_connected(seed, network_database):
    # seed 1 (numpy 2.4, numba 0.68): the searches find 10 minima below the two from
    # basin-hopping, and joining the higher one to the final global minimum took 11-20 attempts
    system, db = network_database(seed)
    assert db.counts()[0] >= 2
    left = connect_in_rounds(system, db, max_attempts=20, batch=1, n_images=20)
    assert left == []
    for ts in db.transition_states():
        vals, _ = system.projected_hessian_eigh(ts.coords)
        assert np.sum(vals < -1e-8) == 1


def test_symmetric_copies_of_a_network_minimum_are_one_entry(rng):
    net = MLP((3,))
    system = network_system(net, np.ones((4, 2)), np.array([0, 1, 2, 3]))
    db = Database(":memory:", same_structure=system.same_structure)
    w = net.random_weights(rng)
    db.add_minimum(1.0, w)
    W, b = net.unpack(w)[0]
    flipped = w.copy()
    layers = [(W2.copy(), b2.copy()) for W2, b2 in net.unpack(w)]
    layers[0] = (-layers[0][0][::-1], -layers[0][1][::-1])
    layers[1] = (-layers[1][0][:, ::-1], layers[1][1])
    flipped = net.pack(layers)
    assert np.allclose(network_canonical(net, flipped), network_canonical(net, w))
    _, new = db.add_minimum(1.0 + 1e-6, flipped)
    assert not new and db.counts() == (1, 0)


def test_superbasins_and_disconnectivity_graph():
    from ljatlib.landscape.disconnectivity import disconnectivity_graph, superbasin_tree
    energies = {1: 0.0, 2: 0.5, 3: 0.3, 4: 1.0, 5: 0.8, 6: 0.2}
    edges = [(1, 3, 1.0), (3, 2, 0.9), (1, 6, 1.5), (6, 5, 1.2), (5, 4, 1.6)]
    roots = superbasin_tree(energies, edges, [1.7, 1.3, 0.95, 0.6])
    assert [set(r.minima) for r in roots] == [set(energies)]
    at_1_3 = sorted(sorted(c.minima) for c in roots[0].children)
    assert at_1_3 == [[1, 2, 3], [4], [5, 6]]  # the 1-6 TS (1.5) is still above 1.3
    at_0_95 = {frozenset(n.minima) for c in roots[0].children for n in c.children}
    assert at_0_95 == {frozenset({1}), frozenset({2, 3}), frozenset({5}), frozenset({6})}
    g = nx.Graph()
    for m, e in energies.items():
        g.add_node(m, energy=e)
    for a, b, e in edges:
        g.add_edge(a, b, energy=e)
    ax = disconnectivity_graph(g, n_levels=8, values=energies)
    assert len(ax.lines) >= len(energies)
    g.add_node(7, energy=0.1)  # a minimum not connected to the others

    def line_bottoms(ax):
        return {round(min(line.get_ydata()), 9) for line in ax.lines}
    assert 0.1 not in line_bottoms(disconnectivity_graph(g, n_levels=8))
    assert 0.1 in line_bottoms(disconnectivity_graph(g, n_levels=8, global_component=False))


def test_connect_searches_between_aligned_copies(monkeypatch):
    """The DNEB of a connection runs between m1 and the copy of m2 closest to it."""
    import importlib
    connect_module = importlib.import_module("ljatlib.landscape._connect")
    from ljatlib.systems.mindist import network_align
    net = MLP((3,))
    system = network_system(net, np.ones((4, 2)), np.array([0, 1, 2, 3]))
    rng = np.random.default_rng(3)
    a, b = net.random_weights(rng, 3.0), net.random_weights(rng, 3.0)
    seen = []

    class Stop(Exception):
        pass

    def fake_dneb(system_, x_start, x_end, **kwargs):
        seen.append((x_start, x_end))
        raise Stop
    monkeypatch.setattr(connect_module, "dneb", fake_dneb)
    db = Database(":memory:")
    m1, _ = db.add_minimum(0.0, a)
    m2, _ = db.add_minimum(1.0, b)
    with pytest.raises(Stop):
        connect_module.search_pair(system, db, m1, m2)
    assert np.allclose(seen[0][1], network_align(net, a, b))
    assert np.linalg.norm(seen[0][1] - a) < np.linalg.norm(b - a)


@pytest.mark.parametrize("graph_minima, pairs", [("local", 1), ("all", 3)])
def test_connect_aligns_only_the_local_minima(monkeypatch, graph_minima, pairs):
    """With graph_minima="local" the Dijkstra graph holds the minima joined to either end
    and those the call found, so a stored minimum elsewhere costs no alignment."""
    import sys
    connect_module = sys.modules["ljatlib.landscape._connect"]
    db = Database(":memory:")
    a = db.add_minimum(-1.0, [0.0, 0.0])[0]
    b = db.add_minimum(-0.9, [1.0, 0.0])[0]
    db.add_minimum(-0.8, [9.0, 9.0])  # found earlier, joined to neither end
    aligned = []

    class Counting:
        def distance(self, x, y):
            aligned.append((tuple(x), tuple(y)))
            return float(np.linalg.norm(np.subtract(x, y)))

    monkeypatch.setattr(connect_module, "search_pair", lambda *args, **kwargs: 0)
    assert not connect_module.connect(Counting(), db, a.id, b.id, max_attempts=1, graph_minima=graph_minima)
    assert len(aligned) == pairs
    with pytest.raises(ValueError, match="graph_minima"):
        connect_module.connect(Counting(), db, a.id, b.id, graph_minima="nearby")
