"""On-disk cache of computed arrays, keyed by the parameters that produced them.

Files are ``<cache dir>/<kind>-<hash>.npz``; the hash covers the parameters and
``CACHE_VERSION`` (bump it when an algorithm changes its results). The directory is
``$LJATLIB_CACHE`` or ``~/.cache/ljatlib``. Writes are atomic (temporary file +
rename); a file that cannot be read, whose stored key differs, or whose members are
not the names, shapes and dtypes the caller expects (``members``, ``check``: a file
truncated, or written by other code under the same key) is reported and recomputed.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._hashing import stable_hash

if TYPE_CHECKING:
    from collections.abc import Callable

CACHE_VERSION = 1


def cache_dir() -> Path:
    path = Path(os.environ.get("LJATLIB_CACHE", Path.home() / ".cache" / "ljatlib"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_key(kind: str, params: dict) -> tuple[str, str]:
    value = {"kind": kind, "version": CACHE_VERSION, **params}
    return json.dumps(value, sort_keys=True), stable_hash(value, digits=16)


def _check_members(arrays, members):
    """ValueError unless ``arrays`` has exactly the names of ``members`` {name: (shape,
    kinds)}, each of that shape (None: any length) and a dtype kind in ``kinds``."""
    missing, extra = sorted(set(members) - set(arrays)), sorted(set(arrays) - set(members))
    if missing or extra:
        raise ValueError(f"members {sorted(arrays)}, expected {sorted(members)}")
    for name, (shape, kinds) in members.items():
        a = arrays[name]
        if len(a.shape) != len(shape) or any(want is not None and got != want
                                             for got, want in zip(a.shape, shape)):
            want = tuple("any" if n is None else n for n in shape)
            raise ValueError(f"member {name!r} has shape {a.shape}, expected {want}")
        if a.dtype.kind not in kinds:
            raise ValueError(f"member {name!r} has dtype {a.dtype}, expected kind {kinds!r}")


def cached_arrays(kind: str, params: dict, compute: Callable[[], dict[str, np.ndarray]], use_cache: bool = True,
                  members: dict[str, tuple[tuple[int | None, ...], str]] | None = None,
                  check: Callable[[dict[str, np.ndarray]], None] | None = None) -> dict[str, np.ndarray]:
    """Return the dict of arrays ``compute()`` produces for ``params``, from disk if cached.

    ``params`` must be JSON-serialisable; ``compute`` returns {name: array}.
    ``members`` {name: (shape, dtype kinds)}, e.g. ``{"labels": ((n,), "iu")}`` with
    None for a free length, lists what a cached file must hold, exactly; ``check(arrays)``
    may raise ValueError for what shapes cannot say (e.g. offsets into another member).
    A cached file that fails either is reported (UserWarning) and recomputed.
    """
    key, digest = cache_key(kind, params)
    path = cache_dir() / f"{kind}-{digest}.npz"
    if use_cache and path.exists():
        try:
            with np.load(path, allow_pickle=False) as f:
                if str(f["__key__"]) != key:
                    raise ValueError("stored key differs from the requested parameters")
                arrays = {name: f[name] for name in f.files if name != "__key__"}
        except (OSError, ValueError, KeyError, EOFError, TypeError, AttributeError,
                zipfile.BadZipFile) as err:  # TypeError/AttributeError: a .npy, not an .npz
            warnings.warn(f"cache file {path} is unreadable ({err}); recomputing", stacklevel=2)
        else:
            try:
                if members is not None:
                    _check_members(arrays, members)
                if check is not None:
                    check(arrays)
                return arrays
            except ValueError as err:
                warnings.warn(f"cache file {path} is inconsistent ({err}); recomputing",
                              stacklevel=2)
    arrays = compute()
    if use_cache:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
        os.close(fd)
        try:
            np.savez(tmp, __key__=np.array(key), **arrays)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    return arrays
