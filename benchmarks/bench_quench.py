"""Benchmark: basin-hopping's quenches of network losses, from the same starting points.

A quench takes a perturbed minimum (every weight moved uniformly by up to +-3, as the
S3 landscape builds do) to a minimum converged to RMS gradient 1e-9, the tolerance at
which minima are stored. Three ways, one numba thread:

* **ljatlib**: the network system's quench (``landscape.basinhopping.system_quench``):
  LBFGS with memory 500 (GMIN's) to RMS gradient 1e-5, then trust-region Newton steps
  with the exact Hessian;
* **ljatlib, LBFGS only** (the settings before 2026-12-04): LBFGS with memory 30 to
  1e-6 (which minimum), then on to 1e-9;
* **scipy** ``minimize(method="L-BFGS-B")`` with the same loss and gradient (memory 30,
  ``gtol`` 1e-9 on the largest gradient component, ``ftol`` 0), what a user would
  otherwise pick.

Recorded per network and data size: CPU seconds for all quenches, how many reached RMS
1e-9, how many end at a minimum (lowest Hessian eigenvalue > 0), and how often each way
ends in the same minimum as ljatlib (losses within 1e-8, the same canonical form).

    python benchmarks/bench_quench.py [--quick] [--out benchmarks/results]
"""

import time

import numpy as np

import common
from common import machine
from ljatlib._tables import markdown_table

CASES = [((3, 3), 1000, 20), ((3, 3, 3), 10_000, 6), ((3, 3, 3), 100_000, 2)]
WAYS = ["ljatlib", "ljatlib, LBFGS only", "scipy L-BFGS-B"]


def _ways(system):
    from scipy.optimize import minimize

    from ljatlib.landscape.basinhopping import quench, system_quench
    from ljatlib.optimize import lbfgs
    from ljatlib.systems import DEFAULT_QUENCH
    params, polish = system_quench(system)

    def ours(x):
        return quench(system.fun_grad, x, params, polish).x

    def before(x):
        loose = lbfgs(system.fun_grad, x, DEFAULT_QUENCH)
        return lbfgs(system.fun_grad, loose.x, DEFAULT_QUENCH, tol=1e-9).x

    def scipy_way(x):
        return minimize(system.fun_grad, x, jac=True, method="L-BFGS-B",
                        options=dict(maxcor=30, gtol=1e-9, ftol=0.0, maxiter=200_000, maxfun=400_000)).x
    return dict(zip(WAYS, (ours, before, scipy_way)))


def measure(cases=CASES, seed=0):
    from ljatlib.paper.builds import LandscapeSpec, landscape_problem
    from ljatlib.optimize import lbfgs
    rows = []
    for hidden, n_data, n_starts in cases:
        net, system, _ = landscape_problem(LandscapeSpec(hidden, n_data, 1, step_size=3.0))
        rng = np.random.default_rng(seed)
        centre = lbfgs(system.fun_grad, net.random_weights(rng), system.quench).x
        starts = [centre + rng.uniform(-3, 3, centre.shape) for _ in range(n_starts)]
        ways = _ways(system)
        for fn in ways.values():  # compile before the clock
            fn(centre)
        ends = {}
        for name, fn in ways.items():
            c = time.process_time()
            ends[name] = [fn(x) for x in starts]
            ends[name + " cpu"] = time.process_time() - c
        reference = [(system.energy(x), x) for x in ends[WAYS[0]]]
        for name in WAYS:
            xs = ends[name]
            energies = [system.energy(x) for x in xs]
            rms = [float(np.sqrt(np.mean(system.fun_grad(x)[1] ** 2))) for x in xs]
            rows.append({"hidden": list(hidden), "n_data": n_data, "quenches": n_starts, "way": name,
                         "cpu_s": round(ends[name + " cpu"], 3),
                         "converged": int(sum(r < 1e-9 for r in rms)),
                         "minima": int(sum(system.projected_hessian_eigh(x)[0][0] > 0 for x in xs)),
                         "same_as_ljatlib": int(sum(abs(e - re) < 1e-8 and system.same_structure(x, rx)
                                                    for e, x, (re, rx) in zip(energies, xs, reference))),
                         "median_loss": float(np.median(energies))})
    return {"machine": machine(numba_threads=1), "rows": rows}


def markdown(result, label):
    rows = []
    for r in result["rows"]:
        ours = next(o for o in result["rows"] if o["hidden"] == r["hidden"] and o["n_data"] == r["n_data"]
                    and o["way"] == WAYS[0])
        rows.append([f"{tuple(r['hidden'])}", f"{r['n_data']:,}", r["way"], f"{r['cpu_s'] / r['quenches']:.3g}",
                     f"{r['cpu_s'] / ours['cpu_s']:.2f}", f"{r['converged']} of {r['quenches']}",
                     f"{r['minima']} of {r['quenches']}", f"{r['same_as_ljatlib']} of {r['quenches']}",
                     f"{r['median_loss']:.5f}"])
    return (common.run_header(result, label) + "; one numba thread, the same starting points for every way\n\n"
            + markdown_table(["hidden layers", "data", "way", "CPU s per quench", "time / ljatlib's",
                              "RMS gradient < 1e-9", "at a minimum", "same minimum as ljatlib",
                              "median loss"], rows))


def plot(result):
    import matplotlib.pyplot as plt
    cases = []
    for r in result["rows"]:
        key = f"{tuple(r['hidden'])}, {r['n_data']:,} data"
        if key not in cases:
            cases.append(key)
    fig, ax = plt.subplots(figsize=(6.8, 1.5 + 0.9 * len(cases)))
    height = 0.8 / len(WAYS)
    colors = ["#1f77b4", "#9ecae1", "#ff7f0e"]
    for k, way in enumerate(WAYS):
        values = [r["cpu_s"] / r["quenches"] for r in result["rows"] if r["way"] == way]
        ax.barh(np.arange(len(cases)) + k * height, values, height, label=way, color=colors[k])
    ax.set_yticks(np.arange(len(cases)) + height, cases)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("CPU seconds per quench to RMS gradient 1e-9 (scipy: as far as it gets; one thread)")
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(WAYS), frameon=False)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    common.main(__doc__, "quench", measure, plot, {"cases": [((3, 3), 100, 3), ((3, 3, 3), 1000, 2)]})
