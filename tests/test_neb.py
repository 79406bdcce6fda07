"""The DNEB: vectorised band force against the per-image definition, failed bands, and the
LJAT3 System's fast path against the validated public functions."""

import numpy as np
import pytest

from ljatlib.systems import System, ljat3_system
from ljatlib.potentials import ljat3
from ljatlib.transition_states import dneb
from ljatlib.transition_states.neb import band_gradient


def _reference_band_gradient(images, energies, grads, k):
    """The DNEB force as first written: one image at a time (the definition)."""
    n_images = len(images) - 2
    t_all = np.zeros_like(images)
    for i in range(1, len(images) - 1):
        fwd, back = images[i + 1] - images[i], images[i] - images[i - 1]
        e_prev, e, e_next = energies[i - 1], energies[i], energies[i + 1]
        if e_next > e > e_prev:
            tau = fwd
        elif e_next < e < e_prev:
            tau = back
        else:
            d_max = max(abs(e_next - e), abs(e_prev - e))
            d_min = min(abs(e_next - e), abs(e_prev - e))
            tau = fwd * d_max + back * d_min if e_next > e_prev else fwd * d_min + back * d_max
        norm = np.linalg.norm(tau)
        t_all[i] = tau / norm if norm > 0 else fwd / max(np.linalg.norm(fwd), 1e-300)
    total = np.empty((n_images, images.shape[1]))
    for i in range(1, n_images + 1):
        g, t = grads[i - 1], t_all[i]
        g_perp = g - (g @ t) * t
        fwd, back = images[i + 1] - images[i], images[i] - images[i - 1]
        spring_par = k * (np.linalg.norm(fwd) - np.linalg.norm(back)) * t
        spring = k * (fwd - back)
        spring_perp = spring - (spring @ t) * t
        gp_norm = np.linalg.norm(g_perp)
        dneb_part = spring_perp - (spring_perp @ g_perp) * g_perp / gp_norm**2 if gp_norm > 0 else spring_perp
        total[i - 1] = g_perp - spring_par - dneb_part
    return total


def double_well_system():
    """V = (x^2 - 1)^2 + 2 y^2 + 0.5 x y: two minima near (+-1, 0), a saddle at the origin."""
    def fun_grad(w):
        x, y = w
        return (x * x - 1) ** 2 + 2 * y * y + 0.5 * x * y, np.array([4 * x * (x * x - 1) + 0.5 * y, 4 * y + 0.5 * x])

    def hessian(w):
        x, _ = w
        return np.array([[12 * x * x - 4, 0.5], [0.5, 4.0]])
    return System(fun_grad=fun_grad, hessian=hessian, n=2)


def _random_band(system, rng, m, scale):
    a, b = rng.normal(0, scale, system.n), rng.normal(0, scale, system.n)
    s = np.linspace(0, 1, m + 2)[:, None]
    images = (1 - s) * a + s * b + rng.normal(0, 0.1 * scale, (m + 2, system.n))
    energies, grads = system.fun_grad_batch(images)
    return images, energies, grads[1:-1]


@pytest.mark.parametrize("make_system, scale", [(ljat3_system, 1.0), (double_well_system, 1.0)])
def test_vectorised_band_force_equals_per_image_definition(make_system, scale):
    system = make_system()
    rng = np.random.default_rng(7)
    for trial in range(30):
        images, energies, grads = _random_band(system, rng, m=int(rng.integers(1, 25)), scale=scale)
        if trial % 5 == 0:  # ties and extrema: equal energies, a repeated image (zero tangent)
            energies[1:-1:2] = energies[0]
            images[2] = images[1]
        k = float(rng.uniform(1, 100))
        ours = band_gradient(images, energies, grads, k)
        ref = _reference_band_gradient(images, energies, grads, k)
        assert np.allclose(ours, ref, rtol=1e-12, atol=1e-12 * max(1.0, np.abs(ref).max()))


def test_dneb_finds_the_double_well_saddle():
    system = double_well_system()
    band = dneb(system, np.array([-1.03, 0.13]), np.array([1.03, -0.13]), n_images=11, tol=1e-4)
    assert not band.failed and band.rms < 1e-4
    (i,) = band.local_maxima()
    assert np.linalg.norm(band.images[i]) < 0.1  # the saddle is at the origin


def test_band_through_a_collision_is_a_failed_band():
    """Atoms 0 and 1 swap places along the straight line: the middle image has them on top
    of each other, so the band is a failed search with no maxima to refine."""
    system = ljat3_system()
    a = np.array([-1.0, 0, 0, 1.0, 0, 0, 0, 2.0, 0])
    b = np.array([1.0, 0, 0, -1.0, 0, 0, 0, 2.0, 0])
    band = dneb(system, a, b, n_images=9)
    assert band.failed and band.rms == np.inf and band.local_maxima() == []


def test_ljat3_system_fast_path_matches_public_functions():
    system = ljat3_system()
    rng = np.random.default_rng(3)
    X = rng.normal(0, 1, (40, 9))
    E, G = system.fun_grad_batch(X)
    for x, e_many, g_many in zip(X, E, G):
        e, g = system.fun_grad(x)
        e_pub, g_pub = ljat3.energy_and_gradient(x.reshape(3, 3))
        assert e == pytest.approx(e_pub, rel=1e-13, abs=1e-13) and e_many == e
        assert np.allclose(g, g_pub.ravel(), rtol=1e-13, atol=1e-13) and np.array_equal(g, g_many)
        assert np.allclose(system.hessian(x), ljat3.hessian(x.reshape(3, 3)), rtol=1e-13, atol=1e-12)
    assert system.fun_grad(list(X[0]))[0] == E[0]  # any array-like of 9 numbers
    with pytest.raises(ValueError):
        system.fun_grad(np.zeros(6))


def _network_pair():
    import dataclasses

    from ljatlib.network import MLP
    from ljatlib.optimize import lbfgs
    from ljatlib.systems import network_system
    net, rng = MLP((3, 3)), np.random.default_rng(1)
    X, y = rng.normal(size=(100, 2)), rng.integers(0, 4, 100)
    system = network_system(net, X, y)
    objective = system.fun_grad
    python_path = dataclasses.replace(system, fun_grad=lambda w: objective(w))
    a, b = (lbfgs(objective, net.random_weights(rng, 2.0)).x for _ in range(2))
    return system, python_path, a, b


@pytest.mark.parametrize("max_iter", [0, 1, 5, 30])
def test_compiled_band_takes_the_python_bands_steps(max_iter):
    """A network loss (compiled objective) is relaxed by one compiled loop; it takes the
    same LBFGS steps as the Python path (equal to round-off: chaotic later on)."""
    system, python_path, a, b = _network_pair()
    fast = dneb(system, a, b, n_images=12, max_iter=max_iter)
    slow = dneb(python_path, a, b, n_images=12, max_iter=max_iter)
    assert fast.n_iter == slow.n_iter == max_iter and not fast.failed
    assert np.allclose(fast.images, slow.images, rtol=0, atol=1e-9)
    assert np.allclose(fast.energies, slow.energies, rtol=0, atol=1e-9)
    assert fast.rms == pytest.approx(slow.rms, rel=1e-8)


def test_compiled_band_is_the_same_with_its_images_in_one_loop():
    """On one numba thread the images are evaluated in a plain loop instead of by the
    parallel scheduler: the same band, bit for bit (both paths forced, so this holds on
    a machine of any size)."""
    from ljatlib.transition_states._compiled_band import relax_band
    from ljatlib.transition_states.neb import _H0, DIVERGED, STALL_GAIN, STALL_WINDOW
    system, _, a, b = _network_pair()
    objective = system.fun_grad
    s = np.linspace(0, 1, 14)[:, None]
    start = (1 - s) * a + s * b
    bands = []
    for parallel in (False, True):
        images = start.copy()
        energies = np.zeros(14)
        energies[0], energies[-1] = system.energy(a), system.energy(b)
        out = relax_band(objective.serial_kernel, objective.args, images, energies, 50.0, 1e-2, 8, 0.5, _H0, 30,
                         DIVERGED, STALL_WINDOW, STALL_GAIN, parallel)
        bands.append((out, images, energies))
    (serial, x_serial, e_serial), (parallel, x_parallel, e_parallel) = bands
    assert serial == parallel and serial[1] == 30 and not serial[2]
    assert np.array_equal(x_serial, x_parallel) and np.array_equal(e_serial, e_parallel)
    assert not np.array_equal(x_serial, start)  # the band moved


def test_compiled_band_refuses_ends_of_another_network():
    system, _, a, b = _network_pair()
    with pytest.raises(ValueError, match="37"):
        dneb(system, a[:-1], b[:-1], n_images=4)
    with pytest.raises(ValueError, match="37 coordinates"):
        dneb(system, a, b, n_images=4, initial_images=np.zeros((4, 36)))


def test_a_diverging_band_fails_early_on_both_paths():
    """Between two linear LJAT3 isomers aligned onto one axis, the straight line pushes
    the middle atoms through each other at a finite distance: the DNEB force grows by
    tens of orders of magnitude instead of relaxing. The band stops as failed once it has
    grown DIVERGED-fold, after the same evaluations on the compiled and the Python path,
    instead of running all its iterations."""
    import dataclasses

    from ljatlib.transition_states.neb import DIVERGED
    system = ljat3_system()
    python_path = dataclasses.replace(system, fun_grad=lambda x, f=system.fun_grad: f(x))
    r = 1.12
    a = np.array([0, 0, 0, -r, 0, 0, r, 0, 0])  # atom 0 in the middle, along x
    b = system.align(a, np.array([0, -r, 0, 0, 0, 0, 0, r, 0]))  # atom 1 in the middle, along y
    fast, slow = (dneb(s, a, b, n_images=20, max_iter=1000) for s in (system, python_path))
    assert fast.failed and slow.failed and fast.local_maxima() == []
    assert fast.n_iter == slow.n_iter < 100
    assert np.isfinite(fast.energies).all()  # it diverged; no energy was non-finite
    start = dneb(system, a, b, n_images=20, max_iter=0)
    assert not start.failed and np.isfinite(start.rms) and DIVERGED > 1
