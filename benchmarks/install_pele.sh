#!/usr/bin/env bash
# Install pele (GPL, PyPI) into its own virtualenv, .venv-pele at the repo root,
# for the pele baseline benchmark (benchmarks/pele_lbfgs_worker.py).
# Idempotent: does nothing if .venv-pele already imports a working pele.
# Uses pele's prebuilt manylinux wheel (cp311+); needs python >= 3.11.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv-pele"
PYTHON="${PYTHON:-python3.11}"

check() {
  "$VENV/bin/python" - <<'EOF' >/dev/null 2>&1
import numpy as np
from pele.potentials import ATLJCPP
from pele.optimize import LBFGS_CPP
a = 1.16875
x = np.array([0, 0, 0, a, 0, 0, a / 2, a * 3 ** 0.5 / 2, 0.0])
assert abs(ATLJCPP(eps=1.0, sig=1.0, Z=2.0).getEnergy(x) + 2.18510) < 1e-5
EOF
}

if [ -x "$VENV/bin/python" ] && check; then
  echo "install_pele: $VENV already has a working pele; nothing to do"
  exit 0
fi

echo "install_pele: creating $VENV with $PYTHON"
"$PYTHON" -m venv "$VENV" || { echo "install_pele: ERROR: could not create venv with $PYTHON" >&2; exit 1; }
"$VENV/bin/python" -m pip install -q --upgrade pip || true
# --only-binary: the sdist needs a C++/Fortran/meson toolchain; the wheel does not.
if ! "$VENV/bin/python" -m pip install -q --only-binary=pele \
    "pele==0.1.2" "numpy>=1.24,<3" "sqlalchemy>=1.4,<2"; then
  echo "install_pele: ERROR: 'pip install pele==0.1.2' failed (no wheel for this python/platform?)" >&2
  exit 1
fi
if ! check; then
  echo "install_pele: ERROR: pele installed but the ATLJ/LBFGS_CPP smoke test failed" >&2
  exit 1
fi
echo "install_pele: OK ($("$VENV/bin/python" -c 'import importlib.metadata as m; print("pele", m.version("pele"), "numpy", m.version("numpy"))'))"
