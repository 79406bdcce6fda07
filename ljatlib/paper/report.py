"""Paper values and the reproduced ones, for the book's reproduction table.

Chapters call :func:`record` for every number they reproduce; each chapter's rows
go to ``results/<chapter>.json`` beside the executed notebook, and the
reproduction page gathers them with :func:`load_results`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._tables import markdown_table as _markdown_table

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable

# Values as printed in the SI, with the precision they are printed to.
PAPER = {
    "energy_linear": ("Energy of the linear minima", -2.219, 0.0005, "SI S1"),
    "energy_triangle": ("Energy of the triangle minimum", -2.185, 0.0005, "SI S1"),
    "distance_linear": ("Nearest-neighbour distance, linear minima", 1.10876, 5e-6, "SI S1"),
    "distance_triangle": ("Side of the triangle minimum", 1.16875, 5e-6, "SI S1"),
    "d3_points": ("Feasible points of the 700 x 700 grid (D3)", 79524, 0, "SI S2"),
    "auc_s1b": ("Fig. S1b: test AUC, 3 hidden nodes, 100 in-plane data", 0.98, 0.005, "SI Fig. S1"),
    "auc_s1c": ("Fig. S1c: test AUC, 10 hidden nodes, D2 training half", 0.79, 0.005, "SI Fig. S1"),
    "best_auc_d3_fig_s2": ("Fig. S2b: best D3 AUC (1 hidden layer, D1 sequences)", 0.75, 0.005,
                           "SI S3, Fig. S2"),
    "d1_size": ("Minimisations in D1", 10000, 0, "SI S1"),
    "d2_size": ("Minimisations in D2", 200000, 0, "SI S1"),
}
# SI S4 gives database sizes only ("over 11000" and "2500" minima): compared by order
# of magnitude (see ORDER below).
_S4_SIZES = {"blj60_minima": ("S4: minima in the BLJ60 database", 11000),
             "blj256_minima": ("S4: minima in the BLJ256 database", 2500)}


# SI Tables S1 and S2 as {column: {(H, N_data): value}}, rows N_data, columns H = 1, 2, 3.
TABLE_N_DATA = (100, 1000, 2000, 10000, 100000)
_S1_UP = ((0.114e-1, 0.155e-1, 0.158e-1), (0.985e-4, 0.239e-2, 0.314e-2), (0.704e-4, 0.126e-2, 0.144e-2),
          (0.109e-3, 0.466e-3, 0.748e-3), (0.603e-4, 0.185e-3, 0.775e-3))
_S1_DOWN = ((0.531e-2, 0.468e-2, 0.489e-2), (0.196e-4, 0.853e-3, 0.978e-3), (0.415e-4, 0.534e-3, 0.489e-3),
            (0.455e-4, 0.186e-3, 0.274e-3), (0.432e-4, 0.973e-4, 0.198e-3))
_S1_UP_SCALED = ((10.70, 6.683, 7.612), (2.131, 5.767, 4.915), (2.743, 6.570, 4.466),
                 (3.167, 7.952, 5.672), (13.359, 6.588, 2.096))
_S1_DOWN_SCALED = ((9.70, 5.683, 6.612), (1.131, 4.767, 3.915), (1.743, 5.570, 3.466),
                   (2.167, 6.952, 4.672), (12.359, 5.588, 1.096))
_S2 = ((0.105e-3, 0.276e-2, 0.324e-2), (0.298e-5, 0.357e-3, 0.540e-3), (0.589e-4, 0.101e-3, 0.566e-4),
       (0.415e-5, 0.316e-4, 0.324e-4), (0.663e-5, 0.332e-4, 0.216e-4))
_S2_SCALED = ((0.0178, 0.0783, 0.0781), (0.0905, 0.0562, 0.0462), (0.9777, 0.0676, 0.0294),
              (0.0597, 0.4342, 0.0477), (0.3301, 0.3019, 0.0286))


def _by_cell(rows):
    return {(h + 1, n): rows[i][h] for i, n in enumerate(TABLE_N_DATA) for h in range(3)}


PAPER_TABLE_S1 = {"uphill": _by_cell(_S1_UP), "downhill": _by_cell(_S1_DOWN),
                  "uphill_scaled": _by_cell(_S1_UP_SCALED), "downhill_scaled": _by_cell(_S1_DOWN_SCALED)}
PAPER_TABLE_S2 = {"downhill": _by_cell(_S2), "downhill_scaled": _by_cell(_S2_SCALED)}
ORDER = "order of magnitude"  # tolerance of values compared by order of magnitude only


def table_key(table: str, column: str, hidden_layers: int, n_data: int) -> str:
    """Key in PAPER of a cell of Table S1 or S2 (``table`` "S1" or "S2")."""
    return f"table_{table.lower()}_{column}_h{hidden_layers}_n{n_data}"


for _key, (_quantity, _value) in _S4_SIZES.items():
    PAPER[_key] = (_quantity, _value, ORDER, "SI S4")
for _table, _columns in (("S1", PAPER_TABLE_S1), ("S2", PAPER_TABLE_S2)):
    for _column, _cells in _columns.items():
        for (_h, _n), _value in _cells.items():
            PAPER[table_key(_table, _column, _h, _n)] = (
                f"Table {_table}: mean {_column.replace('_', ' ')} barrier, H = {_h}, N_data = {_n:,}",
                _value, ORDER, f"SI Table {_table}")


def order_of_magnitude_verdict(ours: float, paper: float) -> str:
    """"same order" if ours is within a factor of 10 of the paper's value."""
    if not (np.isfinite(ours) and ours > 0 and paper > 0):
        return "not comparable"
    return "same order" if abs(np.log10(ours / paper)) < 1.0 else "differs"


def verdict(ours: float, paper: float, tolerance: float | str) -> str:
    """"agrees" if |ours - paper| is within the paper's printed precision, else "differs";
    for ``tolerance == ORDER``, :func:`order_of_magnitude_verdict`."""
    if tolerance == ORDER:
        return order_of_magnitude_verdict(ours, paper)
    return "agrees" if abs(ours - paper) <= tolerance else "differs"


def record(chapter: str, key: str, ours: float, note: str = "",
           results_dir: str | os.PathLike = "results") -> dict:
    """Store the reproduced value ``ours`` of PAPER[``key``] for ``chapter``; returns the row."""
    if key not in PAPER:
        raise KeyError(f"unknown quantity {key!r}: not a key of ljatlib.paper.report.PAPER")
    quantity, paper, tolerance, source = PAPER[key]
    ours = ours.item() if hasattr(ours, "item") else ours
    row = {"key": key, "quantity": quantity, "paper": paper, "ours": ours, "source": source,
           "chapter": chapter, "verdict": verdict(ours, paper, tolerance), "note": note}
    path = Path(results_dir) / f"{chapter}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = json.loads(path.read_text()) if path.exists() else {}
    rows[key] = row
    path.write_text(json.dumps(rows, indent=1))
    return row


def load_results(results_dir: str | os.PathLike = "results") -> list[dict]:
    """All recorded rows, in the order of ``PAPER``."""
    rows = {}
    for path in sorted(Path(results_dir).glob("*.json")):
        rows.update(json.loads(path.read_text()))
    return [rows[k] for k in PAPER if k in rows]


def markdown_table(rows: Iterable[dict], digits: int = 6) -> str:
    """A Markdown table "quantity | source | paper | ours | ours − paper | verdict | note"."""
    def fmt(v):
        return f"{v:,}" if isinstance(v, int) else f"{v:.{digits}g}"
    return _markdown_table(
        ["quantity", "source", "paper", "ours", "ours − paper", "verdict", "note"],
        [[r["quantity"], r["source"], fmt(r["paper"]), fmt(r["ours"]),
          fmt(r["ours"] - r["paper"]) if r["ours"] - r["paper"] else 0, r["verdict"], r["note"]] for r in rows])
