"""Baseline: pele's DoubleEndedConnect between given pairs of minima (LJAT3 or an MLP loss).

Run with .venv-pele/bin/python (see install_pele.sh); bench_connect.py calls it:
    .venv-pele/bin/python benchmarks/pele_connect_worker.py problem.npz params.json \\
        --site-packages .venv/lib/python3.11/site-packages

problem.npz: ``kind`` ("ljat3" or "mlp"), ``minima`` (m, n) and ``energies`` (m,)
of the endpoint minima, ``pairs`` (k, 2) indices into them, ``check_x`` (c, n) with
ljatlib's ``check_f`` (c,) and ``check_g`` (c, n) there (to prove the two sides
minimise the same function), and for "mlp" ``hidden``, ``lam``,
``regularise_biases``, ``X``, ``y``. params.json: the shared settings (see
bench_connect.py). Prints one JSON line: per pair {seconds, success, n_ts,
n_ts_searches, n_ts_converged, n_minima, n_fun_grad, fun_grad_seconds} and the
largest differences from ljatlib's energy and gradient.

Potentials: "ljat3" is pele's ``ATLJ(eps=1, sig=1, Z)`` (LJ in C++, Axilrod-Teller
in Fortran, analytic gradient, called from Python). "mlp" wraps ljatlib's
``MLP.fun_grad(X, y)`` (the same numba kernel ljatlib's ``network_system`` calls) in a
pele ``BasePotential``: pele pays one Python callback per evaluation, as ljatlib
does through ``system.fun_grad``. ljatlib is imported from the main venv
(``--site-packages``; same Python and numpy versions) for the MLP and for the
structure comparison (``same_ljat3`` / ``SameNetwork``) that decides whether two
minima of equal energy are the same, as in ljatlib's database.
"""
import argparse
import json
import site
import sys
import time

import numpy as np

from common import stdout_silenced  # benchmarks/ is on sys.path when run as a script


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problem", help=".npz (see above)")
    ap.add_argument("params", help=".json of shared settings")
    ap.add_argument("--site-packages", required=True, help="the main venv's site-packages (for ljatlib)")
    args = ap.parse_args()
    site.addsitedir(args.site_packages)  # appended: pele's own packages come first

    import pele.landscape.local_connect as local_connect
    from pele.landscape import DoubleEndedConnect
    from pele.optimize import mylbfgs
    from pele.potentials import ATLJ, BasePotential
    from pele.storage import Database

    problem = np.load(args.problem)
    params = json.loads(open(args.params).read())
    kind = str(problem["kind"])

    if kind == "ljat3":
        from ljatlib.systems.mindist import same_ljat3 as same_structure
        base = ATLJ(eps=1.0, sig=1.0, Z=params["z"])
        orthog = 0  # pele's default: project out translations and rotations
    else:
        from ljatlib.systems.mindist import SameNetwork
        from ljatlib.network import MLP
        net = MLP(tuple(int(h) for h in problem["hidden"]), lam=float(problem["lam"]),
                  regularise_biases=bool(problem["regularise_biases"]))
        same_structure = SameNetwork(net, params["structure_tol"])
        fun_grad = net.fun_grad(problem["X"], problem["y"])

        class MLPLoss(BasePotential):
            def getEnergy(self, x):
                return fun_grad(x)[0]

            def getEnergyGradient(self, x):
                return fun_grad(x)

        base = MLPLoss()
        orthog = None  # no zero modes by symmetry

    class Counted(BasePotential):
        """Counts evaluations and the time spent in them (like bench_connect's ljatlib side)."""

        def __init__(self):
            self.n, self.seconds = 0, 0.0

        def getEnergy(self, x):
            t0 = time.perf_counter()
            e = base.getEnergy(x)
            self.seconds += time.perf_counter() - t0
            self.n += 1
            return e

        def getEnergyGradient(self, x):
            t0 = time.perf_counter()
            e, g = base.getEnergyGradient(x)
            self.seconds += time.perf_counter() - t0
            self.n += 1
            return e, g

    pot = Counted()
    f_diff = g_diff = 0.0
    for x, f, g in zip(problem["check_x"], problem["check_f"], problem["check_g"]):
        e, gr = base.getEnergyGradient(np.array(x))
        f_diff, g_diff = max(f_diff, abs(e - f)), max(g_diff, float(np.max(np.abs(gr - g))))

    searches = {"n": 0, "converged": 0}
    find_ts = local_connect.findTransitionState

    def counted_find_ts(*a, **kw):
        ret = find_ts(*a, **kw)
        searches["n"] += 1
        searches["converged"] += int(bool(ret.success) and ret.eigenval < 0)
        return ret
    local_connect.findTransitionState = counted_find_ts

    def mindist(x1, x2):  # plain Euclidean distance, no alignment (ljatlib's connect aligns first)
        return float(np.linalg.norm(x1 - x2)), x1, x2

    def quench(x):  # ljatlib's connected_minima: LBFGS, memory 30, step 0.1, to the TS tolerance
        return mylbfgs(x, pot, tol=params["min_tol"], M=30, maxstep=0.1, nsteps=100_000)

    n_total = params["n_images"] + 2  # pele counts the two fixed end points
    local_params = {
        "NEBparams": {"k": params["neb_k"], "max_images": n_total, "image_density": 1e6,
                      "iter_density": params["neb_max_iter"] / n_total, "dneb": True,
                      "NEBquenchParams": {"tol": params["neb_tol"], "maxErise": 100.0}},
        "tsSearchParams": {"tol": params["ts_tol"], "orthogZeroEigs": orthog, "verbosity": 0,
                           "nsteps": params["ts_max_iter"], "index_seed": 0},
        "pushoff_params": {"stepmin": params["push_off"], "quench": quench},
        "verbosity": 0,
    }

    minima, energies = problem["minima"], problem["energies"]
    rows = []
    with stdout_silenced():
        for i, j in problem["pairs"]:
            db = Database(accuracy=params["energy_tol"],
                          compareMinima=lambda a, b: same_structure(a.coords, b.coords))
            m1 = db.addMinimum(float(energies[i]), minima[i])
            m2 = db.addMinimum(float(energies[j]), minima[j])
            pot.n, pot.seconds = 0, 0.0
            searches.update(n=0, converged=0)
            t0 = time.perf_counter()
            dec = DoubleEndedConnect(m1, m2, pot, mindist, db, verbosity=0,
                                     niter=params["max_attempts"], local_connect_params=local_params)
            try:
                dec.connect()
                error = None
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
            seconds = time.perf_counter() - t0
            rows.append({"pair": [int(i), int(j)], "seconds": seconds, "success": bool(dec.success()),
                         "error": error,
                         "n_ts": db.number_of_transition_states(), "n_minima": db.number_of_minima(),
                         "n_ts_searches": searches["n"], "n_ts_converged": searches["converged"],
                         "n_fun_grad": pot.n, "fun_grad_seconds": pot.seconds})
    import pele
    print(json.dumps({"pairs": rows, "energy_diff": f_diff, "gradient_diff": g_diff,
                      "pele": getattr(pele, "__version__", None) or _version("pele")}))


def _version(name):
    import importlib.metadata
    return importlib.metadata.version(name)


if __name__ == "__main__":
    sys.exit(main())
