"""ljatlib.landscape.diagnostics: the stages of one search, recorded."""
import numpy as np
import pytest

from ljatlib.data import classify
from ljatlib.landscape.diagnostics import trace_search
from test_landscape import ljat3_database


def test_ljat3_search_refines_a_band_maximum_next_to_the_band():
    system, db = ljat3_database()
    triangle, linear = sorted(db.minima(), key=lambda m: classify(m.coords.reshape(3, 3)))[:2]
    trace = trace_search(system, triangle.coords, linear.coords, n_images=10, neb_kwargs={"max_iter": 300})
    assert trace.distance == pytest.approx(system.distance(triangle.coords, linear.coords), rel=1e-6)
    assert trace.end_energies == pytest.approx((triangle.energy, linear.energy), abs=1e-9)
    assert np.isfinite(trace.band_rms) and 0 < trace.band_iterations <= 300
    best = trace.maxima[0]  # the highest maximum: the triangle-linear transition state
    assert best.band_energy == trace.band_max_energy
    assert best.converged and best.energy == pytest.approx(-1.98507, abs=1e-5)
    assert best.moved < 0.05 and best.off_band < 0.05  # measured: 0.004
    assert trace.n_converged >= 1


def test_bad_ends_raise():
    system, db = ljat3_database()
    x = db.minima()[0].coords
    with pytest.raises(ValueError, match="finite"):
        trace_search(system, x, np.full_like(x, np.nan), align=False)
    with pytest.raises(ValueError, match="finite"):
        trace_search(system, x, np.full_like(x, np.nan))
    with pytest.raises(ValueError, match="one shape"):
        trace_search(system, x, x[:-1], align=False)
    with pytest.raises(ValueError, match="one shape"):
        trace_search(system, x, x[:-1])
