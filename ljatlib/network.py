"""The multilayer perceptron of the LJAT3 problem and its loss (the "machine-learning landscape").

Inputs (r12, r13); H hidden tanh layers with biases; 4 linear outputs with biases and a
softmax. The loss of weights w on data (X, y) is

    L(w) = (1 / N) * sum_d [-ln p_{y_d}(x_d; w)] + lam * sum_n w_n^2

(lambda, not lambda / 2; biases included unless ``regularise_biases=False``).
The weights are one flat vector, layer by layer from the inputs: the weight matrix
of the layer (n_out, n_in) in row-major order, then its n_out biases.

Kernels are numba loops over the data, parallel over chunks, with analytic
back-propagation for the gradient and Pearlmutter's R-operator (exact
Hessian-vector products along each unit vector) for the Hessian.
"""

import numba
import numpy as np

from ._validation import as_finite_array

CHUNK = 256  # data points per parallel work item


@numba.njit(cache=True, error_model="numpy", inline="always")
def _forward(w, x, sizes, w_off, b_off, act):
    """Activations of every layer into act[l, :sizes[l]]; the last row holds the logits."""
    n_layers = sizes.shape[0] - 1
    for j in range(sizes[0]):
        act[0, j] = x[j]
    for l in range(n_layers):
        n_in, n_out = sizes[l], sizes[l + 1]
        for i in range(n_out):
            s = w[b_off[l] + i]
            base = w_off[l] + i * n_in
            for j in range(n_in):
                s += w[base + j] * act[l, j]
            act[l + 1, i] = np.tanh(s) if l < n_layers - 1 else s


@numba.njit(cache=True, error_model="numpy", inline="always")
def _softmax(act, last, n_classes, p):
    """Probabilities into p; returns log-sum-exp of the logits act[last]."""
    m = act[last, 0]
    for k in range(1, n_classes):
        m = max(m, act[last, k])
    total = 0.0
    for k in range(n_classes):
        p[k] = np.exp(act[last, k] - m)
        total += p[k]
    for k in range(n_classes):
        p[k] /= total
    return m + np.log(total)


@numba.njit(cache=True, error_model="numpy", parallel=True)
def _loss_grad(w, X, y, sizes, w_off, b_off, want_grad):
    n_data, n_layers = X.shape[0], sizes.shape[0] - 1
    n_classes, width = sizes[-1], sizes.max()
    n_chunks = (n_data + CHUNK - 1) // CHUNK
    losses = np.zeros(n_chunks)
    grads = np.zeros((n_chunks, w.shape[0] if want_grad else 1))
    for c in numba.prange(n_chunks):
        act = np.empty((n_layers + 1, width))
        p = np.empty(n_classes)
        delta, prev = np.empty(width), np.empty(width)
        g = grads[c]
        for d in range(c * CHUNK, min(n_data, (c + 1) * CHUNK)):
            _forward(w, X[d], sizes, w_off, b_off, act)
            lse = _softmax(act, n_layers, n_classes, p)
            losses[c] += lse - act[n_layers, y[d]]
            if not want_grad:
                continue
            for k in range(n_classes):
                delta[k] = p[k] - (1.0 if k == y[d] else 0.0)
            for l in range(n_layers - 1, -1, -1):
                n_in, n_out = sizes[l], sizes[l + 1]
                for i in range(n_out):
                    g[b_off[l] + i] += delta[i]
                    base = w_off[l] + i * n_in
                    for j in range(n_in):
                        g[base + j] += delta[i] * act[l, j]
                if l > 0:
                    for j in range(n_in):
                        s = 0.0
                        for i in range(n_out):
                            s += w[w_off[l] + i * n_in + j] * delta[i]
                        prev[j] = s * (1.0 - act[l, j] * act[l, j])
                    delta, prev = prev, delta
    grad = np.zeros(w.shape[0])
    if want_grad:
        for c in range(n_chunks):
            grad += grads[c]
    return losses.sum(), grad


@numba.njit(cache=True, error_model="numpy", parallel=True)
def _hessian(w, X, y, sizes, w_off, b_off):
    """Sum over data of the per-point Hessians, column k = H e_k by the R-operator."""
    n_data, n_layers = X.shape[0], sizes.shape[0] - 1
    n_classes, width, n_par = sizes[-1], sizes.max(), w.shape[0]
    n_chunks = (n_data + CHUNK - 1) // CHUNK
    hess = np.zeros((n_chunks, n_par, n_par))
    for c in numba.prange(n_chunks):
        act = np.empty((n_layers + 1, width))
        r_act = np.empty((n_layers + 1, width))  # R{activation}; last row R{logits}
        deltas = np.empty((n_layers + 1, width))  # dL/d(pre-activation) of layer l
        back = np.empty((n_layers + 1, width))  # dL/d(activation) of hidden layer l
        r_delta, r_prev = np.empty(width), np.empty(width)
        p = np.empty(n_classes)
        h = hess[c]
        for d in range(c * CHUNK, min(n_data, (c + 1) * CHUNK)):
            _forward(w, X[d], sizes, w_off, b_off, act)
            _softmax(act, n_layers, n_classes, p)
            for k in range(n_classes):
                deltas[n_layers, k] = p[k] - (1.0 if k == y[d] else 0.0)
            for l in range(n_layers - 1, 0, -1):
                n_in, n_out = sizes[l], sizes[l + 1]
                for j in range(n_in):
                    s = 0.0
                    for i in range(n_out):
                        s += w[w_off[l] + i * n_in + j] * deltas[l + 1, i]
                    back[l, j] = s
                    deltas[l, j] = s * (1.0 - act[l, j] * act[l, j])
            for col in range(n_par):  # direction v = e_col
                for j in range(sizes[0]):
                    r_act[0, j] = 0.0
                for l in range(n_layers):
                    n_in, n_out = sizes[l], sizes[l + 1]
                    for i in range(n_out):
                        s = 1.0 if col == b_off[l] + i else 0.0
                        base = w_off[l] + i * n_in
                        for j in range(n_in):
                            s += w[base + j] * r_act[l, j]
                            if col == base + j:
                                s += act[l, j]
                        r_act[l + 1, i] = s * (1.0 - act[l + 1, i] ** 2) if l < n_layers - 1 else s
                dot = 0.0  # R{p} = (diag p - p p^T) R{z}
                for k in range(n_classes):
                    dot += p[k] * r_act[n_layers, k]
                for k in range(n_classes):
                    r_delta[k] = p[k] * (r_act[n_layers, k] - dot)
                for l in range(n_layers - 1, -1, -1):
                    n_in, n_out = sizes[l], sizes[l + 1]
                    for i in range(n_out):
                        h[b_off[l] + i, col] += r_delta[i]
                        base = w_off[l] + i * n_in
                        for j in range(n_in):
                            h[base + j, col] += r_delta[i] * act[l, j] + deltas[l + 1, i] * r_act[l, j]
                    if l > 0:
                        for j in range(n_in):
                            s_r = 0.0
                            for i in range(n_out):
                                idx = w_off[l] + i * n_in + j
                                s_r += w[idx] * r_delta[i]
                                if col == idx:
                                    s_r += deltas[l + 1, i]
                            r_prev[j] = (s_r * (1.0 - act[l, j] ** 2)
                                         - 2.0 * act[l, j] * r_act[l, j] * back[l, j])
                        r_delta, r_prev = r_prev, r_delta
    out = np.zeros((n_par, n_par))
    for c in range(n_chunks):
        out += hess[c]
    return out


@numba.njit(cache=True, error_model="numpy", parallel=True)
def _predict(w, X, sizes, w_off, b_off):
    n_data, n_layers = X.shape[0], sizes.shape[0] - 1
    n_classes, width = sizes[-1], sizes.max()
    out = np.empty((n_data, n_classes))
    n_chunks = (n_data + CHUNK - 1) // CHUNK
    for c in numba.prange(n_chunks):
        act = np.empty((n_layers + 1, width))
        for d in range(c * CHUNK, min(n_data, (c + 1) * CHUNK)):
            _forward(w, X[d], sizes, w_off, b_off, act)
            _softmax(act, n_layers, n_classes, out[d])
    return out


class MLP:
    """Multilayer perceptron with tanh hidden layers and a softmax output.

    Parameters
    ----------
    hidden : tuple of int
        Nodes per hidden layer; ``len(hidden)`` is H (1, 2 or 3 in the paper).
    n_inputs, n_classes : int
        2 inputs (r12, r13) and 4 classes for LJAT3.
    lam : float
        L2 coefficient (NETWORK.md: 1e-5).
    regularise_biases : bool
        Whether the L2 term includes the biases.
    input_offset, input_scale : array (n_inputs,), optional
        Inputs enter as (x - offset) / scale (the optional normalisation of the
        group's codes; off by default).
    """

    def __init__(self, hidden=(3,), n_inputs=2, n_classes=4, lam=1e-5, regularise_biases=True,
                 input_offset=None, input_scale=None):
        hidden = tuple(int(h) for h in np.atleast_1d(hidden))
        if not hidden or min(hidden) < 1 or n_inputs < 1 or n_classes < 2 or lam < 0:
            raise ValueError("need >= 1 hidden layer of >= 1 node, n_inputs >= 1, "
                             "n_classes >= 2 and lam >= 0")
        self.hidden, self.n_inputs, self.n_classes = hidden, int(n_inputs), int(n_classes)
        self.lam, self.regularise_biases = float(lam), bool(regularise_biases)
        self.sizes = np.array((n_inputs, *hidden, n_classes), dtype=np.int64)
        self.w_off, self.b_off = [], []
        n = 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            self.w_off.append(n)
            self.b_off.append(n + n_in * n_out)
            n += (n_in + 1) * n_out
        self.w_off, self.b_off = np.array(self.w_off), np.array(self.b_off)
        self.n_params = n
        self._reg_mask = np.ones(n)
        if not regularise_biases:
            for b, n_out in zip(self.b_off, self.sizes[1:]):
                self._reg_mask[b:b + n_out] = 0.0
        self.input_offset = np.zeros(n_inputs) if input_offset is None else np.asarray(input_offset, float)
        self.input_scale = np.ones(n_inputs) if input_scale is None else np.asarray(input_scale, float)

    def __repr__(self):
        return (f"MLP(hidden={self.hidden}, lam={self.lam}, "
                f"regularise_biases={self.regularise_biases}, n_params={self.n_params})")

    # -- weights ----------------------------------------------------------------------
    def unpack(self, w):
        """List of (W (n_out, n_in), b (n_out,)) per layer, views into ``w``."""
        w = self._check_w(w)
        return [(w[o:o + n_out * n_in].reshape(n_out, n_in), w[b:b + n_out])
                for o, b, n_in, n_out in zip(self.w_off, self.b_off, self.sizes[:-1], self.sizes[1:])]

    def pack(self, layers):
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

    def random_weights(self, rng, scale=1.0):
        """Weights uniform in [-scale, scale] (n_params,)."""
        return np.random.default_rng(rng).uniform(-scale, scale, self.n_params)

    # -- loss -------------------------------------------------------------------------
    def loss(self, w, X, y):
        """Loss L(w) (float) on inputs X (N, n_inputs) and classes y (N,)."""
        return self.loss_and_gradient(w, X, y, gradient=False)[0]

    def gradient(self, w, X, y):
        """dL/dw (n_params,)."""
        return self.loss_and_gradient(w, X, y)[1]

    def loss_and_gradient(self, w, X, y, gradient=True):
        """(L, dL/dw) together; one pass over the data."""
        w, X, y = self._check_w(w), *self._check_data(X, y)
        return self._loss_grad_raw(w, X, y, gradient)

    def hessian(self, w, X, y):
        """Exact d2L/dw2 (n_params, n_params)."""
        w, X, y = self._check_w(w), *self._check_data(X, y)
        h = _hessian(w, X, y, self.sizes, self.w_off, self.b_off) / len(y)
        h[np.diag_indices_from(h)] += 2.0 * self.lam * self._reg_mask
        return h

    def fun_grad(self, X, y):
        """``f(w) -> (L, dL/dw)`` on fixed data, validated once (for optimisers)."""
        X, y = self._check_data(X, y)

        def fun_grad(w):
            return self._loss_grad_raw(np.ascontiguousarray(w, dtype=np.float64), X, y, True)
        return fun_grad

    def predict_proba(self, w, X):
        """Class probabilities (N, n_classes)."""
        w, X = self._check_w(w), self._check_inputs(X)
        return _predict(w, X, self.sizes, self.w_off, self.b_off)

    def predict(self, w, X):
        """Most probable class (N,)."""
        return np.argmax(self.predict_proba(w, X), axis=1)

    # -- helpers ----------------------------------------------------------------------
    def _loss_grad_raw(self, w, X, y, want_grad):
        total, grad = _loss_grad(w, X, y, self.sizes, self.w_off, self.b_off, want_grad)
        reg = self._reg_mask * w
        loss = total / len(y) + self.lam * float(reg @ w)
        if want_grad:
            grad = grad / len(y) + 2.0 * self.lam * reg
        return loss, (grad if want_grad else None)

    def _check_w(self, w):
        w = as_finite_array(w, "w", ndim=1)
        if w.shape[0] != self.n_params:
            raise ValueError(f"w must have {self.n_params} entries for {self}, got {w.shape[0]}")
        return w

    def _check_inputs(self, X):
        X = as_finite_array(X, "X", ndim=2)
        if X.shape[1] != self.n_inputs:
            raise ValueError(f"X must have shape (N, {self.n_inputs}), got {X.shape}")
        return np.ascontiguousarray((X - self.input_offset) / self.input_scale)

    def _check_data(self, X, y):
        X = self._check_inputs(X)
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
        if y.size == 0:
            raise ValueError("no data")
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= self.n_classes:
            raise ValueError(f"y must hold integer classes 0..{self.n_classes - 1}")
        return X, y.astype(np.int64)
