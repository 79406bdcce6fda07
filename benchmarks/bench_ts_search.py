"""Benchmark: transition-state refinement on BLJ256 (768 coordinates), full
diagonalisation vs the partitioned step.

``ljatlib.transition_states.eigenvector_following`` diagonalises the Hessian at every
step up to ``dense_below`` (300) coordinates. Above, it takes the lowest eigenpair from
Lanczos (warm-started) and the rest of the step from one Cholesky solve. Measured here,
in one run:

* per step, at BLJ256 band maxima: the Hessian, its full diagonalisation (what a
  researcher would write with numpy), the Lanczos lowest eigenpair from the previous
  step's eigenvector, and the partitioned step (Cholesky; with the Lanczos call, all a
  step needs besides the Hessian);
* per search: from every local maximum of DNEBs between ``n_pairs`` pairs of minima
  (the second a quench from the first displaced by up to 0.3 per coordinate, as a
  basin-hopping step of the S4 chapter), both refinements with the band tangent as
  direction and a trust radius of the endpoints' distance: time, whether each
  converged, and whether both reached the same transition state.

    python benchmarks/bench_ts_search.py [--quick] [--out benchmarks/results]
"""

import time

import numpy as np

import common
from ljatlib._tables import markdown_table
from ljatlib.systems import binary_lj_system
from ljatlib.optimize import LBFGSParams, lbfgs
from ljatlib.potentials.binary_lj import BinaryLJ
from ljatlib.transition_states import dneb, eigenvector_following
from ljatlib.transition_states.eigenvector_following import partitioned_step

QUENCH = LBFGSParams(tol=1e-6, memory=30, max_step=0.1, max_iter=100_000)


def _pairs(system, pot, rng, n_pairs):
    a = lbfgs(system.fun_grad, pot.random_configuration(rng), QUENCH).x
    for _ in range(n_pairs):
        b = lbfgs(system.fun_grad, a + rng.uniform(-0.3, 0.3, a.shape), QUENCH).x
        yield a, system.align(a, b)
        a = b


def _search(system, x, tangent, limit, dense_below):
    t0 = time.perf_counter()
    ts = eigenvector_following(system, x, direction=tangent, max_distance=limit,
                               dense_below=dense_below)
    return time.perf_counter() - t0, ts


def measure(n_pairs=5, repeats=3, seed=0):
    pot = BinaryLJ(204, 52)
    system = binary_lj_system(pot)
    rng = np.random.default_rng(seed)
    steps = {"hessian": [], "full_diagonalisation": [], "lanczos": [], "partitioned_step": []}
    searches = []
    for a, b in _pairs(system, pot, rng, n_pairs):
        band = dneb(system, a, b, n_images=20, max_iter=300)
        limit = max(1.0, float(np.linalg.norm(b - a)))
        for i in band.local_maxima()[:3]:
            x, tangent = band.images[i], band.tangent(i)
            hess = system.hessian(x)
            zero = system.zero_modes(x)
            _, v = system.lowest_mode(x, dense_below=0, hessian=hess)
            near = v + 0.1 * tangent  # as the previous step's eigenvector, not the same
            for key, fn in (("hessian", lambda: system.hessian(x)),
                            ("full_diagonalisation", lambda: system.projected_hessian_eigh(x)),
                            ("lanczos", lambda: system.lowest_mode(x, v0=near, dense_below=0, hessian=hess)),
                            ("partitioned_step", lambda: partitioned_step(hess, zero, system.fun_grad(x)[1],
                                                                         v, 0.3))):
                steps[key].append(common.best_time(fn, repeats, warmup=True)[0])
            t_full, full = _search(system, x, tangent, limit, dense_below=10 ** 9)
            t_part, part = _search(system, x, tangent, limit, dense_below=300)
            same = bool(full.converged and part.converged and abs(full.energy - part.energy) < 1e-6
                        and np.linalg.norm(part.x - system.align(part.x, full.x)) < 1e-3)
            searches.append({"full_s": t_full, "full_converged": bool(full.converged),
                             "full_steps": int(full.n_iter), "partitioned_s": t_part,
                             "partitioned_converged": bool(part.converged),
                             "partitioned_steps": int(part.n_iter), "same_ts": same})
    full_s = sum(s["full_s"] for s in searches)
    part_s = sum(s["partitioned_s"] for s in searches)
    return {"machine": common.machine(), "system": "BLJ256", "n_coordinates": system.n,
            "n_pairs": n_pairs, "step_ms": {k: 1e3 * float(np.median(v)) for k, v in steps.items()},
            "searches": searches, "full_total_s": full_s, "partitioned_total_s": part_s,
            "speedup": full_s / part_s if part_s else float("nan")}


def summary(result):
    s = result["searches"]
    both = [r for r in s if r["full_converged"] and r["partitioned_converged"]]
    return {"n_searches": len(s),
            "full_converged": sum(r["full_converged"] for r in s),
            "partitioned_converged": sum(r["partitioned_converged"] for r in s),
            "both_converged": len(both), "same_ts": sum(r["same_ts"] for r in s)}


def markdown(result, label):
    """Step costs and whole-search totals, full diagonalisation against partitioned steps."""
    steps, counts = result["step_ms"], summary(result)
    return (common.run_header(result, label) + f"; {result['n_coordinates']} coordinates\n\n"
            + markdown_table(["per step (ms)", "Hessian", "full diagonalisation", "Lanczos lowest mode",
                              "partitioned step"],
                             [["median", *(f"{steps[k]:.3g}" for k in ("hessian", "full_diagonalisation",
                                                                        "lanczos", "partitioned_step"))]])
            + "\n\n" + markdown_table(
                [f"{counts['n_searches']} searches", "total time (s)", "converged"],
                [["full diagonalisation", f"{result['full_total_s']:.1f}", counts["full_converged"]],
                 ["partitioned", f"{result['partitioned_total_s']:.1f}", counts["partitioned_converged"]]])
            + f"\n\nPartitioned faster by **{result['speedup']:.1f}×** in all; {counts['both_converged']} "
            f"searches converged both ways, {counts['same_ts']} of them to the same transition state.")


def plot(result):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 3.4))
    steps = result["step_ms"]
    labels = ["Hessian", "full\ndiagonalisation", "Lanczos\nlowest mode", "partitioned\nstep"]
    axes[0].bar(labels, [steps[k] for k in ("hessian", "full_diagonalisation", "lanczos",
                                             "partitioned_step")],
                color=["grey", "tab:red", "tab:blue", "tab:blue"])
    axes[0].set_ylabel("milliseconds (BLJ256, 768 coordinates)")
    s = result["searches"]
    full = np.array([r["full_s"] for r in s])
    part = np.array([r["partitioned_s"] for r in s])
    conv = np.array([r["full_converged"] for r in s])
    axes[1].scatter(full[conv], part[conv], label="full EF converged")
    axes[1].scatter(full[~conv], part[~conv], marker="x", label="full EF abandoned")
    top = max(full.max(), part.max()) * 1.1
    axes[1].plot([0, top], [0, top], "k--", lw=0.8, label="equal time")
    axes[1].set_xlabel("full diagonalisation, seconds per search")
    axes[1].set_ylabel("partitioned, seconds per search")
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=9)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    common.main(__doc__, "ts_search", measure, plot, {"n_pairs": 1, "repeats": 1})
