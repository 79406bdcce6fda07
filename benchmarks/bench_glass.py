"""Benchmark: the periodic binary Lennard-Jones glass-former (SI S4), ljatlib vs numpy + scipy.

For BLJ60 (48 A + 12 B; box side 3.91, so each pair sums the periodic images within the
cutoff) and BLJ256 (204 A + 52 B; nearest images only), at density 1:

* energy + gradient of one configuration: ljatlib's serial compiled kernel (the one
  the landscape tools call) and, per configuration, its parallel batch over a band of
  ``n_batch`` configurations (as the DNEB calls it), against a vectorised numpy
  implementation written here (all pairs and images as arrays);
* a quench from a random configuration: ljatlib's LBFGS on the compiled kernel to RMS
  gradient 1e-6, against ``scipy.optimize.minimize(method="L-BFGS-B")`` on the numpy
  energy + gradient (what a researcher without ljatlib would write) to largest
  gradient component 1e-6 (``gtol``; ``ftol`` 0 so that it does not stop earlier).

Times are the best of ``repeats`` after a warm-up call. Records the largest relative
difference between the two energies and the quench energies (the minimisers may
land in different minima: their step rules differ).

    python benchmarks/bench_glass.py [--quick] [--out benchmarks/results]
"""

import itertools

import numpy as np

import common
from ljatlib._tables import markdown_table
from ljatlib.systems import binary_lj_system
from ljatlib.optimize import lbfgs
from ljatlib.potentials.binary_lj import BinaryLJ

CASES = {"BLJ60": (48, 12), "BLJ256": (204, 52)}


def numpy_energy_gradient(pot):
    """fun_grad(x (3N,)) -> (E, dE/dx) by numpy arrays over all pairs and images."""
    types = pot.types
    i, j = np.triu_indices(pot.n_atoms, 1)
    sig2 = pot.sigma[types[i], types[j]] ** 2
    eps = pot.epsilon[types[i], types[j]]
    rc = pot.cutoff * pot.sigma[types[i], types[j]]
    x6 = (np.sqrt(sig2) / rc) ** 6
    a_coef, b_coef = 6 * x6 ** 2 - 3 * x6, -7 * x6 ** 2 + 4 * x6
    k = pot.n_image
    shifts = pot.box * np.array(list(itertools.product(range(-k, k + 1), repeat=3)), float)

    def fun_grad(x):
        pos = x.reshape(-1, 3)
        d0 = pos[i] - pos[j]
        d0 -= pot.box * np.round(d0 / pot.box)
        d = d0[None, :, :] + shifts[:, None, :]  # (images, pairs, 3)
        s = np.einsum("ipk,ipk->ip", d, d)
        inside = s < rc ** 2
        s = np.where(inside, s, 1.0)
        i3 = (sig2 / s) ** 3
        phi = 4 * eps * (i3 * i3 - i3 + a_coef * s / rc ** 2 + b_coef)
        dphi = 4 * eps * ((-6 * i3 * i3 + 3 * i3) / s + a_coef / rc ** 2)
        energy = np.sum(np.where(inside, phi, 0.0))
        f = (2 * np.where(inside, dphi, 0.0))[:, :, None] * d
        pair_grad = f.sum(axis=0)
        grad = np.zeros_like(pos)
        np.add.at(grad, i, pair_grad)
        np.add.at(grad, j, -pair_grad)
        return energy, grad.ravel()
    return fun_grad


def measure(repeats=20, n_batch=30, n_quench=3, seed=0):
    from scipy.optimize import minimize
    rows = []
    for name, (n_a, n_b) in CASES.items():
        pot = BinaryLJ(n_a, n_b)
        system = binary_lj_system(pot)
        ref = numpy_energy_gradient(pot)
        rng = np.random.default_rng(seed)
        starts = [pot.random_configuration(rng) for _ in range(max(n_batch, n_quench))]
        x = lbfgs(system.fun_grad, starts[0], system.quench).x  # a typical (low-energy) point
        band = np.stack([x + 0.05 * rng.normal(size=x.size) for _ in range(n_batch)])
        ours_s, (e_ours, _) = common.best_time(lambda: system.fun_grad(x), repeats, warmup=True)
        batch_s, _ = common.best_time(lambda: system.fun_grad_batch(band), repeats, warmup=True)
        numpy_s, (e_np, _) = common.best_time(lambda: ref(x), max(1, repeats // 4), warmup=True)
        q_ours, q_scipy, e_q_ours, e_q_scipy = [], [], [], []
        for x0 in starts[:n_quench]:
            t, r = common.best_time(lambda: lbfgs(system.fun_grad, x0, system.quench), 1, warmup=True)
            q_ours.append(t)
            e_q_ours.append(r.energy)
            t, r = common.best_time(lambda: minimize(ref, x0, jac=True, method="L-BFGS-B",
                                                     options={"gtol": 1e-6, "ftol": 0.0,
                                                              "maxiter": 100_000}), 1)
            q_scipy.append(t)
            e_q_scipy.append(float(r.fun))
        row = {"name": name, "n_atoms": pot.n_atoms, "box": pot.box, "n_image": pot.n_image,
               "ours_us": ours_s * 1e6, "ours_batch_us": batch_s / n_batch * 1e6,
               "numpy_us": numpy_s * 1e6, "speedup_vs_numpy": numpy_s / ours_s,
               "energy_rel_diff": abs(e_ours - e_np) / abs(e_np),
               "quench_energies_ours": e_q_ours, "quench_energies_scipy": e_q_scipy}
        if n_quench:
            row.update(quench_ours_ms=1e3 * float(np.mean(q_ours)),
                       quench_scipy_ms=1e3 * float(np.mean(q_scipy)),
                       quench_speedup=float(np.mean(q_scipy) / np.mean(q_ours)))
        rows.append(row)
    return {"machine": common.machine(), "n_batch": n_batch, "n_quench": n_quench, "systems": rows}


def markdown(result, label):
    """Energy + gradient and quench timings against numpy and scipy as a Markdown table."""
    def fmt(row, key, digits=3):
        return f"{row[key]:.{digits}g}" if key in row else "—"
    rows = [[f"{s['name']} ({s['n_atoms']} atoms{', images' if s['n_image'] else ''})", f"{s['ours_us']:.3g}",
             f"{s['ours_batch_us']:.3g}", f"{s['numpy_us']:.3g}", f"**{s['speedup_vs_numpy']:.0f}×**",
             f"{s['energy_rel_diff']:.1e}", fmt(s, "quench_ours_ms"), fmt(s, "quench_scipy_ms"),
             f"**{s['quench_speedup']:.0f}×**" if "quench_speedup" in s else "—"] for s in result["systems"]]
    return (common.run_header(result, label) + "\n\n" + markdown_table(
        ["system", "ljatlib: µs per energy + gradient", f"per configuration, batch of {result['n_batch']}",
         "numpy", "ljatlib faster by", "relative difference", "quench, ljatlib (ms)",
         "quench, scipy + numpy (ms)", "faster by"], rows))


def plot(result):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 3.4))
    names = [r["name"] for r in result["systems"]]
    x = np.arange(len(names))
    for offset, key, label in ((-0.27, "ours_us", "ljatlib, one call"),
                               (0.0, "ours_batch_us", f"ljatlib, batch of {result['n_batch']}"),
                               (0.27, "numpy_us", "numpy")):
        axes[0].bar(x + offset, [r[key] for r in result["systems"]], 0.27, label=label)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("microseconds per energy + gradient")
    for offset, key, label in ((-0.2, "quench_ours_ms", "ljatlib LBFGS"),
                               (0.2, "quench_scipy_ms", "scipy L-BFGS-B + numpy")):
        axes[1].bar(x + offset, [r.get(key, np.nan) for r in result["systems"]], 0.4, label=label)
    axes[1].set_yscale("log")
    axes[1].set_ylabel("milliseconds per quench from random")
    for ax in axes:
        ax.set_xticks(x, names)
        ax.legend(fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    common.main(__doc__, "glass", measure, plot, {"repeats": 3, "n_batch": 8, "n_quench": 1})
