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
