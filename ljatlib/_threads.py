"""BLAS on one thread around the small dense linear algebra of the landscape tools, and
numba on one thread in Dask tasks.

At a few hundred coordinates BLAS threads only slow a diagonalisation or a Cholesky
factorisation down, and after a call they spin and starve numba's parallel kernels
that run next (seen: loss kernels 100x slower; a BLJ256 band force 2x slower)."""

import functools
import threading
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

_BLAS = None
_INSIDE = threading.local()  # .depth: how many one_blas_thread contexts this thread is in


@contextmanager
def one_blas_thread():
    """Context manager: BLAS on one thread. The controller (which scans the loaded
    libraries, about 0.1-1 ms) is made once per process; limiting then costs ~10 us,
    and nothing inside a limit already set by this thread (a search limits once, not
    once per refinement)."""
    global _BLAS
    depth = getattr(_INSIDE, "depth", 0)
    _INSIDE.depth = depth + 1
    try:
        if depth:
            yield
        else:
            if _BLAS is None:
                _BLAS = ThreadpoolController()
            with _BLAS.limit(limits=1, user_api="blas"):
                yield
    finally:
        _INSIDE.depth = depth


def with_one_blas_thread(fn):
    """Decorator: ``fn`` runs under :func:`one_blas_thread`."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return fn(*args, **kwargs)
    return wrapper


def tasks_share_cores(client):
    """Whether a Dask ``client``'s workers run tasks side by side (more than one thread
    in all): then each task should keep numba on one thread."""
    return sum(client.nthreads().values()) > 1


def one_numba_thread_in_task(one_thread):
    """In a Dask task: numba's parallel kernels on one thread if ``one_thread`` (several
    worker threads or processes share the cores; the setting is per thread)."""
    if one_thread:
        import numba
        numba.set_num_threads(1)  # parallel kernels stall on oversubscribed cores
