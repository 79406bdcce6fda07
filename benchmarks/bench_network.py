"""Benchmark: the MLP's loss + gradient and Hessian (ljatlib) vs JAX and plain numpy.

For hidden layers (3,), (10,), (3, 3) and (3, 3, 3) (2 inputs, 4 classes, lambda 1e-5):

* loss + gradient on N = 100,000 points: ljatlib's ``MLP.fun_grad`` (data validated
  once, as the optimisers call it), ``jax.jit(jax.value_and_grad(loss))`` in float64,
  and a vectorised numpy forward / backward pass written here;
* the full Hessian on N = 1,000 points: ``MLP.hessian``, ``jax.jit(jax.hessian(loss))``
  and numpy Hessian-vector products along all unit vectors at once (the R-operator,
  batched over directions with matmuls).

Each time is the best of ``repeats`` calls after a warm-up call (compilation, caches);
JAX's arrays are already on the device and its results are waited for. JAX is optional
(``pip install -e .[bench]``): without it its columns are recorded as missing. Also
records the largest absolute differences between the implementations' results. The
data are uniform in [0.5, 3]^2 with random classes (the cost does not depend on them).

    python benchmarks/bench_network.py [--quick] [--out benchmarks/results]
"""

import numpy as np

import common
from ljatlib._tables import markdown_table
from ljatlib.network import MLP

CASES = [(3,), (10,), (3, 3), (3, 3, 3)]


# -- plain numpy ----------------------------------------------------------------------
def reg_mask(net):
    """1 for the parameters in the L2 term, 0 for the others (flat layout)."""
    return net.pack([(np.ones(W.shape), np.full(b.shape, float(net.regularise_biases)))
                     for W, b in net.unpack(np.zeros(net.n_params))])


def numpy_loss_grad(net, w, X, y, mask):
    """(L, dL/dw) by a vectorised numpy forward and backward pass."""
    layers, n = net.unpack(w), len(y)
    acts = [X]
    for W, b in layers[:-1]:
        acts.append(np.tanh(acts[-1] @ W.T + b))
    z = acts[-1] @ layers[-1][0].T + layers[-1][1]
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    tot = e.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = np.mean(m[:, 0] + np.log(tot[:, 0]) - z[rows, y]) + net.lam * np.dot(mask * w, w)
    delta = e / tot
    delta[rows, y] -= 1.0
    delta /= n
    grads = []
    for l in range(len(layers) - 1, -1, -1):
        a = acts[l]
        grads.append((delta.T @ a, delta.sum(axis=0)))
        if l > 0:
            delta = (delta @ layers[l][0]) * (1.0 - a * a)
    return loss, net.pack(grads[::-1]) + 2.0 * net.lam * mask * w


def numpy_hessian(net, w, X, y, mask):
    """d2L/dw2: Hessian-vector products along every unit vector, batched (P, N, nodes)."""
    layers, n, n_par = net.unpack(w), len(y), net.n_params
    eye = np.eye(n_par)  # the directions, one per row
    d_layers = [(eye[:, o:o + n_out * n_in].reshape(n_par, n_out, n_in), eye[:, ob:ob + n_out])
                for o, ob, n_in, n_out in zip(net.w_off, net.b_off, net.sizes[:-1], net.sizes[1:])]
    acts, r_acts = [X], [None]
    for l, ((W, b), (dW, db)) in enumerate(zip(layers, d_layers)):
        s = acts[-1] @ W.T + b
        r_s = acts[-1] @ dW.transpose(0, 2, 1) + db[:, None, :]
        if l > 0:
            r_s += r_acts[-1] @ W.T
        if l < len(layers) - 1:
            a = np.tanh(s)
            acts.append(a)
            r_acts.append((1.0 - a * a) * r_s)
    z, r_z = s, r_s
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    delta = p.copy()
    delta[np.arange(n), y] -= 1.0
    delta /= n
    r_delta = p * (r_z - (p * r_z).sum(axis=2, keepdims=True)) / n
    blocks = []
    for l in range(len(layers) - 1, -1, -1):
        a, r_a = acts[l], r_acts[l]
        r_gW = r_delta.transpose(0, 2, 1) @ a
        if l > 0:
            r_gW += delta.T @ r_a
        blocks.append(np.concatenate([r_gW.reshape(n_par, -1), r_delta.sum(axis=1)], axis=1))
        if l > 0:
            W, dW = layers[l][0], d_layers[l][0]
            beta = delta @ W
            dphi = 1.0 - a * a
            r_delta = dphi * (r_delta @ W + delta @ dW) - 2.0 * a * r_a * beta  # R{s} tanh'' = -2 a R{a}
            delta = dphi * beta
    return np.concatenate(blocks[::-1], axis=1) + np.diag(2.0 * net.lam * mask)


# -- JAX ------------------------------------------------------------------------------
def jax_functions(net, mask):
    """(jit value_and_grad, jit hessian, to-device) in float64, or None without JAX."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    sizes = [int(s) for s in net.sizes]
    jmask = jnp.asarray(mask)

    def loss(w, X, y):
        h, o = X, 0
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            W = w[o:o + n_in * n_out].reshape(n_out, n_in)
            b = w[o + n_in * n_out:o + (n_in + 1) * n_out]
            o += (n_in + 1) * n_out
            h = h @ W.T + b
            if l < len(sizes) - 2:
                h = jnp.tanh(h)
        log_p = jax.nn.log_softmax(h)
        return -jnp.mean(log_p[jnp.arange(y.shape[0]), y]) + net.lam * jnp.sum(jmask * w * w)

    return (jax.jit(jax.value_and_grad(loss)), jax.jit(jax.hessian(loss)),
            lambda a: jax.device_put(jnp.asarray(a)), jax.block_until_ready)


# -- measurement ----------------------------------------------------------------------
def best_ms(fn, repeats):
    """Best wall time of ``repeats`` calls in milliseconds (after one warm-up call)."""
    return 1e3 * common.best_time(fn, repeats, warmup=True)[0]


def machine():
    try:
        import jax
        jax_version = jax.__version__
    except ImportError:
        jax_version = None
    return common.machine(jax=jax_version)


def max_diff(a, b):
    return float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))))


def measure(n_grad=100_000, n_hess=1_000, repeats=20, hess_repeats=20, numpy_repeats=10, seed=0,
            cases=CASES):
    """Time loss+gradient and Hessian of each case; a JSON-serialisable dict (times in ms).

    All of ljatlib's timings come first, then JAX's, then numpy's, so that thread pools
    left spinning by one implementation (XLA's, OpenBLAS's) cannot slow another's."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.5, 3.0, (n_grad, 2))
    y = rng.integers(0, 4, n_grad)
    Xh, yh = X[:n_hess], y[:n_hess]
    nets = [MLP(hidden) for hidden in cases]
    weights = [net.random_weights(rng) for net in nets]
    grad_rows, hess_rows, ours = [], [], []
    for net, w in zip(nets, weights):
        fg = net.fun_grad(X, y)
        grad_rows.append({"hidden": list(net.hidden), "n_params": int(net.n_params),
                          "ours_ms": best_ms(lambda: fg(w), repeats),
                          "ours_method_ms": best_ms(lambda: net.loss_and_gradient(w, X, y), repeats)})
        hess_rows.append({"hidden": list(net.hidden), "n_params": int(net.n_params),
                          "ours_ms": best_ms(lambda: net.hessian(w, Xh, yh), hess_repeats)})
        ours.append((*fg(w), net.hessian(w, Xh, yh)))
    for net, w, g_row, h_row, (loss, grad, hess) in zip(nets, weights, grad_rows, hess_rows, ours):
        jx = jax_functions(net, reg_mask(net))
        if jx is None:
            break
        vg, hj, dev, block = jx
        wj, Xj, yj, Xhj, yhj = dev(w), dev(X), dev(y), dev(Xh), dev(yh)
        g_row["jax_ms"] = best_ms(lambda: block(vg(wj, Xj, yj)), repeats)
        l_j, g_j = vg(wj, Xj, yj)
        g_row["jax_loss_diff"], g_row["jax_grad_diff"] = abs(loss - float(l_j)), max_diff(grad, g_j)
        h_row["jax_ms"] = best_ms(lambda: block(hj(wj, Xhj, yhj)), hess_repeats)
        h_row["jax_diff"] = max_diff(hess, hj(wj, Xhj, yhj))
    for net, w, g_row, h_row, (loss, grad, hess) in zip(nets, weights, grad_rows, hess_rows, ours):
        mask = reg_mask(net)
        g_row["numpy_ms"] = best_ms(lambda: numpy_loss_grad(net, w, X, y, mask), numpy_repeats)
        l_n, g_n = numpy_loss_grad(net, w, X, y, mask)
        g_row["numpy_loss_diff"], g_row["numpy_grad_diff"] = abs(loss - l_n), max_diff(grad, g_n)
        h_row["numpy_ms"] = best_ms(lambda: numpy_hessian(net, w, Xh, yh, mask), numpy_repeats)
        h_row["numpy_diff"] = max_diff(hess, numpy_hessian(net, w, Xh, yh, mask))
    for row in grad_rows + hess_rows:
        for other in ("jax", "numpy"):
            if f"{other}_ms" in row:
                row[f"speedup_vs_{other}"] = row[f"{other}_ms"] / row["ours_ms"]
            else:
                row[f"{other}_ms"] = None  # not installed
    return {"machine": machine(), "n_grad": n_grad, "n_hess": n_hess, "repeats": repeats,
            "hess_repeats": hess_repeats, "numpy_repeats": numpy_repeats,
            "loss_grad": grad_rows, "hessian": hess_rows}


def plot(result):
    """Milliseconds per call (log scale) of the three implementations, per architecture."""
    import matplotlib.pyplot as plt
    kinds = [("loss_grad", f"loss + gradient, N = {result['n_grad']:,}"),
             ("hessian", f"full Hessian, N = {result['n_hess']:,}")]
    impls = [("ours", "ljatlib", "#1f77b4"), ("jax", "JAX (jit, CPU)", "#2ca02c"),
             ("numpy", "numpy", "#ff7f0e")]
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 3.4))
    for ax, (kind, title) in zip(axes, kinds):
        rows = result[kind]
        common.timing_bars(ax, rows, impls, "ours", [f"H = {tuple(r['hidden'])}" for r in rows])
        ax.set_xlabel("milliseconds per call (best of repeats)")
        ax.set_title(title, fontsize=10)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9, frameon=False)
    fig.suptitle(f"{result['machine']['cpu']}, {result['machine']['numba_threads']} threads "
                 "(ratios: time / ljatlib's time)", fontsize=9)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def markdown(result, label):
    """Loss + gradient and Hessian timings as two Markdown tables under a header."""
    r = result

    def fmt(v):
        return "—" if v is None else f"{v:.2f}"

    def ratio(row, other):
        v = row.get(f"speedup_vs_{other}")
        return "—" if v is None else f"{v:.1f}×"
    parts = [f"**{label}** — {r['machine']['date']}, {r['machine']['cpu']}"]
    for kind, title in (("loss_grad", f"loss + gradient, N = {r['n_grad']:,}"),
                        ("hessian", f"full Hessian, N = {r['n_hess']:,}")):
        rows = [[str(tuple(row["hidden"])), row["n_params"], fmt(row["ours_ms"]), fmt(row["jax_ms"]),
                 fmt(row["numpy_ms"]), ratio(row, "jax"), ratio(row, "numpy")] for row in r[kind]]
        parts.append(f"*{title}* (milliseconds per call, best of several)\n\n" + markdown_table(
            ["hidden layers", "parameters", "ljatlib", "JAX", "numpy", "vs JAX", "vs numpy"], rows))
    return "\n\n".join(parts)


def main():
    common.main(__doc__, "network", measure, plot,
                {"n_grad": 10_000, "n_hess": 200, "repeats": 3, "hess_repeats": 3, "numpy_repeats": 2})


if __name__ == "__main__":
    main()
