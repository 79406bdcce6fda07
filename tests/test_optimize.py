import numpy as np
import pytest
from scipy.integrate import solve_ivp

from ljatlib.data import classify, label_outcomes, random_starts
from ljatlib.optimize import (CONVERGED, MAX_ITERATIONS, NON_FINITE, LBFGSParams, lbfgs,
                              minimize_ljat3, minimize_ljat3_scipy, steepest_descent_ljat3)
from ljatlib.potentials import ljat3

D2_L = 1.385


def steepest_descent_scipy(x0, gtol=1e-5):
    """Independent reference: the gradient flow integrated by scipy (LSODA, tight
    tolerances), reparametrised as dx/dt = -g / (1 + |g|), then a tight finish."""
    def velocity(t, y):
        g = ljat3.gradient(y.reshape(3, 3)).ravel()
        return -g / (1 + np.linalg.norm(g))

    def small_gradient(t, y):
        return np.sqrt(np.mean(ljat3.gradient(y.reshape(3, 3)) ** 2)) - gtol
    small_gradient.terminal = True
    sol = solve_ivp(velocity, (0, 1e5), x0.ravel(), method="LSODA", rtol=1e-9, atol=1e-11,
                    events=small_gradient)
    assert sol.status == 1, "flow did not reach the small-gradient region"
    return minimize_ljat3(sol.y[:, -1].reshape(1, 3, 3), max_step=0.01).x[0]


@pytest.fixture(scope="module")
def d2_sample():
    starts = random_starts(500, D2_L, seed=2024)
    reference = np.array([classify(steepest_descent_scipy(x)) for x in starts])
    return starts, reference


def test_lbfgs_agrees_with_steepest_descent_basins(d2_sample):
    starts, reference = d2_sample
    labels = label_outcomes(minimize_ljat3(starts))
    assert np.all(reference >= 0)
    agreement = np.mean(labels == reference)
    assert agreement >= 0.95, f"LBFGS agrees with the steepest-descent basin on {agreement:.3f}"


def test_numba_flow_matches_scipy_flow(d2_sample):
    starts, reference = d2_sample
    labels = label_outcomes(steepest_descent_ljat3(starts))
    assert np.mean(labels == reference) >= 0.99


def test_scipy_lbfgsb_lands_elsewhere(d2_sample):
    """The line-search L-BFGS-B is not a basin reference (what the book shows)."""
    starts, reference = d2_sample
    labels = label_outcomes(minimize_ljat3_scipy(starts[:200]))
    assert np.mean(labels == reference[:200]) < 0.6


def test_generic_lbfgs_equals_batch(rng):
    starts = random_starts(20, D2_L, seed=5)
    batch = minimize_ljat3(starts)
    for i, x in enumerate(starts):
        one = lbfgs(ljat3.energy_and_gradient, x)
        assert one.status == batch.status[i] == CONVERGED
        assert one.n_iter == batch.n_iter[i]
        assert np.allclose(one.x, batch.x[i], atol=1e-12)


def test_converged_results_are_minima():
    res = minimize_ljat3(random_starts(200, D2_L, seed=6))
    ok = res.status == CONVERGED
    assert ok.mean() > 0.99
    assert np.all(res.rms[ok] < 1e-6)
    assert np.allclose(res.energy[ok], ljat3.energy(res.x[ok]))


def test_generic_lbfgs_on_a_quadratic_of_any_shape():
    a = np.diag(np.arange(1.0, 13.0)).reshape(12, 12)
    res = lbfgs(lambda x: (0.5 * x.ravel() @ a @ x.ravel(), (a @ x.ravel()).reshape(x.shape)),
                np.ones((3, 4)), tol=1e-10, max_step=1.0)
    assert res.status == CONVERGED and res.x.shape == (3, 4)
    assert np.abs(res.x).max() < 1e-9


def test_statuses():
    coincident = np.array([[[0, 0, 0], [0, 0, 0], [1.0, 0, 0]]])
    assert minimize_ljat3(coincident).status[0] == NON_FINITE
    assert label_outcomes(minimize_ljat3(coincident))[0] < 0
    short = minimize_ljat3(random_starts(5, D2_L, seed=7), max_iter=2)
    assert np.all(short.status == MAX_ITERATIONS) and np.all(short.n_iter == 2)


def test_recorded_sequences_run_from_start_to_end():
    starts = random_starts(50, 2 * np.sqrt(3), seed=8)
    res, seq = minimize_ljat3(starts, record=True)
    assert np.array_equal(seq.lengths(), res.n_iter + 1)
    for i in (0, 17, 49):
        path = seq.of(i)
        d = np.linalg.norm(starts[i][0] - starts[i][1:], axis=1)
        assert np.allclose(path[0], d)
        d_end = np.linalg.norm(res.x[i][0] - res.x[i][1:], axis=1)
        assert np.allclose(path[-1], d_end)


def test_step_cap_is_respected():
    steps = []
    x0 = random_starts(1, D2_L, seed=9)[0]
    prev = [x0]

    def record(x, f):
        steps.append(np.linalg.norm(x - prev[0]))
        prev[0] = x.copy()
    lbfgs(ljat3.energy_and_gradient, x0, max_step=0.05, callback=record)
    assert max(steps) <= 0.05 + 1e-12


@pytest.mark.parametrize("kwargs", [{"tol": 0}, {"memory": 0}, {"max_step": -1.0},
                                    {"max_iter": 2.5}, {"memory": 2.5}, {"max_iter": True},
                                    {"tol": np.nan}, {"max_rise": np.nan}, {"h0": np.inf}])
def test_bad_settings_raise(kwargs):
    with pytest.raises(ValueError):
        LBFGSParams(**kwargs)


def test_empty_start_raises():
    with pytest.raises(ValueError, match="empty"):
        lbfgs(ljat3.energy_and_gradient, [])


def test_unknown_setting_raises():
    with pytest.raises(TypeError):
        minimize_ljat3(random_starts(2, D2_L, 1), maxstep=0.1)


@pytest.mark.parametrize("bad", [np.zeros((4, 3, 2)), np.full((2, 3, 3), np.nan)])
def test_bad_coordinates_raise(bad):
    with pytest.raises(ValueError):
        minimize_ljat3(bad)


def test_a_compiled_objective_unpickled_first_minimises_in_a_fresh_process(tmp_path):
    """A Dask worker unpickles the objective before importing ljatlib.network: the
    kernel must come back as the module's own dispatcher (by value, the compiled loop
    failed to save its numba cache: "underlying object has vanished")."""
    import pickle
    import subprocess
    import sys

    from ljatlib.network import MLP
    X = np.random.default_rng(0).uniform(0.8, 2, (20, 2))
    y = np.arange(20) % 4
    path = tmp_path / "objective.pkl"
    path.write_bytes(pickle.dumps((MLP((3,)).fun_grad(X, y), MLP((3,)).random_weights(0))))
    code = ("import pickle, sys; objective, w = pickle.load(open(sys.argv[1], 'rb')); "
            "import ljatlib.network as n; from ljatlib.optimize import lbfgs; "
            "assert objective.kernel is n.objective_serial; print(lbfgs(objective, w).energy)")
    root = str(__import__("pathlib").Path(__file__).resolve().parents[1])
    env = {**__import__("os").environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "PYTHONPATH": root}
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert float(out.stdout) == pytest.approx(lbfgs(MLP((3,)).fun_grad(X, y), MLP((3,)).random_weights(0)).energy)


def test_compiled_loops_that_take_a_kernel_are_not_cached_on_disk():
    """numba's cache index of a function that takes a dispatcher holds the dispatcher's
    type, which fails to match in another process (the smoke book's Dask workers:
    KeyError on load, then "underlying object has vanished"): every compiled loop that
    takes a kernel is compiled once per process instead."""
    from ljatlib.optimize import _lbfgs
    from ljatlib.transition_states import _compiled_band, _compiled_ef
    loops = [_lbfgs._lbfgs_loop, _lbfgs._lbfgs_rows, _compiled_band._evaluate, _compiled_band.relax_band,
             _compiled_ef.follow]
    assert [type(loop._cache).__name__ for loop in loops] == ["NullCache"] * len(loops)


@pytest.mark.parametrize("seed", range(6))
def test_trust_region_step_minimises_the_model_in_the_ball(seed):
    """Against sampling: no point of the ball has a lower model value than the step."""
    from ljatlib.optimize._trust_region import trust_region_step
    rng = np.random.default_rng(seed)
    n = 5
    vals = np.sort(rng.normal(size=n) * 10.0 ** rng.uniform(-5, 1, n))
    grad = rng.normal(size=n)
    radius = 10.0 ** rng.uniform(-2, 1)
    h, change = trust_region_step(vals, grad, radius)
    assert np.linalg.norm(h) <= radius * (1 + 1e-9)
    assert change == pytest.approx(grad @ h + 0.5 * np.sum(vals * h * h))
    points = rng.normal(size=(20_000, n))
    points *= (radius * rng.uniform(size=(20_000, 1)) ** (1 / n)) / np.linalg.norm(points, axis=1, keepdims=True)
    models = points @ grad + 0.5 * (points**2) @ vals
    assert change <= models.min() + 1e-12
    newton = -grad / vals
    if vals[0] > 0 and np.linalg.norm(newton) <= radius:
        np.testing.assert_allclose(h, newton)
