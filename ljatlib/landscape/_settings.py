"""The settings of a double-ended search and of the drivers that choose the searches."""

from __future__ import annotations

import dataclasses
import functools
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._validation import check_integer, check_positive
from ..optimize import LBFGSParams

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class SearchSettings:
    """How a connection is searched: a DNEB between two minima, eigenvector-following
    (EF) from its maxima, push-offs from every transition state, and which gap to
    search next. A system may carry its own defaults (``system.search``, a mapping of
    these field names), which :meth:`resolve` applies where a caller passes no
    settings.

    Parameters
    ----------
    n_images : int
        Movable DNEB images of a first search of a gap; every second retry of the gap
        has ``image_growth`` times more (the same band gives the same result).
    image_growth : float
        See ``n_images``.
    neb_k, neb_tol, neb_max_iter, neb_max_step : float, float, int, float
        DNEB spring constant, RMS force at which the band counts as relaxed, LBFGS
        iterations at most, and its step cap (over the whole band).
    ef_max_iter, ef_max_step, ef_negative_tol : int, float, float
        EF steps at most, step cap, and how negative an eigenvalue must be to count.
    tol : float
        RMS gradient of a converged transition state, and of a stored minimum.
    ts_tol : float or None
        RMS gradient of a converged transition state, if other than ``tol``.
    ts_max_distance : "auto", float or None
        EF is abandoned once farther than this from the band maximum it started from
        ("auto": max(1, distance between the ends); None: no limit).
    max_maxima : int or None
        Band maxima refined at most (highest first).
    endpoint_climbs : bool
        Also climb from the images next to each end (a single-ended search out of it).
    push_off, push_max_step, loose_tol : float
        A transition state is left by ``push_off`` along its negative eigenvector both
        ways and minimised (LBFGS, step cap ``push_max_step``) to RMS gradient
        ``loose_tol``, at which its minima are identified; new ones are then converged
        to ``tol``.
    energy_tol : float or None
        Energy tolerance of "the same minimum" (None: the database's).
    max_tries_per_pair, gap_choice, graph_minima : int, str, str
        Searches of one gap at most; which gap of the Dijkstra path to search,
        "closest" or "first"; the minima of the Dijkstra graph, "local" (those joined
        to either end and those the searches found) or "all".

    Examples
    --------
    >>> s = SearchSettings(n_images=10, push_off=0.05)
    >>> s.replace(neb_max_iter=300).neb_max_iter
    300
    """

    n_images: int = 20
    image_growth: float = 2.0
    neb_k: float = 50.0
    neb_tol: float = 1e-2
    neb_max_iter: int = 1000
    neb_max_step: float = 0.5
    ef_max_iter: int = 1000
    ef_max_step: float = 0.3
    ef_negative_tol: float = 1e-8
    tol: float = 1e-9
    ts_tol: float | None = None
    ts_max_distance: str | float | Callable[[float], float] | None = "auto"
    max_maxima: int | None = None
    endpoint_climbs: bool = False
    push_off: float = 0.2
    push_max_step: float = 0.1
    loose_tol: float = 1e-6
    energy_tol: float | None = None
    max_tries_per_pair: int = 4
    gap_choice: str = "closest"
    graph_minima: str = "local"

    def __post_init__(self):
        for name, minimum in (("n_images", 1), ("neb_max_iter", 1), ("ef_max_iter", 0),
                              ("max_tries_per_pair", 1)):
            object.__setattr__(self, name, check_integer(getattr(self, name), name, minimum))
        for name in ("image_growth", "neb_k", "neb_tol", "neb_max_step", "ef_max_step", "ef_negative_tol",
                     "tol", "push_off", "push_max_step", "loose_tol"):
            object.__setattr__(self, name, check_positive(getattr(self, name), name))
        if self.max_maxima is not None:
            object.__setattr__(self, "max_maxima", check_integer(self.max_maxima, "max_maxima", 1))
        if self.ts_tol is not None:
            object.__setattr__(self, "ts_tol", check_positive(self.ts_tol, "ts_tol"))
        if self.energy_tol is not None:
            object.__setattr__(self, "energy_tol", check_positive(self.energy_tol, "energy_tol"))
        limit = self.ts_max_distance
        if not (limit is None or limit == "auto" or callable(limit) or
                (isinstance(limit, numbers.Real) and limit > 0)):
            raise ValueError(f"ts_max_distance must be 'auto', None, a callable or > 0, got {limit!r}")
        if not isinstance(self.endpoint_climbs, bool):
            raise ValueError(f"endpoint_climbs must be a bool, got {self.endpoint_climbs!r}")
        if self.gap_choice not in ("closest", "first"):
            raise ValueError(f"gap_choice must be 'closest' or 'first', got {self.gap_choice!r}")
        if self.graph_minima not in ("local", "all"):
            raise ValueError(f"graph_minima must be 'local' or 'all', got {self.graph_minima!r}")

    @property
    def ef_tol(self) -> float:
        """RMS gradient at which eigenvector-following has converged."""
        return self.tol if self.ts_tol is None else self.ts_tol

    @functools.cached_property
    def push_off_params(self) -> LBFGSParams:
        """The LBFGS that takes a push-off to its minimum (to ``loose_tol``)."""
        return LBFGSParams(tol=self.loose_tol, memory=30, max_step=self.push_max_step, max_iter=100_000)

    def replace(self, **changes: Any) -> SearchSettings:
        """A copy with ``changes`` (field names; TypeError for any other name)."""
        return dataclasses.replace(self, **changes) if changes else self

    @classmethod
    def resolve(cls, settings: SearchSettings | None = None, system: Any = None, **changes: Any) -> SearchSettings:
        """``settings`` with ``changes`` applied; without ``settings``, the defaults with
        the ``system``'s own (its ``search`` mapping of field names, if it has one) and
        then ``changes`` applied."""
        if settings is None:
            settings = cls(**(getattr(system, "search", None) or {}))
        elif not isinstance(settings, cls):
            raise TypeError(f"settings must be a SearchSettings, got {type(settings).__name__}")
        return settings.replace(**changes)

    def for_retry(self, n_tried: int) -> tuple[bool, SearchSettings]:
        """(align, settings) of the ``n_tried``-th retry of a gap: every second one joins
        the copies as stored, not the aligned ones, and the band has ``image_growth``
        times more images every two tries."""
        n_images = int(round(self.n_images * self.image_growth ** (n_tried // 2)))
        return n_tried % 2 == 0, self if n_images == self.n_images else self.replace(n_images=n_images)

    def as_json(self) -> dict[str, Any]:
        """The settings as JSON-serialisable values (a callable as its repr)."""
        return {k: (repr(v) if callable(v) else v) for k, v in dataclasses.asdict(self).items()}
