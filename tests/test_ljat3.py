import numpy as np
import pytest

from ljatlib.data import reference_minima
from ljatlib.potentials import ljat3



def random_rotation(rng):
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    return q * np.sign(np.diag(r))


def random_geometries(rng, n, L=1.6):
    """Random clusters with no pair closer than 0.8 (finite differences stay accurate)."""
    out = []
    while len(out) < n:
        x = rng.uniform(0, L, (3, 3))
        d = [np.linalg.norm(x[i] - x[j]) for i, j in ljat3.PAIRS]
        if min(d) > 0.8:
            out.append(x)
    return np.array(out)


def test_reference_minima_match_spec():
    ref = reference_minima()
    e_tri, r_tri, x_tri = ref["triangle"]
    e_lin, r_lin, x_lin = ref["linear"]
    assert e_lin == pytest.approx(-2.21910, abs=5e-6)
    assert e_tri == pytest.approx(-2.18510, abs=5e-6)
    assert r_lin == pytest.approx(1.10876, abs=5e-6)
    assert r_tri == pytest.approx(1.16875, abs=5e-6)
    for x in (x_tri, x_lin):
        assert np.sqrt(np.mean(ljat3.gradient(x) ** 2)) < 1e-8


@pytest.mark.parametrize("name, n_zero", [("triangle", 6), ("linear", 5)])
def test_minima_have_positive_curvature(name, n_zero):
    """Both minima are true minima: only the rigid-body modes have zero curvature."""
    evals = np.linalg.eigvalsh(ljat3.hessian(reference_minima()[name][2]))
    assert np.sum(np.abs(evals) < 1e-6) == n_zero
    assert np.all(evals[np.abs(evals) >= 1e-6] > 0.1)


def test_energy_matches_direct_formula(rng):
    """Independent evaluation with angles from arccos, as written in SI Eq. 1."""
    for x in random_geometries(rng, 20):
        e = 0.0
        for i, j in ljat3.PAIRS:
            r = np.linalg.norm(x[i] - x[j])
            e += 4 * (r**-12 - r**-6)
        r12, r13, r23 = (np.linalg.norm(x[i] - x[j]) for i, j in ljat3.PAIRS)
        t1 = np.arccos((r12**2 + r13**2 - r23**2) / (2 * r12 * r13))
        t2 = np.arccos((r12**2 + r23**2 - r13**2) / (2 * r12 * r23))
        t3 = np.pi - t1 - t2
        e += 2.0 * (1 + 3 * np.cos(t1) * np.cos(t2) * np.cos(t3)) / (r12 * r13 * r23) ** 3
        assert ljat3.energy(x) == pytest.approx(e, rel=1e-10)


def test_gradient_and_hessian_against_finite_differences(rng):
    h = 1e-6
    for x in random_geometries(rng, 10):
        g, hess = ljat3.gradient(x), ljat3.hessian(x)
        fd_g, fd_h = np.zeros(9), np.zeros((9, 9))
        for k in range(9):
            dx = np.zeros(9)
            dx[k] = h
            dx = dx.reshape(3, 3)
            fd_g[k] = (ljat3.energy(x + dx) - ljat3.energy(x - dx)) / (2 * h)
            fd_h[k] = ((ljat3.gradient(x + dx) - ljat3.gradient(x - dx)) / (2 * h)).ravel()
        scale_g, scale_h = max(1.0, np.abs(g).max()), max(1.0, np.abs(hess).max())
        assert np.abs(fd_g - g.ravel()).max() < 1e-6 * scale_g
        assert np.abs(fd_h - hess).max() < 1e-5 * scale_h
        assert np.allclose(hess, hess.T)


def test_batch_equals_single(rng):
    xs = random_geometries(rng, 5)
    assert np.allclose(ljat3.energy(xs), [ljat3.energy(x) for x in xs])
    assert np.allclose(ljat3.gradient(xs), [ljat3.gradient(x) for x in xs])
    assert np.allclose(ljat3.hessian(xs), [ljat3.hessian(x) for x in xs])


def test_invariance_rotation_translation_permutation(rng):
    for x in random_geometries(rng, 10):
        rot, shift = random_rotation(rng), rng.normal(size=3)
        y = x @ rot.T + shift
        assert ljat3.energy(y) == pytest.approx(ljat3.energy(x), rel=1e-12)
        assert np.allclose(ljat3.gradient(y), ljat3.gradient(x) @ rot.T, atol=1e-10)
        assert np.abs(ljat3.gradient(x).sum(axis=0)).max() < 1e-10  # no net force
        perm = rng.permutation(3)
        assert ljat3.energy(x[perm]) == pytest.approx(ljat3.energy(x), rel=1e-12)
        assert np.allclose(ljat3.gradient(x[perm]), ljat3.gradient(x)[perm], atol=1e-10)


def test_coincident_atoms_give_infinite_energy():
    x = np.array([[0, 0, 0], [0, 0, 0], [1.0, 0, 0]])
    assert not np.isfinite(ljat3.energy(x))


@pytest.mark.parametrize("bad", [np.zeros((3, 2)), np.zeros((2, 3, 2)), np.zeros(9),
                                 np.zeros((4, 3)), [[np.nan, 0, 0], [1, 0, 0], [0, 1, 0]],
                                 [[np.inf, 0, 0], [1, 0, 0], [0, 1, 0]]])
@pytest.mark.parametrize("fn", [ljat3.energy, ljat3.gradient, ljat3.hessian])
def test_bad_input_raises(fn, bad):
    with pytest.raises(ValueError):
        fn(bad)


def test_coincident_atoms_are_inf_and_their_derivatives_are_refused():
    x = np.array([[0, 0, 0], [0, 0, 0], [1.0, 0, 0]])
    assert ljat3.energy(x) == np.inf  # was nan (the docstring said inf)
    assert list(ljat3.energy(np.stack([x, x[[2, 0, 1]], np.eye(3)]))[:2]) == [np.inf, np.inf]
    e, g = ljat3.energy_and_gradient(x)
    assert e == np.inf and g.shape == (3, 3) and np.all(np.isnan(g))  # documented: undefined
    with pytest.raises(ValueError, match=r"x\[1\]: atoms 1 and 2 coincide: the gradient"):
        ljat3.gradient(np.stack([np.eye(3), x]))
    with pytest.raises(ValueError, match="x: atoms 1 and 2 coincide: the Hessian"):
        ljat3.hessian(x)
    close = np.array([[0, 0, 0], [1e-30, 0, 0], [1.0, 0, 0]])
    assert ljat3.energy(close) == np.inf  # overflows, and is +inf rather than nan
    with pytest.raises(ValueError, match="atoms 1 and 2 are 1e-30 apart"):
        ljat3.gradient(close)


@pytest.mark.parametrize("scale", [1e52, 1e100, 1e200, 1e300])
def test_far_apart_atoms_have_energy_about_zero(scale):
    x = reference_minima()["triangle"][2] * scale
    e = ljat3.energy(x)  # was nan
    assert np.isfinite(e) and abs(e) < 1e-300
    e2, g = ljat3.energy_and_gradient(x)
    assert e2 == e and np.all(g == 0.0)
    assert np.all(ljat3.gradient(x) == 0.0) and np.all(ljat3.hessian(x) == 0.0)


@pytest.mark.parametrize("far", [1e100, 1e160, 1e300])
def test_a_pair_with_a_far_third_atom_is_the_pair_alone(far):
    x = np.array([[0, 0, 0], [1.12, 0, 0], [0, far, 0.0]])
    pair = np.array([[0, 0, 0], [1.12, 0, 0], [0, 1e10, 0.0]])  # computed by the kernels
    assert ljat3.energy(x) == pytest.approx(4 * (1.12**-12 - 1.12**-6), rel=1e-14)
    assert np.allclose(ljat3.gradient(x), ljat3.gradient(pair), rtol=1e-12, atol=1e-50)  # 1e10: ~1e-69
    assert np.allclose(ljat3.hessian(x), ljat3.hessian(pair), rtol=1e-12, atol=1e-30)


def test_the_fallback_agrees_with_the_kernels_where_both_work(rng):
    """The wrappers' slow path (in log distances) is the same function as the kernels."""
    from ljatlib.potentials.ljat3 import _energy_robust, _gradient_robust, _hessian_robust
    for x in random_geometries(rng, 50, L=2.5):
        z = rng.uniform(-3, 3)
        assert _energy_robust(x, z) == pytest.approx(ljat3.energy(x, z), rel=1e-12)
        assert np.allclose(_gradient_robust(x, z, None), ljat3.gradient(x, z), rtol=1e-11, atol=1e-11)
        assert np.allclose(_hessian_robust(x, 0.0, None), ljat3.hessian(x, 0.0), rtol=1e-11, atol=1e-10)


@pytest.mark.parametrize("z, error, match", [(np.nan, ValueError, "z must be finite"),
                                             (np.inf, ValueError, "z must be finite"),
                                             ("2", TypeError, "z must be a real number"),
                                             ([1.0, 2.0], TypeError, "z must be a real number")])
@pytest.mark.parametrize("fn", [ljat3.energy, ljat3.gradient, ljat3.hessian, ljat3.energy_and_gradient])
def test_bad_z_is_named(fn, z, error, match):
    with pytest.raises(error, match=match):
        fn(reference_minima()["triangle"][2], z)


@pytest.mark.parametrize("fn", [ljat3.energy, ljat3.gradient, ljat3.hessian])
def test_non_real_coordinates_are_named(fn):
    with pytest.raises(TypeError, match="x must be an array of real numbers"):
        fn(np.ones((3, 3), dtype=complex))  # was: the imaginary part silently dropped
    with pytest.raises(TypeError, match="x must be an array of real numbers"):
        fn([["a", "b", "c"]] * 3)
