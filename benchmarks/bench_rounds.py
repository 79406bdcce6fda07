"""Benchmark: connecting a loss landscape's minima one search at a time vs in rounds
of independent searches on Dask workers.

The same basin-hopping minima of a one-hidden-layer network (3 nodes, D2 training
data, the S3 chapter's settings) are connected to their global minimum three ways, in
one run:

* ``connect_in_rounds`` with one search per round (``batch=1``, what ``explore`` runs):
  one minimum after the other, in this process, as a user of a pele-like library would
  connect them; one numba thread;
* ``connect_in_rounds`` as ``build_landscape`` runs it, in this process, one numba
  thread: rounds of up to 8 searches;
* the same rounds on a Dask LocalCluster of ``n_workers`` single-threaded processes
  (started, and each worker's first search compiled, before the clock starts).

The two databases of rounds of 8 must be identical (checked); the one-at-a-time one is
a different but equally valid exploration (counts shown).

    python benchmarks/bench_rounds.py [--quick] [--out benchmarks/results]
"""

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import common
from ljatlib._tables import markdown_table
from ljatlib.landscape import store_basin_hopping_minima
from ljatlib.landscape.rounds import connect_in_rounds
from ljatlib.paper.builds import LandscapeSpec, landscape_problem
from ljatlib.storage import Database


def _contents(db):
    return (db.counts(), [m.energy for m in db.minima()],
            sorted(t.energy for t in db.transition_states()))


def _timed(connect, system, path, **kwargs):
    db = Database(path, system=system.description, same_structure=system.same_structure)
    t0 = time.perf_counter()
    unconnected = connect(system, db, **kwargs)
    seconds = time.perf_counter() - t0
    contents = _contents(db)
    db.close()
    return seconds, unconnected, contents


def measure(n_data=100, n_hops=300, n_workers=2, attempts=10, seed=0):
    import numba
    from distributed import Client, LocalCluster
    spec = LandscapeSpec((3,), n_data, n_hops, seed=seed, step_size=3.0)
    net, system, _ = landscape_problem(spec)
    work = Path(tempfile.mkdtemp())
    try:
        base = work / "minima.sqlite"
        db = Database(base, system=system.description, same_structure=system.same_structure)
        rng = np.random.default_rng(seed)
        n_quenches = store_basin_hopping_minima(system, db, net.random_weights(rng), n_hops, seed=rng,
                                                step_size=spec.step_size)
        n_minima = db.counts()[0]
        db.close()
        copies = {k: work / f"{k}.sqlite" for k in ("sequential", "rounds", "dask", "warmup")}
        for path in copies.values():
            shutil.copy(base, path)
        threads = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            seq = _timed(connect_in_rounds, system, copies["sequential"], max_attempts=attempts, batch=1)
            rounds = _timed(connect_in_rounds, system, copies["rounds"], max_attempts=attempts)
        finally:
            numba.set_num_threads(threads)
        with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            _timed(connect_in_rounds, system, copies["warmup"], max_attempts=1, batch=n_workers,
                   client=client)  # every worker loads the compiled kernels once
            dask = _timed(connect_in_rounds, system, copies["dask"], max_attempts=attempts,
                          client=client)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    same = (rounds[2][0] == dask[2][0] and np.allclose(rounds[2][1], dask[2][1], rtol=1e-10)
            and np.allclose(rounds[2][2], dask[2][2], rtol=1e-10))

    def row(name, r):
        return {"method": name, "seconds": r[0], "unconnected": len(r[1]),
                "n_minima": r[2][0][0], "n_transition_states": r[2][0][1]}
    return {"machine": common.machine(), "network": "MLP (3,)", "n_data": n_data, "n_hops": n_hops,
            "n_quenches": n_quenches, "basin_hopping_minima": n_minima, "n_workers": n_workers,
            "max_attempts": attempts,
            "runs": [row("one at a time (1 process)", seq), row("rounds of 8 (1 process)", rounds),
                     row(f"rounds of 8 ({n_workers} Dask workers)", dask)],
            "rounds_identical": bool(same), "dask_speedup_over_rounds": rounds[0] / dask[0],
            "dask_speedup_over_sequential": seq[0] / dask[0]}


def markdown(result, label):
    """The three drivers' times and databases as a Markdown table, with the speed-ups."""
    r = result
    rows = [[x["method"], f"{x['seconds']:.1f}", x["n_minima"], x["n_transition_states"], x["unconnected"]]
            for x in r["runs"]]
    return (common.run_header(r, label) + f"; {r['basin_hopping_minima']} basin-hopping minima of an MLP (3,) "
            f"on {r['n_data']} data, at most {r['max_attempts']} searches each\n\n"
            + markdown_table(["driver", "seconds", "minima", "transition states", "unconnected"], rows)
            + f"\n\nDask workers against rounds in one process: **{r['dask_speedup_over_rounds']:.2f}×**; "
            f"against one search at a time: {r['dask_speedup_over_sequential']:.2f}×. "
            f"Databases of the rounds of 8 identical: {r['rounds_identical']}.")


def plot(result):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.8, 3.2))
    runs = result["runs"]
    ax.barh([r["method"] for r in runs][::-1], [r["seconds"] for r in runs][::-1],
            color=["tab:blue", "tab:blue", "grey"])
    for i, r in enumerate(runs[::-1]):
        ax.text(r["seconds"], i, f"  {r['n_minima']} minima, {r['unconnected']} unconnected",
                va="center", fontsize=9)
    ax.set_xlabel(f"seconds to connect {result['basin_hopping_minima']} basin-hopping minima "
                  f"(MLP (3,), {result['n_data']} data)")
    ax.set_xlim(0, 1.45 * max(r["seconds"] for r in runs))
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    common.main(__doc__, "rounds", measure, plot, {"n_hops": 30, "attempts": 3})
