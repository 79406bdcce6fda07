"""Benchmark: connecting minima through transition states, ljatlib's connect vs pele's
DoubleEndedConnect, on the same loss functions in one run.

Two landscapes, the same endpoint minima and pairs on both sides, each pair connected
from scratch (a fresh in-memory database holding only its two minima):

* **LJAT3** (Z = 2): ljatlib's ``ljat3_system`` vs pele's ``ATLJ(eps=1, sig=1, Z=2)``
  (the same function: checked on random geometries, differences recorded). Pairs:
  the triangle to each of the three linear isomers and the three pairs of linear
  isomers (which need two transition states, through the triangle).
* **MLP loss**: ``MLP((3, 3))`` (37 weights, lambda 1e-5) on the first ``n_data``
  points of D2's training half; the minima come from a short ljatlib basin-hopping;
  pairs: the lowest minimum to each of the next ``net_pairs``. pele gets the loss as a
  ``BasePotential`` whose ``getEnergyGradient`` calls the same ``MLP.fun_grad``
  kernel: both pay one Python call per evaluation.

Shared settings (``SETTINGS``): DNEB with ``n_images`` movable images, spring constant
``neb_k``, band RMS force ``neb_tol`` (1e-2: pele's ``NEBDriver`` default and ljatlib's
``dneb`` default), at most ``neb_max_iter`` band iterations (1000; pele: ``iter_density``
set so that its band gets 1000 too); transition states converged to RMS gradient ``ts_tol``
(pele: the same rms, |g|/sqrt(n)) in at most ``ts_max_iter`` steps; push-off
``push_off`` along the TS eigenvector, then LBFGS (memory 30, step 0.1) to ``min_tol``
(ljatlib's fixed 1e-9); at most ``max_attempts`` DNEB/local-connect runs per pair;
minima of equal energy (``energy_tol``) are the same if ljatlib's structure test says
so; distances between minima without alignment on pele's side (ljatlib's connect
aligns). The algorithms otherwise differ as the libraries do: ljatlib refines by
eigenvector-following with the exact Hessian in all modes, pele by hybrid
eigenvector-following (iterative lowest eigenvector + tangent-space LBFGS, no
Hessian); ljatlib's connect retries a pair with different bands (see its docstring),
pele re-runs a failed NEB once with twice the iterations (its images are already at
``max_images``). ``--neb-tol`` / ``--neb-max-iter``
change the band settings, on both sides.

Counted per side: wall time of the connect calls, transition-state searches and how
many converged, transition states stored, pairs connected, energy+gradient
evaluations (ljatlib's DNEB evaluates all images in one ``fun_grad_many`` call: each
image counts as one evaluation) and the time inside them.

    python benchmarks/bench_connect.py [--quick] [--out benchmarks/results]
        [--neb-tol 1e-2] [--neb-max-iter 1000]
"""

import json
import sys
import sysconfig
import tempfile
import time

import numpy as np

import common
from ljatlib._tables import markdown_table
from common import machine

SETTINGS = {"n_images": 20, "neb_k": 50.0, "neb_tol": 1e-2, "neb_max_iter": 1000,
            "ts_tol": 1e-6, "ts_max_iter": 500, "min_tol": 1e-9, "max_attempts": 20,
            "energy_tol": 1e-4, "structure_tol": 1e-2, "z": 2.0}
PUSH_OFF = {"ljat3": 0.05, "mlp": 0.2}


# -- the problems ----------------------------------------------------------------------
def ljat3_problem(z=2.0, system=None):
    """(system, minima (4, 9), energies, pairs): the triangle (in the xy plane) and the
    three linear isomers, isomer k with atom k in the middle and lying along axis k, all
    centred at the origin: so the straight line between any two of them (the first DNEB
    guess) never brings two atoms together. ``system``: the LJAT3 system of this ``z``
    (default ``ljat3_system(z)``)."""
    from ljatlib.data.classes import reference_minima
    if system is None:
        from ljatlib.systems import ljat3_system
        system = ljat3_system(z)
    ref = reference_minima(z)
    tri = np.asarray(ref["triangle"][2], float).reshape(3, 3)
    tri = tri - tri.mean(axis=0)
    r = ref["linear"][1]
    minima = [tri.ravel()]
    for k in range(3):
        x = np.zeros((3, 3))
        ends = [a for a in range(3) if a != k]
        x[ends[0], k], x[ends[1], k] = -r, r
        minima.append(x.ravel())
    minima = np.array(minima)
    energies = np.array([system.energy(x) for x in minima])
    pairs = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    return system, minima, energies, pairs


def network_problem(n_data=100, bh_steps=30, net_pairs=6, seed=0):
    """(system, net, X, y, minima, energies, pairs) for MLP((3, 3)) on D2's training half."""
    from ljatlib.data import make_dataset
    from ljatlib.landscape import basin_hopping
    from ljatlib.systems import network_system
    from ljatlib.network import MLP
    X, y = make_dataset("D2").split("train")
    X, y = np.asarray(X[:n_data], float), np.asarray(y[:n_data])
    net = MLP((3, 3))
    system = network_system(net, X, y)
    res = basin_hopping(system.fun_grad, net.random_weights(seed), bh_steps, seed=seed,
                        energy_tol=SETTINGS["energy_tol"], same_structure=system.same_structure)
    found = sorted(res.minima, key=lambda m: m[0])
    minima = np.array([x for _, x in found])
    energies = np.array([f for f, _ in found])
    pairs = [(0, k) for k in range(1, min(net_pairs + 1, len(found)))]
    return system, net, X, y, minima, energies, pairs


# -- ljatlib's side ---------------------------------------------------------------------
class _Counted:
    """A System whose fun_grad / fun_grad_many / hessian count their evaluations and
    time (a batched call of m geometries counts m evaluations), and a counter of the
    transition-state searches of ljatlib.landscape.connect."""

    def __init__(self, system):
        from dataclasses import replace
        self.n_fg = self.n_h = 0
        self.t_fg = self.t_h = 0.0
        fg, hess, many = system.fun_grad, system.hessian, system.fun_grad_many

        def fun_grad(x):
            t0 = time.perf_counter()
            out = fg(x)
            self.t_fg += time.perf_counter() - t0
            self.n_fg += 1
            return out

        def hessian(x):
            t0 = time.perf_counter()
            out = hess(x)
            self.t_h += time.perf_counter() - t0
            self.n_h += 1
            return out
        def fun_grad_many(X):
            t0 = time.perf_counter()
            out = many(X)
            self.t_fg += time.perf_counter() - t0
            self.n_fg += len(out[0])
            return out
        self.system = replace(system, fun_grad=fun_grad, hessian=hessian,
                              fun_grad_many=None if many is None else fun_grad_many)
        self.searches = self.converged = 0

    def reset(self):
        self.n_fg = self.n_h = self.searches = self.converged = 0
        self.t_fg = self.t_h = 0.0


def run_ljatlib(system, minima, energies, pairs, settings, push_off):
    """Connect each pair from scratch with ljatlib; a list of per-pair dicts."""
    from ljatlib.landscape import connect
    lc = sys.modules["ljatlib.landscape._connect"]  # the module (the package exports the function)
    from ljatlib.storage import Database
    counted = _Counted(system)
    ef = lc.eigenvector_following

    def counted_ef(*args, **kwargs):
        ts = ef(*args, **kwargs)
        counted.searches += 1
        counted.converged += int(ts.converged)
        return ts
    s = settings
    kwargs = {"max_attempts": s["max_attempts"], "n_images": s["n_images"], "push_off": push_off,
              "neb_k": s["neb_k"], "neb_tol": s["neb_tol"], "neb_max_iter": s["neb_max_iter"],
              "ts_tol": s["ts_tol"], "ef_max_iter": s["ts_max_iter"]}
    rows = []
    lc.eigenvector_following = counted_ef
    try:
        for i, j in pairs:
            db = Database(":memory:", system=system.description, energy_tol=s["energy_tol"],
                          same_structure=system.same_structure)
            a = db.add_minimum(float(energies[i]), minima[i])[0]
            b = db.add_minimum(float(energies[j]), minima[j])[0]
            counted.reset()
            t0 = time.perf_counter()
            try:
                ok, error = connect(counted.system, db, a.id, b.id, **kwargs), None
            except (ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:  # e.g. a band through a collision
                ok, error = False, f"{type(exc).__name__}: {exc}"
            seconds = time.perf_counter() - t0
            n_min, n_ts = db.counts()[:2]
            rows.append({"pair": [int(i), int(j)], "seconds": seconds, "success": bool(ok),
                         "n_ts": int(n_ts), "n_minima": int(n_min), "n_ts_searches": counted.searches,
                         "n_ts_converged": counted.converged, "n_fun_grad": counted.n_fg,
                         "fun_grad_seconds": counted.t_fg, "n_hessian": counted.n_h,
                         "hessian_seconds": counted.t_h, "error": error})
            db.close()
    finally:
        lc.eigenvector_following = ef
    return rows


# -- pele's side ------------------------------------------------------------------------
def run_pele(kind, system, minima, energies, pairs, settings, push_off, net=None, X=None, y=None,
             n_check=5, seed=0):
    """pele's DoubleEndedConnect on the same pairs (pele_connect_worker.py in .venv-pele);
    (rows, worker summary) or None if pele is not installed."""
    rng = np.random.default_rng(seed)
    check_x = minima[rng.integers(0, len(minima), n_check)] + rng.normal(0, 0.05, (n_check, minima.shape[1]))
    check = [system.fun_grad(x) for x in check_x]
    arrays = {"kind": kind, "minima": minima, "energies": energies, "pairs": np.array(pairs),
              "check_x": check_x, "check_f": np.array([c[0] for c in check]),
              "check_g": np.array([c[1] for c in check])}
    if net is not None:
        arrays.update(hidden=np.array(net.hidden), lam=net.lam, regularise_biases=net.regularise_biases,
                      X=X, y=y)
    with tempfile.TemporaryDirectory() as tmp:
        np.savez(f"{tmp}/problem.npz", **arrays)
        with open(f"{tmp}/params.json", "w") as f:
            json.dump({**settings, "push_off": push_off}, f)
        summary = common.run_pele_worker("pele_connect_worker.py", [
            f"{tmp}/problem.npz", f"{tmp}/params.json",
            "--site-packages", sysconfig.get_paths()["purelib"]])
    return summary


# -- summary ----------------------------------------------------------------------------
def totals(rows):
    """Sums over pairs and the rates: converged TS per second, connections per minute."""
    keys = ("seconds", "n_ts", "n_ts_searches", "n_ts_converged", "n_fun_grad", "fun_grad_seconds",
            "n_hessian", "hessian_seconds")
    out = {k: sum(r.get(k, 0) for r in rows) for k in keys}
    out.update(n_pairs=len(rows), n_success=sum(r["success"] for r in rows))
    t = max(out["seconds"], 1e-12)
    out.update(ts_converged_per_second=out["n_ts_converged"] / t, ts_stored_per_second=out["n_ts"] / t,
               ts_searches_per_second=out["n_ts_searches"] / t,
               connections_per_minute=60.0 * out["n_success"] / t,
               seconds_per_converged_ts=t / max(out["n_ts_converged"], 1),
               fun_grad_fraction=out["fun_grad_seconds"] / t, hessian_fraction=out["hessian_seconds"] / t,
               us_per_fun_grad=1e6 * out["fun_grad_seconds"] / max(out["n_fun_grad"], 1))
    return out


def compare(name, kind, system, minima, energies, pairs, settings, rounds, pele, one_thread=True, **extra):
    """Both sides on one landscape; a JSON-serialisable dict. With ``one_thread`` ljatlib
    runs again with numba on one thread (its LJAT3 kernels are parallel loops, launched
    once per evaluation)."""
    import numba
    push_off = PUSH_OFF[kind]
    run_ljatlib(system, minima, energies, pairs[:1], settings, push_off)  # numba caches, imports
    ours = []
    for _ in range(rounds):
        ours += run_ljatlib(system, minima, energies, pairs, settings, push_off)
    entry = {"name": name, "n_minima_given": len(minima), "pairs": [list(map(int, p)) for p in pairs],
             "rounds": rounds, "push_off": push_off, "minima_energies": [float(e) for e in energies],
             "ljatlib": totals(ours), "ljatlib_pairs": ours}
    if one_thread and numba.get_num_threads() > 1:
        threads = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            rows = [r for _ in range(rounds) for r in run_ljatlib(system, minima, energies, pairs, settings, push_off)]
        finally:
            numba.set_num_threads(threads)
        entry.update(ljatlib_one_thread=totals(rows), ljatlib_one_thread_pairs=rows)
    if pele:
        summary = run_pele(kind, system, minima, energies, pairs * rounds, settings, push_off, **extra)
        if summary is not None:
            entry.update(pele=totals(summary["pairs"]), pele_pairs=summary["pairs"],
                         pele_version=summary["pele"], same_function_energy_diff=summary["energy_diff"],
                         same_function_gradient_diff=summary["gradient_diff"])
            a, b = entry["ljatlib"], entry["pele"]
            entry["speedup_per_converged_ts"] = (a["ts_converged_per_second"] / b["ts_converged_per_second"]
                                                 if b["ts_converged_per_second"] else None)  # None: pele found none
            entry["speedup_connections"] = (a["connections_per_minute"] / b["connections_per_minute"]
                                            if b["connections_per_minute"] else None)
    return entry


def measure(ljat3_rounds=1, net_pairs=2, net_rounds=1, n_data=100, bh_steps=30, seed=0, pele=True,
            settings=None, one_thread=True, ljat3_pairs=None, ljatlib_threads=None):
    """Connect the LJAT3 pairs (``ljat3_rounds`` times each) and ``net_pairs`` MLP pairs with
    ljatlib and pele; ``net_pairs=0`` skips the network. ``one_thread``: LJAT3 again with
    ljatlib's numba on one thread. ``ljat3_pairs``: only the first this many LJAT3 pairs.
    ``ljatlib_threads``: numba threads for ljatlib's main run (default: numba's).
    A JSON-serialisable dict."""
    import numba
    s = {**SETTINGS, **(settings or {})}
    started = time.time()
    threads = numba.get_num_threads()
    if ljatlib_threads:
        numba.set_num_threads(ljatlib_threads)
    try:
        return _measure(s, started, ljat3_rounds, net_pairs, net_rounds, n_data, bh_steps, seed, pele,
                        one_thread, ljat3_pairs)
    finally:
        numba.set_num_threads(threads)


def _measure(s, started, ljat3_rounds, net_pairs, net_rounds, n_data, bh_steps, seed, pele, one_thread,
             ljat3_pairs):
    result = {"machine": machine(), "settings": s, "systems": []}
    if ljat3_rounds > 0:
        system, minima, energies, pairs = ljat3_problem(s["z"])
        pairs = pairs[:ljat3_pairs] if ljat3_pairs else pairs
        result["systems"].append(compare("LJAT3", "ljat3", system, minima, energies, pairs, s,
                                         ljat3_rounds, pele, one_thread))
    if net_pairs > 0:
        system, net, X, y, minima, energies, pairs = network_problem(n_data, bh_steps, net_pairs, seed)
        entry = compare(f"MLP (3, 3), {n_data} D2 points", "mlp", system, minima, energies, pairs, s,
                        net_rounds, pele, False, net=net, X=X, y=y)
        entry.update(n_data=n_data, bh_steps=bh_steps, n_params=int(net.n_params))
        result["systems"].append(entry)
    result["wall_seconds"] = time.time() - started
    result["load_average_after"] = common.load_average()
    return result


def plot(result):
    """Converged transition states per second and connections per minute, both sides."""
    import matplotlib.pyplot as plt
    systems = result["systems"]
    metrics = [("ts_converged_per_second", "converged transition states per second"),
               ("connections_per_minute", "pairs connected per minute")]
    sides = [("ljatlib", f"ljatlib connect ({result['machine']['numba_threads']} numba threads)", "#1f77b4"),
             ("ljatlib_one_thread", "ljatlib connect (1 numba thread)", "#9ecae1"),
             ("pele", "pele DoubleEndedConnect", "#2ca02c")]
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 2.2 + 1.1 * len(systems)), sharey=True)
    for ax, (key, title) in zip(axes, metrics):
        height = 0.27
        for k, (side, label, color) in enumerate(sides):
            ys, vals = [], []
            for i, sysres in enumerate(systems):
                if side in sysres:
                    ys.append(i + (k - 1) * height)
                    vals.append(sysres[side][key])
            if not ys:
                continue
            ax.barh(ys, vals, height, color=color, label=label)
            for yy, v, sysres in zip(ys, vals, [s for s in systems if side in s]):
                extra = (f" ({sysres[side]['n_success']}/{sysres[side]['n_pairs']})"
                         if key == "connections_per_minute" else "")
                ax.text(v, yy, f" {v:.3g}{extra}", va="center", fontsize=9)
        ax.set_yticks(range(len(systems)))
        ax.set_yticklabels(["\n".join(s["name"].rsplit(", ", 1)) for s in systems], fontsize=9)
        ax.set_xlabel(title, fontsize=9)
        ax.set_xlim(0, 1.6 * max([s[side][key] for s in systems for side, _, _ in sides if side in s] + [1e-9]))
    axes[0].invert_yaxis()  # shared with axes[1]
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=9, frameon=False)
    s = result["settings"]
    fig.suptitle(f"TS RMS gradient < {s['ts_tol']:g}, DNEB {s['n_images']} images, band RMS force "
                 f"{s['neb_tol']:g},\nat most {s['neb_max_iter']} band iterations, same on both sides "
                 f"(higher is better; in brackets: pairs connected / tried)", fontsize=9)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig


def _arguments(parser):
    parser.add_argument("--neb-tol", type=float, help=f"band RMS force (default {SETTINGS['neb_tol']:g})")
    parser.add_argument("--neb-max-iter", type=int, help=f"band iterations (default {SETTINGS['neb_max_iter']})")


def _kwargs(args):
    settings = {k: v for k, v in (("neb_tol", args.neb_tol), ("neb_max_iter", args.neb_max_iter))
                if v is not None}
    return {"settings": settings} if settings else {}


def markdown(result, label):
    """Connections, converged transition states and their rates as a Markdown table."""
    m = result["machine"]
    rows = []
    for s in result["systems"]:
        for side, name in (("ljatlib", f"ljatlib ({m['numba_threads']} numba thread(s))"),
                           ("ljatlib_one_thread", "ljatlib (1 numba thread)"), ("pele", "pele")):
            if side in s:
                t = s[side]
                rows.append([s["name"], name, f"{t['n_success']} / {t['n_pairs']}",
                             f"{t['n_ts_converged']} / {t['n_ts_searches']}", f"{t['seconds']:.2f}",
                             f"{t['ts_converged_per_second']:.3g}", f"{t['connections_per_minute']:.3g}",
                             f"{t['fun_grad_fraction']:.0%} ({t['us_per_fun_grad']:.3g} µs)"])
    return (common.run_header(result, label) + "\n\n" + markdown_table(
        ["landscape", "connect", "pairs connected", "TS converged / searches", "seconds",
         "converged TS per second", "connections per minute", "time in energy+gradient (per evaluation)"],
        rows))


def main():
    common.main(__doc__, "connect", measure, plot, {"ljat3_rounds": 1, "net_pairs": 1, "bh_steps": 10},
                _arguments, _kwargs)


if __name__ == "__main__":
    sys.exit(main() and None)
