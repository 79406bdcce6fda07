"""Workload A connected under two rules for "the same minimum", and what each stores.

Workload A: the 60-step basin-hopping minima of an MLP (3, 3) on 100 D2 data (step 3.0),
as in ``bench_engine_history``. Two minima whose losses differ by at most 1e-4 are the
same when

* ``canonical``: their canonical forms agree to 1e-2 of their norm (the library's
  default), or
* ``distance 100``: their distance, aligned over the network's symmetries, is below 100
  (OPTIM/PATHSAMPLE's ``GEOMDIFFTOL`` in the group's templates).

Each rule connects a copy of the same minima with ``connect_in_rounds`` as the builds do
(8 searches per round, at most 100 per minimum, one process and numba thread each, both
at once) until it finishes or ``--seconds`` pass. Counted: basin-hopping minima joined
to the global minimum, and a check of every stored transition state: both push-offs
are quenched again and each end is compared with the minimum stored for it, aligned;
an end farther than 1 from it was stored as a minimum of another structure that
happens to have the same loss. The same transition states, their ends told apart by
canonical forms, then join how many basin-hopping minima to the global minimum?

    python benchmarks/bench_same_minimum.py [--seconds 900]
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import common
from common import machine
from ljatlib._tables import markdown_table

SPEC = dict(hidden=(3, 3), n_data=100, n_hops=60, step_size=3.0)
RULES = {"canonical": None, "distance 100": 100.0}
FAR = 1.0  # an end this far (aligned) from its stored minimum is another structure


def worker(rule, seconds, source):
    """Connect a copy of ``source`` under ``rule``, check it; print one JSON line."""
    from ljatlib.landscape import joined_to
    from ljatlib.landscape.diagnostics import requench_push_offs
    from ljatlib.paper.builds import LandscapeSpec, landscape_problem
    from ljatlib.storage import Database
    _, system, _ = landscape_problem(LandscapeSpec(**SPEC, distance_tol=RULES[rule]))
    path = os.path.join(os.path.dirname(source), f"{rule.replace(' ', '_')}.sqlite")
    db, counts = common.connect_copy(system, source, path, seconds, max_attempts=100)
    bh_ids = {m.id for m in Database(source, create=False).minima()}

    minima = db.minima()
    coords = {m.id: m.coords for m in minima}
    strict = landscape_problem(LandscapeSpec(**SPEC))[1]  # the canonical-form rule
    check = Database(":memory:", system=strict.description, same_structure=strict.same_structure)
    check_bh = {check.add_minimum(m.energy, m.coords)[0].id for m in minima if m.id in bh_ids}
    distances = []
    for ts in db.transition_states():
        ends = requench_push_offs(system, ts)  # as the searches ran them
        distances += [min(system.distance(end.x, coords[i]) for i in (ts.minimum1, ts.minimum2)) for end in ends]
        a, b = (check.add_minimum(end.energy, end.x)[0].id for end in ends)
        if a != b:
            check.add_transition_state(ts.energy, ts.coords, a, b)
    distances = np.array(distances)
    print(json.dumps({"rule": rule, **counts, "checked_ends": len(distances),
                      "ends_stored_as_another_structure": int(np.sum(distances > FAR)),
                      "median_distance_of_those": round(float(np.median(distances[distances > FAR])), 2)
                      if np.any(distances > FAR) else None,
                      "joined_with_ends_told_apart": len(joined_to(check, check.global_minimum().id) & check_bh)}))


def _run(rule, seconds, source):
    return subprocess.Popen([sys.executable, __file__, "--worker", rule, str(seconds), source],
                            env=common.one_thread_env(common.ROOT), stdout=subprocess.PIPE, text=True)


def measure(seconds=900, n_hops=SPEC["n_hops"]):
    from ljatlib.paper.builds import LandscapeSpec, build_landscape
    spec = {**SPEC, "n_hops": n_hops}
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "minima.sqlite")
        build_landscape(LandscapeSpec(**spec), path=source, minima_only=True)
        procs = [_run(rule, seconds, source) for rule in RULES]  # both at once, one core each
        runs = []
        for proc in procs:
            out, _ = proc.communicate()
            if proc.returncode:
                raise RuntimeError(f"worker failed with code {proc.returncode}")
            runs.append(json.loads(out.strip().splitlines()[-1]))
    return {"machine": machine(numba_threads=1), "workload": {**spec, "hidden": list(spec["hidden"])},
            "seconds": seconds, "far": FAR, "runs": runs}


def markdown(result, label):
    """Both rules' runs as a Markdown table under a header naming the machine."""
    rows = [[r["rule"], f"{r['cpu_s']:.0f}", "yes" if r["finished"] else "no", r["minima"], r["transition_states"],
             f"{r['joined']} of {r['basin_hopping_minima']}",
             f"{r['ends_stored_as_another_structure']} of {r['checked_ends']}"
             + ("" if r["median_distance_of_those"] is None else f" (median {r['median_distance_of_those']:.0f} away)"),
             f"{r['joined_with_ends_told_apart']} of {r['basin_hopping_minima']}"]
            for r in result["runs"]]
    return (common.run_header(result, label) + f"; at most {result['seconds']:.0f} s per rule, one numba thread "
            "each\n\n" + markdown_table(
                ["same minimum when", "CPU seconds", "finished", "minima", "transition states",
                 "basin-hopping minima joined to the global minimum",
                 f"push-off ends stored as a minimum more than {result['far']:g} away",
                 "joined by the same transition states, ends told apart by canonical forms"], rows))


def plot(result):
    import matplotlib.pyplot as plt
    runs = result["runs"]
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 2.2))
    labels = [r["rule"] for r in runs]
    y = np.arange(len(runs))
    axes[0].barh(y + 0.2, [r["joined"] / r["basin_hopping_minima"] for r in runs], 0.4, color="#1f77b4",
                 label="as stored")
    axes[0].barh(y - 0.2, [r["joined_with_ends_told_apart"] / r["basin_hopping_minima"] for r in runs], 0.4,
                 color="#9ecae1", label="ends told apart")
    for k, r in enumerate(runs):
        for dy, key in ((0.2, "joined"), (-0.2, "joined_with_ends_told_apart")):
            axes[0].text(r[key] / r["basin_hopping_minima"] + 0.01, k + dy, f"{r[key]}/{r['basin_hopping_minima']}",
                         va="center", fontsize=8)
    axes[0].set_yticks(y, labels)
    axes[0].set_xlim(0, 1.15)
    axes[0].legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)
    axes[0].set_xlabel("basin-hopping minima joined")
    axes[1].barh(y, [r["ends_stored_as_another_structure"] / max(r["checked_ends"], 1) for r in runs],
                 color="#d62728")
    axes[1].set_xlim(0, 1)
    axes[1].set_yticks([])
    axes[1].set_xlabel(f"ends stored > {result['far']:g} away")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    else:
        def _arguments(parser):
            parser.add_argument("--seconds", type=float, help="connecting time per rule (default 900)")

        def _kwargs(args):
            return {} if args.seconds is None else {"seconds": args.seconds}
        common.main(__doc__, "same_minimum", measure, plot, {"seconds": 10, "n_hops": 5},
                    add_arguments=_arguments, kwargs_from_args=_kwargs)
