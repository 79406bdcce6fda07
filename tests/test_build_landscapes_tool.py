"""tools/build_landscapes.py: the S3 and S4 landscape databases of a profile, outside the book."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import build_landscapes as tool

from ljatlib.paper import build_landscape, landscape_path
from ljatlib.storage import Database


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
    spec = tool.profile_specs("smoke")[0][1]
    landscape_path(spec).parent.mkdir(parents=True, exist_ok=True)
    with Database(landscape_path(spec)) as db:  # a basin-hopping run stopped after its third step
        db.set_meta(landscape_spec=json.dumps(spec.as_dict(), sort_keys=True), basin_hopping='{"step": 3}')
    tool.main(["--profile", "smoke", "--status", "--layers", "1", "--no-fig-s3", "--no-glass"])
    assert f"partial (basin-hopping: 3 of {spec.n_hops} steps)" in capsys.readouterr().out
    landscape_path(spec).unlink()
    build_landscape(spec)
    tool.main(["--profile", "smoke", "--status", "--layers", "1", "--no-fig-s3", "--no-glass"])
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("H=1 N=30") and "complete" in line
    assert "basin-hopping minima" in line and "searches" in line and "audit: 0 of" in line
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


ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("argv, match", [
    (["--layers", "7"], r"--layers 7 matches no database of profile 'smoke' \(it has 1 2\)"),
    (["--layers", "1", "7"], "--layers 7 matches no database"),
    (["--n-data", "5"], r"--n-data 5 matches no database of profile 'smoke' \(it has 30\)"),
    (["--no-fig-s3", "--no-glass", "--layers"], None),  # an empty filter selects every H
])
def test_a_filter_that_matches_nothing_says_so(argv, match, capsys):
    if match is None:
        tool.main(["--profile", "smoke", "--status"] + argv)
        assert len(capsys.readouterr().out.splitlines()) == 2
        return
    with pytest.raises(SystemExit, match=match):  # was: carried on with Fig. S3 and the glass
        tool.main(["--profile", "smoke", "--status"] + argv)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("address, match", [
    ("tcp://127.0.0.1:1", "no Dask scheduler reachable at tcp://127.0.0.1:1: Connection refused"),
    ("not-an-address", "'not-an-address' is not a Dask scheduler address"),
    ("tcp://127.0.0.1:70000", "port 70000 is not in 1-65535"),
    ("nosuch://host:1", "unknown address scheme 'nosuch'"),
])
def test_a_bad_scheduler_fails_fast_in_one_line(address, match):
    import time
    start = time.perf_counter()
    with pytest.raises(SystemExit, match=match):  # was: 30 s of retries, then a traceback
        tool.main(["--profile", "smoke", "--no-glass", "--no-fig-s3", "--layers", "1",
                   "--scheduler", address])
    assert time.perf_counter() - start < 10


def test_a_refused_scheduler_is_one_line_on_stderr():
    import time
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_landscapes.py"), "--profile",
                           "smoke", "--no-glass", "--scheduler", "tcp://127.0.0.1:1"],
                          capture_output=True, text=True, timeout=120, env=os.environ)
    assert proc.returncode != 0
    assert proc.stderr.splitlines() == ["error: no Dask scheduler reachable at tcp://127.0.0.1:1: "
                                        "Connection refused"]
    assert proc.stdout == ""
    assert time.perf_counter() - start < 25  # the import included; the old wait alone was 30 s


_LIVE_SCHEDULER = """
from distributed import LocalCluster
from ljatlib.paper.builds import dask_client
with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                  host="127.0.0.1", dashboard_address=":0") as cluster:
    with dask_client(cluster.scheduler_address, "unused") as client:
        print(client.submit(sum, [1, 2]).result())
"""


def test_a_live_scheduler_address_is_used():
    # In a fresh interpreter: earlier tests' event loops and threads (the browser test's)
    # once kept distributed's client loop thread from starting within its fixed 10 s.
    proc = subprocess.run([sys.executable, "-c", _LIVE_SCHEDULER], capture_output=True, text=True,
                          timeout=120, env=os.environ, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "3"


def _tarball(path, names):
    import io
    import tarfile
    with tarfile.open(path, "w:gz") as tar:
        for name in names:
            info = tarfile.TarInfo(name)
            info.size = 3
            tar.addfile(info, io.BytesIO(b"x=1"))


def test_vendor_tarballs_cannot_write_outside_the_site(tmp_path, monkeypatch):
    """tools/run_book.py unpacks npm tarballs with tarfile's "data" filter."""
    import run_book
    monkeypatch.setattr(run_book, "NPM_CACHE", tmp_path / "npm")
    monkeypatch.setattr(run_book, "VENDOR", {"evil@1.0.0": ("package/", {"*.js": "."})})
    (tmp_path / "npm").mkdir()
    dest = tmp_path / "site" / "vendor"
    _tarball(tmp_path / "npm" / "evil-1.0.0.tgz", ["package/ok.js", "package/../../../escape.js"])
    with pytest.raises(run_book.BookError, match=r"refusing to extract 'package/\.\./\.\./\.\./escape\.js'"):
        run_book.fetch_vendor_js(dest)
    assert (dest / "ok.js").read_text() == "x=1"
    assert not list(tmp_path.rglob("escape.js"))  # was written to tmp_path/escape.js
    _tarball(tmp_path / "npm" / "evil-1.0.0.tgz", ["package/a/b.js", "package/c.js"])
    run_book.fetch_vendor_js(dest)  # well-formed packages unpack as before
    assert (dest / "a" / "b.js").is_file() and (dest / "c.js").is_file()
