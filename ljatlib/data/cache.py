"""On-disk cache of computed arrays, keyed by the parameters that produced them.

Files are ``<cache dir>/<kind>-<hash>.npz``; the hash covers the parameters and
``CACHE_VERSION`` (bump it when an algorithm changes its results). The directory is
``$LJATLIB_CACHE`` or ``~/.cache/ljatlib``. Writes are atomic (temporary file +
rename); a file that cannot be read or whose stored key differs is reported and
recomputed.
"""

import hashlib
import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

CACHE_VERSION = 1


def cache_dir():
    path = Path(os.environ.get("LJATLIB_CACHE", Path.home() / ".cache" / "ljatlib"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_key(kind, params):
    text = json.dumps({"kind": kind, "version": CACHE_VERSION, **params}, sort_keys=True)
    return text, hashlib.sha256(text.encode()).hexdigest()[:16]


def cached_arrays(kind, params, compute, use_cache=True):
    """Return the dict of arrays ``compute()`` produces for ``params``, from disk if cached.

    ``params`` must be JSON-serialisable; ``compute`` returns {name: array}.
    """
    key, digest = cache_key(kind, params)
    path = cache_dir() / f"{kind}-{digest}.npz"
    if use_cache and path.exists():
        try:
            with np.load(path, allow_pickle=False) as f:
                if str(f["__key__"]) != key:
                    raise ValueError("stored key differs from the requested parameters")
                return {name: f[name] for name in f.files if name != "__key__"}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
            warnings.warn(f"cache file {path} is unreadable ({err}); recomputing", stacklevel=2)
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
