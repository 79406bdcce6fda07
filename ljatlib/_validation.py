"""Input checks shared by the public functions."""

import numbers

import numpy as np


def check_integer(value, name, minimum):
    """``value`` as an int, or ValueError unless it is an integer (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_positive(value, name):
    """``value`` as a float, or ValueError unless it is finite and > 0."""
    out = float(value)
    if not (np.isfinite(out) and out > 0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return out


def as_finite_array(a, name, ndim=None, shape_tail=None):
    """Return ``a`` as a C-contiguous float64 array, or raise ``ValueError``.

    ``ndim`` is an int or a tuple of allowed ranks; ``shape_tail`` the required
    trailing shape (e.g. ``(3, 3)`` for one LJAT3 geometry).
    """
    try:
        raw = np.asarray(a)
        arr = None if raw.dtype.kind == "c" else np.ascontiguousarray(raw, dtype=np.float64)
    except (ValueError, TypeError) as err:  # strings, ragged nesting
        raise ValueError(f"{name} must be an array of real numbers: {err}") from None
    if arr is None:
        raise TypeError(f"{name} must be real, got complex values")
    if ndim is not None:
        allowed = (ndim,) if np.isscalar(ndim) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimensions, "
                             f"got shape {arr.shape}")
    if shape_tail is not None and arr.shape[arr.ndim - len(shape_tail):] != tuple(shape_tail):
        raise ValueError(f"{name} must end in shape {tuple(shape_tail)}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains non-finite values (nan or inf)")
    return arr


def as_finite_real(value, name):
    """``value`` as a finite Python float: TypeError unless it is one real number,
    ValueError if it is nan or infinite."""
    v = np.asarray(value)
    if v.ndim != 0 or v.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(v)


def check_coords_3x3(x, name="x"):
    """Validate LJAT3 coordinates of shape (3, 3) or (n, 3, 3).

    Returns the array as a batch of shape (n, 3, 3) and whether the input was a
    single geometry.
    """
    arr = as_finite_array(x, name, ndim=(2, 3), shape_tail=(3, 3))
    single = arr.ndim == 2
    return (arr[None] if single else arr), single
