"""Benchmark: batched LJAT3 minimisation (ljatlib) vs scipy's L-BFGS-B loop vs pele.

All three minimise D2 starts (three atoms in a cube of side 1.385) to RMS gradient
1e-6 with the same potential: ljatlib's ``minimize_ljat3`` on the whole of D2
(parallel, and again on one thread); ``scipy.optimize.minimize(method="L-BFGS-B")``
per start on a sample, calling the same numba-compiled potential kernel; pele's C++
``LBFGS_CPP`` on pele's ``ATLJ`` potential per start on a sample (if .venv-pele
exists: see install_pele.sh). Also reports how often each lands in the same minimum
as ljatlib.

    python benchmarks/bench_minimize.py [--quick] [--out benchmarks/results]
"""

import tempfile

import numba
import numpy as np

import common
from ljatlib._tables import markdown_table
from common import best_time, machine
from ljatlib.data import DATASETS, label_outcomes, random_starts
from ljatlib.optimize import minimize_ljat3, minimize_ljat3_scipy


def run_pele(starts):
    """pele's LBFGS_CPP on ATLJ in its own venv; returns (per-minimisation us, labels) or None."""
    with tempfile.TemporaryDirectory() as tmp:
        np.save(f"{tmp}/starts.npy", starts)
        summary = common.run_pele_worker("pele_lbfgs_worker.py",
                                         [f"{tmp}/starts.npy", f"{tmp}/out.npz", "--pot", "py"])
        if summary is None:
            return None
        out = np.load(f"{tmp}/out.npz")
        from ljatlib.data import classify
        labels = np.where(out["success"], classify(out["coords"]), -2)
        return summary["per_min_us"], labels


def measure(n_d2=DATASETS["D2"]["n"], n_scipy=2000, n_pele=20000, repeats=3):
    """Time the three minimisers; returns a JSON-serialisable dict (times in us per minimisation)."""
    spec = DATASETS["D2"]
    starts = random_starts(n_d2, spec["L"], spec["seed"])
    minimize_ljat3(starts[:100])  # compile / load the numba cache outside the timing
    wall, ours = best_time(lambda: minimize_ljat3(starts), repeats)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        one_thread, _ = best_time(lambda: minimize_ljat3(starts), repeats)
    finally:
        numba.set_num_threads(threads)
    ours_labels = label_outcomes(ours)
    result = {"machine": machine(), "n_d2": n_d2, "repeats": repeats,
              "ours_seconds_full": wall, "ours_us": 1e6 * wall / n_d2,
              "ours_us_one_thread": 1e6 * one_thread / n_d2,
              "ours_mean_iterations": float(ours.n_iter.mean()),
              "ours_converged": float(np.mean(ours.status == 0))}
    sample = starts[:n_scipy]
    t_scipy, scipy_res = best_time(lambda: minimize_ljat3_scipy(sample), 1)
    result.update(n_scipy=n_scipy, scipy_us=1e6 * t_scipy / n_scipy,
                  scipy_same_minimum=float(np.mean(label_outcomes(scipy_res) == ours_labels[:n_scipy])))
    pele = run_pele(starts[:n_pele])
    if pele is not None:
        result.update(n_pele=n_pele, pele_us=pele[0],
                      pele_same_minimum=float(np.mean(pele[1] == ours_labels[:n_pele])))
    for name in ("scipy", "pele"):
        if f"{name}_us" in result:
            result[f"speedup_vs_{name}"] = result[f"{name}_us"] / result["ours_us"]
            result[f"speedup_vs_{name}_per_core"] = result[f"{name}_us"] / result["ours_us_one_thread"]
    return result


def plot(result):
    """Bar chart of microseconds per minimisation (log scale) with the speed-ups."""
    import matplotlib.pyplot as plt
    names = [f"ljatlib ({result['machine']['numba_threads']} threads)", "ljatlib (1 thread)"]
    values = [result["ours_us"], result["ours_us_one_thread"]]
    for key, label in (("scipy", "scipy L-BFGS-B loop"), ("pele", "pele LBFGS_CPP loop")):
        if f"{key}_us" in result:
            names.append(label)
            values.append(result[f"{key}_us"])
    fig, ax = plt.subplots(figsize=(6.8, 2.8))
    bars = ax.barh(names[::-1], values[::-1], color=["#1f77b4", "#1f77b4", "#ff7f0e", "#2ca02c"][:len(names)][::-1])
    ax.set_xscale("log")
    ax.set_xlabel("microseconds per LJAT3 minimisation (D2 starts, RMS gradient < 1e-6)")
    for bar, v in zip(bars, values[::-1]):
        ax.text(v * 1.1, bar.get_y() + bar.get_height() / 2, f"{v:.3g} us ({v / result['ours_us']:.0f}x)",
                va="center", fontsize=9)
    ax.set_xlim(min(values) / 2, max(values) * 20)
    fig.tight_layout()
    return fig


def markdown(result, label):
    """The result as a Markdown table under a header naming the run and the machine."""
    r = result
    rows = [[f"ljatlib, all of D2 ({r['n_d2']:,} starts)", f"{r['ours_seconds_full']:.2f} s total, "
             f"{r['ours_us']:.2f} µs", "—", "—"],
            ["ljatlib, 1 thread", f"{r['ours_us_one_thread']:.2f} µs", "—", "—"]]
    for key, name in (("scipy", "scipy L-BFGS-B loop"), ("pele", "pele LBFGS_CPP loop")):
        if f"{key}_us" in r:
            rows.append([f"{name} ({r[f'n_{key}']:,} starts)", f"{r[f'{key}_us']:.1f} µs",
                         f"**{r[f'speedup_vs_{key}']:.0f}×** ({r[f'speedup_vs_{key}_per_core']:.0f}× per core)",
                         f"{r[f'{key}_same_minimum']:.1%}"])
    return (common.run_header(r, label) + f", numba {r['machine']['numba']}\n\n"
            + markdown_table(["minimiser", "time per minimisation", "ljatlib is faster by",
                              "same minimum as ljatlib"], rows))


def main():
    common.main(__doc__, "minimize", measure, plot,
                {"n_d2": 20000, "n_scipy": 200, "n_pele": 2000, "repeats": 1})


if __name__ == "__main__":
    main()
