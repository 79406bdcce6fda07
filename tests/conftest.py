import sys
from pathlib import Path

import numpy as np
import pytest

from ljatlib.data import make_dataset
from ljatlib.landscape import basin_hopping
from ljatlib.network import MLP
from ljatlib.storage import Database
from ljatlib.systems import ljat3_system, network_system

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Each test computes into its own cache directory, so no test reads another's files."""
    monkeypatch.setenv("LJATLIB_CACHE", str(tmp_path / "ljatlib-cache"))


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory):
    """Executes every chapter in the smoke profile and builds the site into _build/smoke, once
    per session (test_book.py checks it, test_browser.py opens it); returns the run info."""
    sys.path.insert(0, str(ROOT / "tools"))
    import run_book

    with pytest.MonkeyPatch.context() as mp:  # session-scoped, so _isolated_cache can't apply
        mp.setenv("LJATLIB_CACHE", str(tmp_path_factory.mktemp("ljatlib-cache")))
        return run_book.run_book("smoke", out_dir=ROOT / "_build" / "smoke")


# Builders shared by several test modules, handed out as fixtures (call them).

def _ljat3_database(path=":memory:"):
    """(system, database) of the four LJAT3 minima, found by basin-hopping (not connected)."""
    system = ljat3_system()
    db = Database(path, system=system.description, same_structure=system.same_structure)
    res = basin_hopping(system.fun_grad, np.random.default_rng(0).uniform(0, 1.4, 9), 100,
                        temperature=1.0, step_size=0.8, seed=0, same_structure=system.same_structure)
    for f, x in res.minima:
        db.add_minimum(f, x)
    return system, db


def _network_database(seed):
    """(system, in-memory database) of the basin-hopping minima (20 steps from ``seed``,
    twice as many until there are two or more: which seeds give one minimum depends on
    the CPU's floating point) of an MLP (3,) loss (lambda = 1e-5) on 50 D1 points."""
    X, y = make_dataset("D1", n=400).split("train")
    net = MLP((3,))
    system = network_system(net, X[:50], y[:50])
    for n_steps in (20, 40, 80, 160):
        db = Database(":memory:", system=system.description, same_structure=system.same_structure)
        res = basin_hopping(system.fun_grad, net.random_weights(seed), n_steps, seed=seed,
                            same_structure=system.same_structure)
        for f, x in res.minima:
            db.add_minimum(f, x)
        if db.counts()[0] >= 2 or n_steps == 160:
            return system, db
        db.close()


def _symmetric_copy(net, w, rng):
    """A copy of ``w`` with the hidden nodes of every layer permuted and sign-flipped."""
    layers = [(W.copy(), b.copy()) for W, b in net.unpack(w)]
    for l, width in enumerate(net.hidden):
        perm = rng.permutation(width)
        sign = np.where(rng.random(width) < 0.5, -1.0, 1.0)
        W, b = layers[l]
        layers[l] = ((W * sign[:, None])[perm], (b * sign)[perm])
        W_next, b_next = layers[l + 1]
        layers[l + 1] = ((W_next * sign[None, :])[:, perm], b_next)
    return net.pack(layers)



@pytest.fixture(scope="session")
def ljat3_database():
    return _ljat3_database


@pytest.fixture(scope="session")
def network_database():
    return _network_database


@pytest.fixture(scope="session")
def symmetric_copy():
    return _symmetric_copy
