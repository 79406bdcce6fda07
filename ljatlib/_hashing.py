"""Stable hashes: the one way cache and database keys are made."""

import hashlib
import json

import numpy as np


def stable_hash(value, digits=12):
    """The first ``digits`` hex digits of the SHA-256 of ``value`` as sorted-key JSON:
    the same on every machine and run for equal JSON-serialisable values.

    Examples
    --------
    >>> stable_hash({"b": 1, "a": [2, 3]}) == stable_hash({"a": [2, 3], "b": 1})
    True
    >>> len(stable_hash("x", digits=16))
    16
    """
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:digits]


def array_digest(*arrays, digits=16):
    """The first ``digits`` hex digits of the SHA-256 of arrays' dtypes, shapes and bytes."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str((a.dtype, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:digits]
