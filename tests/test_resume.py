"""A build killed with SIGKILL at any point and resumed is the same database as one
never interrupted (same minima, transition states and energies)."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

SPEC = "LandscapeSpec((2, 2), n_data=20, n_hops=6, n_test=500, step_size=3.0)"
BUILD = f"""
import sys
from ljatlib.paper import LandscapeSpec, build_landscape
build_landscape({SPEC}, path=sys.argv[1])
"""


def _build(path, env):
    subprocess.run([sys.executable, "-c", BUILD, str(path)], env=env, check=True, timeout=900)


def _n_transition_states(path):
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1) as conn:
            return conn.execute("SELECT COUNT(*) FROM transition_states").fetchone()[0]
    except sqlite3.Error:  # not created yet, or locked for a moment
        return 0


def _kill_after(path, env, n_ts):
    """Start a build and SIGKILL it once ``n_ts`` transition states are stored."""
    proc = subprocess.Popen([sys.executable, "-c", BUILD, str(path)], env=env)
    deadline = time.monotonic() + 600
    while proc.poll() is None and _n_transition_states(path) < n_ts and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.fail(f"the build ended before {n_ts} transition states were stored")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def _content(path):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        minima = conn.execute("SELECT id, energy, coords FROM minima ORDER BY id").fetchall()
        ts = conn.execute("SELECT id, energy, coords, minimum1, minimum2 FROM transition_states "
                          "ORDER BY id").fetchall()
        complete = conn.execute("SELECT value FROM meta WHERE key='landscape_complete'").fetchone()
    return minima, ts, complete


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return {**os.environ, "LJATLIB_CACHE": str(tmp_path_factory.mktemp("cache"))}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, env):
    path = tmp_path_factory.mktemp("whole") / "land.sqlite"
    _build(path, env)
    minima, ts, complete = _content(path)
    assert complete == ("1",) and len(ts) >= 6  # enough rounds to be killed in the middle
    return minima, ts


@pytest.mark.parametrize("kill_at", [1, 5])
def test_killed_and_resumed_build_is_the_same(tmp_path, env, uninterrupted, kill_at):
    path = tmp_path / "land.sqlite"
    _kill_after(path, env, kill_at)
    assert _content(path)[2] is None  # really interrupted
    _build(path, env)
    assert _content(path)[:2] == uninterrupted
