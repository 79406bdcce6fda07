"""Helpers shared by the benchmark scripts: machine description, best-of timing, the
pele venv (.venv-pele, see install_pele.sh) and the command line that writes
``benchmarks/results/<name>.json`` and its figure.

Only the standard library and numpy at import time: the pele workers, which run in
.venv-pele, import this module too (for :func:`stdout_silenced`).
"""

import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
PELE_PYTHON = ROOT / ".venv-pele" / "bin" / "python"


def best_time(fn, repeats, warmup=False):
    """(best wall time in seconds of ``repeats`` calls, the last call's result)."""
    if warmup:
        fn()
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def load_average():
    """The 1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def machine(**extra):
    """CPU, SIMD flags, cores, thread count, versions, date and load average."""
    import numba
    import numpy as np
    info = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
               platform.processor())
    flags = next((line.split(":", 1)[1].split() for line in info if line.startswith("flags")), [])
    return {"cpu": cpu, "simd": [f for f in ("avx2", "fma", "avx512f") if f in flags],
            "cores": os.cpu_count(), "numba_threads": numba.get_num_threads(),
            "python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "date": datetime.date.today().isoformat(),
            "load_average": load_average(), **extra}


def load_result(name):
    """The stored result ``benchmarks/results/<name>.json`` of ``make bench``, or None."""
    path = HERE / "results" / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def run_header(result, label):
    """``**label** — date, CPU, cores`` (and the load average when recorded)."""
    m = result["machine"]
    load = m.get("load_average")
    load = f", load average {load[0]:.2f} at the start" if isinstance(load, list | tuple) and load else ""
    return f"**{label}** — {m['date']}, {m['cpu']}, {m.get('cores', '?')} cores{load}"


def timing_bars(ax, rows, impls, reference, labels):
    """Grouped horizontal bars of ``row[key + "_ms"]`` (log scale; None: not measured)
    for ``impls`` [(key, legend label, colour)], one group per row (``labels``), each
    bar annotated with its time and its ratio to the ``reference`` key's time."""
    height = 0.8 / len(impls)
    for k, (key, label, color) in enumerate(impls):
        shown = [(i + (k - 1) * height, row[f"{key}_ms"], row) for i, row in enumerate(rows)
                 if row[f"{key}_ms"] is not None]
        if not shown:
            continue
        ax.barh([s[0] for s in shown], [s[1] for s in shown], height, color=color, label=label)
        for y, v, row in shown:
            text = f"{v:.3g} ms" + ("" if key == reference else f" ({v / row[f'{reference}_ms']:.1f}x)")
            ax.text(v * 1.1, y, text, va="center", fontsize=9)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xscale("log")
    values = [row[f"{key}_ms"] for row in rows for key, _, _ in impls if row[f"{key}_ms"]]
    ax.set_xlim(min(values) / 2, max(values) * 8)


def one_thread_env(ljatlib_root):
    """The environment of a worker process: ``ljatlib`` from ``ljatlib_root`` (this
    checkout or an earlier one's worktree), these scripts importable, one numba and BLAS
    thread."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ljatlib_root), str(HERE)]),
            "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def connect_copy(system, source, path, seconds, max_attempts):
    """Connect a copy ``path`` of the minima database ``source`` with
    ``connect_in_rounds`` (8 searches per round, at most ``max_attempts`` per minimum),
    as the builds do, until it finishes or ``seconds`` pass. Works with whichever
    ljatlib is first on sys.path (an earlier version's too).

    Returns (db, counts): the database, and a dict of wall_s, cpu_s, finished, minima,
    transition_states, basin_hopping_minima and joined (those joined to the global
    minimum at the end)."""
    import shutil
    import threading
    from ljatlib.landscape import joined_to
    from ljatlib.landscape.rounds import Stopped, connect_in_rounds
    from ljatlib.storage import Database
    shutil.copy(source, path)
    db = Database(path, create=False, same_structure=system.same_structure)
    bh_ids = {m.id for m in db.minima()}
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        connect_in_rounds(system, db, max_attempts=max_attempts, batch=8, stop=stop)
        finished = True
    except Stopped:
        finished = False
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    timer.cancel()
    n_min, n_ts = db.counts()
    return db, {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "finished": finished, "minima": n_min,
                "transition_states": n_ts, "basin_hopping_minima": len(bh_ids),
                "joined": len(joined_to(db, db.global_minimum().id) & bh_ids)}


def run_pele_worker(script, args):
    """Run ``benchmarks/<script> *args`` with .venv-pele's python.

    Returns the JSON object on the last line of its stdout, or None if pele is not
    installed or the worker failed (its stderr is printed)."""
    if not PELE_PYTHON.exists():
        return None
    done = subprocess.run([str(PELE_PYTHON), str(HERE / script), *map(str, args)],
                          capture_output=True, text=True)
    if done.returncode:
        print(f"pele worker {script} failed:\n{done.stderr}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def stdout_silenced():
    """Send fd 1 to /dev/null (pele's C++ writes to std::cout)."""
    sys.stdout.flush()
    saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def main(doc, name, measure, plot, quick_kwargs, add_arguments=None, kwargs_from_args=None):
    """Command line of a benchmark: ``--out DIR``, ``--quick``; writes DIR/<name>.json
    and DIR/<name>.png/.svg and prints the JSON."""
    import argparse
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--quick", action="store_true", help="small samples (a smoke run)")
    if add_arguments:
        add_arguments(parser)
    args = parser.parse_args()
    kwargs = dict(quick_kwargs) if args.quick else {}
    if kwargs_from_args:
        kwargs.update(kwargs_from_args(args))
    result = measure(**kwargs)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    from ljatlib.plotting import save_figure
    save_figure(plot(result), out / name)
    print(json.dumps(result, indent=1))
    return result
