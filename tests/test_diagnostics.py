"""ljatlib.landscape.diagnostics: the stages of one search, recorded."""
import numpy as np
import pytest

from ljatlib.data import classify
from ljatlib.paper import LandscapeSpec, build_landscape, landscape_quench_census
from ljatlib.systems import System, tilted_double_well
from ljatlib.landscape.diagnostics import push_off_audit, quench_census, trace_search
from ljatlib.storage import Database


def test_ljat3_search_refines_a_band_maximum_next_to_the_band(ljat3_database):
    system, db = ljat3_database()
    triangle, linear = sorted(db.minima(), key=lambda m: classify(m.coords.reshape(3, 3)))[:2]
    trace = trace_search(system, triangle.coords, linear.coords, n_images=10, neb_max_iter=300)
    assert trace.distance == pytest.approx(system.distance(triangle.coords, linear.coords), rel=1e-6)
    assert trace.end_energies == pytest.approx((triangle.energy, linear.energy), abs=1e-9)
    assert np.isfinite(trace.band_rms) and 0 < trace.band_iterations <= 300
    best = trace.maxima[0]  # the highest maximum: the triangle-linear transition state
    assert best.band_energy == trace.band_max_energy
    assert best.converged and best.energy == pytest.approx(-1.98507, abs=1e-5)
    assert best.moved < 0.05 and best.off_band < 0.05  # measured: 0.004
    assert trace.n_converged >= 1


def test_bad_ends_raise(ljat3_database):
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


def _narrow_double_well(half_width=0.005, depth=1e-3):
    """Two minima (x, y) = (+-half_width, 0) of equal energy, 2 * half_width apart, and a
    "same structure" rule (distance < 0.1) far too loose to tell them apart."""
    def fun_grad(p):
        u = (p[0] / half_width) ** 2 - 1
        return depth * u * u + p[1] ** 2, np.array([4 * depth * u * p[0] / half_width**2, 2 * p[1]])

    def hessian(p):
        return np.diag([4 * depth * (3 * (p[0] / half_width) ** 2 - 1) / half_width**2, 2.0])

    return System(fun_grad=fun_grad, hessian=hessian, n=2,
                  same_structure=lambda a, b: np.linalg.norm(a - b) < 0.1)


def test_census_sees_minima_the_database_rule_merges():
    census = quench_census(_narrow_double_well(), np.array([0.003, 0.1]), 40, seed=0, step_size=0.02)
    assert len(census.energies) == 41 and np.all(census.energies < 1e-12)
    assert census.database_count == 1  # the loose rule: one minimum
    assert census.minimum_energies.shape == (1,)
    assert np.isnan(census.median_gap)
    assert census.counts[1e-1] == 1
    assert census.counts[1e-2] == census.counts[1e-3] == census.counts[1e-5] == 2
    assert census.widest_copy == pytest.approx(0.01, abs=1e-6)  # the two wells, merged
    assert census.closest_distinct == np.inf
    with pytest.raises(ValueError, match="x0 must end in shape"):
        quench_census(_narrow_double_well(), np.zeros(3), 1)
    with pytest.raises(ValueError, match="non-finite"):
        quench_census(_narrow_double_well(), np.array([np.nan, 0.0]), 1)


def test_census_of_a_network_spec_counts_what_its_basin_hopping_stored(tmp_path):
    spec = LandscapeSpec((2, 2), 30, 20, n_test=50, step_size=3.0)
    path = build_landscape(spec, tmp_path / "h2.sqlite", minima_only=True)
    with Database(path, create=False) as db:
        stored = db.counts()[0]
    census = landscape_quench_census(spec)
    assert len(census.energies) == spec.n_hops + 1
    assert census.database_count == stored  # the same quenches, the same rule (measured: 17)
    assert np.all(np.diff(census.minimum_energies) >= 0) and census.minimum_energies[0] == census.energies.min()
    assert 0 < census.median_gap == pytest.approx(np.median(np.diff(np.sort(census.minimum_energies))))
    assert census.counts[1e-2] == census.counts[1e-3] == stored  # no minima merged here
    assert census.widest_copy < 1e-3 < census.closest_distinct
    assert len(landscape_quench_census(spec, n_hops=5).energies) == 6  # a prefix of the run
    with pytest.raises(ValueError, match="n_hops"):
        landscape_quench_census(spec, n_hops=-1)


def _double_well_database(stand_in=None):
    """The tilted double well's transition state, stored with its left minimum and its
    right one, or with a minimum at ``stand_in`` in place of the right one."""
    well = tilted_double_well()
    left, saddle, right = np.sort(np.roots([4.0, 0.0, -4.0, 0.25]).real)
    db = Database(":memory:")
    a, _ = db.add_minimum(well.energy([left, 0.0]), [left, 0.0])
    b, _ = db.add_minimum(well.energy([right, 0.0]), [right, 0.0])
    if stand_in is not None:
        b, _ = db.add_minimum(5.0, stand_in)
    db.add_transition_state(well.energy([saddle, 0.0]), [saddle, 0.0], a.id, b.id)
    return well, db, np.array([right, 0.0])


def test_push_off_audit_finds_an_end_stored_as_another_structure():
    stand_in = np.array([0.96, 1.5])  # nearer the right end than the left minimum is
    well, db, right = _double_well_database(stand_in)
    audit = push_off_audit(well, db)
    assert (audit.n_checked, audit.n_ends, audit.n_far) == (1, 2, 1)
    assert audit.median_far == pytest.approx(np.linalg.norm(right - stand_in), abs=1e-4)
    assert audit.as_dict()["n_far"] == 1


def test_push_off_audit_of_a_faithful_database_and_an_empty_one():
    well, db, _ = _double_well_database()
    assert push_off_audit(well, db).n_far == 0
    empty = push_off_audit(well, Database(":memory:"))
    assert (empty.n_checked, empty.n_ends, empty.n_far) == (0, 0, 0) and np.isnan(empty.median_far)
