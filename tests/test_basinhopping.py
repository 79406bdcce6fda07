"""Basin-hopping stopped and resumed from a checkpoint is the run that never stopped."""
import json

import numpy as np
import pytest

from ljatlib.landscape import basinhopping
from ljatlib.landscape.basinhopping import BasinHoppingState, basin_hopping, system_quench
from ljatlib.landscape import store_basin_hopping_minima
from ljatlib.landscape.rounds import Stopped
from ljatlib.network import MLP
from ljatlib.storage import Database
from ljatlib.systems import network_system

STEPS = 12


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(3)
    X = rng.uniform(0.8, 2.5, (30, 2))
    y = rng.integers(0, 4, 30)
    net = MLP((3,))
    system = network_system(net, X, y)
    return system, net.random_weights(np.random.default_rng(0))


def _run(system, x0, **kwargs):
    params, polish = system_quench(system)
    return basin_hopping(system.fun_grad, x0, STEPS, step_size=3.0, seed=7, lbfgs_params=params,
                         polish=polish, same_structure=system.same_structure, **kwargs)


def _same(a, b):
    np.testing.assert_array_equal(a.quench_energies, b.quench_energies)
    np.testing.assert_array_equal(a.accepted, b.accepted)
    assert a.f == b.f and np.array_equal(a.x, b.x)
    assert len(a.minima) == len(b.minima)
    for (fa, xa), (fb, xb) in zip(a.minima, b.minima):
        assert fa == fb and np.array_equal(xa, xb)


def test_resumed_from_any_checkpoint_is_the_uninterrupted_run(problem):
    system, x0 = problem
    states = []
    whole = _run(system, x0, checkpoint=states.append, checkpoint_seconds=0.0)
    assert [s.step for s in states] == list(range(1, STEPS))  # after every step but the last
    assert whole.seconds > 0
    for state in (states[0], states[STEPS // 2], states[-1]):
        stored = BasinHoppingState.from_dict(json.loads(json.dumps(state.as_dict())))
        _same(_run(system, x0, resume=stored), whole)


def test_a_state_of_another_run_or_a_broken_one_is_refused(problem):
    system, x0 = problem
    states = []
    _run(system, x0, checkpoint=states.append, checkpoint_seconds=0.0)
    params, polish = system_quench(system)
    with pytest.raises(ValueError, match="another run"):
        basin_hopping(system.fun_grad, x0, STEPS + 1, step_size=3.0, seed=7, lbfgs_params=params,
                      polish=polish, resume=states[0])
    broken = states[0].as_dict()
    del broken["rng_state"]
    with pytest.raises(ValueError, match="not a basin-hopping state"):
        BasinHoppingState.from_dict(broken)


def _minima(db):
    return [(m.energy, m.coords.tolist()) for m in db.minima()]


def test_stored_minima_of_an_interrupted_run_are_those_of_a_whole_one(problem, monkeypatch, tmp_path):
    system, x0 = problem
    whole = Database(tmp_path / "whole.sqlite")
    n = store_basin_hopping_minima(system, whole, x0, STEPS, seed=7, step_size=3.0)
    real, calls = basinhopping.quench, []

    def quench_then_stop(*args, **kwargs):
        calls.append(1)
        if len(calls) > STEPS // 2:
            raise KeyboardInterrupt("stopped")
        return real(*args, **kwargs)

    db = Database(tmp_path / "stopped.sqlite")
    with monkeypatch.context() as mp:
        mp.setattr(basinhopping, "quench", quench_then_stop)
        with pytest.raises(KeyboardInterrupt):
            store_basin_hopping_minima(system, db, x0, STEPS, seed=7, step_size=3.0,
                                       checkpoint_key="bh", checkpoint_seconds=0.0)
    assert db.counts()[0] == 0 and json.loads(db.get_meta("bh"))["step"] == STEPS // 2 - 1
    done = []
    assert store_basin_hopping_minima(system, db, x0, STEPS, seed=7, step_size=3.0, checkpoint_key="bh",
                                      meta=lambda q, s: done.append((q, s)) or {"done": "1"}) == n
    assert _minima(db) == _minima(whole) and db.get_meta("bh") is None and db.get_meta("done") == "1"
    assert done[0][0] == STEPS + 1 and done[0][1] > 0


def test_an_unreadable_checkpoint_is_an_error_and_changes_nothing(problem, tmp_path):
    system, x0 = problem
    db = Database(tmp_path / "bad.sqlite")
    db.set_meta(bh="{not json")
    with pytest.raises(ValueError, match="checkpoint 'bh' is unreadable"):
        store_basin_hopping_minima(system, db, x0, STEPS, seed=7, checkpoint_key="bh")
    assert db.counts()[0] == 0 and db.get_meta("bh") == "{not json"


class _StopAfter:
    """A stop flag that is set from its ``n``-th question on."""

    def __init__(self, n):
        self.n, self.asked = n, 0

    def is_set(self):
        self.asked += 1
        return self.asked >= self.n


def test_a_stopped_run_raises_after_its_step_and_resumes_to_the_whole_one(problem, tmp_path):
    system, x0 = problem
    whole = Database(tmp_path / "whole.sqlite")
    store_basin_hopping_minima(system, whole, x0, STEPS, seed=7, step_size=3.0)
    db = Database(tmp_path / "stopped.sqlite")
    with pytest.raises(Stopped, match="resumes from its last checkpoint"):
        store_basin_hopping_minima(system, db, x0, STEPS, seed=7, step_size=3.0, checkpoint_key="bh",
                                   checkpoint_seconds=0.0, stop=_StopAfter(4))
    assert db.counts()[0] == 0 and json.loads(db.get_meta("bh"))["step"] == 3
    store_basin_hopping_minima(system, db, x0, STEPS, seed=7, step_size=3.0, checkpoint_key="bh")
    assert _minima(db) == _minima(whole)
