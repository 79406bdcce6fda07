"""Data sets D1 and D2: random starts in a cube, their minimisation outcomes, and
(for D1) the minimisation sequences.

Starts: three atoms uniform in a cube of side L, ``default_rng(seed).uniform(0, L,
(n, 3, 3))`` (so a smaller n gives the first n starts of the full set). Inputs are
the starting (r12, r13). The first half is the training half, the second the test
half; only labelled outcomes (classes 0-3) enter ``split``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..ljat3_geometry import pair_distances
from ..optimize import LBFGSParams, Sequences, minimize_ljat3
from .cache import cached_arrays
from .classes import label_outcomes, outcome_counts

DATASETS = {
    "D1": {"n": 10_000, "L": 2 * np.sqrt(3), "seed": 1, "sequences": True},
    "D2": {"n": 200_000, "L": 1.385, "seed": 2, "sequences": False},
}
PARTS = ("train", "test", "all")


@dataclass
class Dataset:
    """Starts, outcomes and (optionally) minimisation sequences of one data set.

    Arrays have leading length n: ``starts`` (n, 3, 3), ``inputs`` (n, 2) = starting
    (r12, r13), ``labels`` (class 0-3 or a negative outcome code, see
    :mod:`ljatlib.data.classes`), ``status`` (minimiser status), ``energy`` and
    ``n_iter`` of the minimisation, ``final`` (n, 3, 3) converged coordinates.
    """

    name: str
    L: float
    seed: int
    starts: np.ndarray
    inputs: np.ndarray
    labels: np.ndarray
    status: np.ndarray
    energy: np.ndarray
    n_iter: np.ndarray
    final: np.ndarray
    sequences: Sequences | None = None
    params: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.labels)

    @property
    def is_train(self) -> np.ndarray:
        """Boolean mask (n,) of the training half (the first n // 2 starts)."""
        mask = np.zeros(len(self), dtype=bool)
        mask[: len(self) // 2] = True
        return mask

    def counts(self, part: str = "all") -> dict[str, int]:
        """{outcome name: count} in ``part`` ("train", "test" or "all")."""
        return outcome_counts(self.labels[self._part_mask(part)])

    def split(self, part: str, first: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(X (m, 2), y (m,)): starting (r12, r13) and classes of the labelled starts in
        ``part``; with ``first``, of the labelled starts among its first ``first`` starts."""
        keep = self._part_mask(part)
        if first is not None:
            keep &= np.cumsum(keep) <= first
        keep &= self.labels >= 0
        return self.inputs[keep], self.labels[keep]

    def sequence_inputs(self, k: int, part: str = "train") -> tuple[np.ndarray, np.ndarray]:
        """(X, y) with X the (r12, r13) of the iterate ``k`` steps before convergence.

        k = 0 is the converged geometry; a sequence shorter than k contributes its
        start (so a large k gives the random starts). Only labelled starts are used.
        """
        if self.sequences is None:
            raise ValueError(f"data set {self.name} was made without minimisation sequences")
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        keep = self._part_mask(part) & (self.labels >= 0)
        offsets = self.sequences.offsets
        rows = np.maximum(offsets[1:] - 1 - k, offsets[:-1])
        return self.sequences.r12_r13[rows[keep]], self.labels[keep]

    def _part_mask(self, part):
        if part not in PARTS:
            raise ValueError(f"part must be one of {PARTS}, got {part!r}")
        if part == "all":
            return np.ones(len(self), dtype=bool)
        return self.is_train if part == "train" else ~self.is_train


def random_starts(n: int, L: float, seed: int | None) -> np.ndarray:
    """Starting coordinates (n, 3, 3): three atoms uniform in the cube [0, L]^3."""
    return np.random.default_rng(seed).uniform(0.0, L, size=(n, 3, 3))


def _check_sequences(arrays):
    """ValueError unless seq_offsets index seq_r12_r13: from 0, non-decreasing, to its end."""
    offsets, rows = arrays["seq_offsets"], len(arrays["seq_r12_r13"])
    if offsets[0] != 0 or offsets[-1] != rows or np.any(np.diff(offsets) < 0):
        raise ValueError(f"seq_offsets (from {offsets[0]} to {offsets[-1]}) do not index the "
                         f"{rows} rows of seq_r12_r13")


def make_dataset(name: str, seed: int | None = None, n: int | None = None, L: float | None = None, z: float = 2.0,
                 lbfgs: LBFGSParams | None = None, use_cache: bool = True) -> Dataset:
    """Build (or load from the cache) data set ``"D1"`` or ``"D2"``.

    Parameters
    ----------
    name : {"D1", "D2"}
        Which data set; its defaults (n, L, seed) are in ``DATASETS``.
    seed, n, L : optional
        Override the defaults (e.g. a smaller n for quick runs).
    lbfgs : LBFGSParams, optional
        Minimiser settings (default: :class:`~ljatlib.optimize.LBFGSParams`).

    Returns
    -------
    Dataset
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose from {sorted(DATASETS)}")
    spec = DATASETS[name]
    n = int(spec["n"] if n is None else n)
    L = float(spec["L"] if L is None else L)
    seed = int(spec["seed"] if seed is None else seed)
    if n < 2 or not L > 0:
        raise ValueError(f"need n >= 2 and L > 0, got n={n}, L={L}")
    lbfgs = lbfgs or LBFGSParams()
    params = {"name": name, "n": n, "L": L, "seed": seed, "z": z, "lbfgs": lbfgs.__dict__,
              "sequences": spec["sequences"]}
    starts = random_starts(n, L, seed)

    def compute():
        out = minimize_ljat3(starts, z=z, params=lbfgs, record=spec["sequences"])
        res, seq = out if spec["sequences"] else (out, None)
        arrays = {"final": res.x, "energy": res.energy, "n_iter": res.n_iter,
                  "status": res.status, "labels": label_outcomes(res, z)}
        if seq is not None:
            arrays.update(seq_offsets=seq.offsets, seq_r12_r13=seq.r12_r13)
        return arrays

    members = {"final": ((n, 3, 3), "f"), "energy": ((n,), "f"), "n_iter": ((n,), "iu"),
               "status": ((n,), "iu"), "labels": ((n,), "iu")}
    if spec["sequences"]:
        members.update(seq_offsets=((n + 1,), "iu"), seq_r12_r13=((None, 2), "f"))
    a = cached_arrays(f"dataset-{name}", params, compute, use_cache, members=members,
                      check=_check_sequences if spec["sequences"] else None)
    seq = Sequences(a["seq_offsets"], a["seq_r12_r13"]) if "seq_offsets" in a else None
    return Dataset(name=name, L=L, seed=seed, starts=starts,
                   inputs=pair_distances(starts)[:, :2], labels=a["labels"], status=a["status"],
                   energy=a["energy"], n_iter=a["n_iter"], final=a["final"], sequences=seq,
                   params=params)
