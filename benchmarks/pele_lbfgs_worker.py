"""Baseline: pele's C++ LBFGS (LBFGS_CPP) on pele's ATLJ potential (3 atoms).

Run with .venv-pele/bin/python (see install_pele.sh):
    .venv-pele/bin/python benchmarks/pele_lbfgs_worker.py starts.npy out.npz

starts.npy: float64 array (n, 3, 3). out.npz: coords (n, 3, 3), energy, rms,
nsteps (LBFGS iterations), nfev, success, time_s (per start). Prints one JSON
line {n, seconds, per_min_us, n_success, mean_nsteps, pot}; `seconds` is the
wall time of the minimisation loop only (no imports, no file I/O).

--pot cpp (default): pele.potentials.ATLJCPP, all in C++, but pele gives it
  no analytic gradient: central differences (19 energy calls per gradient),
  and every gradient call prints a warning on stdout (silenced here).
--pot py: pele.potentials.ATLJ (Fortran AT + C++ LJ, analytic gradient),
  called back into Python by the C++ optimizer at every evaluation. Note
  that it swaps eps and sig (harmless at eps = sig = 1).
Convergence: rms = |grad| / sqrt(9) < tol, as pele defines it.
"""
import argparse
import json
import sys
import time

import numpy as np

from common import stdout_silenced  # benchmarks/ is on sys.path when run as a script


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input", help=".npy of starts, shape (n, 3, 3)")
    ap.add_argument("output", help=".npz to write")
    ap.add_argument("--tol", type=float, default=1e-6, help="rms gradient tolerance")
    ap.add_argument("--maxstep", type=float, default=0.1)
    ap.add_argument("--M", type=int, default=4, help="LBFGS memory")
    ap.add_argument("--maxiter", type=int, default=10000)
    ap.add_argument("--limit", type=int, help="use only the first LIMIT starts")
    ap.add_argument("--pot", choices=("cpp", "py"), default="cpp")
    ap.add_argument("--Z", type=float, default=2.0)
    args = ap.parse_args()

    from pele.optimize import LBFGS_CPP
    from pele.potentials import ATLJ, ATLJCPP

    starts = np.load(args.input).astype(np.float64)
    if starts.ndim != 3 or starts.shape[1:] != (3, 3):
        sys.exit(f"expected shape (n, 3, 3), got {starts.shape}")
    x0 = np.ascontiguousarray(starts[: args.limit].reshape(-1, 9))
    n = len(x0)

    pot = (ATLJCPP if args.pot == "cpp" else ATLJ)(eps=1.0, sig=1.0, Z=args.Z)
    coords = np.empty((n, 9))
    energy, rms, per = np.empty(n), np.empty(n), np.empty(n)
    nsteps, nfev = np.empty(n, np.int64), np.empty(n, np.int64)
    success = np.empty(n, bool)

    clock = time.perf_counter
    with stdout_silenced():
        t0 = clock()
        if n:  # one C++ optimizer, reset() per start (H0 back to 0.1, memory cleared)
            opt = LBFGS_CPP(x0[0], pot, tol=args.tol, M=args.M,
                            maxstep=args.maxstep, nsteps=args.maxiter)
        for i in range(n):
            ts = clock()
            opt.reset(x0[i])
            r = opt.run()
            coords[i], energy[i], rms[i] = r.coords, r.energy, r.rms
            nsteps[i], nfev[i], success[i] = r.nsteps, r.nfev, r.success
            per[i] = clock() - ts
        seconds = clock() - t0

    np.savez(args.output, coords=coords.reshape(n, 3, 3), energy=energy, rms=rms,
             nsteps=nsteps, nfev=nfev, success=success, time_s=per)
    print(json.dumps({
        "n": n, "seconds": seconds, "per_min_us": 1e6 * seconds / max(n, 1),
        "n_success": int(success.sum()),
        "mean_nsteps": float(nsteps.mean()) if n else 0.0, "pot": args.pot,
    }))


if __name__ == "__main__":
    main()
