"""Paper values and the reproduced ones, for the book's reproduction table.

Chapters call :func:`record` for every number they reproduce; each chapter's rows
go to ``results/<chapter>.json`` beside the executed notebook, and the
reproduction page gathers them with :func:`load_results`.
"""

import json
from pathlib import Path

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


def verdict(ours, paper, tolerance):
    """"agrees" if |ours - paper| is within the paper's printed precision, else "differs"."""
    return "agrees" if abs(ours - paper) <= tolerance else "differs"


def record(chapter, key, ours, note="", results_dir="results"):
    """Store the reproduced value ``ours`` of PAPER[``key``] for ``chapter``; returns the row."""
    if key not in PAPER:
        raise KeyError(f"unknown quantity {key!r}; known: {sorted(PAPER)}")
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


def load_results(results_dir="results"):
    """All recorded rows, in the order of ``PAPER``."""
    rows = {}
    for path in sorted(Path(results_dir).glob("*.json")):
        rows.update(json.loads(path.read_text()))
    return [rows[k] for k in PAPER if k in rows]


def markdown_table(rows, digits=6):
    """A Markdown table "quantity | source | paper | ours | ours − paper | verdict | note"."""
    def fmt(v):
        return f"{v:,}" if isinstance(v, int) else f"{v:.{digits}g}"
    lines = ["| quantity | source | paper | ours | ours − paper | verdict | note |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        diff = r["ours"] - r["paper"]
        lines.append(f"| {r['quantity']} | {r['source']} | {fmt(r['paper'])} | {fmt(r['ours'])} "
                     f"| {fmt(diff) if diff else 0} | {r['verdict']} | {r['note']} |")
    return "\n".join(lines)
