"""PATHSAMPLE-style text files, read by disconnectionDPS and the group's other tools.

    min.data   one line per minimum:  energy  ln(prod of Hessian eigenvalues)  order  Ix Iy Iz
    ts.data    one line per TS:       energy  ln(prod of eigenvalues)  order  min1  min2  Ix Iy Iz
    points.min, points.ts   coordinates, raw little-endian float64, one record per line above

min1/min2 are 1-based line numbers of min.data. The eigenvalue term and the point-group
order come from the ``log_prod_evals`` and ``order`` properties when stored (else 0 and
1); the moments of inertia are written as 1 (the network landscapes have none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pathlib import Path

import numpy as np

from .database import Database, DatabaseError

if TYPE_CHECKING:
    import os


def export_pathsample(db: Database, directory: str | os.PathLike) -> Path:
    """Write min.data, ts.data, points.min and points.ts of ``db`` into ``directory``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    minima = db.minima()
    line_of = {m.id: i + 1 for i, m in enumerate(minima)}
    with open(out / "min.data", "w") as f:
        for m in minima:
            f.write(f"{m.energy:.12f} {m.properties.get('log_prod_evals', 0.0):.8f} "
                    f"{int(m.properties.get('order', 1))} 1.0 1.0 1.0\n")
    tss = db.transition_states()
    with open(out / "ts.data", "w") as f:
        for t in tss:
            f.write(f"{t.energy:.12f} {t.properties.get('log_prod_evals', 0.0):.8f} "
                    f"{int(t.properties.get('order', 1))} {line_of[t.minimum1]} "
                    f"{line_of[t.minimum2]} 1.0 1.0 1.0\n")
    for name, items in (("points.min", minima), ("points.ts", tss)):
        with open(out / name, "wb") as f:
            for item in items:
                f.write(np.ascontiguousarray(item.coords, dtype="<f8").tobytes())
    return out


def import_pathsample(directory: str | os.PathLike, path: str | os.PathLike, n_coords: int,
                      **database_kwargs: Any) -> Database:
    """Read min.data / ts.data (and points files if present) into a new Database at ``path``.

    ``n_coords`` is the length of one coordinate record. Every line becomes an entry:
    minima and transition states are not deduplicated (two TS joining the same minima
    stay two), and the target must hold no minima or transition states yet (importing
    into a filled database would mix, or double, the landscapes): DatabaseError if it does.
    """
    src = Path(directory)
    try:
        mins = np.atleast_2d(np.loadtxt(src / "min.data"))
        tss = np.atleast_2d(np.loadtxt(src / "ts.data")) if (src / "ts.data").stat().st_size else np.empty((0, 8))
    except (OSError, ValueError) as err:
        raise DatabaseError(f"cannot read PATHSAMPLE files in {src}: {err}") from None
    if mins.shape[1] < 3 or (len(tss) and tss.shape[1] < 5):
        raise DatabaseError(f"{src}: min.data needs >= 3 columns and ts.data >= 5")
    for name, table in (("min.data", mins), ("ts.data", tss)):
        bad = ~np.isfinite(table[:, :3])
        if bad.any():
            line, column = np.argwhere(bad)[0]
            raise DatabaseError(f"{src / name} line {line + 1}, column {column + 1}: "
                                f"{table[line, column]} is not a finite number")
    if len(tss):
        index = tss[:, 3:5]
        bad = ~(np.isfinite(index) & (index == np.round(index)) & (index >= 1) & (index <= len(mins)))
        if bad.any():
            line, column = np.argwhere(bad)[0]
            raise DatabaseError(f"{src / 'ts.data'} line {line + 1} refers to minimum "
                                f"{index[line, column]:g}; min1/min2 are 1-based line numbers "
                                f"of min.data, from 1 to {len(mins)}")

    def points(name, n):
        if not (src / name).exists():
            return np.zeros((n, n_coords))
        data = np.fromfile(src / name, dtype="<f8")
        if data.size != n * n_coords:
            raise DatabaseError(f"{src / name} holds {data.size} numbers, expected {n} x {n_coords}")
        if not np.all(np.isfinite(data)):
            raise DatabaseError(f"{src / name} holds {np.count_nonzero(~np.isfinite(data))} "
                                "non-finite numbers")
        return data.reshape(n, n_coords)

    xmin, xts = points("points.min", len(mins)), points("points.ts", len(tss))
    db = Database(path, **database_kwargs)
    try:
        with db.transaction():
            held = db.counts()
            if held != (0, 0):
                raise DatabaseError(f"{db.path} already holds {held[0]} minima and {held[1]} "
                                    "transition states; import_pathsample needs an empty database")
            ids = [db.add_minimum(row[0], x, {"log_prod_evals": row[1], "order": int(row[2])},
                                  dedupe=False)[0].id
                   for row, x in zip(mins, xmin)]
            for row, x in zip(tss, xts):
                db.add_transition_state(row[0], x, ids[int(row[3]) - 1], ids[int(row[4]) - 1],
                                        properties={"log_prod_evals": row[1], "order": int(row[2])},
                                        dedupe=False)
    except BaseException:
        db.close()
        raise
    return db
