"""Benchmark: the loss and gradients of a DNEB band's images, in one call or one by one.

A band of 20 images of an MLP's weights (2 inputs, 4 classes, lambda 1e-5), on N
random training points, is evaluated by:

* ``MLP.fun_grad_many`` (ljatlib): every image in one compiled call, images in parallel;
* a Python loop over ``MLP.fun_grad``, what ``System.fun_grad_batch`` did before;
* a Python loop over a vectorised numpy forward / backward pass (``bench_network.py``'s),
  the plain alternative.

Then a whole DNEB (``ljatlib.transition_states.dneb``, 20 images, 300 LBFGS iterations)
between two weight vectors is timed as ljatlib runs it for a network loss (one compiled
loop: band force, tangents and LBFGS steps) and through the Python path (the LBFGS loop
in Python, the images evaluated by a loop over ``fun_grad``), the way every band ran
before. The two take the same steps (``tests/test_neb.py`` checks them equal to
round-off for 30 iterations); over 300 iterations round-off makes the bands differ, so
only the band evaluations are compared number for number. Times are the best of
``repeats`` after a warm-up.

    python benchmarks/bench_band.py [--quick] [--out benchmarks/results]
"""

import numpy as np

import common
from ljatlib._tables import markdown_table
from bench_network import numpy_loss_grad, reg_mask
from ljatlib.systems import network_system
from ljatlib.network import MLP
from ljatlib.transition_states import dneb

CASES = [((3,), 100), ((3,), 250), ((3, 3), 100), ((3, 3), 1000), ((3, 3), 10_000)]


def measure(cases=CASES, n_images=20, repeats=20, neb_iterations=300, neb_repeats=7, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for hidden, n in cases:
        net = MLP(hidden)
        X, y = rng.uniform(0.5, 3.0, (n, 2)), rng.integers(0, 4, n)
        W = rng.normal(scale=3.0, size=(n_images, net.n_params))
        many, one, mask = net.fun_grad_many(X, y), net.fun_grad(X, y), reg_mask(net)
        row = {"hidden": list(hidden), "n_data": n, "n_params": int(net.n_params)}
        row["many_ms"] = 1e3 * common.best_time(lambda: many(W), repeats, warmup=True)[0]
        row["loop_ms"] = 1e3 * common.best_time(lambda: [one(w) for w in W], repeats, warmup=True)[0]
        row["numpy_ms"] = 1e3 * common.best_time(lambda: [numpy_loss_grad(net, w, X, y, mask) for w in W],
                                                 repeats, warmup=True)[0]
        losses, grads = many(W)
        row["identical"] = bool(all(l == o[0] and np.array_equal(g, o[1])
                                    for l, g, o in zip(losses, grads, (one(w) for w in W))))
        compiled, looped = network_system(net, X, y), network_system(net, X, y)
        looped.fun_grad = lambda w, one=one: one(w)  # not a compiled objective: the Python path
        looped.fun_grad_many = None  # System.fun_grad_batch falls back to a loop over fun_grad
        a, b = W[0], W[-1]
        for name, system in (("compiled", compiled), ("loop", looped)):
            row[f"dneb_{name}_s"] = common.best_time(
                lambda s=system: dneb(s, a, b, n_images=n_images, max_iter=neb_iterations),
                neb_repeats, warmup=True)[0]
        row["speedup_vs_loop"] = row["loop_ms"] / row["many_ms"]
        row["speedup_vs_numpy"] = row["numpy_ms"] / row["many_ms"]
        row["dneb_speedup"] = row["dneb_loop_s"] / row["dneb_compiled_s"]
        rows.append(row)
    return {"machine": common.machine(), "n_images": n_images, "repeats": repeats,
            "neb_iterations": neb_iterations, "neb_repeats": neb_repeats, "rows": rows}


def markdown(result, label):
    """One batched call against loops, per band evaluation and per DNEB, as a Markdown table."""
    rows = [[str(tuple(r["hidden"])), f"{r['n_data']:,}", f"{r['many_ms']:.3g}",
             f"{r['loop_ms']:.3g} ({r['speedup_vs_loop']:.1f}×)", f"{r['numpy_ms']:.3g} ({r['speedup_vs_numpy']:.0f}×)",
             f"{r['dneb_compiled_s']:.3g}", f"{r['dneb_loop_s']:.3g} ({r['dneb_speedup']:.2f}×)",
             r["identical"]] for r in result["rows"]]
    m = result["machine"]
    return (f"**{label}** — {m['date']}, {m['cpu']}, {m['numba_threads']} numba threads, load average "
            f"{m['load_average']}; bands of {result['n_images']} images\n\n"
            + markdown_table(["hidden", "$N_{data}$", "one call (ms)", "loop over fun_grad (ms)",
                              "loop over numpy (ms)", "DNEB, compiled loop (s)", "DNEB, Python path (s)",
                              "band evaluations equal"], rows)
            + "\n\nRatios: time of the alternative / time of `fun_grad_many`. Above 1,024 data both ljatlib "
            "columns run the same code (image by image, the data in parallel): their ratio there is noise.")


def plot(result):
    """Milliseconds per band evaluation (log scale), per network and training-set size."""
    import matplotlib.pyplot as plt
    rows = result["rows"]
    impls = [("many", "fun_grad_many (one call)", "#1f77b4"), ("loop", "loop over fun_grad", "#9467bd"),
             ("numpy", "loop over numpy", "#ff7f0e")]
    fig, ax = plt.subplots(figsize=(6.8, 4.0))
    common.timing_bars(ax, rows, impls, "many",
                       [f"H = {tuple(r['hidden'])}, N = {r['n_data']:,}" for r in rows])
    ax.set_xlabel(f"milliseconds per band of {result['n_images']} images (best of repeats)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=9, frameon=False)
    ax.set_title(f"{result['machine']['cpu']}, {result['machine']['numba_threads']} threads", fontsize=9)
    fig.tight_layout()
    return fig


def main():
    common.main(__doc__, "band", measure, plot,
                {"cases": [((3,), 100), ((3, 3), 1000)], "repeats": 3, "neb_iterations": 50, "neb_repeats": 1})


if __name__ == "__main__":
    main()
