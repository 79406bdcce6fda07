"""Run every benchmark at full size and write results + figures to benchmarks/results/.

The performance page of the book shows these files (and re-measures the cheap parts
live). pele is installed into .venv-pele first if possible (benchmarks/install_pele.sh).
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if subprocess.run(["bash", str(HERE / "install_pele.sh")]).returncode:
    print("run_all: pele is not available; its baseline is left out", file=sys.stderr)
for script in ("bench_minimize.py", "bench_network.py", "bench_connect.py", "bench_glass.py",
               "bench_ts_search.py", "bench_rounds.py", "bench_band.py", "bench_engine_history.py",
               "bench_search_reach.py", "bench_same_minimum.py", "bench_quench.py"):
    subprocess.run([sys.executable, str(HERE / script), *sys.argv[1:]], check=True)
