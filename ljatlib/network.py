"""The multilayer perceptron of the LJAT3 problem and its loss (the "machine-learning landscape").

Inputs (r12, r13); H hidden tanh layers with biases; 4 linear outputs with biases and a
softmax. The loss of weights w on data (X, y) is

    L(w) = (1 / N) * sum_d [-ln p_{y_d}(x_d; w)] + lam * sum_n w_n^2

(lambda, not lambda / 2; biases included unless ``regularise_biases=False``).
The weights are one flat vector, layer by layer from the inputs: the weight matrix
of the layer (n_out, n_in) in row-major order, then its n_out biases.

Kernels are numba loops, parallel over chunks of the data. Inside a chunk the data
go in blocks of ``BLOCK`` points held as structure-of-arrays buffers (node, point),
so every innermost loop runs over points and LLVM vectorises it; ``tanh`` and ``exp``
are written out (:func:`_exp`, :func:`_tanh`, within 2 ulp of numpy's) because
libm's scalar calls cannot be vectorised (llvmlite has no SVML). The log of the
softmax normaliser (in [1, n_classes]) is taken of per-lane products, once per chunk.
The gradient is back-propagation; its sums over the points of a block are vectorised
dot products (fastmath 'reassoc' on those kernels only, never on the code of _exp).
Every sum has an order fixed by the block and chunk sizes, so results are the same
run to run and for any number of threads. The Hessian is exact: for the block of
layers (l, m), l >= m,

    d2L / dW_l[i', j'] dW_m[i, j] = sum_d a_m[j] (E_lm[i', i] a_l[j'] + delta_l[i'] da_l[j'] / ds_m[i])

with E_lm = d delta_l / d s_m (Gauss-Newton and second-order parts together) and
ds_l / ds_m propagated layer by layer per point; these are Pearlmutter's R-operator
products along the unit vectors, gathered by layer so each entry costs one
multiply-add per data point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import math
import types as types_module

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ._objective import CompiledHessian, CompiledObjective
from ._validation import as_finite_array, check_integer

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from numpy.typing import ArrayLike

BLOCK = 128  # data points per structure-of-arrays block (the vector lanes)
CHUNK = 8 * BLOCK  # data points per parallel work item of the loss and the gradient
HBLOCK = 128  # data points per block of the Hessian (fewer for wide layers: see _hessian)
MAX_HCHUNKS = 64  # the Hessian keeps one partial (n_params, n_params) matrix per chunk...
HCHUNK_BYTES = 1 << 27  # ... and at most this many bytes of them

# 'contract' only (fused multiply-adds). Never 'reassoc' on code that inlines _exp: it
# would fold (t - SHIFTER) back to x * LOG2E. numba's fastmath flags are inherited by
# callees that set none, and inline="always" copies a callee into the caller with the
# caller's flags, so every function below states its flags.
_FM = {"contract"}
_FM_REDUCE = {"contract", "reassoc"}  # for the sums over points (no _exp inlined there)


@intrinsic
def _bits(typingctx, x):
    """The IEEE bits of a float64 as an int64 (a bitcast, vectorisable)."""
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


@intrinsic
def _from_bits(typingctx, i):
    """The float64 with the IEEE bits of an int64."""
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


_SHIFTER = 6755399441055744.0  # 1.5 * 2**52: x + _SHIFTER rounds x to an integer in the low bits
_SHIFTER_BITS = int(np.float64(_SHIFTER).view(np.int64))
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # fdlibm's ln 2 split: n * _LN2_HI is exact for |n| < 2**20
_LN2_LO = 1.90821492927058770002e-10
_EP1 = 1.66666666666666019037e-01  # fdlibm e_exp.c, minimax on [-ln2/2, ln2/2]
_EP2 = -2.77777777770155933842e-03
_EP3 = 6.61375632143793436117e-05
_EP4 = -1.65339022054652515390e-06
_EP5 = 4.13813679705723846039e-08
_TP0 = -9.64399179425052238628e-01  # Cephes tanh.c, rational on |x| < 0.625
_TP1 = -9.92877231001918586564e+01
_TP2 = -1.61468768441708447952e+03
_TQ0 = 1.12811678491632931402e+02
_TQ1 = 2.23548839060100448583e+03
_TQ2 = 4.84406305325125486048e+03


@numba.njit(cache=True, error_model="numpy", inline="always", fastmath=_FM)
def _exp(x):
    """exp(x) within 1 ulp for -708 <= x <= 709; 0 below -708 (exact there to 2.3e-308).

    Branch-free so loops over it vectorise: Cody-Waite reduction x = n ln2 + r, fdlibm's
    rational form of exp(r), and 2**n built in the exponent bits.
    """
    xc = min(max(x, -708.0), 709.0)
    t = xc * _LOG2E + _SHIFTER
    n = t - _SHIFTER  # round(x / ln 2)
    hi = xc - n * _LN2_HI
    lo = n * _LN2_LO
    r = hi - lo
    s = r * r
    c = r - s * (_EP1 + s * (_EP2 + s * (_EP3 + s * (_EP4 + s * _EP5))))
    er = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    scale = _from_bits((_bits(t) - _SHIFTER_BITS + 1023) << 52)
    return er * scale if x >= -708.0 else 0.0


@numba.njit(cache=True, error_model="numpy", inline="always", fastmath=_FM)
def _tanh(x):
    """tanh(x) within 2 ulp, branch-free, with a single division (the divider is the
    bottleneck of vectorised code): Cephes' rational form x + x^3 P(x^2) / Q(x^2) for
    |x| < 0.625; above, 1 - 2 / (e + 1) with e = exp(2|x|) = 2**n (2 - c + 2r) / (2 - c)
    as in :func:`_exp`, i.e. 1 - 2 (2 - c) / (2**n (2 - c + 2r) + 2 - c)."""
    ax = min(abs(x), 20.0)  # tanh(20) is 1.0 in double precision
    u = 2.0 * ax
    t = u * _LOG2E + _SHIFTER
    n = t - _SHIFTER
    r = (u - n * _LN2_HI) - n * _LN2_LO
    s = r * r
    d = 2.0 - (r - s * (_EP1 + s * (_EP2 + s * (_EP3 + s * (_EP4 + s * _EP5)))))
    scale = _from_bits((_bits(t) - _SHIFTER_BITS + 1023) << 52)
    x2 = x * x
    small = ax < 0.625
    num = x * x2 * ((_TP0 * x2 + _TP1) * x2 + _TP2) if small else 2.0 * d
    den = ((x2 + _TQ0) * x2 + _TQ1) * x2 + _TQ2 if small else scale * (d + 2.0 * r) + d
    q = num / den
    big = 1.0 - q
    return x + q if small else (big if x >= 0.0 else -big)


@numba.njit(cache=True, error_model="numpy", fastmath=_FM)
def _forward_block(w, X, start, nb, sizes, w_off, b_off, act, z, e, mx, tot):
    """Forward pass of points start..start+nb-1, one lane per point.

    act[l, j, b]: input of layer l (act[0] = x); z[k, b]: logits; mx[b]: max_k z;
    e[k, b] = exp(z[k, b] - mx[b]); tot[b] = sum_k e[k, b] (in [1, n_classes]).
    """
    n_layers, n_classes = sizes.shape[0] - 1, sizes[-1]
    for j in range(sizes[0]):
        a0 = act[0, j]
        for b in range(nb):
            a0[b] = X[start + b, j]
    for l in range(n_layers):
        n_in, n_out = sizes[l], sizes[l + 1]
        hidden = l < n_layers - 1
        for i in range(n_out):
            out = act[l + 1, i] if hidden else z[i]
            bias = w[b_off[l] + i]
            for b in range(nb):
                out[b] = bias
            for j in range(n_in):
                wij = w[w_off[l] + i * n_in + j]
                a = act[l, j]
                for b in range(nb):
                    out[b] += wij * a[b]
            if hidden:
                for b in range(nb):
                    out[b] = _tanh(out[b])
    for b in range(nb):
        mx[b] = z[0, b]
    for k in range(1, n_classes):
        zk = z[k]
        for b in range(nb):
            mx[b] = max(mx[b], zk[b])
    for b in range(nb):
        tot[b] = 0.0
    for k in range(n_classes):
        zk, ek = z[k], e[k]
        for b in range(nb):
            ek[b] = _exp(zk[b] - mx[b])
            tot[b] += ek[b]


@numba.njit(cache=True, error_model="numpy")
def _check_kernel_args(w, X, sizes, w_off, b_off):
    """ValueError unless w, X and the layer offsets fit ``sizes``. The kernels index w,
    the gradient and the Hessian by these offsets without bounds checks, so weights of
    another network would read and write past the buffers."""
    n_layers = sizes.shape[0] - 1
    n_par = 0
    for l in range(n_layers):
        n_par += (sizes[l] + 1) * sizes[l + 1]
    if w.shape[0] != n_par or X.shape[1] != sizes[0]:
        raise ValueError("w or X does not fit the network's layer sizes")
    if w_off.shape[0] != n_layers or b_off.shape[0] != n_layers:
        raise ValueError("one weight and one bias offset per layer")


@numba.njit(cache=True, error_model="numpy")
def _check_labels(y, n_data, n_classes):
    if y.shape[0] != n_data:
        raise ValueError("y must have one class per row of X")
    for d in range(n_data):
        if y[d] < 0 or y[d] >= n_classes:
            raise ValueError("classes must lie in 0 .. n_classes - 1")


@numba.njit(cache=True, error_model="numpy", parallel=True, fastmath=_FM_REDUCE)
def _loss_grad(w, X, y, sizes, w_off, b_off, want_grad):
    """(sum_d -ln p_{y_d}, sum_d its gradient) without the 1/N and the L2 term."""
    _check_kernel_args(w, X, sizes, w_off, b_off)
    _check_labels(y, X.shape[0], sizes[-1])
    n_data, n_layers = X.shape[0], sizes.shape[0] - 1
    n_classes, width, n_par = sizes[-1], sizes.max(), w.shape[0]
    n_chunks = (n_data + CHUNK - 1) // CHUNK
    losses = np.zeros(n_chunks)
    grads = np.zeros((n_chunks, n_par if want_grad else 1))
    # ln sum_d tot_d is taken as ln prod_d tot_d per lane; tot <= n_classes, so flush the
    # product before it can overflow.
    flush = max(1, int(900.0 / math.log2(n_classes)))
    for c in numba.prange(n_chunks):
        act = np.empty((n_layers, width, BLOCK))
        z = np.empty((n_classes, BLOCK))
        e = np.empty((n_classes, BLOCK))
        mx, tot = np.empty(BLOCK), np.empty(BLOCK)
        lin, prod = np.zeros(BLOCK), np.ones(BLOCK)
        bufs = np.empty((2, width, BLOCK))  # deltas of the hidden layers, alternating
        g = np.zeros(n_par if want_grad else 1)
        stop = min(n_data, (c + 1) * CHUNK)
        n_blocks = 0
        for start in range(c * CHUNK, stop, BLOCK):
            nb = min(BLOCK, stop - start)
            _forward_block(w, X, start, nb, sizes, w_off, b_off, act, z, e, mx, tot)
            for b in range(nb):  # -ln p_y = mx + ln tot - z_y
                lin[b] += mx[b] - z[y[start + b], b]
                prod[b] *= tot[b]
            n_blocks += 1
            if n_blocks == flush:
                for b in range(BLOCK):
                    lin[b] += math.log(prod[b])
                    prod[b] = 1.0
                n_blocks = 0
            if not want_grad:
                continue
            for b in range(nb):
                tot[b] = 1.0 / tot[b]
            for k in range(n_classes):  # delta of the logits: p - onehot(y), into e
                ek = e[k]
                for b in range(nb):
                    ek[b] *= tot[b]
            for b in range(nb):  # (a scatter: a data-dependent select would be a branch)
                e[y[start + b], b] -= 1.0
            delta = e
            for l in range(n_layers - 1, -1, -1):
                n_in, n_out = sizes[l], sizes[l + 1]
                for i in range(n_out):
                    di = delta[i]
                    acc = 0.0
                    for b in range(nb):
                        acc += di[b]
                    g[b_off[l] + i] += acc
                    for j in range(n_in):
                        aj = act[l, j]
                        acc = 0.0
                        for b in range(nb):
                            acc += di[b] * aj[b]
                        g[w_off[l] + i * n_in + j] += acc
                if l > 0:
                    nxt = bufs[l % 2]
                    for j in range(n_in):
                        nj = nxt[j]
                        w0 = w[w_off[l] + j]
                        d0 = delta[0]
                        for b in range(nb):
                            nj[b] = w0 * d0[b]
                        for i in range(1, n_out):
                            wij = w[w_off[l] + i * n_in + j]
                            di = delta[i]
                            for b in range(nb):
                                nj[b] += wij * di[b]
                        aj = act[l, j]
                        for b in range(nb):
                            nj[b] *= 1.0 - aj[b] * aj[b]
                    delta = nxt
        total = 0.0
        for b in range(BLOCK):
            total += lin[b] + math.log(prod[b])
        losses[c] = total
        if want_grad:
            grads[c] = g
    grad = np.zeros(w.shape[0])
    if want_grad:
        for c in range(n_chunks):
            for q in range(n_par):
                grad[q] += grads[c, q]
    total = 0.0
    for c in range(n_chunks):  # explicit loops: parallel=True would split array expressions
        total += losses[c]
    return total, grad


@numba.njit(cache=True, error_model="numpy", parallel=True, fastmath=_FM_REDUCE)
def _hessian(w, X, y, sizes, w_off, b_off):
    """Sum over the data of the per-point Hessians (lower triangle mirrored), exact.

    Code layer l maps act[l] (sizes[l]) to s_l (sizes[l + 1]); delta_l = dL/ds_l. For
    every column layer m: T_l = ds_l/ds_m (l > m, forward), E_l = d delta_l/ds_m
    (l >= m, backward), then the blocks (l, m) of the docstring of the module.
    """
    _check_kernel_args(w, X, sizes, w_off, b_off)
    _check_labels(y, X.shape[0], sizes[-1])
    n_data, n_layers = X.shape[0], sizes.shape[0] - 1
    n_classes, width, n_par = sizes[-1], sizes.max(), w.shape[0]
    # T and E take n_layers * width^2 * hb doubles each: keep them to about 1 MB.
    hb = max(8, min(HBLOCK, (131072 // (n_layers * width * width)) // 8 * 8))
    n_blocks = (n_data + hb - 1) // hb
    max_chunks = max(1, min(MAX_HCHUNKS, HCHUNK_BYTES // (8 * n_par * n_par)))
    per_chunk = (n_blocks + max_chunks - 1) // max_chunks
    n_chunks = (n_blocks + per_chunk - 1) // per_chunk
    hess = np.zeros((n_chunks, n_par, n_par))
    for c in numba.prange(n_chunks):
        act = np.empty((n_layers, width, hb))
        z, p = np.empty((n_classes, hb)), np.empty((n_classes, hb))
        mx, tot, tmp = np.empty(hb), np.empty(hb), np.empty(hb)
        dphi = np.empty((n_layers, width, hb))  # tanh' of act[l], l >= 1
        curv = np.empty((n_layers, width, hb))  # tanh'' of act[l] times dL/dact[l]
        delta = np.empty((n_layers, width, hb))
        tfw = np.empty((n_layers, width, width, hb))  # T_l[r, col]
        ebw = np.empty((n_layers, width, width, hb))  # E_l[r, col]
        cv = np.empty(hb)
        h = hess[c]
        stop = min(n_data, (c + 1) * per_chunk * hb)
        for start in range(c * per_chunk * hb, stop, hb):
            nb = min(hb, stop - start)
            _forward_block(w, X, start, nb, sizes, w_off, b_off, act, z, p, mx, tot)
            for b in range(nb):
                tot[b] = 1.0 / tot[b]
            last = n_layers - 1
            for k in range(n_classes):
                pk, dk = p[k], delta[last, k]
                for b in range(nb):
                    pk[b] *= tot[b]
                    dk[b] = pk[b]
            for b in range(nb):
                delta[last, y[start + b], b] -= 1.0
            for l in range(n_layers - 1, 0, -1):  # back-propagation; act[l] feeds layer l
                n_in, n_out = sizes[l], sizes[l + 1]
                for j in range(n_in):
                    for b in range(nb):
                        tmp[b] = 0.0
                    for i in range(n_out):
                        wij = w[w_off[l] + i * n_in + j]
                        di = delta[l, i]
                        for b in range(nb):
                            tmp[b] += wij * di[b]
                    aj, dj, cj, ej = act[l, j], dphi[l, j], curv[l, j], delta[l - 1, j]
                    for b in range(nb):
                        dj[b] = 1.0 - aj[b] * aj[b]
                        cj[b] = -2.0 * aj[b] * dj[b] * tmp[b]
                        ej[b] = dj[b] * tmp[b]
            for m in range(n_layers):  # column layer
                n_m = sizes[m + 1]
                for l in range(m + 1, n_layers):  # T_l = ds_l/ds_m
                    n_in, n_out = sizes[l], sizes[l + 1]
                    for r in range(n_out):
                        for col in range(n_m):
                            t = tfw[l, r, col]
                            if l == m + 1:
                                wrc = w[w_off[l] + r * n_in + col]
                                dc = dphi[l, col]
                                for b in range(nb):
                                    t[b] = wrc * dc[b]
                            else:
                                for b in range(nb):
                                    t[b] = 0.0
                                for q in range(n_in):
                                    wrq = w[w_off[l] + r * n_in + q]
                                    dq, tq = dphi[l, q], tfw[l - 1, q, col]
                                    for b in range(nb):
                                        t[b] += wrq * dq[b] * tq[b]
                # E_last = (diag p - p p^T) T_last
                for col in range(n_m):
                    if m == last:
                        pc = p[col]
                        for k in range(n_classes):
                            pk, ek = p[k], ebw[last, k, col]
                            diag = 1.0 if k == col else 0.0
                            for b in range(nb):
                                ek[b] = pk[b] * (diag - pc[b])
                    else:
                        for b in range(nb):
                            tmp[b] = 0.0
                        for k in range(n_classes):
                            pk, tk = p[k], tfw[last, k, col]
                            for b in range(nb):
                                tmp[b] += pk[b] * tk[b]
                        for k in range(n_classes):
                            pk, tk, ek = p[k], tfw[last, k, col], ebw[last, k, col]
                            for b in range(nb):
                                ek[b] = pk[b] * (tk[b] - tmp[b])
                for l in range(n_layers - 2, m - 1, -1):  # E_l from E_{l+1}
                    n_out, n_next = sizes[l + 1], sizes[l + 2]
                    for r in range(n_out):
                        dr, cr = dphi[l + 1, r], curv[l + 1, r]
                        for col in range(n_m):
                            ev = ebw[l, r, col]
                            for b in range(nb):
                                ev[b] = 0.0
                            for k in range(n_next):
                                wkr = w[w_off[l + 1] + k * n_out + r]
                                ek = ebw[l + 1, k, col]
                                for b in range(nb):
                                    ev[b] += wkr * ek[b]
                            if l > m:
                                tv = tfw[l, r, col]
                                for b in range(nb):
                                    ev[b] = dr[b] * ev[b] + cr[b] * tv[b]
                            elif r == col:
                                for b in range(nb):
                                    ev[b] = dr[b] * ev[b] + cr[b]
                            else:
                                for b in range(nb):
                                    ev[b] = dr[b] * ev[b]
                n_mi = sizes[m]
                am = act[m]
                for l in range(m, n_layers):  # the block (l, m) of the Hessian
                    n_in, n_out = sizes[l], sizes[l + 1]
                    for ip in range(n_out):
                        dl = delta[l, ip]
                        for jp in range(n_in + 1):
                            row = w_off[l] + ip * n_in + jp if jp < n_in else b_off[l] + ip
                            for i in range(n_m):
                                first = w_off[m] + i * n_mi
                                if l == m and first > row:
                                    break  # upper triangle of a diagonal block: mirrored below
                                ev = ebw[l, ip, i]
                                if jp < n_in:
                                    aj = act[l, jp]
                                    for b in range(nb):
                                        cv[b] = ev[b] * aj[b]
                                    if l > m:  # + delta_l * d act[l][jp] / d s_m[i]
                                        dj = dphi[l, jp]
                                        if l == m + 1:
                                            if jp == i:
                                                for b in range(nb):
                                                    cv[b] += dl[b] * dj[b]
                                        else:
                                            tj = tfw[l - 1, jp, i]
                                            for b in range(nb):
                                                cv[b] += dl[b] * dj[b] * tj[b]
                                else:
                                    for b in range(nb):
                                        cv[b] = ev[b]
                                for j in range(n_mi):
                                    col = first + j
                                    if l == m and col > row:
                                        break
                                    aj = am[j]
                                    s = 0.0
                                    for b in range(nb):
                                        s += cv[b] * aj[b]
                                    h[row, col] += s
                                col = b_off[m] + i
                                if l == m and col > row:
                                    continue
                                s = 0.0
                                for b in range(nb):
                                    s += cv[b]
                                h[row, col] += s
    out = np.zeros((n_par, n_par))
    for c in range(n_chunks):
        for r in range(n_par):
            for col in range(r + 1):
                out[r, col] += hess[c, r, col]
    for r in range(n_par):
        for col in range(r + 1, n_par):
            out[r, col] = out[col, r]
    return out


@numba.njit(cache=True, error_model="numpy", parallel=True, fastmath=_FM)
def _predict(w, X, sizes, w_off, b_off):
    _check_kernel_args(w, X, sizes, w_off, b_off)
    n_data, n_layers = X.shape[0], sizes.shape[0] - 1
    n_classes, width = sizes[-1], sizes.max()
    out = np.empty((n_data, n_classes))
    n_chunks = (n_data + CHUNK - 1) // CHUNK
    for c in numba.prange(n_chunks):
        act = np.empty((n_layers, width, BLOCK))
        z, e = np.empty((n_classes, BLOCK)), np.empty((n_classes, BLOCK))
        mx, tot = np.empty(BLOCK), np.empty(BLOCK)
        stop = min(n_data, (c + 1) * CHUNK)
        for start in range(c * CHUNK, stop, BLOCK):
            nb = min(BLOCK, stop - start)
            _forward_block(w, X, start, nb, sizes, w_off, b_off, act, z, e, mx, tot)
            for k in range(n_classes):
                ek = e[k]
                for b in range(nb):
                    out[start + b, k] = ek[b] / tot[b]
    return out


@numba.njit(cache=True, error_model="numpy")
def _normalise(X, offset, scale):
    """(X - offset) / scale, as numpy would compute it (numpy's broadcast over rows of
    two is ~20x slower)."""
    out = np.empty_like(X)
    for d in range(X.shape[0]):
        for j in range(X.shape[1]):
            out[d, j] = (X[d, j] - offset[j]) / scale[j]
    return out


def _serial_twin(kernel, fastmath):
    """The same kernel compiled without ``parallel``, for data of one chunk.

    A parallel region waits for every worker thread, so on a machine where another
    process holds a core a tiny evaluation can wait a whole scheduler slice for a
    thread with no work; one chunk never needs one. Both twins sum in the same
    order, so they return identical results. The copy gets its own name so that the
    two compilations have separate on-disk cache entries.
    """
    py = kernel.py_func
    twin = types_module.FunctionType(py.__code__, py.__globals__, py.__name__ + "_serial",
                                     py.__defaults__, py.__closure__)
    twin.__qualname__ = py.__qualname__ + "_serial"
    return numba.njit(cache=True, error_model="numpy", fastmath=fastmath)(twin)


_loss_grad_serial = _serial_twin(_loss_grad, _FM_REDUCE)
_hessian_serial = _serial_twin(_hessian, _FM_REDUCE)
_predict_serial = _serial_twin(_predict, _FM)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _add_penalty(total, grad, w, n_data, lam, reg_mask):
    """The data term's sums to the loss with its L2 term (in place on ``grad``, unless
    it is empty)."""
    penalty = 0.0
    for j in range(w.shape[0]):
        r = reg_mask[j] * w[j]
        penalty += r * w[j]
        if grad.shape[0] > 0:
            grad[j] = grad[j] / n_data + 2.0 * lam * r
    return total / n_data + (lam * penalty if lam != 0.0 else 0.0)  # 0 * inf would be nan


@numba.njit(cache=True, error_model="numpy")
def objective(w, args):
    """Loss and gradient (float, (n_params,)) of weights w; ``args`` = (X, y, sizes,
    w_off, b_off, lam, reg_mask) as :meth:`MLP.objective` builds them."""
    X, y, sizes, w_off, b_off, lam, reg_mask = args
    total, grad = _loss_grad(w, X, y, sizes, w_off, b_off, True)
    return _add_penalty(total, grad, w, y.shape[0], lam, reg_mask), grad


@numba.njit(cache=True, error_model="numpy")
def objective_serial(w, args):
    """:func:`objective` without a parallel region (the same numbers)."""
    X, y, sizes, w_off, b_off, lam, reg_mask = args
    total, grad = _loss_grad_serial(w, X, y, sizes, w_off, b_off, True)
    return _add_penalty(total, grad, w, y.shape[0], lam, reg_mask), grad


@numba.njit(cache=True, error_model="numpy")
def hessian_kernel_serial(w, args):
    """Hessian ((n_params, n_params)) of the loss at weights w; ``args`` = (X, y,
    sizes, w_off, b_off, diagonal) as :meth:`MLP.hessian_function` builds them
    (``diagonal``: the penalty's 2 lambda per weight)."""
    X, y, sizes, w_off, b_off, diagonal = args
    return _scaled_hessian(_hessian_serial(w, X, y, sizes, w_off, b_off), y.shape[0], diagonal)


@numba.njit(cache=True, error_model="numpy")
def hessian_kernel(w, args):
    """:func:`hessian_kernel_serial` with the data split over threads (the same
    numbers up to the order of the sums)."""
    X, y, sizes, w_off, b_off, diagonal = args
    return _scaled_hessian(_hessian(w, X, y, sizes, w_off, b_off), y.shape[0], diagonal)


@numba.njit(cache=True, error_model="numpy")
def _scaled_hessian(h, n_data, diagonal):
    h /= n_data
    for i in range(diagonal.shape[0]):
        h[i, i] += diagonal[i]
    return h


@numba.njit(cache=True, error_model="numpy")
def _objective_rows(W, args):
    """:func:`objective_serial` of every row of W (m, n_params): one call for a whole
    DNEB band instead of one per image. Serial: the work is small (a parallel version
    took 4.5 ms instead of 0.4 for 20 images on 100 data when another process held a
    core)."""
    totals, grads = np.empty(W.shape[0]), np.empty_like(W)
    for i in range(W.shape[0]):
        totals[i], grads[i] = objective_serial(W[i], args)
    return totals, grads


class MLP:
    """Multilayer perceptron with tanh hidden layers and a softmax output.

    Parameters
    ----------
    hidden : tuple of int
        Nodes per hidden layer; ``len(hidden)`` is H (1, 2 or 3 in the paper).
    n_inputs, n_classes : int
        2 inputs (r12, r13) and 4 classes for LJAT3.
    lam : float
        L2 coefficient (the book's model page: 1e-5).
    regularise_biases : bool
        Whether the L2 term includes the biases.
    input_offset, input_scale : array (n_inputs,), optional
        Inputs enter as (x - offset) / scale (the optional normalisation of the
        group's codes; off by default).

    Examples
    --------
    >>> import numpy as np
    >>> from ljatlib.network import MLP
    >>> from ljatlib.optimize import lbfgs
    >>> net = MLP((3,))                       # 2 inputs, 3 tanh nodes, 4 classes
    >>> net.n_params
    25
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(20, 2)), rng.integers(0, 4, 20)
    >>> w = net.random_weights(0)
    >>> net.gradient(w, X, y).shape, net.hessian(w, X, y).shape
    ((25,), (25, 25))
    >>> trained = lbfgs(net.fun_grad(X, y), w)  # a compiled quench
    >>> bool(trained.energy < net.loss(w, X, y)), net.predict(trained.x, X[:3]).shape
    (True, (3,))
    """

    def __init__(self, hidden: Sequence[int] = (3,), n_inputs: int = 2, n_classes: int = 4, lam: float = 1e-5,
                 regularise_biases: bool = True, input_offset: ArrayLike | None = None,
                 input_scale: ArrayLike | None = None) -> None:
        try:
            layers = np.atleast_1d(np.asarray(hidden, dtype=object))
        except ValueError as err:  # ragged
            raise ValueError(f"hidden must be a sequence of integers, got {hidden!r} ({err})") from None
        if layers.ndim != 1 or layers.size == 0:
            raise ValueError(f"hidden must be a non-empty sequence of integers, got {hidden!r}")
        hidden = tuple(check_integer(h, "hidden (nodes per layer)", 1) for h in layers)
        n_inputs = check_integer(n_inputs, "n_inputs", 1)
        n_classes = check_integer(n_classes, "n_classes", 2)
        lam_value = np.asarray(lam)
        if lam_value.ndim != 0 or lam_value.dtype.kind not in "iuf":
            raise TypeError(f"lam must be a real number, got {lam!r}")
        if not (np.isfinite(lam_value) and lam_value >= 0):
            raise ValueError(f"lam must be finite and >= 0, got {lam!r}")
        self.hidden, self.n_inputs, self.n_classes = hidden, n_inputs, n_classes
        self.lam, self.regularise_biases = float(lam_value), bool(regularise_biases)
        self.sizes = np.array((n_inputs, *hidden, n_classes), dtype=np.int64)
        self.w_off, self.b_off = [], []
        n = 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            self.w_off.append(n)
            self.b_off.append(n + n_in * n_out)
            n += (n_in + 1) * n_out
        self.w_off, self.b_off = np.array(self.w_off), np.array(self.b_off)
        self.n_params = int(n)
        self._reg_mask = np.ones(n)
        if not regularise_biases:
            for b, n_out in zip(self.b_off, self.sizes[1:]):
                self._reg_mask[b:b + n_out] = 0.0

        def input_vector(value, name, default):  # finite floats (n_inputs,), default if None
            if value is None:
                return np.full(n_inputs, default)
            try:
                arr = np.asarray(value)
            except ValueError as err:  # ragged
                raise ValueError(f"{name} must have shape ({n_inputs},): {err}") from None
            if arr.dtype.kind not in "iuf":
                raise TypeError(f"{name} must be real numbers, got dtype {arr.dtype}")
            if arr.shape != (n_inputs,):
                raise ValueError(f"{name} must have shape ({n_inputs},), got {arr.shape}")
            arr = arr.astype(float)
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} must be finite, got {arr.tolist()}")
            return arr
        self.input_offset = input_vector(input_offset, "input_offset", 0.0)
        self.input_scale = input_vector(input_scale, "input_scale", 1.0)
        if np.any(self.input_scale == 0.0):
            raise ValueError(f"input_scale must be non-zero, got {self.input_scale.tolist()}")

    def __repr__(self):
        return (f"MLP(hidden={self.hidden}, lam={self.lam}, "
                f"regularise_biases={self.regularise_biases}, n_params={self.n_params})")

    # -- weights ----------------------------------------------------------------------
    def unpack(self, w: ArrayLike) -> list[tuple[np.ndarray, np.ndarray]]:
        """List of (W (n_out, n_in), b (n_out,)) per layer, views into ``w``."""
        w = self._check_w(w)
        return [(w[o:o + n_out * n_in].reshape(n_out, n_in), w[b:b + n_out])
                for o, b, n_in, n_out in zip(self.w_off, self.b_off, self.sizes[:-1], self.sizes[1:])]

    def pack(self, layers: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """Flat weight vector from a list of (W, b) as returned by ``unpack``."""
        if len(layers) != len(self.sizes) - 1:
            raise ValueError(f"need {len(self.sizes) - 1} layers, got {len(layers)}")
        parts = []
        for (W, b), n_in, n_out in zip(layers, self.sizes[:-1], self.sizes[1:]):
            W, b = np.asarray(W, float), np.asarray(b, float)
            if W.shape != (n_out, n_in) or b.shape != (n_out,):
                raise ValueError(f"layer shapes must be {(n_out, n_in)} and {(n_out,)}")
            parts += [W.ravel(), b]
        return np.concatenate(parts)

    def random_weights(self, rng: np.random.Generator | int | None, scale: float = 1.0) -> np.ndarray:
        """Weights uniform in [-scale, scale] (n_params,)."""
        return np.random.default_rng(rng).uniform(-scale, scale, self.n_params)

    # -- loss -------------------------------------------------------------------------
    def loss(self, w: ArrayLike, X: ArrayLike, y: ArrayLike) -> float:
        """Loss L(w) (float) on inputs X (N, n_inputs) and classes y (N,)."""
        return self.loss_and_gradient(w, X, y, gradient=False)[0]

    def gradient(self, w: ArrayLike, X: ArrayLike, y: ArrayLike) -> np.ndarray:
        """dL/dw (n_params,)."""
        return self.loss_and_gradient(w, X, y)[1]

    def loss_and_gradient(self, w: ArrayLike, X: ArrayLike, y: ArrayLike,
                          gradient: bool = True) -> tuple[float, np.ndarray | None]:
        """(L, dL/dw) together; one pass over the data."""
        w, X, y = self._check_w(w), *self._check_data(X, y)
        return self._loss_grad_raw(w, X, y, gradient)

    def hessian(self, w: ArrayLike, X: ArrayLike, y: ArrayLike) -> np.ndarray:
        """Exact d2L/dw2 (n_params, n_params)."""
        return self.hessian_function(X, y)(self._check_w(w))

    def hessian_function(self, X: ArrayLike, y: ArrayLike) -> CompiledHessian:
        """``hessian(w) -> (n_params, n_params)`` on fixed data, which is validated
        once, here (as :meth:`objective` does): a call checks only the length of ``w``.
        What the landscape tools call at every eigenvector-following step; a
        :class:`~ljatlib._objective.CompiledHessian`, so that the compiled
        eigenvector-following loop calls its kernel directly."""
        X, y = self._check_data(X, y, copy=True)
        args = (X, y, self.sizes, self.w_off, self.b_off, 2.0 * self.lam * self._reg_mask)
        kernel = hessian_kernel_serial if len(y) <= CHUNK else hessian_kernel
        return CompiledHessian(kernel, args, self.n_params)

    def objective(self, X: ArrayLike, y: ArrayLike) -> CompiledObjective:
        """The loss on fixed data (validated once) as a
        :class:`~ljatlib._objective.CompiledObjective`: ``f(w) -> (L, dL/dw)``, whose
        compiled kernel the optimisers of :mod:`ljatlib.optimize` call directly."""
        X, y = self._check_data(X, y, copy=True)
        args = (X, y, self.sizes, self.w_off, self.b_off, self.lam, self._reg_mask.copy())
        kernel = objective_serial if len(y) <= CHUNK else objective
        return CompiledObjective(kernel, args, self.n_params, serial_kernel=objective_serial)

    def fun_grad(self, X: ArrayLike, y: ArrayLike) -> CompiledObjective:
        """``f(w) -> (L, dL/dw)`` on fixed data, validated once (for optimisers): the
        :meth:`objective`."""
        return self.objective(X, y)

    def fun_grad_many(self, X: ArrayLike, y: ArrayLike) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """``f(W) -> (L (m,), dL/dw (m, n_params))`` for the rows of W (e.g. the images
        of a DNEB band), on fixed data: the numbers of :meth:`fun_grad` row by row.
        Up to one chunk of data (``CHUNK`` points), where :meth:`fun_grad` is serial
        too, all rows go to one compiled call: the Python overhead of a call exceeded
        the loss itself on 100 data (``benchmarks/bench_band.py``). Above, the rows go
        one by one to the parallel kernel."""
        one = self.objective(X, y)

        def fun_grad_many(W):
            W = np.ascontiguousarray(W, dtype=np.float64)
            if W.ndim != 2 or W.shape[1] != self.n_params:
                raise ValueError(f"W must have shape (m, {self.n_params}), got {W.shape}")
            if one.kernel is objective_serial:
                return _objective_rows(W, one.args)
            rows = [one(w) for w in W]
            return np.array([r[0] for r in rows]), np.array([r[1] for r in rows]).reshape(W.shape)
        return fun_grad_many

    def predict_proba(self, w: ArrayLike, X: ArrayLike) -> np.ndarray:
        """Class probabilities (N, n_classes)."""
        w, X = self._check_w(w), self._check_inputs(X)
        kernel = _predict_serial if len(X) <= CHUNK else _predict
        return kernel(w, X, self.sizes, self.w_off, self.b_off)

    def predict(self, w: ArrayLike, X: ArrayLike) -> np.ndarray:
        """Most probable class (N,)."""
        return np.argmax(self.predict_proba(w, X), axis=1)

    # -- helpers ----------------------------------------------------------------------
    def _loss_grad_raw(self, w, X, y, want_grad):
        if want_grad:
            args = (X, y, self.sizes, self.w_off, self.b_off, self.lam, self._reg_mask)
            return (objective_serial if len(y) <= CHUNK else objective)(w, args)
        total, _ = (_loss_grad_serial if len(y) <= CHUNK else _loss_grad)(
            w, X, y, self.sizes, self.w_off, self.b_off, False)
        return _add_penalty(total, np.zeros(0), w, len(y), self.lam, self._reg_mask), None

    def _check_w(self, w):
        w = as_finite_array(w, "w", ndim=1)
        if w.shape[0] != self.n_params:
            raise ValueError(f"w must have {self.n_params} entries for {self}, got {w.shape[0]}")
        return w

    def _check_inputs(self, X, copy=False):
        """X as a C-contiguous float64 array, normalised; a copy if ``copy``."""
        X = as_finite_array(X, "X", ndim=2)
        if X.shape[1] != self.n_inputs:
            raise ValueError(f"X must have shape (N, {self.n_inputs}), got {X.shape}")
        if np.any(self.input_offset != 0.0) or np.any(self.input_scale != 1.0):
            shape = (self.n_inputs,)
            X = _normalise(X, np.ascontiguousarray(np.broadcast_to(self.input_offset, shape)),
                           np.ascontiguousarray(np.broadcast_to(self.input_scale, shape)))
            if not np.all(np.isfinite(X)):
                raise ValueError("X overflows once normalised by input_offset and input_scale")
            return X
        return X.copy() if copy else X

    def _check_data(self, X, y, copy=False):
        X = self._check_inputs(X, copy)
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
        if y.size == 0:
            raise ValueError("no data")
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= self.n_classes:
            raise ValueError(f"y must hold integer classes 0..{self.n_classes - 1}")
        return X, y.astype(np.int64)
