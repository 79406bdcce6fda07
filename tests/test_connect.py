"""Connection details: EF trust radius, push-off with loose identification and Newton
tightening, the Dijkstra gap choice (pele/OPTIM: the shortest gap on the path)."""
import importlib

import numpy as np
import pytest

from ljatlib.data import make_dataset
from ljatlib.systems import network_system
from ljatlib.network import MLP
from ljatlib.optimize import LBFGSParams, lbfgs
from ljatlib.storage import Database
from ljatlib.transition_states import connected_minima, eigenvector_following
from ljatlib.transition_states.eigenvector_following import tighten_minimum

connect_module = importlib.import_module("ljatlib.landscape._connect")


@pytest.fixture(scope="module")
def small_network():
    X, y = make_dataset("D1", n=400).split("train")
    net = MLP((3,))
    return net, network_system(net, X[:50], y[:50])


def test_tighten_minimum_reaches_the_tight_minimum(small_network):
    net, system = small_network
    loose = lbfgs(system.fun_grad, net.random_weights(0), LBFGSParams(tol=1e-6, memory=30, max_step=0.5,
                                                                      max_iter=100_000))
    tight = lbfgs(system.fun_grad, loose.x, LBFGSParams(tol=1e-9, memory=30, max_step=0.1, max_iter=100_000))
    fast = tighten_minimum(system, loose.x, tol=1e-9)
    assert fast.converged and fast.rms < 1e-9
    assert fast.n_iter < tight.n_iter
    assert fast.energy == pytest.approx(tight.energy, abs=1e-10)
    assert system.same_structure(fast.x, tight.x)


def test_ef_trust_radius_abandons_a_drifting_search(small_network):
    net, system = small_network
    x0 = net.random_weights(1)
    free = eigenvector_following(system, x0, max_iter=50)
    bounded = eigenvector_following(system, x0, max_iter=50, max_distance=0.5)
    assert np.linalg.norm(free.x - x0) > 0.5  # the unbounded search goes farther
    assert not bounded.converged
    assert np.linalg.norm(bounded.x - x0) <= 0.5 + 0.3 + 1e-12  # at most one step past the radius
    assert bounded.n_iter < free.n_iter


def test_connected_minima_are_tight_by_default(small_network):
    net, system = small_network
    ts = eigenvector_following(system, lbfgs(system.fun_grad, net.random_weights(2)).x, max_iter=0)
    ts.eigenvector = np.zeros_like(ts.x)  # no push: both sides minimise from the same point
    plus, minus = connected_minima(system, ts)
    assert plus.status == 0 and plus.rms < 1e-9
    loose, _ = connected_minima(system, ts, tighten=False)
    assert loose.status == 0 and 1e-9 <= loose.rms < 1e-6


def test_connect_attacks_the_shortest_gap_of_the_dijkstra_path(monkeypatch):
    """Minima on a line at 0, 1, 3, 10: the squared-distance path from 0 to 10 runs
    through all of them and the shortest gap (0-1) is searched first. (The stored
    minima between the ends enter the graph with graph_minima="all".)"""
    from ljatlib.systems import System
    system = System(fun_grad=lambda x: (0.0, np.zeros_like(x)), hessian=lambda x: np.eye(len(x)), n=1)
    db = Database(":memory:", energy_tol=1e-12)
    ids = [db.add_minimum(float(k), np.array([p]))[0].id for k, p in enumerate((0.0, 10.0, 3.0, 1.0))]
    seen = []
    monkeypatch.setattr(connect_module, "search_pair",
                        lambda system, db, m1, m2, **kw: seen.append(sorted((m1.coords[0], m2.coords[0]))))
    connect_module.connect(system, db, ids[0], ids[1], max_attempts=1, graph_minima="all")
    assert seen == [[0.0, 1.0]]
    seen.clear()
    connect_module.connect(system, db, ids[0], ids[1], max_attempts=1, gap_choice="first", tries={},
                           graph_minima="all")
    assert seen == [[0.0, 1.0]]
    seen.clear()
    connect_module.connect(system, db, ids[1], ids[0], max_attempts=1, gap_choice="first", tries={},
                           graph_minima="all")
    assert seen == [[3.0, 10.0]]


@pytest.mark.parametrize("gap_choice", ["closest", "first"])
def test_gap_choice_matches_dijkstra_over_every_pair(gap_choice):
    """The connected sets as single nodes give the gap the graph of all pairs gives
    (stored connections free, other pairs their squared distance), on random points."""
    import networkx as nx
    from types import SimpleNamespace
    from ljatlib.landscape import SearchSettings
    from ljatlib.landscape.graph import component_labels, landscape_graph
    rng = np.random.default_rng(3)
    settings = SearchSettings(graph_minima="all", gap_choice=gap_choice, max_tries_per_pair=2)
    plane = SimpleNamespace()  # no alignment: Euclidean distances
    for _ in range(5):
        db = Database(":memory:")
        ids = [db.add_minimum(float(e), x)[0].id for e, x in zip(rng.permutation(40), rng.uniform(0, 10, (40, 2)))]
        for _ in range(25):
            a, b = rng.choice(ids, 2, replace=False)
            db.add_transition_state(50.0 + rng.random(), rng.random(2), int(a), int(b))
        component = component_labels(landscape_graph(db))
        a, b = next((p, q) for p in ids for q in ids[::-1] if component(p) != component(q))
        coords = {m.id: m.coords for m in db.minima()}
        tries = {(min(p, q), max(p, q)): 2 for p, q in rng.choice(ids, (30, 2)) if p != q}  # used up
        full = nx.Graph()
        for i, p in enumerate(ids):
            for q in ids[i + 1:]:
                if component(p) == component(q):
                    full.add_edge(p, q, weight=0.0)
                elif tries.get((min(p, q), max(p, q)), 0) < 2:
                    full.add_edge(p, q, weight=float(np.sum((coords[p] - coords[q]) ** 2)))
        path = nx.dijkstra_path(full, a, b)
        gaps = [(p, q) for p, q in zip(path, path[1:]) if full[p][q]["weight"] > 0]
        expected = min(gaps, key=lambda pq: full[pq[0]][pq[1]]["weight"]) if gap_choice == "closest" else gaps[0]
        (p, q), _ = connect_module.choose_gap(plane, db, a, b, {}, tries, settings)
        assert (p, q) == expected
        db.close()


def test_tighten_minimum_from_an_indefinite_point_reaches_a_minimum():
    from ljatlib.systems import tilted_double_well
    well = tilted_double_well()
    res = tighten_minimum(well, [0.2, 0.5])  # the Hessian is indefinite here: a shifted step
    vals, _ = well.projected_hessian_eigh(res.x)
    assert res.converged and res.rms < 1e-9 and vals[0] > 0
    assert res.x[0] == pytest.approx(0.96714894, abs=1e-7)
    fallback = tighten_minimum(well, [0.2, 0.5], max_newton=0)  # LBFGS alone, from the start
    assert fallback.converged and fallback.energy == pytest.approx(res.energy, abs=1e-12)


def test_quenches_finished_by_newton_follow_the_gradient_flow(small_network):
    """A network system's quench: LBFGS to newton_below (1e-5), then Newton steps to
    1e-9. Always a minimum, in fewer steps than LBFGS all the way (to 1e-6, then 1e-9).
    Where the two end in different minima, the reference is the steepest-descent
    path (gradient flow) from the point where they part: it ends where Newton did more
    often than where LBFGS did (measured on these 20 starts: 6 differ; the flow agrees
    with Newton 4 times, with LBFGS never)."""
    from scipy.integrate import solve_ivp

    from ljatlib.landscape.basinhopping import system_quench
    net, system = small_network
    params, polish = system_quench(system)
    assert system.newton_below == params.tol == 1e-5 and polish is not None
    rng = np.random.default_rng(3)
    steps_lbfgs = steps_newton = flow_newton = flow_lbfgs = 0

    def same(a, b):
        return abs(a.energy - b.energy) < 1e-8 and system.same_structure(a.x, b.x)
    for _ in range(20):
        x0 = net.random_weights(rng)
        loose = lbfgs(system.fun_grad, x0, system.quench)
        tight = lbfgs(system.fun_grad, loose.x, system.quench, tol=1e-9)
        first = lbfgs(system.fun_grad, x0, params)
        finished = polish(first.x)
        assert finished.converged and finished.rms < 1e-9
        assert system.projected_hessian_eigh(finished.x)[0][0] > 0
        steps_lbfgs += loose.n_iter + tight.n_iter
        steps_newton += first.n_iter + finished.n_iter
        if not same(finished, tight):
            flow = solve_ivp(lambda t, x: -system.fun_grad(x)[1], (0, 1e6), first.x, method="BDF",
                             jac=lambda t, x: -system.hessian(x), rtol=1e-8, atol=1e-10)
            end = lbfgs(system.fun_grad, flow.y[:, -1], system.quench, tol=1e-9)
            flow_newton += same(end, finished)
            flow_lbfgs += same(end, tight)
    assert flow_newton > flow_lbfgs
    assert steps_newton < steps_lbfgs


def test_a_systems_search_settings_apply_only_where_the_caller_gives_none(small_network):
    from ljatlib.landscape import SearchSettings
    from ljatlib.systems import tilted_double_well
    from dataclasses import replace
    system = replace(small_network[1], search={"ef_max_step": 1.0, "ef_max_iter": 300})
    defaults = SearchSettings()
    own = SearchSettings.resolve(None, system)
    assert (own.ef_max_step, own.ef_max_iter) == (1.0, 300) != (defaults.ef_max_step, defaults.ef_max_iter)
    assert SearchSettings.resolve(None, small_network[1]) == defaults
    assert SearchSettings.resolve(None, system, ef_max_step=0.2).ef_max_step == 0.2
    assert SearchSettings.resolve(defaults, system) == defaults  # a caller's settings win
    assert SearchSettings.resolve(None, tilted_double_well()) == defaults
    with pytest.raises(TypeError):
        SearchSettings.resolve(None, system, ef_max_stp=1.0)
