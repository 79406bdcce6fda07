"""How far one search reaches: the fraction of single searches that join their two
minima, against the aligned distance between them, on two network landscapes.

For each landscape, the 60-step basin-hopping minima (step 3.0, as the S3 page) are
connected with ``connect_in_rounds`` (8 searches per round, at most ``attempts`` per
minimum) to fill a database with the minima searches find. Pairs are then drawn from
it (each of up to 300 minima with its 8 nearest by canonical form, distance after
alignment) and, up to ``per_bin`` pairs per distance bin, searched once with
``find_transition_states`` (default settings, as a first search of a gap). Counted: how
many of those searches join their two ends, CPU seconds per search, and the distance
from a minimum to its nearest neighbour in the database. One process, one numba thread.

    python benchmarks/bench_search_reach.py [--attempts 10] [--per-bin 20]
"""

import os
import tempfile
import time

import common
import numpy as np
from common import machine
from ljatlib._tables import markdown_table

LANDSCAPES = {"MLP (3, 3), 100 data (workload A)": dict(hidden=(3, 3), n_data=100, n_hops=60, step_size=3.0),
              "MLP (3, 3), 1000 data": dict(hidden=(3, 3), n_data=1000, n_hops=60, step_size=3.0)}
BINS = (0, 5, 10, 15, 20, 30, 60)


def _joins(found):
    """Whether the transition states of one search join its ends (0 and 1)."""
    import networkx as nx
    graph = nx.Graph()
    graph.add_nodes_from((0, 1))
    for ts in found:
        graph.add_edge(*(m.endpoint if m.endpoint is not None else id(m) for m in ts.minima))
    return nx.has_path(graph, 0, 1)


def reach(spec_fields, attempts, per_bin, seed=0):
    """One landscape's database and its searches by distance bin (see the module)."""
    from ljatlib.landscape.rounds import connect_in_rounds, find_transition_states
    from ljatlib.paper.builds import LandscapeSpec, build_landscape, landscape_problem
    from ljatlib.storage import Database
    from ljatlib.systems.mindist import network_canonical
    spec = LandscapeSpec(**spec_fields, n_test=100)
    net, system, _ = landscape_problem(spec)
    with tempfile.TemporaryDirectory() as tmp:
        path = build_landscape(spec, os.path.join(tmp, "minima.sqlite"), minima_only=True)
        db = Database(path, create=False, same_structure=system.same_structure)
        cpu = time.process_time()
        connect_in_rounds(system, db, attempts, batch=8)
        connect_cpu = time.process_time() - cpu
        X = np.array([m.coords for m in db.minima()])
        db.close()
    canonical = np.array([network_canonical(net, x) for x in X])
    sq = (canonical ** 2).sum(1)
    near = np.sqrt(np.maximum(sq[:, None] + sq[None] - 2 * canonical @ canonical.T, 0.0))
    np.fill_diagonal(near, np.inf)
    rng = np.random.default_rng(seed)
    pool, nearest = [], []
    for i in rng.permutation(len(X))[:300]:
        aligned = [(np.linalg.norm(X[i] - y), j, y) for j in np.argsort(near[i])[:8]
                   for y in [system.align(X[i], X[j])]]
        nearest.append(min(d for d, _, _ in aligned))
        pool += [(d, i, y) for d, _, y in aligned]
    order = rng.permutation(len(pool))
    rows = [{"from": lo, "to": hi, "searches": 0, "joined": 0, "cpu_s": 0.0} for lo, hi in zip(BINS, BINS[1:])]
    for k in order:
        d, i, y = pool[k]
        row = next((r for r in rows if r["from"] <= d < r["to"]), None)
        if row is None or row["searches"] >= per_bin:
            continue
        cpu = time.process_time()
        row["joined"] += int(_joins(find_transition_states(system, X[i], y, align=False)))
        row["cpu_s"] += time.process_time() - cpu
        row["searches"] += 1
    for row in rows:
        row["cpu_s_per_search"] = round(row.pop("cpu_s") / max(1, row["searches"]), 3)
    return {"minima": len(X), "connect_cpu_s": round(connect_cpu, 1),
            "nearest_neighbour_quartiles": [round(float(q), 1) for q in np.quantile(nearest, [0.25, 0.5, 0.75])],
            "bins": rows}


def measure(attempts=10, per_bin=20):
    landscapes = {name: {**reach(fields, attempts, per_bin), "spec": {**fields, "hidden": list(fields["hidden"])}}
                  for name, fields in LANDSCAPES.items()}
    return {"machine": machine(numba_threads=1), "attempts": attempts, "per_bin": per_bin, "landscapes": landscapes}


def markdown(result, label):
    """Joined / searched per distance bin, one column per landscape."""
    names = list(result["landscapes"])
    tables = [result["landscapes"][n] for n in names]
    def cell(b):
        return f"{b['joined']} of {b['searches']} ({b['cpu_s_per_search']:.2g} s)" if b["searches"] else "—"
    rows = [[f"{b['from']}–{b['to']}"] + [cell(t["bins"][k]) for t in tables] for k, b in enumerate(tables[0]["bins"])]
    sizes = "; ".join(f"{n}: {t['minima']} minima after {t['connect_cpu_s']:.0f} CPU-s of connecting, nearest "
                      f"neighbour at {t['nearest_neighbour_quartiles'][1]:.1f} (median)" for n, t in zip(names, tables))
    return (common.run_header(result, label) + f"; at most {result['attempts']} searches per minimum, then up to "
            f"{result['per_bin']} single searches per distance bin, one numba thread\n\n"
            + markdown_table(["aligned distance"] + [f"{n}: joined (CPU-s per search)" for n in names], rows)
            + f"\n\n{sizes}.")


def plot(result):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.8, 3.2))
    for name, table in result["landscapes"].items():
        bins = [b for b in table["bins"] if b["searches"]]
        ax.plot([(b["from"] + b["to"]) / 2 for b in bins], [b["joined"] / b["searches"] for b in bins],
                "o-", label=name)
    ax.set_xlabel("aligned distance between the two minima")
    ax.set_ylabel("fraction of searches\njoining the two")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=9, frameon=False)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    def _arguments(parser):
        parser.add_argument("--attempts", type=int, help="searches per minimum while filling (default 10)")
        parser.add_argument("--per-bin", type=int, help="single searches per distance bin (default 20)")

    def _kwargs(args):
        return {k: v for k, v in (("attempts", args.attempts), ("per_bin", args.per_bin)) if v is not None}
    common.main(__doc__, "search_reach", measure, plot, {"attempts": 1, "per_bin": 2},
                add_arguments=_arguments, kwargs_from_args=_kwargs)
