import numpy as np
import pytest

from ljatlib.data import make_dataset, reference_minima
from ljatlib.systems import System, ljat3_system, network_system
from ljatlib.landscape.interpolation import line_profile
from ljatlib.network import MLP
from ljatlib.optimize import LBFGSParams, lbfgs


def double_well():
    """f(x) = (x^2 - 1)^2 in one dimension: minima at -1 and +1, barrier 1 at 0."""
    return System(fun_grad=lambda x: (float((x[0] ** 2 - 1) ** 2), np.array([4 * x[0] * (x[0] ** 2 - 1)])),
                  hessian=lambda x: np.array([[12 * x[0] ** 2 - 4]]), n=1,
                  same_structure=lambda a, b: abs(a[0] - b[0]) < 0.1)  # equal energies: tell by x


def test_line_across_a_double_well_crosses_two_basins():
    prof = line_profile(double_well(), [-1.0], [1.0], n_points=10)
    x = -1 + 2 * prof.s
    assert np.allclose(prof.line_energy, (x ** 2 - 1) ** 2)
    assert prof.n_basins == 2
    assert list(prof.basin) == [0] * 5 + [1] * 5
    assert np.allclose(prof.quench_energy, 0.0, atol=1e-10)
    assert np.allclose(prof.quench_distance, np.abs(x - np.where(x < 0, -1, 1)), atol=1e-5)


def test_line_to_a_symmetric_copy_is_one_point_once_aligned(rng, symmetric_copy):
    net = MLP((3, 3))
    d1 = make_dataset("D1", n=400)
    X, y = d1.split("train")
    system = network_system(net, X[:50], y[:50])
    w = lbfgs(system.fun_grad, net.random_weights(rng), LBFGSParams(tol=1e-7, max_step=0.5)).x
    copy = symmetric_copy(net, w, rng)
    aligned = line_profile(system, w, copy, n_points=5)
    assert aligned.n_basins == 1
    assert np.allclose(aligned.line_energy, aligned.line_energy[0])
    raw = line_profile(system, w, copy, n_points=5, align=False)
    assert raw.line_energy.max() > raw.line_energy[0] + 1e-3  # the unaligned line leaves the minimum


def test_line_profile_rejects_bad_input():
    system = double_well()
    with pytest.raises(ValueError, match="coordinates"):
        line_profile(system, [0.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="finite"):
        line_profile(system, [np.nan], [1.0])
    with pytest.raises(ValueError, match="n_points"):
        line_profile(system, [-1.0], [1.0], n_points=1)


def test_line_between_ljat3_minima_crosses_only_their_basins():
    ref = reference_minima()
    system = ljat3_system()
    triangle = np.asarray(ref["triangle"][2]).ravel()
    linear = np.asarray(ref["linear"][2]).ravel()
    prof = line_profile(system, triangle, linear, n_points=41)
    assert prof.n_basins == 2
    assert np.all(np.diff(prof.basin) >= 0)  # one switch, from the triangle's basin to the chain's
    assert prof.minimum_energies == pytest.approx([ref["triangle"][0], ref["linear"][0]], abs=1e-6)
