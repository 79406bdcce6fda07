"""The landscape engine against an earlier version of itself, on two workloads.

Workload A, the paper's hardest small case: the 60-step basin-hopping minima of an MLP
(3, 3) on 100 D2 data (basin-hopping step 3.0), built once with this checkout; then each
version connects them with ``connect_in_rounds`` (8 searches per round, at most 10 per
minimum, one process, one numba thread) for the same wall time, from copies of the same
database. Counted: transition states stored per CPU-second, and how many basin-hopping
minima end up joined to the global minimum.

LJAT3: the six pairs of its four minima (``bench_connect``'s pairs: the triangle and the
three linear isomers, push-off 0.05), each connected by ``connect`` (at most 20 searches)
from a fresh database holding only its two minima, ``--ljat3-rounds`` times over.
Counted: transition states stored per CPU-second and pairs connected.

The earlier version runs from a ``git worktree`` of ``--base`` (default 1fb240c, before
the compiled quenches), with this machine's Python environment; each version compiles
its kernels before its clock starts.

    python benchmarks/bench_engine_history.py [--seconds 180] [--ljat3-rounds 100] [--base 1fb240c]
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import common
from common import machine
from ljatlib._tables import markdown_table

SPEC = dict(hidden=(3, 3), n_data=100, n_hops=60, step_size=3.0)


def worker(label, seconds, source):
    """Connect a copy of the minima database ``source`` for ``seconds``; print one JSON line.
    Runs with whichever ljatlib is first on sys.path (so it imports both APIs)."""
    from ljatlib.optimize import lbfgs
    from ljatlib.storage import Database
    from ljatlib.transition_states import dneb, eigenvector_following
    try:
        from ljatlib.paper.builds import LandscapeSpec, landscape_problem as problem
    except ImportError:  # before the paper layer
        from ljatlib.landscape.runs import LandscapeSpec, _problem as problem
    _, system, _ = problem(LandscapeSpec(**SPEC))
    minima = [m.coords for m in Database(source, create=False).minima()[:2]]
    lbfgs(system.fun_grad, minima[0] + 0.01)  # compile before the clock starts
    dneb(system, minima[0], minima[1], n_images=4, max_iter=5)
    eigenvector_following(system, minima[0] + 0.01, max_iter=2, direction=minima[1] - minima[0])
    _, counts = common.connect_copy(system, source, os.path.join(os.path.dirname(source), f"{label}.sqlite"),
                                    seconds, max_attempts=10)
    rate = counts["transition_states"] / counts["cpu_s"]
    print(json.dumps({"version": label, **counts, "ts_per_cpu_s": round(rate, 3)}))


def ljat3_worker(label, rounds):
    """Connect the six LJAT3 pairs ``rounds`` times; print one JSON line."""
    from bench_connect import ljat3_problem
    from ljatlib.landscape import connect
    from ljatlib.storage import Database
    try:  # where the earlier version has it (a module it lacks would come from this checkout)
        from ljatlib.landscape import ljat3_system
    except ImportError:
        from ljatlib.systems import ljat3_system
    system, minima, energies, pairs = ljat3_problem(system=ljat3_system(2.0))

    def connect_pair(i, j):
        db = Database(":memory:", system=system.description, same_structure=system.same_structure)
        a = db.add_minimum(float(energies[i]), minima[i])[0]
        b = db.add_minimum(float(energies[j]), minima[j])[0]
        ok = connect(system, db, a.id, b.id, max_attempts=20, push_off=0.05)
        n_ts = db.counts()[1]
        db.close()
        return ok, n_ts

    connect_pair(*pairs[0])  # compile before the clock starts
    t0, c0 = time.perf_counter(), time.process_time()
    results = [connect_pair(i, j) for _ in range(rounds) for i, j in pairs]
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    n_ts = sum(n for _, n in results)
    print(json.dumps({"version": label, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                      "searches_of_pairs": len(results), "connected": sum(ok for ok, _ in results),
                      "transition_states": n_ts, "ts_per_cpu_s": round(n_ts / cpu, 2)}))


def _run(label, args, pythonpath):
    out = subprocess.run([sys.executable, __file__, *args], env=common.one_thread_env(pythonpath),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(seconds=180, base="1fb240c", ljat3_rounds=100):
    from ljatlib.paper.builds import LandscapeSpec, build_landscape
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=common.ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "minima.sqlite")
        build_landscape(LandscapeSpec(**SPEC), path=source, minima_only=True)
        old = os.path.join(tmp, "old")
        subprocess.run(["git", "worktree", "add", "--detach", "-q", old, base], cwd=common.ROOT, check=True)
        try:
            runs = [_run(label, ["--worker", label, str(seconds), source], path)
                    for label, path in ((base, old), (head, common.ROOT))]
            ljat3 = [_run(label, ["--ljat3-worker", label, str(ljat3_rounds)], path)
                     for label, path in ((base, old), (head, common.ROOT))]
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", old], cwd=common.ROOT, check=True)
    return {"machine": machine(numba_threads=1), "workload": {**SPEC, "hidden": list(SPEC["hidden"])},
            "seconds": seconds, "runs": runs,
            "speedup_ts_per_cpu_s": round(runs[1]["ts_per_cpu_s"] / runs[0]["ts_per_cpu_s"], 2),
            "ljat3": {"rounds": ljat3_rounds, "runs": ljat3,
                      "speedup_ts_per_cpu_s": round(ljat3[1]["ts_per_cpu_s"] / ljat3[0]["ts_per_cpu_s"], 2)}}


def markdown(result, label):
    """Both versions' runs as a Markdown table under a header naming the machine."""
    rows = [[r["version"], f"{r['cpu_s']:.0f}", r["transition_states"], r["minima"],
             f"{r['joined']} of {r['basin_hopping_minima']}", f"{r['ts_per_cpu_s']:.3g}"] for r in result["runs"]]
    return (common.run_header(result, label) + f"; {result['seconds']:.0f} s of connecting per version, one "
            "numba thread\n\n" + markdown_table(
                ["version", "CPU seconds", "transition states", "minima", "basin-hopping minima joined to the "
                 "global minimum", "transition states per CPU-second"], rows)
            + f"\n\nThis checkout stores **{result['speedup_ts_per_cpu_s']:.2f}×** as many transition states "
            "per CPU-second as the earlier version." + _ljat3_markdown(result.get("ljat3")))


def _ljat3_markdown(ljat3):
    if not ljat3:
        return ""
    rows = [[r["version"], f"{r['cpu_s']:.1f}", f"{r['connected']} of {r['searches_of_pairs']}",
             r["transition_states"], f"{r['ts_per_cpu_s']:.3g}"] for r in ljat3["runs"]]
    return (f"\n\nLJAT3, its six pairs connected {ljat3['rounds']} times each, one numba thread:\n\n"
            + markdown_table(["version", "CPU seconds", "pairs connected", "transition states",
                              "transition states per CPU-second"], rows)
            + f"\n\nOn LJAT3 this checkout stores **{ljat3['speedup_ts_per_cpu_s']:.2f}×** as many transition "
            "states per CPU-second.")


def plot(result):
    import matplotlib.pyplot as plt
    panels = [("workload A, MLP (3, 3)", result["runs"],
               lambda r: f" {r['ts_per_cpu_s']:.3g} ({r['joined']}/{r['basin_hopping_minima']} joined)")]
    if result.get("ljat3"):
        panels.append(("LJAT3, six pairs", result["ljat3"]["runs"],
                       lambda r: f" {r['ts_per_cpu_s']:.3g} ({r['connected']}/{r['searches_of_pairs']} connected)"))
    fig, axes = plt.subplots(len(panels), 1, figsize=(6.8, 1.4 + 1.2 * len(panels)), squeeze=False)
    for ax, (title, runs, text) in zip(axes[:, 0], panels):
        ax.barh([r["version"] for r in runs], [r["ts_per_cpu_s"] for r in runs], color=["#9ecae1", "#1f77b4"])
        for y, r in enumerate(runs):
            ax.text(r["ts_per_cpu_s"], y, text(r), va="center", fontsize=9)
        ax.set_xlim(0, 1.6 * max(r["ts_per_cpu_s"] for r in runs))
        ax.set_title(title, fontsize=10, loc="left")
    axes[-1, 0].set_xlabel("transition states stored per CPU-second (one thread)")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    elif sys.argv[1:2] == ["--ljat3-worker"]:
        ljat3_worker(sys.argv[2], int(sys.argv[3]))
    else:
        def _arguments(parser):
            parser.add_argument("--seconds", type=float, help="connecting time per version (default 180)")
            parser.add_argument("--base", default="1fb240c", help="the earlier commit (default 1fb240c)")
            parser.add_argument("--ljat3-rounds", type=int, help="times each LJAT3 pair is connected (default 100)")

        def _kwargs(args):
            return {"base": args.base, **({} if args.seconds is None else {"seconds": args.seconds}),
                    **({} if args.ljat3_rounds is None else {"ljat3_rounds": args.ljat3_rounds})}
        common.main(__doc__, "engine_history", measure, plot, {"seconds": 20, "ljat3_rounds": 2},
                    add_arguments=_arguments, kwargs_from_args=_kwargs)
