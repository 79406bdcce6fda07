import numpy as np
import pytest

from ljatlib.network import MLP

ARCHITECTURES = [(3,), (10,), (3, 3), (3, 3, 3), (4, 2, 5)]


def data(rng, n=200):
    return rng.uniform(0.5, 3.0, (n, 2)), rng.integers(0, 4, n)


def numpy_loss(net, w, X, y):
    """Direct evaluation of the loss of the book's model page with numpy (independent of the kernels)."""
    h = X
    layers = net.unpack(w)
    for W, b in layers[:-1]:
        h = np.tanh(h @ W.T + b)
    z = h @ layers[-1][0].T + layers[-1][1]
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    reg = w if net.regularise_biases else np.concatenate([W.ravel() for W, _ in layers])
    return -log_p[np.arange(len(y)), y].mean() + net.lam * reg @ reg


@pytest.mark.parametrize("hidden", ARCHITECTURES)
@pytest.mark.parametrize("reg_biases", [True, False])
def test_loss_matches_direct_formula(hidden, reg_biases, rng):
    net = MLP(hidden, lam=1e-3, regularise_biases=reg_biases)
    X, y = data(rng)
    w = net.random_weights(rng)
    assert net.loss(w, X, y) == pytest.approx(numpy_loss(net, w, X, y), rel=1e-12)
    p = net.predict_proba(w, X)
    assert np.allclose(p.sum(axis=1), 1.0) and np.all(p >= 0)


@pytest.mark.parametrize("hidden", ARCHITECTURES)
@pytest.mark.parametrize("reg_biases", [True, False])
def test_gradient_and_hessian_against_finite_differences(hidden, reg_biases, rng):
    net = MLP(hidden, lam=1e-3, regularise_biases=reg_biases)
    X, y = data(rng)
    w = net.random_weights(rng)
    loss, grad = net.loss_and_gradient(w, X, y)
    hess = net.hessian(w, X, y)
    h = 1e-6
    eye = np.eye(net.n_params)
    fd_grad = np.array([(net.loss(w + h * e, X, y) - net.loss(w - h * e, X, y)) / (2 * h) for e in eye])
    fd_hess = np.array([(net.gradient(w + h * e, X, y) - net.gradient(w - h * e, X, y)) / (2 * h)
                        for e in eye])
    assert np.abs(fd_grad - grad).max() < 1e-7
    assert np.abs(fd_hess - hess).max() < 1e-7
    assert np.allclose(hess, hess.T, atol=1e-14)


def test_hessian_vector_products_match_gradient_differences(rng):
    """A second check on a bigger net: H v vs the directional difference of gradients."""
    net = MLP((10,))
    X, y = data(rng, 500)
    w = net.random_weights(rng)
    v = rng.normal(size=net.n_params)
    h = 1e-5
    fd = (net.gradient(w + h * v, X, y) - net.gradient(w - h * v, X, y)) / (2 * h)
    assert np.allclose(net.hessian(w, X, y) @ v, fd, atol=1e-7)


@pytest.mark.parametrize("hidden", [(3,), (3, 3), (2, 3, 4)])
def test_invariant_under_hidden_node_permutation_and_sign_flip(hidden, rng):
    net = MLP(hidden)
    X, y = data(rng)
    w = net.random_weights(rng)
    layers = [(W.copy(), b.copy()) for W, b in net.unpack(w)]
    for l in range(len(hidden)):
        perm = rng.permutation(hidden[l])
        sign = np.where(rng.random(hidden[l]) < 0.5, -1.0, 1.0)
        W, b = layers[l]
        layers[l] = ((W * sign[:, None])[perm], (b * sign)[perm])
        W_next, b_next = layers[l + 1]
        layers[l + 1] = ((W_next * sign[None, :])[:, perm], b_next)
    w2 = net.pack(layers)
    assert not np.allclose(w, w2)
    assert net.loss(w2, X, y) == pytest.approx(net.loss(w, X, y), rel=1e-12)
    assert np.allclose(net.predict_proba(w2, X), net.predict_proba(w, X))


def test_pack_unpack_round_trip(rng):
    net = MLP((3, 4))
    w = net.random_weights(rng)
    assert np.array_equal(net.pack(net.unpack(w)), w)
    assert [W.shape for W, _ in net.unpack(w)] == [(3, 2), (4, 3), (4, 4)]
    assert net.n_params == 3 * 3 + 4 * 4 + 4 * 5


def test_input_normalisation_is_an_affine_change_of_inputs(rng):
    X, y = data(rng)
    offset, scale = np.array([1.0, 2.0]), np.array([0.5, 3.0])
    plain, scaled = MLP((3,)), MLP((3,), input_offset=offset, input_scale=scale)
    w = plain.random_weights(rng)
    assert scaled.loss(w, X, y) == pytest.approx(plain.loss(w, (X - offset) / scale, y))


@pytest.mark.parametrize("bad", [
    dict(w=np.zeros(5)), dict(w=np.full(25, np.nan)), dict(X=np.zeros((3, 3))),
    dict(X=np.array([[np.inf, 1.0]] * 3)), dict(y=np.array([0, 1, 4])), dict(y=np.array([0, -1, 2])),
    dict(y=np.array([0.0, 1.0, 2.0])), dict(y=np.array([0, 1]))])
def test_bad_input_raises(bad):
    net = MLP((3,))
    args = {"w": np.zeros(25), "X": np.ones((3, 2)), "y": np.array([0, 1, 2]), **bad}
    with pytest.raises(ValueError):
        net.loss(**args)


def test_serial_and_parallel_kernels_agree_exactly(rng):
    """Small data take the serial twins of the kernels; both sum in the same order."""
    from ljatlib import network
    net = MLP((3, 3))
    w = net.random_weights(rng)
    X, y = rng.uniform(0.8, 2.5, (3000, 2)), rng.integers(0, 4, 3000)
    args = (net.sizes, net.w_off, net.b_off)
    for kernel, twin in [(network._loss_grad, network._loss_grad_serial)]:
        a, b = kernel(w, X, y, *args, True), twin(w, X, y, *args, True)
        assert a[0] == b[0] and np.array_equal(a[1], b[1])
    assert np.array_equal(network._hessian(w, X[:500], y[:500], *args),
                          network._hessian_serial(w, X[:500], y[:500], *args))
    assert np.array_equal(network._predict(w, X, *args), network._predict_serial(w, X, *args))


@pytest.mark.parametrize("n", [200, 3000])
@pytest.mark.parametrize("reg_biases", [True, False])
def test_fun_grad_many_is_fun_grad_row_by_row(rng, n, reg_biases):
    net = MLP((3, 3), regularise_biases=reg_biases)
    X, y = data(rng, n)
    W = rng.normal(scale=3.0, size=(7, net.n_params))
    losses, grads = net.fun_grad_many(X, y)(W)
    one = net.fun_grad(X, y)
    for w, loss, grad in zip(W, losses, grads):
        expected = one(w)
        assert loss == pytest.approx(expected[0], rel=1e-14)
        np.testing.assert_allclose(grad, expected[1], rtol=1e-13, atol=1e-16)
    assert losses[0] == pytest.approx(numpy_loss(net, W[0], X, y), rel=1e-10)
    with pytest.raises(ValueError, match="shape"):
        net.fun_grad_many(X, y)(W[0])


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(lam=np.nan), ValueError, "lam must be finite and >= 0, got nan"),
    (dict(lam=np.inf), ValueError, "lam must be finite and >= 0"),
    (dict(lam=-1e-5), ValueError, "lam must be finite and >= 0"),
    (dict(lam="1e-5"), TypeError, "lam must be a real number"),
    (dict(input_scale=[0, 1]), ValueError, r"input_scale must be non-zero, got \[0.0, 1.0\]"),
    (dict(input_scale=[np.inf, 1]), ValueError, "input_scale must be finite"),
    (dict(input_scale=[1.0, 2.0, 3.0]), ValueError, r"input_scale must have shape \(2,\), got \(3,\)"),
    (dict(input_scale=2.0), ValueError, r"input_scale must have shape \(2,\), got \(\)"),
    (dict(input_offset=[np.nan, 0]), ValueError, "input_offset must be finite"),
    (dict(input_offset=[[0, 0]]), ValueError, r"input_offset must have shape \(2,\)"),
    (dict(input_offset=["a", "b"]), TypeError, "input_offset must be real numbers"),
    (dict(hidden=(3, 2.5)), ValueError, r"hidden \(nodes per layer\) must be an integer >= 1, got 2.5"),
    (dict(hidden=(3, 0)), ValueError, "hidden .* must be an integer >= 1, got 0"),
    (dict(hidden=()), ValueError, "hidden must be a non-empty sequence"),
    (dict(n_inputs=0), ValueError, "n_inputs must be an integer >= 1"),
    (dict(n_classes=1.5), ValueError, "n_classes must be an integer >= 2"),
])
def test_construction_rejects_bad_settings_naming_them(kwargs, error, match):
    with pytest.raises(error, match=match):  # lam=nan and the inputs ones were accepted
        MLP(**kwargs)


def test_valid_settings_still_construct():
    net = MLP(np.array([3, 2]), lam=0, input_offset=(1, 2), input_scale=np.array([0.5, -2.0]))
    assert net.hidden == (3, 2) and net.lam == 0.0 and net.input_scale.dtype == float
    assert MLP(4).hidden == (4,)


def test_hessian_function_validates_the_data_once_and_w_at_every_call():
    net, rng = MLP((3, 2)), np.random.default_rng(3)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 4, 40)
    w = net.random_weights(rng)
    hessian = net.hessian_function(X, y)
    assert np.array_equal(hessian(w), net.hessian(w, X, y))
    with pytest.raises(ValueError, match=str(net.n_params)):
        hessian(w[:-1])
    with pytest.raises(ValueError, match="y must have shape"):
        net.hessian_function(X, y[:-1])
