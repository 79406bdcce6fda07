"""The paper's loss-landscape databases: one per network and training-set size (SI S3).

A :class:`LandscapeSpec` names one landscape: an MLP with hidden layers ``hidden`` and
L2 coefficient ``lam``, trained on the labelled starts among the first ``n_data``
starts of D2's training half, explored by ``n_hops`` basin-hopping steps from seed ``seed`` and connected to
its global minimum (:func:`~ljatlib.landscape.explore`). :func:`build_landscape` writes
it to ``<cache dir>/landscapes/h3-3_n100_<key>.sqlite`` and stores, for every minimum,
its training loss, test loss and test AUC on the labelled starts among the first
``n_test`` of D2's test half. :func:`build_landscapes` builds several at once with Dask.

The same functions build, open and report on the glass-former's databases of SI S4
(:class:`~ljatlib.paper.glass.GlassSpec`); only the energy function, the start and
the per-minimum properties differ (``_setup``).

Resumable: an interrupted build continues from what its database holds (basin-hopping
goes on from its last checkpoint, a minute old at most, exactly as the uninterrupted
run; stored minima and transition states are kept). Connections run in rounds of
``CONNECT_BATCH`` independent searches (:mod:`ljatlib.landscape.rounds`), which
:func:`build_landscapes` spreads over Dask workers. A finished database is marked
complete in its meta table, together with the spec, so building it again returns at
once and a database is never mixed with, or overwritten by, another spec's.

Meta keys written here (besides :mod:`ljatlib.storage.database`'s own):
``landscape_spec`` (JSON of the spec and ``format``), ``landscape_minima`` (JSON:
n_quenches, n_minima (distinct minima it stored), seconds; basin-hopping is done),
``basin_hopping`` (its checkpoint while it runs), ``connect_in_rounds`` (the rounds'
checkpoint), ``landscape_complete`` ("1") and
``landscape_report`` (JSON: n_minima, n_transition_states, unconnected, n_quenches,
push_off_audit (:meth:`~ljatlib.landscape.diagnostics.PushOffAudit.as_dict`),
basin_hopping_seconds, connect_seconds and seconds: wall time, summed over the runs
that resumed the build; search_cpu_seconds: the CPU time of its searches, wherever
they ran: with workers shared by several databases, the wall time of the connections
includes waiting for them).
"""

from __future__ import annotations

import json
import numbers
import os
import sys
import threading
import time
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from .._threads import one_numba_thread_in_task, tasks_share_cores
from .._validation import check_integer, check_positive
from ..data import DATASETS, make_dataset
from ..data.cache import cache_dir as data_cache_dir
from ..metrics import auc
from ..network import MLP
from ..storage import Database, DatabaseError
from ..landscape import SearchSettings, joined_to
from ..landscape.diagnostics import push_off_audit, quench_census
from ..landscape import store_basin_hopping_minima
from ._spec import BuildSpec
from .glass import GlassLandscape, GlassSpec, glass_setup
from ..landscape.rounds import connect_in_rounds, rounds_times
from ..systems import System, network_system

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from distributed import Client

    from ..landscape.diagnostics import QuenchCensus

LANDSCAPE_FORMAT = 9  # bump when a change of algorithm or setting changes what a build stores
D2_HALF = DATASETS["D2"]["n"] // 2  # points in each half of D2 (labelled ones are fewer)
CONNECT_BATCH = 8  # searches per round: the databases depend on it (not on the workers)
BASIN_HOPPING_FIRST = 10**9  # Dask priority: every database's minima before any search
PROPERTIES = ("train_loss", "test_loss", "test_auc")
AUDIT_SAMPLE = 20  # transition states whose push-offs a finished build quenches again


@dataclass(frozen=True)
class LandscapeSpec(BuildSpec):
    """One loss landscape of the paper.

    Parameters
    ----------
    hidden : tuple of int
        Nodes per hidden layer, e.g. ``(3,)`` or ``(3, 3)`` (a list is turned into a tuple).
    n_data : int
        Training data: the labelled starts among the first ``n_data`` starts of D2's
        training half (all of it for 100,000: 99,996 labelled points; a start whose
        minimisation ends in no class is left out).
    n_hops : int
        Basin-hopping steps (``explore``'s ``n_hops``).
    seed : int
        Seeds the starting weights and the basin-hopping steps (as in
        :func:`ljatlib.paper.training.train`, so its global minimum is the trained network's).
    connect_attempts : int
        Searches (a DNEB and EF from its maxima) per minimum when connecting it to the
        global minimum; 100 as the cycles per connection of OPTIM's ``NEWCONNECT`` in
        the group's templates.
    n_test : int
        Test data: likewise from D2's test half.
    lam : float
        L2 coefficient of the loss.
    step_size, temperature : float
        Basin-hopping perturbation (uniform in +-step_size per weight) and Metropolis
        temperature (loss units). GMIN's values in the group's templates are 1.0 and 2.0
        (the book's model page says why the chapters use a step of 3.0).
    distance_tol : float or None
        None (default): two minima whose losses differ by at most 1e-4 are the same when
        their canonical forms agree (:func:`~ljatlib.systems.network_system`). A number:
        when their distance, aligned over the network's symmetries, is below it instead,
        OPTIM's ``GEOMDIFFTOL`` test; the group's templates use 100, as do the book's
        profiles, which merges nearly any two minima of equal loss (the book's model page
        gives what that does; every build's summary audits it).
    """

    hidden: tuple
    n_data: int
    n_hops: int
    seed: int = 0
    connect_attempts: int = 100
    n_test: int = 10_000
    lam: float = 1e-5
    step_size: float = 1.0
    temperature: float = 2.0
    distance_tol: float | None = None

    def __post_init__(self):
        hidden = self.hidden
        scalar = isinstance(hidden, (numbers.Integral, str)) or not hasattr(hidden, "__len__")
        if scalar or len(hidden) == 0:
            raise ValueError(f"hidden must be a non-empty tuple of positive ints, got {hidden!r}")
        hidden = tuple(check_integer(h, "every hidden layer size", 1) for h in hidden)
        lam = float(self.lam)
        if not (np.isfinite(lam) and lam >= 0):
            raise ValueError(f"lam must be finite and >= 0, got {self.lam!r}")
        for name in ("step_size", "temperature"):
            object.__setattr__(self, name, check_positive(getattr(self, name), name))
        if self.distance_tol is not None:
            object.__setattr__(self, "distance_tol", check_positive(self.distance_tol, "distance_tol"))
        checked = {"hidden": hidden, "lam": lam,
                   "n_data": check_integer(self.n_data, "n_data", 1),
                   "n_hops": check_integer(self.n_hops, "n_hops", 0),
                   "seed": check_integer(self.seed, "seed", 0),
                   "connect_attempts": check_integer(self.connect_attempts, "connect_attempts", 0),
                   "n_test": check_integer(self.n_test, "n_test", 2)}
        for name in ("n_data", "n_test"):
            if checked[name] > D2_HALF:
                raise ValueError(f"{name} must be <= {D2_HALF} (half of D2), got {checked[name]}")
        for name, value in checked.items():  # plain Python types: stable keys, JSON
            object.__setattr__(self, name, value)

    def as_dict(self) -> dict:
        """The fields and the format version (JSON-serialisable)."""
        fields = {**asdict(self), "hidden": list(self.hidden)}
        if fields["distance_tol"] is None:  # the rule before the field existed: the same keys
            del fields["distance_tol"]
        return {"format": LANDSCAPE_FORMAT, **fields}

    def file_stem(self) -> str:
        return f"h{'-'.join(map(str, self.hidden))}_n{self.n_data}"


SPEC_TYPES = (LandscapeSpec, GlassSpec)  # the BuildSpecs this module builds


def _check_spec(spec):
    if not isinstance(spec, SPEC_TYPES):
        raise TypeError(f"spec must be a LandscapeSpec or a GlassSpec, got {type(spec).__name__}")


def landscape_path(spec: LandscapeSpec | GlassSpec, cache_dir: str | os.PathLike | None = None) -> Path:
    """Database file of ``spec``: ``<cache>/landscapes/h3-3_n100_<key>.sqlite`` (a
    network's) or ``blj48-12_rho1_<key>.sqlite`` (a glass-former's).

    ``cache_dir`` defaults to the data cache (``$LJATLIB_CACHE`` or ``~/.cache/ljatlib``).
    """
    _check_spec(spec)
    root = Path(cache_dir) if cache_dir is not None else data_cache_dir()
    return root / "landscapes" / f"{spec.file_stem()}_{spec.key()}.sqlite"


def _check_owner(db, spec, claim=False):
    """Raise DatabaseError unless ``db`` was made for ``spec``; with ``claim``, a new,
    empty database is marked as ``spec``'s. Returns whether it is complete. Only a claim
    takes the write lock, so a database can be checked while a build writes to it."""
    with db.transaction() if claim else nullcontext():
        stored = db.get_meta("landscape_spec")
        if stored is None:
            if db.counts() != (0, 0):
                raise DatabaseError(f"{db.path} holds a landscape not made by build_landscape "
                                    "(no landscape_spec in its meta table); not touching it")
            if claim:
                db.set_meta(landscape_spec=json.dumps(spec.as_dict(), sort_keys=True))
            return False
        if json.loads(stored) != spec.as_dict():
            raise DatabaseError(f"{db.path} holds the landscape of a different spec: {stored} "
                                f"(asked for {json.dumps(spec.as_dict(), sort_keys=True)})")
        return db.get_meta("landscape_complete") == "1"


def _holds_data(path):
    """Whether ``path`` exists and is not empty (an empty file, e.g. left by a kill before
    the schema was committed, counts as no database)."""
    return path.exists() and path.stat().st_size > 0


def _is_complete(spec, path):
    """Whether ``path`` holds ``spec``'s finished database (False if missing or
    unfinished; DatabaseError if it belongs to something else). Only reads."""
    if not _holds_data(path):
        return False
    with Database(path, create=False) as db:
        return _check_owner(db, spec)


# -- building --------------------------------------------------------------------------
def landscape_problem(spec: LandscapeSpec) -> tuple[MLP, System, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Network, landscape system and data (X (n, 2) pair distances, y (n,) classes)."""
    d2 = make_dataset("D2")
    X_train, y_train = d2.split("train", first=spec.n_data)
    X_test, y_test = d2.split("test", first=spec.n_test)
    net = MLP(spec.hidden, lam=spec.lam)
    system = network_system(net, X_train, y_train, distance_tol=spec.distance_tol)
    return net, system, (X_train, y_train, X_test, y_test)


def _store_properties(db, net, data):
    """train_loss, test_loss (the loss with its L2 term, as minimised) and test_auc (of
    p0 for class 0) for every minimum that lacks one of them."""
    X_train, y_train, X_test, y_test = data
    values = {m.id: dict(train_loss=net.loss(m.coords, X_train, y_train),
                         test_loss=net.loss(m.coords, X_test, y_test),
                         test_auc=auc(net.predict_proba(m.coords, X_test)[:, 0], y_test))
              for m in db.minima() if not all(k in m.properties for k in PROPERTIES)}
    with db.transaction():  # computed first: the write lock is held only to store them
        for id_, properties in values.items():
            db.set_properties(id_, **properties)


def _setup(spec):
    """(system, start(rng) -> x0, finish(db), connect options) of a build."""
    if isinstance(spec, GlassSpec):
        return glass_setup(spec)
    net, system, data = landscape_problem(spec)
    return system, net.random_weights, lambda db: _store_properties(db, net, data), {}


def build_landscape(spec: LandscapeSpec | GlassSpec, path: str | os.PathLike | None = None, progress: bool = False,
                    client: Client | str | None = None, minima_only: bool = False,
                    stop: threading.Event | None = None) -> Path:
    """Build (or finish) the database of ``spec``; returns its path.

    Basin-hopping (:func:`~ljatlib.landscape.store_basin_hopping_minima`; done
    once, then marked in the meta table), connection of every minimum to the global
    minimum in rounds of ``CONNECT_BATCH`` searches
    (:func:`~ljatlib.landscape.rounds.connect_in_rounds`), then (for a network) the
    properties ``train_loss``, ``test_loss`` and ``test_auc`` of every minimum, and a
    check of ``AUDIT_SAMPLE`` transition states
    (:func:`~ljatlib.landscape.diagnostics.push_off_audit`, in the summary); the
    database is then marked complete, and a second call returns at once.

    Parameters
    ----------
    spec : LandscapeSpec or GlassSpec
    path : str or Path, optional
        The SQLite file (default :func:`landscape_path`). A file holding another spec's
        (or a foreign) database raises DatabaseError and is left untouched.
    progress : bool
        tqdm bars for basin-hopping and connecting.
    client : distributed.Client, optional
        Runs the searches of each round in parallel (the database, and so the result,
        is the same without it).
    minima_only : bool
        Stop after basin-hopping.
    stop : threading.Event, optional
        Once set, basin-hopping stops after its current step and the connections after
        their current round (:class:`~ljatlib.landscape.rounds.Stopped`); the database
        is left resumable.

    Returns
    -------
    Path
    """
    _check_spec(spec)
    path = Path(path) if path is not None else landscape_path(spec)
    if _is_complete(spec, path):
        return path
    system, start, finish, connect_options = _setup(spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    with Database(path, system=system.description, same_structure=system.same_structure) as db:
        _check_owner(db, spec, claim=True)
        minima = db.get_meta("landscape_minima")
        if minima is None:
            rng = np.random.default_rng(spec.seed)  # start, then steps: the stream train() uses
            def marker(n_quenches, seconds):  # stored with the minima: a kill leaves both or neither
                return {"landscape_minima": json.dumps(
                    {"n_quenches": n_quenches, "n_minima": db.counts()[0], "seconds": round(seconds, 3)})}
            store_basin_hopping_minima(system, db, start(rng), spec.n_hops, seed=rng,
                                       temperature=spec.temperature, step_size=spec.step_size,
                                       progress=progress, meta=marker, checkpoint_key="basin_hopping",
                                       stop=stop)
            minima = db.get_meta("landscape_minima")
        bh_seconds = json.loads(minima)["seconds"]
        if minima_only:
            return path
        unconnected = connect_in_rounds(system, db, spec.connect_attempts, batch=CONNECT_BATCH,
                                        client=client, progress=progress, stop=stop,
                                        checkpoint="connect_in_rounds", **connect_options)
        connected = time.perf_counter()
        finish(db)
        settings = SearchSettings.resolve(None, system, **connect_options)
        audit = push_off_audit(system, db, AUDIT_SAMPLE, settings=settings)
        connect_seconds, search_cpu_seconds = rounds_times(db, "connect_in_rounds")
        n_min, n_ts = db.counts()
        summary = {"n_minima": n_min, "n_transition_states": n_ts, "unconnected": unconnected,
                   "n_quenches": json.loads(minima)["n_quenches"], "push_off_audit": audit.as_dict(),
                   "basin_hopping_seconds": bh_seconds, "connect_seconds": round(connect_seconds, 3),
                   "search_cpu_seconds": round(search_cpu_seconds, 3),
                   "seconds": round(bh_seconds + connect_seconds + time.perf_counter() - connected, 3)}
        db.set_meta(landscape_report=json.dumps(summary), landscape_complete="1")
    return path


def landscape_quench_census(spec: LandscapeSpec | GlassSpec, n_hops: int | None = None,
                            **census_kwargs: Any) -> QuenchCensus:
    """:func:`~ljatlib.landscape.diagnostics.quench_census` of the quenches ``spec``'s
    own basin-hopping makes (same start, seed, temperature and step; the first
    ``n_hops`` of them, default all ``spec.n_hops``): does the database's rule for
    "the same minimum" merge minima that a stricter one tells apart?"""
    _check_spec(spec)
    n_hops = spec.n_hops if n_hops is None else check_integer(n_hops, "n_hops", 0)
    system, start, _, _ = _setup(spec)
    rng = np.random.default_rng(spec.seed)  # as build_landscape: start, then steps
    return quench_census(system, start(rng), n_hops, seed=rng, temperature=spec.temperature,
                         step_size=spec.step_size, **census_kwargs)


def chapter_specs(landscape_hidden: Iterable[Sequence[int]], landscape_n_data: Sequence[int],
                  landscape_hops: Iterable[int], fig_s3_hidden: Sequence[int], fig_s3_n_data: int,
                  fig_s3_hops: int, connect_attempts: int, n_test: int,
                  bh_step_size: float,
                  distance_tol: float | None = None) -> tuple[dict[tuple[int, int], LandscapeSpec], LandscapeSpec]:
    """The specs of the S3 landscapes chapter, from its parameters (book/profiles/*.yml).

    Returns ({(H, n_data): spec} for every entry of ``landscape_hidden`` (a list of
    hidden-layer widths, one ``landscape_hops`` entry each) and of
    ``landscape_n_data``, and the spec of Fig. S3's network)."""
    landscape_hidden, landscape_hops = list(landscape_hidden), list(landscape_hops)
    if len(landscape_hops) != len(landscape_hidden):
        raise ValueError(f"landscape_hops needs one entry per entry of landscape_hidden "
                         f"({len(landscape_hops)} != {len(landscape_hidden)})")
    options = dict(connect_attempts=connect_attempts, n_test=n_test, step_size=bh_step_size,
                   distance_tol=distance_tol)
    specs = {(len(h), n): LandscapeSpec(tuple(h), n, hops, **options)
             for h, hops in zip(landscape_hidden, landscape_hops) for n in landscape_n_data}
    return specs, LandscapeSpec(tuple(fig_s3_hidden), fig_s3_n_data, fig_s3_hops, **options)


# -- many at once ----------------------------------------------------------------------
@contextmanager
def _environment(name, value):
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


class _WorkerStop:
    """``is_set()`` of the Dask Event ``name``, asked of the scheduler at most once a
    second: how a basin-hopping task on a worker learns that its build was stopped."""

    def __init__(self, name):
        self.name, self.asked, self.answer = name, -np.inf, False

    def is_set(self):
        if not self.answer and time.monotonic() - self.asked >= 1.0:
            from distributed import Event
            self.answer, self.asked = Event(self.name).is_set(), time.monotonic()
        return self.answer


def _minima_on_worker(spec, path, cache, one_thread, halt):
    """Task run by a Dask worker: one database's basin-hopping, in the client's cache
    directory; it stops (resumably) once the Dask Event ``halt`` is set."""
    one_numba_thread_in_task(one_thread)
    with _environment("LJATLIB_CACHE", cache):
        return str(build_landscape(spec, path, minima_only=True, stop=_WorkerStop(halt)))


@contextmanager
def dask_client(client: Client | str | None, cache: str, reach_timeout: float = 5.0) -> Iterator[Client]:
    """A Client of ``client`` (see :func:`build_landscapes`). A scheduler address is
    checked first: ValueError if it is not one, ConnectionError within ``reach_timeout``
    seconds if nothing listens there (refused, unknown host), instead of distributed's
    30 s of retries and its traceback."""
    from distributed import Client, LocalCluster
    if isinstance(client, Client):
        yield client
    elif isinstance(client, str):
        import socket
        from distributed.comm import parse_address
        from distributed.comm.addressing import get_address_host_port
        try:
            protocol, _ = parse_address(client)
            host, port = (get_address_host_port(client) if protocol in ("tcp", "tls", "ws", "wss")
                          else (None, None))
        except ValueError as err:
            raise ValueError(f"client {client!r} is not a Dask scheduler address such as "
                             f"tcp://host:8786 ({err})") from None
        if port is not None and not 0 < port < 65536:
            raise ValueError(f"client {client!r}: port {port} is not in 1-65535")
        if port is not None:
            try:
                socket.create_connection((host or "127.0.0.1", port), timeout=reach_timeout).close()
            except OSError as err:
                raise ConnectionError(f"no Dask scheduler reachable at {client}: "
                                      f"{err.strerror or err}") from None
        try:
            c = Client(client)
        except ValueError as err:  # e.g. an unknown protocol
            raise ValueError(f"client {client!r}: {err}") from None
        except OSError as err:  # something listens there, but no scheduler answers
            raise ConnectionError(f"no Dask scheduler at {client}: {err}") from None
        with c:
            yield c
    elif client is None:
        n_workers = max(1, os.cpu_count() or 1)
        with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0",  # any free port: another build may hold 8787
                          env={"LJATLIB_CACHE": cache}) as cluster, \
                Client(cluster) as c:
            yield c
    else:
        raise TypeError(f"client must be None, an address or a distributed.Client, got {client!r}")


def build_landscapes(specs: Iterable[LandscapeSpec | GlassSpec], client: Client | str | None = None,
                     progress: bool | None = None) -> list[Path]:
    """Build the databases of several specs in parallel with dask.distributed.

    Each database's basin-hopping runs as a task on a worker (all of them before any
    search); as soon as one is done, this process keeps that database (a thread each,
    deciding what to search and storing what is found) while the workers run its
    connection searches, ``CONNECT_BATCH`` at a time
    (:func:`~ljatlib.landscape.rounds.connect_in_rounds`). So workers do not wait for
    the slowest basin-hopping, one slow database uses every worker once the others are
    done, and the databases are the same on any number of workers.

    Parameters
    ----------
    specs : iterable of LandscapeSpec or GlassSpec
        Independent landscapes; those already complete are skipped (no cluster is
        started if all are), repeated specs are built once.
    client : None, str or distributed.Client
        None: a LocalCluster of one single-threaded worker process per CPU, closed
        afterwards; a str: the address of a scheduler; a Client: used as is. Workers
        need ``ljatlib`` importable and, for basin-hopping, this machine's cache
        directory (``$LJATLIB_CACHE``, passed to each task) on a shared file system.
    progress : bool or None
        tqdm bar over the two phases of every build; None (default): only when stderr
        is a terminal, so a notebook executed for the book shows none.

    Returns
    -------
    list of Path
        One per spec, in order.

    Raises
    ------
    RuntimeError
        After every build has ended, if one failed (naming its spec); the databases of
        the others are complete, that of the failed one resumable.
    """
    specs = list(specs)
    for spec in specs:
        _check_spec(spec)
    paths = [landscape_path(spec) for spec in specs]
    todo = {}
    for spec, path in zip(specs, paths):
        if path not in todo and not _is_complete(spec, path):
            todo[path] = spec
    if not todo:
        return paths
    from concurrent.futures import ThreadPoolExecutor
    from distributed import as_completed
    cache = str(data_cache_dir())
    failed = []
    if progress is None:
        progress = sys.stderr.isatty()
    bar = tqdm(total=2 * len(todo), desc="landscapes", disable=not progress)
    stop = threading.Event()
    halt = f"landscapes-stop-{os.urandom(4).hex()}"  # the same, for basin-hopping on the workers
    with dask_client(client, cache) as c:
        pool = ThreadPoolExecutor(len(todo))
        one_thread = tasks_share_cores(c)
        futures = {c.submit(_minima_on_worker, spec, str(path), cache, one_thread, halt,
                            key=f"landscape_minima-{spec.key()}-{os.urandom(4).hex()}",
                            priority=BASIN_HOPPING_FIRST): (path, spec)
                   for path, spec in todo.items()}

        def connect(path, spec):  # here: a thread per database decides; the workers search
            try:
                build_landscape(spec, path, client=c, stop=stop)
            except Exception as err:  # reported with the others once all have ended
                failed.append((spec, err))
            bar.update()
        try:
            for future in as_completed(futures):  # a database's searches start once its minima are in
                bar.update()
                if future.status != "finished":
                    failed.append((futures[future][1], future.exception()))
                else:
                    pool.submit(connect, *futures[future])
        except BaseException:  # Ctrl-C: basin-hopping stops after its step, the searches after their round
            stop.set()
            from distributed import Event
            Event(halt, client=c).set()
            raise
        finally:
            pool.shutdown(wait=True)
    bar.close()
    if failed:
        names = "; ".join(f"{spec}: {err!r}" for spec, err in failed)
        raise RuntimeError(f"{len(failed)} of {len(todo)} landscape builds failed: {names}") \
            from failed[0][1]
    return paths


def landscape_status(spec: LandscapeSpec | GlassSpec, path: str | os.PathLike | None = None) -> dict:
    """How far ``spec``'s database is: a dict with ``state`` ("missing", "partial" or
    "complete"), ``n_minima``, ``n_transition_states``, ``n_joined`` (minima joined to
    the global minimum through stored transition states, itself included),
    ``basin_hopping_step`` (steps done by an unfinished basin-hopping run at its last
    checkpoint, else None), ``n_basin_hopping_minima`` (None until basin-hopping is
    done) and the build's ``summary`` (meta key ``landscape_report``; empty unless
    complete). DatabaseError if the file holds something else."""
    path = Path(path) if path is not None else landscape_path(spec)
    if not _holds_data(path):
        return {"state": "missing", "n_minima": 0, "n_transition_states": 0, "n_joined": 0,
                "basin_hopping_step": None, "n_basin_hopping_minima": None, "summary": {}}
    with Database(path, create=False) as db:
        complete = _check_owner(db, spec)
        n_min, n_ts = db.counts()
        summary = json.loads(db.get_meta("landscape_report") or "{}") if complete else {}
        n_joined = len(joined_to(db, db.global_minimum().id)) if n_min else 0
        running = db.get_meta("basin_hopping")
        n_bh = _n_basin_hopping_minima(db)
    return {"state": "complete" if complete else "partial", "n_minima": n_min,
            "n_transition_states": n_ts, "n_joined": n_joined,
            "basin_hopping_step": json.loads(running)["step"] if running else None,
            "n_basin_hopping_minima": n_bh, "summary": summary}


def _n_basin_hopping_minima(db):
    """Distinct minima basin-hopping stored (None until it is done, or for a database
    built before this was recorded)."""
    return json.loads(db.get_meta("landscape_minima") or "{}").get("n_minima")


# -- reading ---------------------------------------------------------------------------
@dataclass
class Landscape:
    """A finished landscape, for figures.

    ``db`` is open (close it with :meth:`close`); ``system`` the loss landscape on the
    training data; X_train (n_data, 2), y_train (n_data,), X_test (n_test, 2), y_test
    (n_test,): starting (r12, r13) and classes 0-3.
    """

    spec: LandscapeSpec
    db: Database
    system: System
    net: MLP
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    @property
    def summary(self) -> dict:
        """What the build recorded (meta key ``landscape_report``): n_minima, n_transition_states, unconnected (ids of
        minima not connected to the global minimum), n_quenches, push_off_audit, basin_hopping_seconds,
        connect_seconds, seconds (wall time over every run that resumed the build),
        search_cpu_seconds."""
        return json.loads(self.db.get_meta("landscape_report") or "{}")

    @property
    def n_basin_hopping_minima(self) -> int | None:
        """Distinct minima stored by basin-hopping, before the searches (None for a
        database built before this was recorded)."""
        return _n_basin_hopping_minima(self.db)

    def close(self) -> None:
        self.db.close()


def open_landscape(spec: LandscapeSpec | GlassSpec,
                   path: str | os.PathLike | None = None) -> Landscape | GlassLandscape:
    """Open the finished database of ``spec`` (default path :func:`landscape_path`): a
    :class:`Landscape` for a LandscapeSpec, a GlassLandscape for a GlassSpec.

    Raises DatabaseError if it is missing, unfinished, or holds something else.
    """
    _check_spec(spec)
    path = Path(path) if path is not None else landscape_path(spec)
    if not _holds_data(path):
        raise DatabaseError(f"no landscape database at {path} for {spec}; "
                            "build it with build_landscape(spec)")
    if not _is_complete(spec, path):
        raise DatabaseError(f"the landscape database {path} for {spec} is incomplete; "
                            "run build_landscape(spec) to finish it")
    if isinstance(spec, GlassSpec):
        system = glass_setup(spec)[0]
        db = Database(path, system=system.description, same_structure=system.same_structure,
                      create=False)
        return GlassLandscape(spec, db, system, spec.potential(),
                              json.loads(db.get_meta("landscape_report") or "{}"))
    net, system, data = landscape_problem(spec)
    db = Database(path, system=system.description, same_structure=system.same_structure,
                  create=False)
    return Landscape(spec, db, system, net, *data)
