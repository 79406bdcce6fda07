#!/usr/bin/env python
"""Build the landscape databases of a profile's S3 landscapes chapter (networks) and S4
chapter (the glass-former), outside the notebooks: the long part of ``make book
PROFILE=paper``, which then reuses them.

    python tools/build_landscapes.py --profile paper                   # all 18
    python tools/build_landscapes.py --profile paper --layers 1 --n-data 100 1000 --no-glass
    python tools/build_landscapes.py --profile paper --scheduler tcp://host:8786
    python tools/build_landscapes.py --profile paper --status          # what is built
    python tools/build_landscapes.py --profile paper --status --tables # and Tables S1/S2 so far

Databases go to ``$LJATLIB_CACHE/landscapes`` (keyed by every parameter), builds are
resumable (stop with Ctrl-C, run again), and they run on a Dask cluster: a local one
by default, any scheduler with ``--scheduler`` (its workers need ljatlib and this cache
directory on a shared file system). Each database's basin-hopping is one task; then
this process keeps the databases and the workers run their connection searches, in
rounds of 8 per database (``ljatlib.landscape.rounds``).
"""
import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_book import BookError, load_profile

from ljatlib.paper import report
from ljatlib.data.cache import cache_dir as data_cache_dir
from ljatlib.paper.glass import glass_chapter_specs
from ljatlib.paper.builds import (dask_client, build_landscapes, chapter_specs,
                                   landscape_path, landscape_status, open_landscape)
from ljatlib.plotting.landscapes import landscape_tables, table_markdown
from ljatlib.storage import DatabaseBusy, DatabaseError

CHAPTER = "s3_landscapes"
GLASS_CHAPTER = "s4_glass_former"
GLASS_PARAMETERS = ["blj60_hops", "blj256_hops", "density", "cutoff", "bh_step_size",
                    "bh_temperature", "connect_attempts"]


def profile_specs(profile):
    """[(label, spec)] of the chapter in ``profile``: the (H, N_data) grid, then Fig. S3's."""
    params = (load_profile(profile).get("chapters") or {}).get(CHAPTER)
    if not params:
        raise BookError(f"profile {profile!r} has no {CHAPTER} parameters")
    names = ["landscape_hidden", "landscape_n_data", "landscape_hops", "fig_s3_hidden",
             "fig_s3_n_data", "fig_s3_hops", "connect_attempts", "n_test", "bh_step_size", "distance_tol"]
    missing = [n for n in names if n not in params]
    if missing:
        raise BookError(f"profile {profile!r}: {CHAPTER} lacks {', '.join(missing)}")
    grid, s3 = chapter_specs(**{n: params[n] for n in names})
    return [(f"H={h} N={n}", spec) for (h, n), spec in grid.items()] + [("Fig. S3", s3)]


def profile_glass_specs(profile):
    """[(label, spec)] of the S4 chapter in ``profile`` (BLJ60, BLJ256)."""
    params = (load_profile(profile).get("chapters") or {}).get(GLASS_CHAPTER)
    if not params:
        raise BookError(f"profile {profile!r} has no {GLASS_CHAPTER} parameters")
    missing = [n for n in GLASS_PARAMETERS if n not in params]
    if missing:
        raise BookError(f"profile {profile!r}: {GLASS_CHAPTER} lacks {', '.join(missing)}")
    return list(glass_chapter_specs(**{n: params[n] for n in GLASS_PARAMETERS}).items())


def describe(spec):
    try:
        st = landscape_status(spec)
    except DatabaseBusy as err:  # e.g. locked by a build committing a long write
        return f"busy, try again: {err}"
    except DatabaseError as err:
        return f"unreadable: {err}"
    if st["state"] == "missing":
        return "missing"
    if st["basin_hopping_step"] is not None:
        return f"partial (basin-hopping: {st['basin_hopping_step']} of {spec.n_hops} steps)"
    text = (f"{st['state']} ({st['n_minima']} minima, {st['n_transition_states']} TS, "
            f"{st['n_joined']} joined to the global minimum")
    summary = st["summary"]
    if st["state"] == "complete":
        n_bh = st["n_basin_hopping_minima"]
        if n_bh is not None and "unconnected" in summary:
            text += f", {n_bh - len(summary['unconnected'])} of {n_bh} basin-hopping minima"
        text += f", {summary.get('seconds', float('nan')):.0f} s"
        if "search_cpu_seconds" in summary:
            text += (f": basin-hopping {summary['basin_hopping_seconds']:.0f} s, "
                     f"searches {summary['search_cpu_seconds']:.0f} CPU-s")
        audit = summary.get("push_off_audit")
        if audit:
            text += f"; audit: {audit['n_far']} of {audit['n_ends']} ends another structure"
    return text + ")"


def tables_markdown(labelled):
    """Tables S1 and S2 (ours (paper), as on the S3 page) of the complete (H, N_data)
    databases among ``labelled`` [(label, spec)]; "" if there are none."""
    grid = [spec for label, spec in labelled if label.startswith("H=")
            and landscape_status(spec)["state"] == "complete"]
    if not grid:
        return ""
    opened = {(len(spec.hidden), spec.n_data): open_landscape(spec) for spec in grid}
    try:
        tables = landscape_tables({k: ls.db for k, ls in opened.items()})
    finally:
        for ls in opened.values():
            ls.close()
    hidden, n_data = sorted({h for h, _ in opened}), sorted({n for _, n in opened})
    parts = [("Table S1", tables["S1"], report.PAPER_TABLE_S1, columns)
             for columns in (["uphill", "downhill"], ["uphill_scaled", "downhill_scaled"])]
    parts.append(("Table S2", tables["S2"], report.PAPER_TABLE_S2, ["downhill", "downhill_scaled"]))
    return "\n\n".join(f"{name}, ours (paper):\n\n" + table_markdown(cells, paper, columns, n_data, hidden)
                        for name, cells, paper, columns in parts)


def choose(args):
    """[(label, spec)] selected by the command line; BookError if a --layers or --n-data
    value matches no database of the profile, or nothing is selected."""
    labelled = profile_specs(args.profile)
    grid = [(label, spec) for label, spec in labelled if label != "Fig. S3"]
    for option, values, have in (("--layers", args.layers, {len(s.hidden) for _, s in grid}),
                                 ("--n-data", args.n_data, {s.n_data for _, s in grid})):
        unknown = sorted(set(values or ()) - have)
        if unknown:
            raise BookError(f"{option} {' '.join(map(str, unknown))} matches no database of profile "
                            f"{args.profile!r} (it has {' '.join(map(str, sorted(have)))})")
    chosen = [(label, spec) for label, spec in grid
              if (not args.layers or len(spec.hidden) in args.layers)
              and (not args.n_data or spec.n_data in args.n_data)]
    if (args.layers or args.n_data) and not chosen:
        raise BookError(f"no database of profile {args.profile!r} has both H in {args.layers} "
                        f"and N_data in {args.n_data}")
    if not args.no_fig_s3:
        chosen += [(label, spec) for label, spec in labelled if label == "Fig. S3"]
    if not args.no_glass:
        chosen += profile_glass_specs(args.profile)
    if not chosen:
        raise BookError("nothing selected (--no-fig-s3 and --no-glass leave no database)")
    return chosen


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="paper")
    ap.add_argument("--layers", type=int, nargs="*", help="only these H (default: all)")
    ap.add_argument("--n-data", type=int, nargs="*", help="only these N_data (default: all)")
    ap.add_argument("--no-fig-s3", action="store_true", help="skip Fig. S3's database")
    ap.add_argument("--no-glass", action="store_true", help="skip S4's BLJ60 and BLJ256 databases")
    ap.add_argument("--scheduler", default="", help="Dask scheduler address (default: local)")
    ap.add_argument("--status", action="store_true", help="only report what is built")
    ap.add_argument("--tables", action="store_true",
                    help="then print Tables S1 and S2 of the complete (H, N_data) databases")
    args = ap.parse_args(argv)
    with ExitStack() as scheduler:
        try:
            chosen = choose(args)
            client = None
            if args.scheduler and not args.status:  # reached, or refused in seconds, first
                client = scheduler.enter_context(dask_client(args.scheduler, str(data_cache_dir())))
        except (BookError, ValueError, ConnectionError) as err:  # one line, not a traceback
            sys.exit(f"error: {err}")
        if not args.status:
            build_landscapes([spec for _, spec in chosen], client=client)
    for label, spec in chosen:
        print(f"{label:14s} {describe(spec):70s} {landscape_path(spec).name}")
    if args.tables:
        print("\n" + (tables_markdown(chosen) or "No (H, N_data) database is complete yet."))


if __name__ == "__main__":
    main()
