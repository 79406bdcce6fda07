import numpy as np
import pytest

from ljatlib.paper import report
from ljatlib.plotting import landscapes as lf
from ljatlib.data import classify
from ljatlib.landscape import connect_to_global_minimum
from ljatlib.landscape.pathway import frames_evenly_in_s, longest_minimax_pathway, trace_pathway

from test_landscape import ljat3_database


@pytest.fixture(scope="module")
def ljat3_connected():
    system, db = ljat3_database()
    assert connect_to_global_minimum(system, db, push_off=0.05, n_images=10,
                                     neb_max_iter=300) == []
    return system, db


def test_pathway_through_the_triangle(ljat3_connected):
    system, db = ljat3_connected
    path = longest_minimax_pathway(db)
    # the linear isomers are joined only through the triangle: linear, triangle, linear
    assert [classify(db.get_minimum(m).coords.reshape(3, 3)) == 0 for m in path] == [False, True, False]
    pw = trace_pathway(system, db, path, max_step=0.01)
    assert len(pw.transition_states) == 2
    np.testing.assert_allclose(pw.energies[pw.minimum_frames], [db.get_minimum(m).energy for m in path],
                               atol=1e-9)
    ts_energy = {t.id: t.energy for t in db.transition_states()}
    np.testing.assert_allclose(pw.energies[pw.ts_frames], [ts_energy[t] for t in pw.transition_states])
    np.testing.assert_allclose(pw.energies, [system.energy(x) for x in pw.frames], rtol=0, atol=1e-12)
    assert np.all(np.diff(pw.s) >= 0) and np.all(np.diff(pw.s) <= 0.05 + 1e-12)
    # the energy rises monotonically from each minimum to the next transition state
    for m, t in zip(pw.minimum_frames, pw.ts_frames):
        assert np.all(np.diff(pw.energies[m:t + 1]) > -1e-10)
    idx = frames_evenly_in_s(pw, 30)
    assert set(pw.minimum_frames) <= set(idx) and 25 <= len(idx) <= 40
    assert longest_minimax_pathway(db, n_minima=2)[0] == path[0] or db.global_minimum().id in \
        longest_minimax_pathway(db, n_minima=2)


def test_trace_needs_a_transition_state(ljat3_connected):
    system, db = ljat3_connected
    linear = [m.id for m in db.minima() if classify(m.coords.reshape(3, 3)) != 0]
    with pytest.raises(ValueError, match="share no transition state"):
        trace_pathway(system, db, linear[:2])


def test_fig_s4_bins_against_a_direct_loop():
    rng = np.random.default_rng(3)
    train, test = rng.uniform(0.2, 0.5, 200), rng.uniform(0.3, 0.9, 200)
    x, y, counts = lf.fig_s4_curve(train, test, n_bins=10)
    r_train = (train - train.min()) / (train.max() - train.min())
    r_test = (test - test.min()) / (test.max() - test.min())
    expect = {}
    for a, b in zip(r_train, r_test):
        k = min(int(a * 10), 9)
        expect.setdefault(k, []).append(b)
    assert counts.sum() == 200 and len(x) == len(expect)
    np.testing.assert_allclose(y, [np.mean(expect[k]) for k in sorted(expect)])
    np.testing.assert_allclose(x, [(k + 0.5) / 10 for k in sorted(expect)])


def test_paper_tables_are_transcribed_consistently():
    # barrier / dL from the lower minimum minus from the higher one is dL / dL = 1 in every cell
    for cell, up in report.PAPER_TABLE_S1["uphill_scaled"].items():
        assert up - report.PAPER_TABLE_S1["downhill_scaled"][cell] == pytest.approx(1.0, abs=1e-9)
    assert len(report.PAPER_TABLE_S2["downhill"]) == 15
    assert report.PAPER_TABLE_S1["uphill"][(2, 100)] == 0.0155
    assert report.PAPER_TABLE_S2["downhill_scaled"][(1, 2000)] == 0.9777


def test_table_markdown_shows_ours_beside_the_paper(ljat3_connected):
    _, db = ljat3_connected
    tables = lf.landscape_tables({(1, 100): db})
    md = lf.table_markdown(tables["S1"], report.PAPER_TABLE_S1, ["uphill", "downhill"], [100, 1000], [1])
    # LJAT3: TS -1.98507, minima -2.21910 (linear) and -2.18510 (triangle)
    assert "| 100 | 0.234 (1.14e-02) | 0.2 (5.31e-03) |" in md
    assert "| 1,000 | — (9.85e-05) | — (1.96e-05) |" in md
    assert report.order_of_magnitude_verdict(0.02, 0.0155) == "same order"
    assert report.order_of_magnitude_verdict(0.2, 0.0155) == "differs"


def test_markdown_table_escapes_pipes_and_refuses_ragged_rows():
    from ljatlib._tables import markdown_table
    assert markdown_table(["a", "b"], [["x|y", 1]]).splitlines()[2] == r"| x\|y | 1 |"
    with pytest.raises(ValueError, match="row 0 has 1 cells, the header 2"):
        markdown_table(["a", "b"], [[1]])
