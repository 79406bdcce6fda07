"""SQLite database of minima and transition states.

Schema (readable with plain ``sqlite3``; coordinates are little-endian float64 blobs):

    meta(key TEXT PRIMARY KEY, value TEXT)
        'format' = 'ljatlib-landscape', 'schema_version' = '1',
        'system' = JSON description of the energy function (free form)
    minima(id INTEGER PRIMARY KEY, energy REAL NOT NULL, coords BLOB NOT NULL,
           properties TEXT)           -- JSON, e.g. {"test_loss": ..., "auc": ...}
    transition_states(id INTEGER PRIMARY KEY, energy REAL NOT NULL, coords BLOB NOT NULL,
           minimum1 INTEGER NOT NULL REFERENCES minima(id),
           minimum2 INTEGER NOT NULL REFERENCES minima(id),
           eigenvalue REAL,           -- the negative Hessian eigenvalue
           properties TEXT)

Every write runs in a transaction (``with db.transaction():`` groups several), so an
interrupted run leaves the file as it was after the last completed write. New minima
are deduplicated: same energy within ``energy_tol`` and, if a ``same_structure``
function is given, ``same_structure(coords_a, coords_b)`` true (e.g. equal up to a
permutation of hidden nodes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._identity import SameMinimum

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterable, Iterator

    from numpy.typing import ArrayLike

FORMAT, SCHEMA_VERSION = "ljatlib-landscape", "1"
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE minima (id INTEGER PRIMARY KEY, energy REAL NOT NULL, coords BLOB NOT NULL,
                     properties TEXT);
CREATE TABLE transition_states (id INTEGER PRIMARY KEY, energy REAL NOT NULL,
                                coords BLOB NOT NULL,
                                minimum1 INTEGER NOT NULL REFERENCES minima(id),
                                minimum2 INTEGER NOT NULL REFERENCES minima(id),
                                eigenvalue REAL, properties TEXT);
CREATE INDEX minima_energy ON minima(energy);
CREATE INDEX ts_minima ON transition_states(minimum1, minimum2);
"""


class DatabaseError(Exception):
    """The file is missing, corrupt, or not a landscape database of this format."""


class DatabaseBusy(DatabaseError):
    """Another process holds the database's lock for longer than the timeout: the file is
    fine, try again later."""


def _is_busy(err):
    text = str(err).lower()
    return "locked" in text or "busy" in text


@dataclass
class Minimum:
    id: int
    energy: float
    coords: np.ndarray
    properties: dict = field(default_factory=dict)


@dataclass
class TransitionState:
    id: int
    energy: float
    coords: np.ndarray
    minimum1: int
    minimum2: int
    eigenvalue: float | None = None
    properties: dict = field(default_factory=dict)


def _blob(coords):
    return np.ascontiguousarray(coords, dtype="<f8").ravel().tobytes()


def _array(blob):
    return np.frombuffer(blob, dtype="<f8").copy()


def _finite_point(energy, coords, what):
    """(float energy, float64 coords (n,)) checked: a finite real scalar energy and finite
    real coordinates, else TypeError/ValueError naming the argument."""
    e = np.asarray(energy)
    if e.ndim != 0 or e.dtype.kind not in "iuf":
        raise TypeError(f"{what}: energy must be a real number, got {energy!r}")
    if not np.isfinite(e):
        raise ValueError(f"{what}: energy must be finite, got {energy!r}")
    try:
        c = np.asarray(coords)
    except ValueError as err:  # ragged nested sequences
        raise TypeError(f"{what}: coords must be an array of real numbers ({err})") from None
    if c.dtype.kind not in "iuf":
        raise TypeError(f"{what}: coords must be real numbers, got dtype {c.dtype}")
    c = c.astype(float).ravel()
    if not np.all(np.isfinite(c)):
        raise ValueError(f"{what}: coords must be finite ({np.count_nonzero(~np.isfinite(c))} "
                         f"of {c.size} are not)")
    return float(e), c


def _minimum(row):
    """A Minimum from a row (id, energy, coords, properties) of the minima table."""
    i, energy, coords, properties = row
    return Minimum(i, energy, _array(coords), json.loads(properties or "{}"))


class Database:
    """A landscape database in the SQLite file ``path``.

    Parameters
    ----------
    path : str or Path
        The file; created if ``create`` and missing (``":memory:"`` for a scratch one).
    system : dict, optional
        JSON-serialisable description stored on creation; when opening an existing
        file it must match what is stored (a guard against mixing landscapes).
    energy_tol : float
        Minima (and transition states) within this energy are candidates for being the same.
    same_structure : callable, optional
        ``same_structure(a, b) -> bool`` for coordinates of two candidates.

    Examples
    --------
    >>> from ljatlib.storage import Database
    >>> db = Database(":memory:")
    >>> low, _ = db.add_minimum(-1.0, [0.0, 0.0])
    >>> high, _ = db.add_minimum(-0.5, [1.0, 0.0])
    >>> ts, is_new = db.add_transition_state(-0.2, [0.5, 0.0], low.id, high.id)
    >>> [m.energy for m in db.minima()], is_new
    ([-1.0, -0.5], True)
    """

    def __init__(self, path: str | os.PathLike, system: dict | None = None, energy_tol: float = 1e-4,
                 same_structure: Callable[[np.ndarray, np.ndarray], bool] | None = None, create: bool = True,
                 timeout: float = 30.0) -> None:
        self.path, self.energy_tol, self.same_structure = str(path), energy_tol, same_structure
        self.rule = SameMinimum(energy_tol, same_structure)
        exists = self.path == ":memory:" or Path(self.path).exists()
        if not exists and not create:
            raise DatabaseError(f"no database at {self.path}")
        self._conn = None
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=timeout)
            self._conn.execute("PRAGMA foreign_keys = ON")
            tables = self._tables()
            if not tables:  # a new or empty file (e.g. left by a kill before the schema commit)
                if not create:
                    raise DatabaseError(f"no database at {self.path} (the file holds no tables)")
                with self.transaction():  # one creator at a time; another may have just finished
                    if not self._tables():
                        for statement in filter(str.strip, SCHEMA.split(";")):
                            self._conn.execute(statement)  # executescript would commit midway
                        self._conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                            ("format", FORMAT), ("schema_version", SCHEMA_VERSION),
                            ("system", json.dumps(system or {}, sort_keys=True))])
                tables = self._tables()
            self._check_format(tables, system)
        except BaseException as err:
            if self._conn is not None:
                self._conn.close()
            if isinstance(err, sqlite3.OperationalError) and _is_busy(err):
                raise DatabaseBusy(f"{self.path} is busy (locked by another process for over "
                                   f"{timeout:g} s): {err}") from None
            if isinstance(err, sqlite3.DatabaseError):
                raise DatabaseError(f"{self.path} is not a readable SQLite database: {err}") from None
            raise

    def _tables(self):
        return {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def _check_format(self, tables, system):
        if not {"meta", "minima", "transition_states"} <= tables:
            raise DatabaseError(f"{self.path} is an SQLite file but not a landscape database "
                                f"(tables: {sorted(tables)})")
        meta = dict(self._conn.execute("SELECT key, value FROM meta"))
        if meta.get("format") != FORMAT or meta.get("schema_version") != SCHEMA_VERSION:
            raise DatabaseError(f"{self.path}: format {meta.get('format')!r} version "
                                f"{meta.get('schema_version')!r}, expected {FORMAT!r} {SCHEMA_VERSION!r}")
        stored = json.loads(meta.get("system") or "{}")
        if system is not None and stored != json.loads(json.dumps(system, sort_keys=True)):
            raise DatabaseError(f"{self.path} holds a different system: {stored} (asked for {system})")

    # -- meta ---------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """The text stored under ``key`` in the meta table, or ``default``."""
        row = self._conn.execute("SELECT value FROM meta WHERE key=?", (str(key),)).fetchone()
        return default if row is None else row[0]

    def set_meta(self, **values: object) -> None:
        """Store text values in the meta table (one transaction; joins an open one)."""
        with self.transaction():
            self._conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                   [(k, str(v)) for k, v in values.items()])

    def delete_meta(self, *keys: str) -> None:
        """Remove ``keys`` from the meta table (one transaction; joins an open one);
        absent keys are ignored."""
        with self.transaction():
            self._conn.executemany("DELETE FROM meta WHERE key=?", [(str(k),) for k in keys])

    @property
    def system_description(self) -> dict:
        return json.loads(self._conn.execute("SELECT value FROM meta WHERE key='system'").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all of them are stored, or none."""
        if self._conn.in_transaction:
            yield
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            if _is_busy(err):
                raise DatabaseBusy(f"{self.path} is busy (another process holds its write lock): "
                                   f"{err}") from None
            raise
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- minima -------------------------------------------------------------------------
    def add_minimum(self, energy: float, coords: ArrayLike, properties: dict | None = None,
                    dedupe: bool = True) -> int:
        """Store a minimum unless an equal one exists; returns (Minimum, is_new).

        ``dedupe=False`` stores it without looking for an equal one (an import that
        keeps every entry of its source); is_new is then always True.
        """
        energy, coords = _finite_point(energy, coords, "minimum")
        if not dedupe:
            with self.transaction():
                return self._insert_minimum(energy, coords, properties)
        with self.transaction():
            found = self.find_minimum(energy, coords)
            if found is not None:
                return found, False
            return self._insert_minimum(energy, coords, properties)

    def find_minimum(self, energy: float, coords: ArrayLike) -> Minimum | None:
        """The stored minimum equal to (energy, coords (n,)) — energy within
        ``energy_tol`` (closest first, read through the energy index) and, if given,
        ``same_structure`` true — or None."""
        coords = np.asarray(coords, dtype=float).ravel()
        near = self._minima_near(energy)
        i = self.rule.index(energy, coords, [(m.energy, m.coords) for m in near])
        return None if i is None else near[i]

    def _insert_minimum(self, energy, coords, properties=None):
        """Store without the duplicate check (imports keep every entry)."""
        coords = np.asarray(coords, dtype=float).ravel()
        cur = self._conn.execute("INSERT INTO minima (energy, coords, properties) VALUES (?, ?, ?)",
                                 (float(energy), _blob(coords), json.dumps(properties or {})))
        return Minimum(cur.lastrowid, float(energy), coords, dict(properties or {})), True

    def _minima_near(self, energy):
        rows = self._conn.execute(
            "SELECT id, energy, coords, properties FROM minima WHERE energy BETWEEN ? AND ? "
            "ORDER BY ABS(energy - ?)", (energy - self.energy_tol, energy + self.energy_tol, energy))
        return [_minimum(row) for row in rows]

    def minima(self) -> list[Minimum]:
        """All minima, lowest energy first."""
        rows = self._conn.execute("SELECT id, energy, coords, properties FROM minima ORDER BY energy, id")
        return [_minimum(row) for row in rows]

    def minima_by_id(self, ids: Iterable[int]) -> dict[int, Minimum]:
        """{id: Minimum} of the stored minima among ``ids`` (unknown ids are left out):
        only these are read, where :meth:`minima` reads every one."""
        wanted = sorted({int(i) for i in ids})
        found = {}
        for start in range(0, len(wanted), 500):  # SQLite limits the parameters of one query
            chunk = wanted[start:start + 500]
            rows = self._conn.execute("SELECT id, energy, coords, properties FROM minima WHERE id IN "
                                      f"({','.join('?' * len(chunk))})", chunk)
            found.update((m.id, m) for m in map(_minimum, rows))
        return found

    def energies(self) -> list[tuple[int, float]]:
        """(id, energy) of every minimum, lowest energy first, as :meth:`minima` orders
        them, without reading coordinates or properties."""
        return self._conn.execute("SELECT id, energy FROM minima ORDER BY energy, id").fetchall()

    def get_minimum(self, id_: int) -> Minimum:
        row = self._conn.execute("SELECT id, energy, coords, properties FROM minima WHERE id=?",
                                 (int(id_),)).fetchone()
        if row is None:
            raise KeyError(f"no minimum {id_}")
        return _minimum(row)

    def global_minimum(self) -> Minimum | None:
        """The lowest minimum (the first of :meth:`minima`), read alone."""
        row = self._conn.execute(
            "SELECT id, energy, coords, properties FROM minima ORDER BY energy, id LIMIT 1").fetchone()
        if row is None:
            raise DatabaseError(f"{self.path} holds no minima")
        return _minimum(row)

    def set_properties(self, id_: int, **properties: object) -> None:
        """Merge ``properties`` into a minimum's JSON properties."""
        with self.transaction():
            m = self.get_minimum(id_)
            self._conn.execute("UPDATE minima SET properties=? WHERE id=?",
                               (json.dumps({**m.properties, **properties}), m.id))

    # -- transition states ------------------------------------------------------------
    def add_transition_state(self, energy: float, coords: ArrayLike, minimum1: int, minimum2: int,
                             eigenvalue: float | None = None, properties: dict | None = None,
                             dedupe: bool = True) -> int:
        """Store a transition state between two stored minima unless the same one (same
        pair of minima, energy within ``energy_tol``) exists; returns (TS, is_new).

        ``dedupe=False`` stores it without looking for the same one (an import that keeps
        every entry of its source); is_new is then always True. Energy and coordinates
        must be finite, as for :meth:`add_minimum`.
        """
        energy, coords = _finite_point(energy, coords, "transition state")
        m1, m2 = sorted((int(minimum1), int(minimum2)))
        with self.transaction():
            for ts in (self.transition_states(m1, m2) if dedupe else ()):
                if abs(ts.energy - energy) <= self.energy_tol:
                    return ts, False
            cur = self._conn.execute(
                "INSERT INTO transition_states (energy, coords, minimum1, minimum2, eigenvalue, "
                "properties) VALUES (?, ?, ?, ?, ?, ?)",
                (float(energy), _blob(coords), m1, m2,
                 None if eigenvalue is None else float(eigenvalue), json.dumps(properties or {})))
            return TransitionState(cur.lastrowid, float(energy), coords, m1, m2, eigenvalue,
                                   dict(properties or {})), True

    def transition_states(self, minimum1: int | None = None, minimum2: int | None = None) -> list[TransitionState]:
        """All transition states, or those joining the given pair of minima."""
        sql = ("SELECT id, energy, coords, minimum1, minimum2, eigenvalue, properties "
               "FROM transition_states")
        args = ()
        if minimum1 is not None:
            sql += " WHERE minimum1=? AND minimum2=?"
            args = tuple(sorted((int(minimum1), int(minimum2))))
        rows = self._conn.execute(sql + " ORDER BY id", args)
        return [TransitionState(i, e, _array(c), a, b, ev, json.loads(p or "{}"))
                for i, e, c, a, b, ev, p in rows]

    def edges(self) -> list[tuple[int, float, int, int]]:
        """(id, energy, minimum1, minimum2) of every transition state, in the order of
        :meth:`transition_states`, without reading coordinates or properties."""
        return self._conn.execute(
            "SELECT id, energy, minimum1, minimum2 FROM transition_states ORDER BY id").fetchall()

    def counts(self) -> tuple[int, int]:
        """(number of minima, number of transition states)."""
        return (self._conn.execute("SELECT COUNT(*) FROM minima").fetchone()[0],
                self._conn.execute("SELECT COUNT(*) FROM transition_states").fetchone()[0])
