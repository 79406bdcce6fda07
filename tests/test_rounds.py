import networkx as nx
import numpy as np
import pytest

from ljatlib.data import classify
from ljatlib.landscape import landscape_graph
from ljatlib.landscape import rounds
from ljatlib.landscape.rounds import (FoundMinimum, FoundTransitionState, connect_in_rounds,
                                      find_transition_states)
from ljatlib.storage import Database

LJAT3_SEARCH = dict(push_off=0.05, n_images=10, neb_max_iter=300)


def test_a_search_without_database_joins_triangle_and_linear_isomer(ljat3_database):
    system, db = ljat3_database()
    triangle, linear = sorted(db.minima(), key=lambda m: classify(m.coords.reshape(3, 3)))[:2]
    found = find_transition_states(system, triangle.coords, linear.coords, **LJAT3_SEARCH)
    assert found
    last = found[-1]  # the search stops once the two ends are joined
    assert sorted(m.endpoint for m in last.minima) == [0, 1]
    assert last.energy == pytest.approx(-1.98507, abs=1e-5)
    vals, _ = system.projected_hessian_eigh(last.x)
    assert np.sum(vals < -1e-8) == 1 and last.eigenvalue < 0


def test_ljat3_landscape_connected_in_rounds(ljat3_database):
    system, db = ljat3_database()
    assert connect_in_rounds(system, db, batch=2, **LJAT3_SEARCH) == []
    g = landscape_graph(db)
    assert nx.is_connected(g) and g.number_of_nodes() == 4
    for ts in db.transition_states():
        assert ts.energy == pytest.approx(-1.98507, abs=1e-5)
        assert ts.properties["log_prod_evals"] == pytest.approx(system.log_product_eigenvalues(ts.coords))


def contents(db):
    return (db.counts(), [m.energy for m in db.minima()],
            sorted(t.energy for t in db.transition_states()))


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_network_rounds_on_dask_workers_match_rounds_in_process(network_database):
    """The searches of a round are independent: run by two Dask workers, they give the
    database they give in this process."""
    from distributed import Client, LocalCluster
    system, db = network_database(9)
    assert db.counts()[0] >= 2
    assert connect_in_rounds(system, db, max_attempts=20) == []
    for ts in db.transition_states():
        vals, _ = system.projected_hessian_eigh(ts.coords)
        assert np.sum(vals < -1e-8) == 1
    system, db_dask = network_database(9)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        assert connect_in_rounds(system, db_dask, max_attempts=20, client=client) == []
    (counts, energies, ts_energies), expected = contents(db_dask), contents(db)
    assert counts == expected[0]
    np.testing.assert_allclose(energies, expected[1], rtol=1e-10)
    np.testing.assert_allclose(ts_energies, expected[2], rtol=1e-10)


class Line:
    """Stand-in system: minima on a line, distance = |a - b|."""
    def distance(self, a, b):
        return float(abs(a[0] - b[0]))


def test_target_follows_a_lower_minimum_and_cut_off_minima_are_tried_again(monkeypatch):
    """Round 1 joins `other` to `old` and finds an isolated pair with a minimum below
    `old`: that becomes the target; `old` is connected to it first and `other`, joined
    only to `old` before, is tried again."""
    db = Database(":memory:")
    db.add_minimum(-1.0, [0.0])  # old
    db.add_minimum(-0.5, [1.0])  # other
    calls = []

    def run(self, tasks):
        results = []
        for x1, x2, _ in tasks:
            calls.append((x1[0], x2[0]))
            joined = [FoundTransitionState(0.0, np.array([0.5]), -1.0, 0.0,
                                           (FoundMinimum(0), FoundMinimum(1)))]
            if len(calls) == 1:  # and a pair joined to neither end, one of them lower
                low, near = (FoundMinimum(None, e, np.array([x]), 0.0) for e, x in ((-2.0, 5.0), (-1.5, 4.0)))
                joined.append(FoundTransitionState(-1.2, np.array([4.5]), -1.0, 0.0, (low, near)))
            results.append((joined if len(calls) != 2 else [], 0.0))  # the 2nd search finds nothing
        return results
    monkeypatch.setattr(rounds._Searches, "run", run)
    assert connect_in_rounds(Line(), db, batch=4) == []
    assert calls[0] == (1.0, 0.0)
    assert db.global_minimum().energy == -2.0
    assert nx.is_connected(landscape_graph(db))


@pytest.mark.parametrize("kwargs", [{"batch": 0}, {"max_attempts": -1}, {"graph_minima": "near"}])
def test_bad_round_settings_raise(kwargs, ljat3_database):
    system, db = ljat3_database()
    with pytest.raises(ValueError):
        connect_in_rounds(system, db, **kwargs)


def test_the_old_global_minimum_is_joined_to_a_lower_one_found_on_the_way(monkeypatch):
    """The first search joins `other` to a new, lower minimum and not to `old`, the global
    minimum it aimed at: `old` itself must then be connected to the new one."""
    db = Database(":memory:")
    old = db.add_minimum(-1.0, [0.0])[0]
    db.add_minimum(-0.5, [1.0])
    calls = []

    def run(self, tasks):
        results = []
        for x1, x2, _ in tasks:
            calls.append((x1[0], x2[0]))
            if len(calls) == 1:  # other <-> a lower minimum, not the aim
                low = FoundMinimum(None, -2.0, np.array([5.0]), 0.0)
                results.append(([FoundTransitionState(-0.2, np.array([3.0]), -1.0, 0.0,
                                                      (FoundMinimum(0), low))], 0.0))
            else:
                results.append(([FoundTransitionState(0.0, np.array([x1[0] + 0.5]), -1.0, 0.0,
                                                      (FoundMinimum(0), FoundMinimum(1)))], 0.0))
        return results
    monkeypatch.setattr(rounds._Searches, "run", run)
    assert connect_in_rounds(Line(), db) == []
    assert calls[0] == (1.0, 0.0) and calls[1][0] == 0.0  # then a search out of `old`
    assert nx.is_connected(landscape_graph(db)) and landscape_graph(db).has_node(old.id)


def test_a_set_stop_event_stops_before_the_next_round(monkeypatch, ljat3_database):
    import threading
    system, db = ljat3_database()
    before = db.counts()
    stop = threading.Event()
    stop.set()
    monkeypatch.setattr(rounds._Searches, "run", lambda self, tasks: pytest.fail("searched after stop"))
    with pytest.raises(rounds.Stopped, match="resumes"):
        connect_in_rounds(system, db, stop=stop, **LJAT3_SEARCH)
    assert db.counts() == before


def test_a_pushed_off_minimum_that_tightens_onto_an_end_is_that_end():
    """Loosely converged, a push-off's minimum can fail a strict geometric test against
    an end it then tightens onto; it is that end, not a new minimum."""
    import dataclasses

    from ljatlib.systems import tilted_double_well
    from ljatlib.transition_states.eigenvector_following import tighten_minimum
    well = dataclasses.replace(tilted_double_well(), same_structure=lambda a, b: np.linalg.norm(a - b) < 1e-9)
    ends = [tighten_minimum(well, [side, 0.0]).x for side in (-1.0, 1.0)]
    found = find_transition_states(well, ends[0], ends[1], n_images=10)
    assert len(found) == 1
    assert sorted(m.endpoint for m in found[0].minima) == [0, 1]


def test_a_two_layer_network_landscape_is_connected(tmp_path):
    """The engine's many-minimum case at a size it can connect: basin-hopping minima of
    an MLP (3, 3) on 20 data (13 distinct minima from 30 steps), each connected to the
    global minimum in rounds of 8 searches, at most 30 per minimum, as the paper builds
    do. Seeds 0-4 all join every basin-hopping minimum (22-36 CPU-s each); on 50 data
    or more this engine joins almost none (docs/decisions.md). Every stored transition
    state has one negative Hessian eigenvalue and RMS gradient <= 1e-9, and its
    push-offs reach the two minima it is stored with."""
    from ljatlib.landscape import SearchSettings, joined_to
    from ljatlib.paper.builds import LandscapeSpec, build_landscape, landscape_problem
    from ljatlib.transition_states import connected_minima
    from ljatlib.transition_states.eigenvector_following import TransitionStateResult
    spec = LandscapeSpec((3, 3), 20, 30, step_size=3.0, connect_attempts=30, n_test=100)
    basin_hopping = {m.id for m in Database(build_landscape(spec, tmp_path / "minima.sqlite", minima_only=True),
                                            create=False).minima()}
    _, system, _ = landscape_problem(spec)
    db = Database(build_landscape(spec, tmp_path / "minima.sqlite"), create=False,
                  same_structure=system.same_structure)
    assert len(basin_hopping) >= 10
    joined = joined_to(db, db.global_minimum().id) & basin_hopping
    assert len(joined) >= 0.95 * len(basin_hopping)
    SEARCH_PUSH_OFF = SearchSettings().push_off_params  # the push-offs as the searches ran them
    for i, ts in enumerate(db.transition_states()):
        energy, gradient = system.fun_grad(ts.coords)
        assert np.sqrt(gradient @ gradient / len(gradient)) <= 1e-9
        vals, vecs = system.projected_hessian_eigh(ts.coords)
        assert np.sum(vals < -1e-8) == 1
        if i < 5:  # the push-offs, for the first few (they cost a quench each)
            found = TransitionStateResult(ts.coords, energy, 0.0, vals[0], vecs[:, 0], 1, 0, True)
            ends = connected_minima(system, found, lbfgs_params=SEARCH_PUSH_OFF)  # tightened, as stored
            stored = [db.find_minimum(r.energy, r.x) for r in ends]
            assert {m.id for m in stored if m is not None} == {ts.minimum1, ts.minimum2}
