import numpy as np
import pytest

from ljatlib.paper import report
from ljatlib.plotting import landscapes as lf
from ljatlib.data import classify
from ljatlib.landscape import connect_in_rounds
from ljatlib.landscape.pathway import frames_evenly_in_s, longest_minimax_pathway, trace_pathway


@pytest.fixture(scope="module")
def ljat3_connected(ljat3_database):
    system, db = ljat3_database()
    assert connect_in_rounds(system, db, batch=1, push_off=0.05, n_images=10, neb_max_iter=300) == []
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


def _explorer_database():
    """Five minima of an MLP (3,): 1-2-3 joined in a chain, 4 joined to 1, 5 alone."""
    from ljatlib.network import MLP
    from ljatlib.storage import Database
    net, db = MLP((3,)), Database(":memory:")
    ids = [db.add_minimum(e, net.random_weights(k), {"test_loss": e + 0.1, "test_auc": 0.9 - e})[0].id
           for k, e in enumerate([0.10, 0.12, 0.15, 0.20, 0.30])]
    for a, b, e in [(0, 1, 0.13), (1, 2, 0.18), (0, 3, 0.25)]:
        db.add_transition_state(e, net.random_weights(10 + a + b), ids[a], ids[b])
    return net, db, ids


def test_basin_explorer_panels_show_loss_order_path_and_barrier():
    from ljatlib.data import d3_grid
    from ljatlib.plotting.explorer import basin_explorer, explorer_panels
    net, db, ids = _explorer_database()
    panels = explorer_panels(db, net, d3_grid(40), max_minima=4)
    assert [p.minimum_id for p in panels] == ids[:4]  # lowest loss first, at most 4
    assert "this is the global minimum" in panels[0].html
    # minimum 3 reaches the global minimum over 2 (TS 0.18) then 1 (TS 0.13): barrier 0.18 - 0.15
    assert f"{ids[2]} —(0.18000)→ {ids[1]} —(0.13000)→ {ids[0]}" in panels[2].html.replace("&gt;", ">")
    assert "barrier 0.03 above" in panels[2].html
    assert "test AUC 0.7500" in panels[2].html
    assert len({p.png for p in panels}) == 4  # each panel highlights another minimum
    lone = explorer_panels(db, net, d3_grid(40), max_minima=5)[-1]
    assert "not joined to the global minimum" in lone.html
    box = basin_explorer(panels)
    assert [o[1] for o in box.children[0].options] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="max_minima"):
        explorer_panels(db, net, d3_grid(40), max_minima=0)


def test_disconnectivity_highlight_colours_the_leaf():
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba
    from ljatlib.landscape import disconnectivity_graph
    _, db, ids = _explorer_database()
    fig, ax = plt.subplots()
    disconnectivity_graph(db, ax, n_levels=10, highlight={ids[2]: "#d62728"})
    red = [line for line in ax.lines if to_rgba(line.get_color()) == to_rgba("#d62728")]
    assert len(red) == 2 and min(min(line.get_ydata()) for line in red) == pytest.approx(0.15)  # line, dot
    plt.close(fig)


def test_movie_frames_are_written_as_gif_and_mp4(tmp_path):
    import io
    import re
    import subprocess
    import imageio_ffmpeg
    import matplotlib.pyplot as plt
    from PIL import Image
    pngs = []
    for k in range(3):
        fig, ax = plt.subplots(figsize=(2.01, 1.01))  # odd pixel sizes: padded for yuv420p
        ax.plot([0, 1], [0, k])
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        plt.close(fig)
        pngs.append(buf.getvalue())
    movie = lf.MovieS1(np.arange(3), pngs)
    gif = Image.open(movie.save_gif(tmp_path / "m.gif"))
    assert gif.n_frames == 3
    mp4 = movie.save_mp4(tmp_path / "m.mp4")
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(mp4), "-map", "0:v", "-f", "null", "-"],
                           capture_output=True, text=True)
    assert "Video: h264" in probe.stderr and re.search(r"frame=\s*3\b", probe.stderr)


def test_fig_s4_verdict_reads_the_trend_at_the_bottom():
    train = np.linspace(0.0, 1.0, 101)
    rising = 1.0 - train  # test loss highest where train loss is lowest
    assert "rises towards the bottom" in lf.fig_s4_verdict({(2, 100): (train, rising)})
    assert "falls towards the bottom" in lf.fig_s4_verdict({(2, 100): (train, train)})
    assert "too few minima" in lf.fig_s4_verdict({(2, 100): ([0.1, 0.9], [0.2, 0.3])})
