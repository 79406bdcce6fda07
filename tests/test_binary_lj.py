import itertools

import numpy as np
import pytest

from ljatlib.potentials.binary_lj import BinaryLJ


def spread_configuration(pot, rng, min_dist=0.75):
    """Random positions in the box with no two atoms (nearest images) closer than
    ``min_dist`` (finite differences stay accurate)."""
    x = np.empty((0, 3))
    while len(x) < pot.n_atoms:
        p = rng.uniform(0, pot.box, 3)
        d = x - p
        d -= pot.box * np.round(d / pot.box)
        if len(x) == 0 or np.min(np.linalg.norm(d, axis=1)) > min_dist:
            x = np.vstack([x, p])
    return x


def brute_force_energy(pot, x):
    """Direct sum over pairs and the periodic images within two boxes, written in r
    (not r^2) from the Stoddard-Ford formula: an independent reference."""
    x = np.asarray(x).reshape(-1, 3)
    types = pot.types
    energy = 0.0
    shifts = [np.array(k) * pot.box for k in itertools.product(range(-2, 3), repeat=3)]
    for i, j in itertools.combinations(range(len(x)), 2):
        sig, eps = pot.sigma[types[i], types[j]], pot.epsilon[types[i], types[j]]
        rc = pot.cutoff * sig
        for shift in shifts:
            r = np.linalg.norm(x[i] - x[j] + shift)
            if r < rc:
                energy += 4 * eps * ((sig / r) ** 12 - (sig / r) ** 6
                                     + (6 * (sig / rc) ** 12 - 3 * (sig / rc) ** 6) * (r / rc) ** 2
                                     - 7 * (sig / rc) ** 12 + 4 * (sig / rc) ** 6)
    return energy


@pytest.mark.parametrize("n_a, n_b, density", [(8, 2, 1.0), (12, 4, 0.5), (20, 5, 1.2)])
def test_energy_matches_direct_image_sum(n_a, n_b, density):
    """Boxes smaller than twice the cutoff (several images per pair) and larger."""
    pot = BinaryLJ(n_a, n_b, density=density, cutoff=1.5 if n_a == 8 else 2.5)
    rng = np.random.default_rng(n_a)
    for _ in range(3):
        x = spread_configuration(pot, rng)
        assert pot.energy(x) == pytest.approx(brute_force_energy(pot, x), rel=1e-12, abs=1e-12)


def test_pair_energy_and_force_vanish_at_cutoff():
    pot = BinaryLJ(2, 0, density=0.01)  # one A-A pair in a large box
    rc = pot.cutoff
    for r, expect_zero in ((rc + 1e-9, True), (rc - 1e-6, False)):
        e, g = pot.energy_and_gradient([[0, 0, 0], [r, 0, 0]])
        assert (e == 0) == expect_zero
        assert abs(e) < 1e-10 and np.max(np.abs(g)) < 1e-5  # C1 at the cutoff
    e_min, _ = pot.energy_and_gradient([[0, 0, 0], [2 ** (1 / 6), 0, 0]])
    assert -0.95 < e_min < -0.94  # the shift raises the well by 4(B + A (r/rc)^2) = 0.055


def test_gradient_and_hessian_match_finite_differences():
    pot = BinaryLJ(10, 3, density=0.7)
    x = spread_configuration(pot, np.random.default_rng(1)).ravel()
    _, g = pot.energy_and_gradient(x)
    h = pot.hessian(x)
    eps = 1e-6
    fd_g, fd_h = np.empty_like(x), np.empty_like(h)
    for k in range(x.size):
        dx = np.zeros_like(x)
        dx[k] = eps
        fd_g[k] = (pot.energy(x + dx) - pot.energy(x - dx)) / (2 * eps)
        fd_h[k] = (pot.energy_and_gradient(x + dx)[1] - pot.energy_and_gradient(x - dx)[1]) / (2 * eps)
    assert np.allclose(g, fd_g, rtol=1e-6, atol=1e-6 * np.max(np.abs(g)))
    assert np.allclose(h, fd_h, rtol=1e-5, atol=1e-5 * np.max(np.abs(h)))
    assert np.allclose(h, h.T)


def test_symmetries_translation_images_and_batch():
    pot = BinaryLJ(12, 3, density=0.8)
    rng = np.random.default_rng(2)
    x = spread_configuration(pot, rng)
    e, g = pot.energy_and_gradient(x)
    shifted = x + rng.normal(size=3) + pot.box * rng.integers(-3, 4, size=x.shape)
    e2, g2 = pot.energy_and_gradient(shifted)
    assert e2 == pytest.approx(e, rel=1e-12) and np.allclose(g2, g, atol=1e-9)
    assert np.allclose(g.sum(axis=0), 0, atol=1e-9)  # translations cost nothing
    X = np.stack([x.ravel(), shifted.ravel(), pot.wrap(x).ravel()])
    E, G = pot.energy_and_gradient_many(X)
    assert np.allclose(E, e, rtol=1e-12) and np.allclose(G, g.ravel(), atol=1e-9)


def test_bad_input_gives_clear_errors():
    with pytest.raises(ValueError, match="below the box side"):
        BinaryLJ(4, 1, density=1.0)  # box 1.7 < cutoff 2.5
    with pytest.raises(ValueError, match="density"):
        BinaryLJ(48, 12, density=-1)
    with pytest.raises(ValueError, match="n_a"):
        BinaryLJ(2.5, 1)
    pot = BinaryLJ(48, 12)
    with pytest.raises(ValueError, match="shape"):
        pot.energy(np.zeros((59, 3)))
    x = pot.random_configuration(0)
    x[4] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        pot.energy_and_gradient(x)
