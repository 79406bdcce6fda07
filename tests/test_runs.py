import dataclasses
import json
import socket
import sqlite3
import threading
import time
import warnings

import numpy as np
import pytest

from ljatlib.paper import (LandscapeSpec, build_landscape, build_landscapes, landscape_path,
                           landscape_status, open_landscape)
from ljatlib.paper import builds as runs
from ljatlib.landscape.rounds import Stopped
from ljatlib.storage import Database, DatabaseError

# A database in ~2 s, with properties to check: 1-3 minima (basin-hopping's path depends
# on the CPU's floating point: earlier machines found 3, an AMD EPYC one 1)
TINY = LandscapeSpec((2,), n_data=30, n_hops=5, n_test=500)
# Something to interrupt and compare, with two or more minima and a transition state
# (12 and 10 on the AMD EPYC machine, where 5 steps all returned to one minimum)
SMALL = LandscapeSpec((2, 2), n_data=30, n_hops=10, n_test=500)


def summary(path):
    """(counts, minimum energies, TS energies, properties) of a database file."""
    with Database(path, create=False) as db:
        return (db.counts(), [m.energy for m in db.minima()],
                sorted(t.energy for t in db.transition_states()),
                [m.properties for m in db.minima()])


def interrupt(monkeypatch, where):
    """Make the next build fail after basin-hopping ("connect") or after storing the
    properties of one minimum ("properties")."""
    def boom(*args, **kwargs):
        raise KeyboardInterrupt(f"interrupted at {where}")
    if where == "connect":
        monkeypatch.setattr(runs, "connect_in_rounds", boom)
    else:
        calls = []
        real = runs.auc

        def auc_once(*args, **kwargs):
            calls.append(1)
            return real(*args, **kwargs) if len(calls) == 1 else boom()
        monkeypatch.setattr(runs, "auc", auc_once)


def test_tiny_build_has_properties_and_second_call_changes_nothing(monkeypatch):
    path = build_landscape(TINY)
    assert path == landscape_path(TINY) and path.name.startswith("h2_n30_")
    land = open_landscape(TINY)
    minima = land.db.minima()
    assert minima and land.summary["n_minima"] == len(minima)
    assert land.X_train.shape == (30, 2) and land.X_test.shape == (500, 2)
    for m in minima:
        p = m.properties
        assert p["train_loss"] == pytest.approx(m.energy, rel=1e-12)
        assert p["test_loss"] > 0 and 0 <= p["test_auc"] <= 1
    land.close()
    before = path.read_bytes()
    monkeypatch.setattr(runs, "store_basin_hopping_minima", None)  # a second build must not
    monkeypatch.setattr(runs, "connect_in_rounds", None)  # explore again
    monkeypatch.setattr(runs, "make_dataset", None)
    assert build_landscape(TINY) == path
    assert path.read_bytes() == before


def test_key_changes_with_every_field(monkeypatch):
    other = {"hidden": (3,), "n_data": 31, "n_hops": 6, "seed": 1, "connect_attempts": 9,
             "n_test": 501, "lam": 2e-5, "step_size": 2.0, "temperature": 1.0, "distance_tol": 100.0}
    assert set(other) == {f.name for f in dataclasses.fields(LandscapeSpec)}
    keys = {TINY.key()} | {dataclasses.replace(TINY, **{k: v}).key() for k, v in other.items()}
    assert len(keys) == 1 + len(other)
    same = LandscapeSpec([2], np.int64(30), 5, n_test=500, lam=1e-5)  # normalised to plain types
    assert same == TINY and same.key() == TINY.key() and same.hidden == (2,)
    monkeypatch.setattr(runs, "LANDSCAPE_FORMAT", runs.LANDSCAPE_FORMAT + 1)
    assert TINY.key() not in keys


@pytest.mark.parametrize("kwargs", [
    {"hidden": ()}, {"hidden": (0,)}, {"hidden": 3}, {"hidden": (2.5,)}, {"n_data": 100_001},
    {"n_data": 0}, {"n_hops": -1}, {"n_test": 1}, {"lam": -1.0}, {"connect_attempts": -1},
    {"step_size": 0.0}, {"temperature": float("nan")}, {"distance_tol": 0.0}, {"distance_tol": "far"}])
def test_bad_specs_raise(kwargs):
    with pytest.raises(ValueError):
        dataclasses.replace(TINY, **kwargs)


def test_interrupted_build_resumes_without_duplicates(monkeypatch, tmp_path):
    fresh = summary(build_landscape(SMALL, tmp_path / "fresh.sqlite"))
    path = landscape_path(SMALL)
    assert landscape_status(SMALL)["state"] == "missing"
    for where in ("connect", "properties"):  # interrupted twice, then left to finish
        with monkeypatch.context() as mp:
            interrupt(mp, where)
            if where == "properties":  # basin-hopping was done before the first interruption
                mp.setattr(runs, "store_basin_hopping_minima", None)
            with pytest.raises(KeyboardInterrupt):
                build_landscape(SMALL)
        with pytest.raises(DatabaseError, match="incomplete"):
            open_landscape(SMALL)
        assert summary(path)[0][0] >= 1  # the minima found so far were kept
        status = landscape_status(SMALL)
        assert status["state"] == "partial" and status["n_minima"] == summary(path)[0][0]
    build_landscape(SMALL)
    counts, energies, ts_energies, props = summary(path)
    status = landscape_status(SMALL)
    assert status["state"] == "complete" and status["summary"]["n_minima"] == counts[0]
    assert counts == fresh[0] and counts[0] >= 2 and counts[1] >= 1
    audit = status["summary"]["push_off_audit"]  # the strict rule: every end is its stored minimum
    assert audit["n_checked"] == min(runs.AUDIT_SAMPLE, counts[1]) and audit["n_ends"] == 2 * audit["n_checked"]
    assert audit["n_far"] == 0
    times = status["summary"]  # wall time over the three runs that built it
    assert times["basin_hopping_seconds"] > 0 and times["connect_seconds"] > 0
    assert times["seconds"] >= times["basin_hopping_seconds"] + times["connect_seconds"]
    assert 0 < times["search_cpu_seconds"] <= 1.5 * times["connect_seconds"]  # searched in this process
    np.testing.assert_allclose(energies, fresh[1], rtol=1e-10)
    np.testing.assert_allclose(ts_energies, fresh[2], rtol=1e-10)
    assert all(set(runs.PROPERTIES) <= set(p) for p in props)


def test_status_reads_a_database_while_a_build_holds_its_write_lock(tmp_path):
    path = build_landscape(SMALL, tmp_path / "small.sqlite")
    writer = Database(path, create=False)
    try:
        with writer.transaction():  # as a build storing its minima
            writer._conn.execute("UPDATE meta SET value=value WHERE key='format'")
            status = landscape_status(SMALL, path)  # before: "database is locked" after 5 s
        assert status["state"] == "complete"
    finally:
        writer.close()
    conn = sqlite3.connect(path)  # the component of the lowest minimum, by plain SQL and a BFS
    (gmin,) = conn.execute("SELECT id FROM minima ORDER BY energy, id LIMIT 1").fetchone()
    edges = conn.execute("SELECT minimum1, minimum2 FROM transition_states").fetchall()
    conn.close()
    joined, frontier = {gmin}, [gmin]
    while frontier:
        i = frontier.pop()
        for a, b in edges:
            for j in ((b,) if a == i else ()) + ((a,) if b == i else ()):
                if j not in joined:
                    joined.add(j)
                    frontier.append(j)
    assert status["n_joined"] == len(joined) >= 2


def test_missing_foreign_or_incomplete_database_is_a_clear_error(tmp_path, monkeypatch):
    with pytest.raises(DatabaseError, match="no landscape database"):
        open_landscape(TINY)
    path = build_landscape(TINY, tmp_path / "tiny.sqlite")
    before = path.read_bytes()
    other = dataclasses.replace(TINY, n_hops=6)
    for call in (open_landscape, build_landscape):
        with pytest.raises(DatabaseError, match="different spec"):
            call(other, path)
    assert path.read_bytes() == before

    foreign = tmp_path / "ljat3.sqlite"  # a landscape database not made by build_landscape
    with Database(foreign, system={"system": "LJAT3"}) as db:
        db.add_minimum(-3.0, np.zeros(9))
    before = foreign.read_bytes()
    for call in (open_landscape, build_landscape):
        with pytest.raises(DatabaseError, match="not made by build_landscape"):
            call(TINY, foreign)
    assert foreign.read_bytes() == before
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database" * 100)
    with pytest.raises(DatabaseError):
        build_landscape(TINY, text)

    with monkeypatch.context() as mp:
        interrupt(mp, "connect")
        with pytest.raises(KeyboardInterrupt):
            build_landscape(TINY)
    with pytest.raises(DatabaseError, match="incomplete"):
        open_landscape(TINY)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_build_landscapes_on_a_dask_cluster_matches_serial(tmp_path, monkeypatch):
    specs = [TINY, SMALL]
    serial = [summary(build_landscape(s, tmp_path / f"serial-{s.key()}.sqlite")) for s in specs]
    bad = dataclasses.replace(TINY, n_test=2)  # valid spec; both test points are triangles: no AUC
    with pytest.raises(RuntimeError, match=r"n_test=2"):
        build_landscapes(specs + [bad, TINY], progress=False)  # a real LocalCluster, 2 processes
    paths = [landscape_path(s) for s in specs]
    for path, expected in zip(paths, serial):
        counts, energies, ts_energies, props = summary(path)
        assert counts == expected[0]
        np.testing.assert_allclose(energies, expected[1], rtol=1e-10)
        np.testing.assert_allclose(ts_energies, expected[2], rtol=1e-10)
        for got, want in zip(props, expected[3]):
            assert got == pytest.approx(want, rel=1e-10)

    import distributed
    monkeypatch.setattr(distributed, "LocalCluster", None)  # all complete: no cluster started
    assert build_landscapes(specs, progress=False) == paths


def test_chapter_specs_pair_hidden_layers_with_their_hops():
    from ljatlib.paper import chapter_specs
    args = dict(landscape_n_data=[100, 1000], fig_s3_hidden=[3], fig_s3_n_data=250,
                fig_s3_hops=7, connect_attempts=2, n_test=500, bh_step_size=3.0)
    grid, s3 = chapter_specs([[3], [3, 3]], landscape_hops=[30, 5], **args)
    assert sorted(grid) == [(1, 100), (1, 1000), (2, 100), (2, 1000)]
    assert grid[(2, 1000)] == LandscapeSpec((3, 3), 1000, 5, connect_attempts=2, n_test=500,
                                            step_size=3.0)
    assert s3 == LandscapeSpec((3,), 250, 7, connect_attempts=2, n_test=500, step_size=3.0)
    with pytest.raises(ValueError, match="one entry per entry"):
        chapter_specs([[3], [3, 3]], landscape_hops=[30], **args)



_TINY_CONNECTING, _EVENTS = threading.Event(), []


def _fake_minima(spec, path, cache, one_thread, halt):
    """Stand-in for runs._minima_on_worker (module level: Dask pickles it by reference)."""
    if spec == SMALL:  # ends only once TINY is being connected, or after 30 s
        _EVENTS.append(("SMALL minima waited", _TINY_CONNECTING.wait(30)))
    return path


def _halted_minima(spec, path, cache, one_thread, halt):
    """Stand-in for runs._minima_on_worker: SMALL's basin-hopping runs until it is told to stop."""
    if spec == SMALL:
        stop, deadline = runs._WorkerStop(halt), time.monotonic() + 30
        while not stop.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
        _EVENTS.append(("SMALL basin-hopping halted", stop.is_set()))
    return path


@pytest.mark.timeout(120)
def test_a_database_is_connected_while_another_is_still_basin_hopping(monkeypatch):
    """TINY's searches must start before SMALL's basin-hopping ends (workers would wait
    for the slowest basin-hopping otherwise)."""
    from distributed import Client, LocalCluster
    _TINY_CONNECTING.clear()
    _EVENTS.clear()

    def build(spec, path, progress=False, client=None, minima_only=False, stop=None):
        if spec == TINY:
            _TINY_CONNECTING.set()
        _EVENTS.append(("connect", spec == TINY))
        return path
    monkeypatch.setattr(runs, "_minima_on_worker", _fake_minima)
    monkeypatch.setattr(runs, "build_landscape", build)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        runs.build_landscapes([TINY, SMALL], client=client, progress=False)
    assert _EVENTS == [("connect", True), ("SMALL minima waited", True), ("connect", False)]


@pytest.mark.timeout(120)
def test_ctrl_c_stops_the_connections_after_their_round(monkeypatch):
    """A KeyboardInterrupt in the calling thread sets the stop event the databases'
    threads check between rounds, and the Dask Event the basin-hopping tasks on the
    workers check between steps; the build then ends with the KeyboardInterrupt."""
    import distributed
    from distributed import Client, LocalCluster
    _TINY_CONNECTING.clear()
    _EVENTS.clear()
    real_as_completed = distributed.as_completed

    def interrupted(futures):  # TINY's basin-hopping comes in, then Ctrl-C
        for future in real_as_completed(futures):
            yield future
            _TINY_CONNECTING.wait(30)
            raise KeyboardInterrupt

    def build(spec, path, progress=False, client=None, minima_only=False, stop=None):
        _TINY_CONNECTING.set()
        _EVENTS.append(("stopped", stop.wait(30)))  # a round that ends when asked to stop
        raise Stopped("stopped")
    monkeypatch.setattr(distributed, "as_completed", interrupted)
    monkeypatch.setattr(runs, "_minima_on_worker", _halted_minima)
    monkeypatch.setattr(runs, "build_landscape", build)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        with pytest.raises(KeyboardInterrupt):
            runs.build_landscapes([TINY, SMALL], client=client, progress=False)
        deadline = time.monotonic() + 30  # SMALL's basin-hopping is told to stop as well
        while len(_EVENTS) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert sorted(_EVENTS) == [("SMALL basin-hopping halted", True), ("stopped", True)]


def test_build_records_its_basin_hopping_minima_and_every_later_one_came_with_a_search(tmp_path):
    from ljatlib.landscape.spacing import new_minima_per_transition_state
    path = tmp_path / "small.sqlite"
    build_landscape(SMALL, path, minima_only=True)
    with Database(path, create=False) as db:
        n_bh = db.counts()[0]
    build_landscape(SMALL, path)
    land = open_landscape(SMALL, path)
    assert land.n_basin_hopping_minima == n_bh >= 2
    n_min, n_ts = land.db.counts()
    per_ts = new_minima_per_transition_state(land.db, n_bh, n_windows=n_ts)  # one window per TS
    assert set(per_ts) <= {0.0, 1.0, 2.0} and per_ts.sum() == n_min - n_bh
    land.close()


def test_a_two_layer_landscape_connects_under_the_profiles_rule(tmp_path):
    """The kind of landscape the engine could not connect under the canonical rule: a
    (3, 3) network on little data, with the book profiles' rule for the same minimum
    (about 35-50 s on one core; 10 of 10 basin-hopping minima joined, 170-180 minima)."""
    spec = LandscapeSpec((3, 3), n_data=300, n_hops=10, seed=1, step_size=3.0, distance_tol=100.0, n_test=500)
    path = build_landscape(spec, tmp_path / "two_layers.sqlite")
    status = landscape_status(spec, path)
    with Database(path, create=False) as db:
        n_bh = json.loads(db.get_meta("landscape_minima"))["n_minima"]
        land = open_landscape(spec, path)
        for ts in db.transition_states():
            values, _ = land.system.projected_hessian_eigh(ts.coords)
            _, g = land.system.fun_grad(ts.coords)
            assert values[0] < 0 < values[1] and np.sqrt(np.mean(g ** 2)) <= 1e-9
        land.close()
    assert n_bh >= 5 and len(status["summary"]["unconnected"]) <= 0.05 * n_bh
    assert status["n_transition_states"] >= n_bh - 1


def test_a_local_cluster_starts_quietly_while_another_holds_the_dashboard_port(tmp_path):
    """A book built while `make landscapes` runs: no warning about port 8787 on its pages."""
    with socket.socket() as held:
        try:
            held.bind(("", 8787))
            held.listen()
        except OSError:  # another cluster holds it already: the same situation
            pass
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with runs.dask_client(None, str(tmp_path)) as client:
                assert client.submit(sum, [1, 2]).result() == 3
