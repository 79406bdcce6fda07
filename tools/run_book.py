#!/usr/bin/env python
"""Execute the book's notebooks for one profile with papermill, then build the site.

    python tools/run_book.py --profile quick             # site in _build/html
    python tools/run_book.py --profile paper --chapters s1_ljat3_cluster   # others unexecuted
    python tools/run_book.py --profile smoke --out /tmp/b --no-build

Profiles live in book/profiles/<name>.yml and set every parameter of every chapter
(the names in its cell tagged `parameters`); a chapter whose parameters cell defines
`profile` also receives the profile name. Notebooks are executed, in _toc.yml order,
into <out>/stage/book/ (the working directory of every chapter); the site is built
from <out>/stage and moved to <out>/html.
"""
import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from fnmatch import fnmatch
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "book" / "profiles"
NPM_CACHE = ROOT / ".cache" / "npm"
# JavaScript the site serves itself, so that widgets and math work offline
# (html-manager 1.0.x is the embedding bundle for ipywidgets 8). npm package ->
# (folder in the package, {files kept from it: folder in _vendor/}).
VENDOR = {
    "requirejs@2.3.8": ("package/", {"require.js": "."}),
    "@jupyter-widgets/html-manager@1.0.15": ("package/dist/", {"embed-amd.js": ".",
                                                               "*.woff2": "widget-fonts"}),
    "mathjax@3.2.2": ("package/es5/", dict.fromkeys(
        ["tex-mml-chtml.js", "output/chtml/fonts/woff-v2/*", "input/tex/extensions/*"],
        "mathjax")),
}


class BookError(Exception):
    """A problem with the profile, a notebook or the build; the message says which."""


def load_profile(name):
    available = sorted(p.stem for p in PROFILES.glob("*.yml"))
    path = PROFILES / f"{name}.yml"
    if not path.is_file():
        raise BookError(f"unknown profile {name!r}; available: {', '.join(available)}")
    profile = yaml.safe_load(path.read_text()) or {}
    if not isinstance(profile.get("chapters") or {}, dict):
        raise BookError(f"{path}: 'chapters' must map chapter names to parameters")
    return profile


def toc_documents(toc):
    """Document paths (relative to the repo, no suffix) in _toc.yml order."""
    docs = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                docs.append(entry["file"])
            elif "glob" in entry:
                raise BookError("_toc.yml: 'glob' entries are not supported by run_book.py")
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key))

    walk(toc.get("parts") or toc.get("chapters"))
    return docs


def source_of(doc):
    for suffix in (".ipynb", ".md"):
        if (path := ROOT / f"{doc}{suffix}").is_file():
            return path
    raise BookError(f"_toc.yml lists {doc!r} but neither {doc}.ipynb nor {doc}.md exists")


def parameters_cell(nb_path):
    """Names and default values (None if not a literal) assigned in the `parameters` cell."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if not cells:
        raise BookError(f"{nb_path.name}: no cell tagged 'parameters'")
    try:
        body = ast.parse(cells[0].source).body
    except SyntaxError as err:
        raise BookError(f"{nb_path.name}: parameters cell is not plain Python: {err}") from None
    defaults = {}
    for node in body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        defaults[name.id] = _literal(node.value) if name is target else None
    return defaults


def _literal(node):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError):
        return None


def chapter_parameters(chapter, defaults, given, profile_name):
    """The parameters papermill injects, after checking they match the notebook exactly."""
    extra = sorted(set(given) - set(defaults))
    missing = sorted(set(defaults) - set(given) - {"profile"})
    problems = []
    if extra:
        problems.append(f"profile sets {extra}, not in the parameters cell")
    if missing:
        problems.append(f"profile does not set {missing} (profiles must set every parameter)")
    for name, value in given.items():  # YAML reads 1e-5 (no dot) as a string
        if isinstance(value, str) and isinstance(defaults.get(name), (int, float)):
            problems.append(f"{name} = {value!r} is a string but defaults to a number")
    if problems:
        raise BookError(f"chapter {chapter} ({profile_name} profile): " + "; ".join(problems))
    return {**given, "profile": profile_name} if "profile" in defaults else dict(given)


def fetch_vendor_js(dest):
    """Fill `dest` with the VENDOR files (npm tarballs cached in .cache/npm)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "tools" / "widgets-setup.js", dest)
    for spec, (prefix, keep) in VENDOR.items():
        name, version = spec.rsplit("@", 1)
        tarball = NPM_CACHE / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
        if not tarball.is_file():
            if shutil.which("npm") is None:
                raise BookError("npm not found: it is needed once to fetch the JavaScript "
                                f"the site serves ({', '.join(VENDOR)}); install Node.js + npm")
            NPM_CACHE.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(["npm", "pack", spec, "--pack-destination", str(NPM_CACHE)],
                                  capture_output=True, text=True)
            if done.returncode or not tarball.is_file():
                raise BookError(f"npm pack {spec} failed:\n{done.stderr}")
        if not hasattr(tarfile, "data_filter"):
            raise BookError("this Python's tarfile has no extraction filters (Python >= 3.11.4 "
                            "has): refusing to unpack npm tarballs without them")
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                path = member.name.removeprefix(prefix)
                folders = [f for pattern, f in keep.items() if fnmatch(path, pattern)]
                if member.isfile() and member.name.startswith(prefix) and folders:
                    try:  # the "data" filter refuses "..", absolute paths and links out of dest
                        tar.extract(member.replace(name=path, deep=False), dest / folders[0],
                                    filter="data")
                    except tarfile.FilterError as err:
                        raise BookError(f"{tarball}: refusing to extract {member.name!r}: {err}") from None


def execute(chapter, source, target, parameters):
    import papermill

    try:
        papermill.execute_notebook(
            str(source), str(target), parameters=parameters, kernel_name="python3",
            cwd=str(target.parent), progress_bar=False, log_output=False,
            store_widget_state=True)
    except papermill.PapermillExecutionError as err:
        traceback = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(err.traceback))
        raise BookError(
            f"chapter {chapter} failed in cell {err.cell_index} (In [{err.exec_count}]) of "
            f"{target}:\n{err.source}\n{'-' * 60}\n{traceback or f'{err.ename}: {err.evalue}'}"
        ) from None
    except Exception as err:  # dead kernel, missing kernel, ...
        raise BookError(f"chapter {chapter} failed: {type(err).__name__}: {err}") from err
    hide_default_parameters(target)


def hide_default_parameters(path):
    """Keep the defaults cell out of the page; papermill's injected cell shows the values used."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
    nbformat.write(nb, path)


def build_site(stage, site):
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(stage),
           "-W", "--keep-going", "-q"]  # warnings (on stderr) are errors
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if done.returncode:
        print(done.stdout, file=sys.stderr)
        raise BookError("jupyter-book build failed (warnings count as errors); see above")
    shutil.move(stage / "_build" / "html", site)  # JB 1.x builds into <path>/_build/html


def run_book(profile, out_dir="_build", chapters=None, build=True):
    """Execute (and build) the book; returns the run info. Raises BookError on failure."""
    settings = load_profile(profile)
    given = settings.get("chapters") or {}
    docs = toc_documents(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    names = [Path(d).name for d in docs]
    for what, asked in (f"profile {profile} has", given), ("--chapters has", chapters or []):
        if unknown := sorted(set(asked) - set(names)):
            raise BookError(f"{what} {unknown}, not in _toc.yml: {', '.join(names)}")
    sources = {Path(d).name: source_of(d) for d in docs}
    if text_only := sorted(c for c, s in sources.items() if s.suffix != ".ipynb" and c in given):
        raise BookError(f"profile {profile} sets parameters of markdown pages {text_only}")
    notebooks = {c: chapter_parameters(c, parameters_cell(s), given.get(c) or {}, profile)
                 for c, s in sources.items()
                 if s.suffix == ".ipynb" and (not chapters or c in chapters)}

    out = Path(out_dir).resolve()
    stage, site = out / "stage", out / "html"
    shutil.rmtree(stage, ignore_errors=True)
    if build:
        shutil.rmtree(site, ignore_errors=True)  # no stale site after a failed run
        fetch_vendor_js(stage / "_vendor")
    shutil.copytree(ROOT / "book", stage / "book", ignore=shutil.ignore_patterns(
        "profiles", "*.ipynb", ".ipynb_checkpoints", "__pycache__"))
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, stage)
    for chapter, source in sources.items():  # not chosen by --chapters: staged unexecuted
        if source.suffix == ".ipynb" and chapter not in notebooks:
            shutil.copy2(source, stage / source.relative_to(ROOT))

    os.environ.setdefault("LJATLIB_CACHE", str(ROOT / ".cache" / "ljatlib"))
    os.environ.setdefault("LJATLIB_REPO", str(ROOT))  # chapters run in <out>/stage/book
    info = {"profile": profile, "description": settings.get("description", ""),
            "parameters": notebooks, "seconds": {}}
    for chapter, parameters in notebooks.items():
        print(f"[{profile}] executing {chapter} {parameters}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        execute(chapter, sources[chapter], stage / sources[chapter].relative_to(ROOT), parameters)
        info["seconds"][chapter] = round(time.perf_counter() - start, 1)
    (stage / "book" / "run_info.json").write_text(json.dumps(info, indent=2) + "\n")

    if build:
        start = time.perf_counter()
        build_site(stage, site)
        info["seconds"]["(build)"] = round(time.perf_counter() - start, 1)
    print(f"\nprofile {profile}: {info['description']}")
    for chapter, seconds in info["seconds"].items():
        print(f"  {chapter:32s} {seconds:8.1f} s")
    print(f"site: {site / 'index.html'}" if build else f"executed notebooks: {stage / 'book'}")
    return info


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="quick", help="book/profiles/<PROFILE>.yml")
    parser.add_argument("--out", default="_build", help="output directory (default _build)")
    parser.add_argument("--chapters", nargs="+", metavar="NAME",
                        help="execute only these chapters (the others appear unexecuted)")
    parser.add_argument("--no-build", action="store_true", help="execute the notebooks only")
    args = parser.parse_args(argv)
    try:
        run_book(args.profile, args.out, args.chapters, build=not args.no_build)
    except BookError as err:
        print(f"run_book: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
