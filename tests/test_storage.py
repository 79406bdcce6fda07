import sqlite3

import numpy as np
import pytest

from ljatlib.storage import Database, DatabaseError, export_pathsample, import_pathsample


def filled(path, **kwargs):
    db = Database(path, system={"kind": "test"}, **kwargs)
    a, _ = db.add_minimum(-2.0, [0.0, 1.0])
    b, _ = db.add_minimum(-1.0, [1.0, 1.0], {"auc": 0.7})
    c, _ = db.add_minimum(-1.5, [2.0, 0.0])
    db.add_transition_state(-0.5, [0.5, 1.0], a.id, b.id, eigenvalue=-0.3)
    db.add_transition_state(-0.2, [1.5, 0.5], b.id, c.id, eigenvalue=-0.1)
    return db


def test_round_trip_and_plain_sqlite_readable(tmp_path):
    path = tmp_path / "land.sqlite"
    filled(path).close()
    db = Database(path, system={"kind": "test"})
    assert db.counts() == (3, 2)
    assert db.global_minimum().energy == -2.0
    assert np.array_equal(db.get_minimum(2).coords, [1.0, 1.0])
    assert db.get_minimum(2).properties == {"auc": 0.7}
    with sqlite3.connect(path) as conn:  # the documented schema, with plain sqlite3
        rows = conn.execute("SELECT energy, length(coords) FROM minima ORDER BY energy").fetchall()
        assert rows == [(-2.0, 16), (-1.5, 16), (-1.0, 16)]
        assert conn.execute("SELECT minimum1, minimum2 FROM transition_states").fetchall() == [(1, 2), (2, 3)]


def test_duplicates_are_recognised(tmp_path):
    same = lambda a, b: np.allclose(np.sort(a), np.sort(b))  # noqa: E731 (a toy symmetry)
    db = Database(tmp_path / "d.sqlite", energy_tol=1e-4, same_structure=same)
    m, new = db.add_minimum(-1.0, [1.0, 2.0])
    assert new
    again, new = db.add_minimum(-1.0 + 5e-5, [2.0, 1.0])
    assert not new and again.id == m.id
    other, new = db.add_minimum(-1.0, [3.0, 1.0])  # same energy, other structure
    assert new
    ts1, new1 = db.add_transition_state(0.0, [0, 0], m.id, other.id)
    ts2, new2 = db.add_transition_state(0.00001, [0, 0], other.id, m.id)
    assert new1 and not new2 and ts1.id == ts2.id
    assert db.counts() == (2, 1)


def test_a_failed_transaction_leaves_nothing(tmp_path):
    db = Database(tmp_path / "t.sqlite")
    db.add_minimum(0.0, [0.0])
    with pytest.raises(RuntimeError):
        with db.transaction():
            db.add_minimum(1.0, [1.0])
            raise RuntimeError("interrupted")
    assert db.counts() == (1, 0)


def test_pathsample_round_trip(tmp_path):
    db = filled(tmp_path / "a.sqlite")
    export_pathsample(db, tmp_path / "ps")
    lines = (tmp_path / "ps" / "ts.data").read_text().split("\n")
    assert lines[0].split()[3:5] == ["1", "3"]  # min.data is sorted by energy: b is line 3
    back = import_pathsample(tmp_path / "ps", tmp_path / "b.sqlite", n_coords=2)
    assert back.counts() == db.counts()
    e = sorted(m.energy for m in back.minima())
    assert e == sorted(m.energy for m in db.minima())
    for t_old, t_new in zip(db.transition_states(), back.transition_states()):
        assert t_new.energy == pytest.approx(t_old.energy)
        pair_old = {db.get_minimum(t_old.minimum1).energy, db.get_minimum(t_old.minimum2).energy}
        pair_new = {back.get_minimum(t_new.minimum1).energy, back.get_minimum(t_new.minimum2).energy}
        assert pair_old == pair_new
        assert np.allclose(t_new.coords, t_old.coords)


def test_bad_files_give_clear_errors(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(DatabaseError, match="not a readable SQLite"):
        Database(junk)
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
    with pytest.raises(DatabaseError, match="not a landscape database"):
        Database(foreign)
    with pytest.raises(DatabaseError, match="no database"):
        Database(tmp_path / "missing.sqlite", create=False)
    filled(tmp_path / "x.sqlite").close()
    with pytest.raises(DatabaseError, match="different system"):
        Database(tmp_path / "x.sqlite", system={"kind": "other"})
    with pytest.raises(DatabaseError, match="holds no minima"):
        Database(tmp_path / "empty.sqlite").global_minimum()
    with pytest.raises(ValueError):
        Database(tmp_path / "y.sqlite").add_minimum(np.nan, [0.0])


def test_find_minimum_reads_only_the_energy_window(tmp_path):
    """Identification by energy window (closest energy first) and structure; the rest of
    the database is not read."""
    seen = []

    def same(a, b):
        seen.append(b[0])
        return abs(a[0] - b[0]) < 0.5
    db = Database(tmp_path / "f.sqlite", energy_tol=1e-3, same_structure=same)
    for e, x in ((-1.0, 0.0), (-1.0005, 10.0), (-2.0, 0.0), (-3.0, 0.0)):
        db._insert_minimum(e, [x, 0.0])
    assert db.find_minimum(-1.0004, [10.2, 0.0]).energy == -1.0005
    assert seen == [10.0]  # the closer energy first, and it matched
    seen.clear()
    assert db.find_minimum(-1.0001, [5.0, 0.0]) is None
    assert sorted(seen) == [0.0, 10.0]  # both in the window tried, -2 and -3 never read
    assert db.find_minimum(-5.0, [0.0, 0.0]) is None
    db.close()


def test_light_reads_agree_with_the_full_ones(tmp_path):
    """energies() and edges() are minima() and transition_states() without coordinates,
    in the same order; minima_by_id() reads the asked ids, more than one query's worth."""
    db = Database(tmp_path / "f.sqlite")
    rng = np.random.default_rng(0)
    for e in rng.permutation(1200) / 7.0:
        db.add_minimum(float(e), [e, 1.0], {"tag": float(e)})
    full = db.minima()
    assert db.energies() == [(m.id, m.energy) for m in full]
    for a, b, e in ((1, 2, 5.0), (3, 1, 4.0), (2, 2, 9.0)):
        db.add_transition_state(e, [0.0, 0.0], a, b)
    assert db.edges() == [(t.id, t.energy, t.minimum1, t.minimum2) for t in db.transition_states()]
    wanted = [m.id for m in full[::2]] + [10**6]  # an unknown id is left out
    read = db.minima_by_id(wanted)
    assert sorted(read) == sorted(wanted[:-1])
    for m in full[::2]:
        assert read[m.id].energy == m.energy and read[m.id].properties == m.properties
        np.testing.assert_array_equal(read[m.id].coords, m.coords)
    assert db.minima_by_id([]) == {}
    db.close()


def test_an_empty_file_is_no_database_and_reading_never_writes(tmp_path):
    path = tmp_path / "empty.sqlite"
    path.touch()  # what a kill between connect and the schema commit leaves
    with pytest.raises(DatabaseError, match="no database"):
        Database(path, create=False)
    assert path.stat().st_size == 0  # the read did not write a schema into it
    with Database(path, system={"kind": "test"}) as db:  # a writer treats it as absent
        assert db.counts() == (0, 0)


def _open_new(path, barrier):
    barrier.wait()
    with Database(path, system={"kind": "test"}):
        pass


def test_simultaneous_creators_all_succeed(tmp_path):
    import multiprocessing as mp
    ctx = mp.get_context("fork")
    for attempt in range(3):  # the race (table meta already exists) hit about 1 open in 10
        path = tmp_path / f"race{attempt}.sqlite"
        barrier = ctx.Barrier(24)
        procs = [ctx.Process(target=_open_new, args=(path, barrier)) for _ in range(24)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        assert [p.exitcode for p in procs] == [0] * 24
        with Database(path, create=False) as db:
            assert db.counts() == (0, 0)


def test_busy_is_reported_as_busy_not_corrupt(tmp_path):
    from ljatlib.storage import DatabaseBusy
    path = tmp_path / "busy.sqlite"
    filled(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")  # as a build committing a long write
        with pytest.raises(DatabaseBusy, match="busy"):
            Database(path, create=False, timeout=0.1)
        other.execute("ROLLBACK")
        other.execute("BEGIN IMMEDIATE")  # another writer: reading works, writing is busy
        with Database(path, create=False, timeout=0.1) as db:
            assert db.counts() == (3, 2)
            with pytest.raises(DatabaseBusy, match="write lock"):
                db.add_minimum(-3.0, [9.0, 9.0])
    finally:
        other.close()


def _write_pathsample(directory, min_lines, ts_lines):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "min.data").write_text("".join(line + "\n" for line in min_lines))
    (directory / "ts.data").write_text("".join(line + "\n" for line in ts_lines))
    return directory


def test_import_keeps_every_transition_state_and_refuses_a_filled_database(tmp_path):
    src = _write_pathsample(tmp_path / "ps", ["-2.0 0 1 1 1 1", "-1.0 0 1 1 1 1"],
                            ["0.5 0 1 1 2 1 1 1", "0.7 0 1 2 1 1 1 1", "0.50001 0 1 1 2 1 1 1"])
    db = import_pathsample(src, tmp_path / "a.sqlite", n_coords=2)
    assert db.counts() == (2, 3)  # three TS between minima 1 and 2, none merged (was 2)
    assert sorted(t.energy for t in db.transition_states()) == [0.5, 0.50001, 0.7]
    db.close()
    with pytest.raises(DatabaseError, match="already holds 2 minima and 3 transition states"):
        import_pathsample(src, tmp_path / "a.sqlite", n_coords=2)  # was: counts doubled
    with Database(tmp_path / "a.sqlite", create=False) as db:
        assert db.counts() == (2, 3)
    other = tmp_path / "other.sqlite"
    Database(other).add_minimum(-5.0, [0.0, 0.0])
    with pytest.raises(DatabaseError, match="needs an empty database"):
        import_pathsample(src, other, n_coords=2)


@pytest.mark.parametrize("bad", ["0", "-1", "3", "1.5", "nan"])
def test_import_names_the_bad_minimum_index(tmp_path, bad):
    src = _write_pathsample(tmp_path / "ps", ["-2.0 0 1", "-1.0 0 1"], ["0.0 0 1 1 2", f"0.5 0 1 {bad} 2"])
    with pytest.raises(DatabaseError, match=rf"line 2 refers to minimum {bad}\b.*from 1 to 2"):
        import_pathsample(src, tmp_path / "a.sqlite", n_coords=1)


def test_import_refuses_non_finite_numbers(tmp_path):
    src = _write_pathsample(tmp_path / "ps", ["-2.0 0 1", "nan 0 1"], [])
    with pytest.raises(DatabaseError, match="min.data line 2, column 1: nan"):
        import_pathsample(src, tmp_path / "a.sqlite", n_coords=1)


def test_add_minimum_and_transition_state_without_dedupe(tmp_path):
    db = Database(tmp_path / "d.sqlite")
    a, _ = db.add_minimum(-1.0, [0.0])
    b, new = db.add_minimum(-1.0, [0.0], dedupe=False)
    assert new and b.id != a.id
    db.add_transition_state(0.0, [0.5], a.id, b.id)
    assert not db.add_transition_state(0.0, [0.5], b.id, a.id)[1]
    assert db.add_transition_state(0.0, [0.5], b.id, a.id, dedupe=False)[1]
    assert db.counts() == (2, 2)


@pytest.mark.parametrize("energy, coords, match", [
    (np.nan, [0.0, 0.0], "energy must be finite"), (np.inf, [0.0, 0.0], "energy must be finite"),
    (0.0, [np.nan, 0.0], "coords must be finite"), (0.0, [0.0, -np.inf], "coords must be finite")])
def test_transition_states_must_be_finite_as_minima_are(tmp_path, energy, coords, match):
    db = Database(tmp_path / "d.sqlite")
    a, b = db.add_minimum(-1.0, [0.0, 0.0])[0], db.add_minimum(-0.5, [1.0, 0.0])[0]
    with pytest.raises(ValueError, match=f"transition state: {match}"):
        db.add_transition_state(energy, coords, a.id, b.id)
    with pytest.raises(ValueError, match=f"minimum: {match}"):
        db.add_minimum(energy, coords)
    assert db.counts() == (2, 0)


@pytest.mark.parametrize("energy, coords, match", [
    ("1.0", [0.0], "energy must be a real number"), ([1.0, 2.0], [0.0], "energy must be a real number"),
    (None, [0.0], "energy must be a real number"), (0.0, ["a"], "coords must be real numbers"),
    (0.0, [1j], "coords must be real numbers"), (0.0, [[1.0], [1.0, 2.0]], "coords must be")])
def test_wrong_types_name_the_argument(tmp_path, energy, coords, match):
    db = Database(tmp_path / "d.sqlite")
    a, b = db.add_minimum(-1.0, [0.0])[0], db.add_minimum(-0.5, [1.0])[0]
    with pytest.raises(TypeError, match=match):
        db.add_minimum(energy, coords)
    with pytest.raises(TypeError, match=match):
        db.add_transition_state(energy, coords, a.id, b.id)
