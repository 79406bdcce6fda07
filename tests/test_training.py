import numpy as np
import pytest

from ljatlib.data import d3_grid, d3_labels, plane_samples
from ljatlib.landscape import basin_hopping
from ljatlib.metrics import auc
from ljatlib.network import MLP
from ljatlib.paper.training import train


def tilted_double_wells(x):
    """sum_i (x_i^2 - 1)^2 + 0.3 x_i: 2^n minima, the global one at x_i ~ -1.04 for all i."""
    f = np.sum((x**2 - 1) ** 2 + 0.3 * x)
    return f, 4 * x * (x**2 - 1) + 0.3


def test_basin_hopping_finds_the_global_minimum():
    res = basin_hopping(tilted_double_wells, np.ones(4), n_steps=100, temperature=0.5,
                        step_size=2.0, seed=3)
    assert np.all(res.x < -1.0)
    assert res.rms < 1e-9
    assert len(res.minima) >= 2 and res.minima[0][0] == pytest.approx(res.f, abs=1e-7)
    assert len(res.quench_energies) == len(res.accepted) == 101


def test_basin_hopping_is_reproducible_and_validates():
    a = basin_hopping(tilted_double_wells, np.ones(3), 10, seed=7)
    b = basin_hopping(tilted_double_wells, np.ones(3), 10, seed=7)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.quench_energies, b.quench_energies)
    with pytest.raises(ValueError):
        basin_hopping(tilted_double_wells, np.ones(3), 10, temperature=0)


def test_trained_in_plane_network_predicts_d3():
    """Fig. S1b's setting: 3 hidden nodes, 100 in-plane training data, tested on D3."""
    X, y, _ = plane_samples(100, seed=11)
    keep = y >= 0
    model = train(MLP((3,)), X[keep], y[keep], n_hops=10, seed=0)
    assert model.rms < 1e-9
    grid = d3_grid(200)
    labels = d3_labels(grid)
    ok = labels >= 0
    assert auc(model.p0(grid.inputs[ok]), labels[ok]) > 0.9


def test_training_is_reproducible_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("LJATLIB_CACHE", str(tmp_path))
    X, y, _ = plane_samples(60, seed=2)
    keep = y >= 0
    a = train(MLP((3,)), X[keep], y[keep], n_hops=3, seed=5)
    assert len(list(tmp_path.glob("trained-network-*.npz"))) == 1
    b = train(MLP((3,)), X[keep], y[keep], n_hops=3, seed=5, use_cache=False)
    assert np.array_equal(a.w, b.w) and a.loss == b.loss
    c = train(MLP((3,)), X[keep], y[keep], n_hops=3, seed=6)
    assert len(list(tmp_path.glob("trained-network-*.npz"))) == 2
    assert not np.array_equal(a.w, c.w)


def test_plane_samples_lie_in_the_plane():
    X, y, xy = plane_samples(50, seed=1)
    r23 = 3 * 2 ** (1 / 6) - X.sum(axis=1)
    assert np.all(r23 > 0) and np.all(X[:, 0] < X[:, 1] + r23)
    assert set(np.unique(y)) <= {-4, -3, -2, -1, 0, 1, 2, 3}


def test_a_cached_network_of_the_wrong_size_is_retrained(tmp_path, monkeypatch):
    monkeypatch.setenv("LJATLIB_CACHE", str(tmp_path))
    X, y, _ = plane_samples(60, seed=2)
    keep = y >= 0
    a = train(MLP((3,)), X[keep], y[keep], n_hops=2, seed=5)
    (path,) = tmp_path.glob("trained-network-*.npz")
    with np.load(path) as f:
        arrays = {name: f[name] for name in f.files}
    arrays["w"] = arrays["w"][:5]
    del arrays["n_minima"]
    with open(path, "wb") as out:
        np.savez(out, **arrays)
    with pytest.warns(UserWarning, match="inconsistent"):  # was: a KeyError
        b = train(MLP((3,)), X[keep], y[keep], n_hops=2, seed=5)
    assert np.array_equal(a.w, b.w) and b.n_minima == a.n_minima
