import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Each test computes into its own cache directory, so no test reads another's files."""
    monkeypatch.setenv("LJATLIB_CACHE", str(tmp_path / "ljatlib-cache"))


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
