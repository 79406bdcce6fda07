"""The book: profiles match the chapters, bad runs fail clearly, and the smoke build works."""

import json
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import run_book  # noqa: E402

PROFILES = sorted(p.stem for p in (ROOT / "book" / "profiles").glob("*.yml"))
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def test_profiles_are_the_three_named():
    assert PROFILES == ["paper", "quick", "smoke"]


@pytest.mark.parametrize("profile", PROFILES)
def test_profile_sets_every_parameter_of_every_chapter(profile):
    given = run_book.load_profile(profile)["chapters"]
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for doc in run_book.toc_documents(toc):
        source = run_book.source_of(doc)
        if source.suffix == ".ipynb":
            name = Path(doc).name
            run_book.chapter_parameters(name, run_book.parameters_cell(source),
                                        given.get(name) or {}, profile)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapters_are_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert not any(c.get("outputs") or c.get("execution_count") for c in nb.cells
                   if c.cell_type == "code")
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapters_fold_their_code(path):
    """A page reads as text, figures and tables: every code cell's input is folded
    (hide-input; the reader can unfold it) or removed."""
    nb = nbformat.read(path, as_version=4)
    shown = [c.source.splitlines()[0] if c.source else "" for c in nb.cells
             if c.cell_type == "code" and not {"hide-input", "remove-input", "remove-cell",
                                                 "parameters"} & set(c.metadata.get("tags", []))]
    assert not shown, f"code cells shown unfolded: {shown}"


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(run_book.BookError, match="unknown profile 'nope'.*smoke"):
        run_book.run_book("nope", build=False)


def test_profile_and_notebook_must_agree():
    defaults = {"n": 1, "m": 2, "profile": "x"}
    with pytest.raises(run_book.BookError, match=r"does not set \['m'\]"):
        run_book.chapter_parameters("ch", defaults, {"n": 3}, "p")
    with pytest.raises(run_book.BookError, match=r"sets \['k'\], not in the parameters cell"):
        run_book.chapter_parameters("ch", defaults, {"n": 3, "m": 1, "k": 0}, "p")
    assert run_book.chapter_parameters("ch", defaults, {"n": 3, "m": 1}, "p") == \
        {"n": 3, "m": 1, "profile": "p"}


def test_failing_cell_stops_the_run_with_its_source(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("raise RuntimeError('broken on purpose')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = tmp_path / "bad.ipynb"
    nbformat.write(nb, src)
    with pytest.raises(run_book.BookError, match="(?s)chapter bad failed in cell.*broken on purpose"):
        run_book.execute("bad", src, tmp_path / "out.ipynb", {"x": 2})


@pytest.mark.book
def test_smoke_book_builds(smoke_book):
    """Every chapter executes in the smoke profile and the site builds (as make book does)."""
    info, out = smoke_book, ROOT / "_build" / "smoke"
    site = out / "html"
    for name in info["parameters"]:
        page = (site / "book" / f"{name}.html").read_text()
        assert "Traceback" not in page, f"{name} shows a traceback"
        assert "<img" in page or name == "reproduction", f"{name} shows no figure"
    s2 = (site / "book" / "s2_visualising_solutions.html").read_text()
    assert "application/vnd.jupyter.widget-state+json" in s2
    assert "_static/embed-amd.js" in s2 and "cdn.jsdelivr.net/npm/@jupyter-widgets" not in s2
    assert "<table" in s2 and "<img" in s2
    executed = out / "stage" / "book"
    for name in info["parameters"]:  # progress bars and warnings belong in a terminal
        nb = nbformat.read(executed / f"{name}.ipynb", as_version=4)
        stderr = [o.text[:80] for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "stream" and o.name == "stderr"]
        assert not stderr, f"{name} shows stderr output: {stderr}"
    for fig in ("fig_s1a", "s1_minima", "s1_datasets", "s2_minimiser_comparison"):
        assert (executed / "figures" / f"{fig}.png").stat().st_size > 1000
        assert (executed / "figures" / f"{fig}.svg").exists()
    rows = {}
    for path in (executed / "results").glob("*.json"):
        rows.update(json.loads(path.read_text()))
    for key in ("energy_linear", "energy_triangle", "distance_linear", "distance_triangle",
                "d3_points"):
        assert rows[key]["verdict"] == "agrees", rows[key]
    report_page = (site / "book" / "reproduction.html").read_text()
    for row in rows.values():
        assert row["quantity"] in report_page
