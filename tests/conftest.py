import sys
from pathlib import Path

import numpy as np
import pytest

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
