"""tools/build_landscapes.py: the S3 and S4 landscape databases of a profile, outside the book."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import build_landscapes as tool  # noqa: E402

from ljatlib.landscape import build_landscape  # noqa: E402


@pytest.mark.parametrize("profile", ["smoke", "quick", "paper"])
def test_every_profile_names_distinct_specs(profile):
    labelled = tool.profile_specs(profile)
    specs = [spec for _, spec in labelled]
    assert labelled[-1][0] == "Fig. S3"
    assert len({spec.key() for spec in specs[:-1]}) == len(specs) - 1


def test_paper_profile_is_the_papers_grid():
    grid = {(len(s.hidden), s.n_data) for label, s in tool.profile_specs("paper") if label != "Fig. S3"}
    assert grid == {(h, n) for h in (1, 2, 3) for n in (100, 1000, 2000, 10000, 100000)}


def test_paper_profile_has_the_sis_glass_systems():
    specs = dict(tool.profile_glass_specs("paper"))
    assert {name: (s.n_a, s.n_b, s.density) for name, s in specs.items()} == {
        "BLJ60": (48, 12, 1.0), "BLJ256": (204, 52, 1.0)}


def test_status_follows_the_builds_and_bad_profiles_exit(capsys):
    tool.main(["--profile", "smoke", "--status"])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 5 and all("missing" in line for line in out)
    assert [line.split()[0] for line in out[-2:]] == ["BLJ60", "BLJ256"]
    build_landscape(tool.profile_specs("smoke")[0][1])
    tool.main(["--profile", "smoke", "--status", "--layers", "1", "--no-fig-s3", "--no-glass"])
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("H=1 N=30") and "complete" in line
    with pytest.raises(SystemExit, match="unknown profile 'nope'"):
        tool.main(["--profile", "nope"])


def test_tables_show_the_complete_databases_beside_the_paper(capsys):
    tool.main(["--profile", "smoke", "--status", "--tables", "--layers", "2", "--no-fig-s3", "--no-glass"])
    assert capsys.readouterr().out.rstrip().endswith("No (H, N_data) database is complete yet.")
    build_landscape(tool.profile_specs("smoke")[0][1])
    tool.main(["--profile", "smoke", "--status", "--tables", "--layers", "1", "--no-fig-s3", "--no-glass"])
    out = capsys.readouterr().out
    assert out.count("ours (paper)") == 3
    assert "| $N_{data}$ | H = 1: uphill | H = 1: downhill |" in out
    assert "H = 2" not in out
