"""Transition-state refinement: the partitioned (Lanczos + Cholesky) EF step used above
``dense_below`` coordinates and the hybrid EF, against the full-diagonalisation EF."""

import numpy as np
import pytest

from ljatlib.systems import binary_lj_system, ljat3_system
from ljatlib.optimize import lbfgs
from ljatlib.potentials.binary_lj import BinaryLJ
from ljatlib.transition_states import dneb, eigenvector_following, hybrid_eigenvector_following
from ljatlib.transition_states.eigenvector_following import partitioned_step


@pytest.fixture(scope="module")
def blj_band():
    """A 16-atom Kob-Andersen box, two of its minima and a DNEB between them."""
    pot = BinaryLJ(13, 3)
    system = binary_lj_system(pot)
    rng = np.random.default_rng(4)
    a = lbfgs(system.fun_grad, pot.random_configuration(rng), tol=1e-8, max_step=0.1).x
    b = lbfgs(system.fun_grad, a + rng.uniform(-0.3, 0.3, a.shape), tol=1e-8, max_step=0.1).x
    band = dneb(system, a, system.align(a, b), n_images=12, max_iter=300)
    assert band.local_maxima()
    return system, band


def test_partitioned_step_reads_the_inertia_off_one_cholesky():
    g = np.array([0.1, 0.2, -0.3])
    e1 = np.array([1.0, 0.0, 0.0])
    step, negative = partitioned_step(np.diag([-1.0, 2.0, 4.0]), None, g, e1, 10.0)
    assert negative
    assert step[1:] == pytest.approx([-0.1, 0.075])  # Newton in the complement
    assert step[0] > 0  # uphill along e1 (g . e1 > 0)
    assert not partitioned_step(np.diag([1.0, 2.0, 4.0]), None, g, e1, 10.0)[1]
    # a negative mode off the followed direction: no step, and it says so
    assert partitioned_step(np.diag([1.0, -2.0, 4.0]), None, g, e1, 10.0) == (None, True)
    # the step length is capped
    assert np.linalg.norm(partitioned_step(np.diag([-1.0, 2.0, 4.0]), None, 100 * g, e1, 0.05)[0]) \
        == pytest.approx(0.05)


def test_lanczos_lowest_mode_equals_the_full_diagonalisation(blj_band):
    system, band = blj_band
    for x in (band.images[0], band.images[band.local_maxima()[0]]):
        vals, vecs = system.projected_hessian_eigh(x)
        b, v = system.lowest_mode(x, dense_below=0)
        assert b == pytest.approx(vals[0], abs=1e-8)
        assert abs(v @ vecs[:, 0]) == pytest.approx(1.0, abs=1e-6)
        assert np.allclose(system.zero_modes(x) @ v, 0.0, atol=1e-8)  # not a translation


def test_lowest_mode_falls_back_when_lanczos_does_not_converge(blj_band, monkeypatch):
    import scipy.sparse.linalg

    def fail(*args, **kwargs):
        raise scipy.sparse.linalg.ArpackNoConvergence("no convergence", np.array([]), np.array([]))
    system, band = blj_band
    x = band.images[band.local_maxima()[0]]
    monkeypatch.setattr(scipy.sparse.linalg, "eigsh", fail)
    b, v = system.lowest_mode(x, dense_below=0)
    assert b == pytest.approx(system.projected_hessian_eigh(x)[0][0], abs=1e-12)


@pytest.mark.parametrize("method", ["partitioned", "hybrid"])
def test_cheaper_refinements_converge_to_the_transition_state_of_the_full_ef(blj_band, method):
    """From near a transition state (the full EF's, displaced by 0.05 per coordinate at
    most) both converge back to it. (From a band maximum without negative curvature
    they may climb to another one: their climbing steps differ from the full EF's.)"""
    system, band = blj_band
    i = band.local_maxima()[0]
    full = eigenvector_following(system, band.images[i], direction=band.tangent(i), max_distance=2.0)
    assert full.converged
    start = full.x + np.random.default_rng(0).uniform(-0.05, 0.05, full.x.shape)
    if method == "partitioned":
        ts = eigenvector_following(system, start, dense_below=0)
    else:
        ts = hybrid_eigenvector_following(system, start, dense_below=0, max_iter=2000)
    assert ts.converged and ts.n_negative == 1 and ts.rms < 1e-9
    assert ts.energy == pytest.approx(full.energy, abs=1e-8)
    assert np.linalg.norm(ts.x - system.align(ts.x, full.x)) < 1e-5
    assert abs(ts.eigenvector @ full.eigenvector) == pytest.approx(1.0, abs=1e-6)


@pytest.fixture(scope="module")
def ljat3_band():
    """LJAT3, a DNEB from the triangle to a linear isomer, and the index of its maximum."""
    system = ljat3_system()
    linear = np.array([[0, 0, 0], [1.1, 0, 0], [2.2, 0, 0]], float)
    triangle = np.array([[0, 0, 0], [1.1, 0, 0], [0.55, 0.95, 0]], float)
    a = lbfgs(system.fun_grad, triangle.ravel(), tol=1e-9).x
    b = lbfgs(system.fun_grad, linear.ravel(), tol=1e-9).x
    band = dneb(system, a, system.align(a, b), n_images=10, max_iter=300)
    return system, band, band.local_maxima()[0]


def test_partitioned_ef_with_rotations_as_zero_modes(ljat3_band):
    """LJAT3: six rigid-body zero modes that change with the geometry; the triangle <->
    linear transition state (energy -1.98507, tests/test_landscape.py)."""
    system, band, i = ljat3_band
    ts = eigenvector_following(system, band.images[i], direction=band.tangent(i), dense_below=0)
    assert ts.converged and ts.n_negative == 1
    assert ts.energy == pytest.approx(-1.98507, abs=1e-5)


def test_compiled_ef_takes_the_steps_of_the_python_loop(network_database):
    """A network loss (compiled gradient and Hessian, no zero modes) is refined by one
    compiled loop; a system whose Hessian is a plain callable by the Python loop. The
    same step from a band maximum; the same transition state from near one (farther
    apart, round-off picks different bases of the degenerate soft modes, on which an
    EF step is not linear, and the two paths part)."""
    import dataclasses

    from ljatlib._objective import CompiledHessian
    system, db = network_database(2)
    assert isinstance(system.hessian, CompiledHessian)
    python = dataclasses.replace(system, hessian=lambda w, hessian=system.hessian: hessian(w))
    a, b = db.minima()[:2]
    band = dneb(system, a.coords, system.align(a.coords, b.coords), n_images=10, k=1.0, max_iter=300)
    top = band.images[band.local_maxima()[0]]
    for steps in (0, 1):
        one, other = (eigenvector_following(s, top, max_iter=steps, direction=band.tangent(1))
                      for s in (system, python))
        np.testing.assert_allclose(one.x, other.x, rtol=0, atol=1e-12)
        assert (one.n_iter, one.n_negative) == (other.n_iter, other.n_negative)
    from ljatlib.landscape import find_transition_states
    minima = db.minima()
    ts = next(found for m in minima[1:] for found in find_transition_states(python, minima[0].coords, m.coords))
    near = ts.x + 1e-4 * np.random.default_rng(0).standard_normal(len(ts.x))
    one, other = (eigenvector_following(s, near, max_iter=50) for s in (system, python))
    assert one.converged and other.converged
    # converged to RMS gradient 1e-9 along modes of curvature ~2 lambda = 2e-5: the same
    # transition state to ~1e-4 / sqrt(n) per coordinate, not to round-off
    np.testing.assert_allclose(one.x, ts.x, rtol=0, atol=1e-5)
    np.testing.assert_allclose(other.x, ts.x, rtol=0, atol=1e-5)
    assert one.energy == pytest.approx(ts.energy, abs=1e-12) and one.n_negative == 1


def test_compiled_ef_removes_the_rigid_body_modes_as_the_python_loop_does(ljat3_band):
    """LJAT3 (compiled gradient, Hessian and rigid-body modes) is refined by the compiled
    loop; with its zero modes as a plain callable, by the Python loop: the same steps
    all the way to the triangle <-> linear transition state."""
    import dataclasses

    from ljatlib._objective import CompiledZeroModes
    system, band, i = ljat3_band
    assert isinstance(system.zero_modes, CompiledZeroModes)
    python = dataclasses.replace(system, zero_modes=lambda x, modes=system.zero_modes: modes(x))
    one, other = (eigenvector_following(s, band.images[i], direction=band.tangent(i)) for s in (system, python))
    assert one.converged and other.converged and one.n_iter == other.n_iter
    np.testing.assert_allclose(one.x, other.x, rtol=0, atol=1e-10)
    assert one.energy == pytest.approx(-1.98507, abs=1e-5) and one.n_negative == 1
    for steps in (0, 1, 3):
        one, other = (eigenvector_following(s, band.images[i], max_iter=steps, direction=band.tangent(i))
                      for s in (system, python))
        np.testing.assert_allclose(one.x, other.x, rtol=0, atol=1e-12)


def test_rigid_body_modes_are_orthonormal_and_span_the_symmetries():
    """Six modes (five for a linear geometry), orthonormal, orthogonal to the gradient
    of the rotation-invariant LJAT3 energy and spanning what a QR of the raw
    translations and rotations spans."""
    from ljatlib.systems import rigid_body_modes
    system = ljat3_system()
    rng = np.random.default_rng(3)
    for x, k in ((rng.normal(size=9), 6), (np.array([0, 0, 0, 1.1, 0, 0, 2.3, 0, 0.0]), 5)):
        z = rigid_body_modes(x)
        assert z.shape == (k, 9)
        np.testing.assert_allclose(z @ z.T, np.eye(k), atol=1e-12)
        g = system.fun_grad(x)[1]
        assert np.abs(z @ g).max() < 1e-9 * max(1.0, np.abs(g).max())
        pos = x.reshape(3, 3) - x.reshape(3, 3).mean(axis=0)
        raw = [np.tile(e, 3) for e in np.eye(3)] + [np.cross(e, pos).ravel() for e in np.eye(3)]
        q = np.linalg.svd(np.array(raw))[2][:k]  # the span of the raw modes
        np.testing.assert_allclose(np.linalg.svd(q @ z.T, compute_uv=False), 1.0, atol=1e-10)
    with pytest.raises(ValueError, match="3 coordinates per atom"):
        rigid_body_modes(np.zeros(8))
