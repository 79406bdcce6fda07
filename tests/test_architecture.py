"""The layers of ARCHITECTURE.md, enforced: a module imports only from its own layer or
those below it, and the library below the presentation layer loads no matplotlib."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ljatlib"

# Lowest first; the first name of a module path under ljatlib decides its layer.
LAYERS = [
    {"__init__", "_validation", "_threads", "_objective", "_linalg", "_tables", "_hashing", "potentials", "network",
     "metrics", "ljat3_geometry"},
    {"optimize"},
    {"transition_states", "storage", "systems"},
    {"landscape"},
    {"data", "paper"},
    {"plotting"},
]
# Beyond the layer order: the generic landscape tools know no system.
FORBIDDEN = {"landscape": {"network", "potentials", "systems", "ljat3_geometry", "metrics"}}


def _layer(top):
    return next(i for i, names in enumerate(LAYERS) if top in names)


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _top(path):
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imported_tops(path, root=ROOT):
    """First component under ljatlib of every module ``path`` (in ``root``/ljatlib) imports."""
    package = path.relative_to(root).parts[:-1]
    tops = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name.split(".") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[:len(package) - node.level + 1])
                names = [base + (node.module.split(".") if node.module else [a.name for a in node.names][:1])]
            else:
                names = [node.module.split(".")]
        else:
            continue
        for parts in names:
            if parts[0] == "ljatlib" and len(parts) > 1:
                tops.add(parts[1])
    return tops


def test_every_module_is_in_a_layer():
    unknown = {_top(p) for p in _modules()} - set().union(*LAYERS)
    assert not unknown, f"modules in no layer of ARCHITECTURE.md: {sorted(unknown)}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_respect_the_layers(path):
    top = _top(path)
    for imported in _imported_tops(path) - {top}:
        assert _layer(imported) <= _layer(top), \
            f"{path.relative_to(ROOT)} ({top}) imports ljatlib.{imported}, a higher layer"
        assert imported not in FORBIDDEN.get(top, ()), \
            f"{path.relative_to(ROOT)} imports ljatlib.{imported}: the {top} tools must not know it"


def test_the_rule_catches_a_violation(tmp_path):
    fake = tmp_path / "ljatlib" / "landscape" / "x.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("import numpy\nfrom ..network import MLP\nfrom ljatlib.paper import builds\n"
                    "from . import graph\n")
    tops = _imported_tops(fake, tmp_path)
    assert tops == {"network", "paper", "landscape"}
    assert _layer("paper") > _layer("landscape") and "network" in FORBIDDEN["landscape"]


def test_the_library_loads_no_matplotlib():
    code = ("import sys, ljatlib.landscape, ljatlib.optimize, ljatlib.systems, ljatlib.storage, "
            "ljatlib.transition_states, ljatlib.paper, ljatlib.data, ljatlib.network; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", f"importing the library loaded {out.stdout.strip()}"


def test_lower_layers_do_not_load_the_paper_layer():
    code = ("import sys, ljatlib.landscape, ljatlib.systems, ljatlib.storage; "
            "print(sorted(m for m in sys.modules if m.startswith(('ljatlib.paper', 'ljatlib.data', "
            "'ljatlib.plotting', 'ljatlib.network'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout
