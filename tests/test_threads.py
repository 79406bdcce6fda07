import threading

import numpy  # noqa: F401  (loads the BLAS whose threads are limited)
from threadpoolctl import threadpool_info

from ljatlib._threads import one_blas_thread


def _blas_threads():
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_one_blas_thread_nests_and_restores():
    before = _blas_threads()
    assert before, "no BLAS library loaded: the test would check nothing"
    with one_blas_thread():
        assert set(_blas_threads()) <= {1}
        with one_blas_thread():  # inside: nothing is set again
            assert set(_blas_threads()) <= {1}
        assert set(_blas_threads()) <= {1}  # leaving the inner one keeps the outer limit
    assert _blas_threads() == before


def test_one_blas_thread_counts_per_thread():
    seen = []

    def other():
        with one_blas_thread():
            seen.append(True)
    with one_blas_thread():
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == [True]
