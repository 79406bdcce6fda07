"""How far apart the stored minima lie, and how flat the landscape is around them.

Connecting two minima is hard when they are far apart compared with the steps a
transition state makes (the distance between its two minima): a double-ended search
then needs many intermediate minima, and each search finds a transition state whose
minima are new. :func:`landscape_spacing` measures both distances (after alignment,
``System.distance``) and, at each minimum, how many Hessian eigenvalues are soft.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._validation import check_integer

if TYPE_CHECKING:
    from ..storage import Database


@dataclass
class Spacing:
    """Distances in coordinate units (weights for a network).

    Attributes
    ----------
    ts_span : ndarray (n_ts,)
        Distance between the two minima of each non-degenerate transition state (the
        lowest ``max_transition_states``).
    nearest : ndarray (n,)
        For each of the ``n`` lowest minima, the distance to the closest other of them.
    soft_fraction : ndarray (n,)
        For each of those minima, the fraction of its Hessian eigenvalues (zero modes
        removed) below ``soft_curvature``.
    """

    ts_span: np.ndarray
    nearest: np.ndarray
    soft_fraction: np.ndarray


def landscape_spacing(system, db: Database, soft_curvature: float, max_minima: int = 40,
                      max_transition_states: int = 500) -> Spacing:
    """Spacing of the minima and transition states stored in ``db``.

    Parameters
    ----------
    system : :class:`~ljatlib.systems.System`
    db : :class:`~ljatlib.storage.Database`
    soft_curvature : float
        Eigenvalues below this count as soft (for a network loss with L2 coefficient
        lambda, e.g. 2 x 2 lambda: the data term adds less curvature than the L2 term).
    max_minima : int
        Nearest-neighbour distances and soft fractions for the lowest this many minima
        (an alignment per pair: about 5 ms for a (3, 3) network).
    max_transition_states : int
        Spans of the lowest this many non-degenerate transition states.

    Returns
    -------
    Spacing
    """
    if not soft_curvature > 0:
        raise ValueError(f"soft_curvature must be > 0, got {soft_curvature!r}")
    if int(max_minima) != max_minima or max_minima < 2:
        raise ValueError(f"max_minima must be an integer >= 2, got {max_minima!r}")
    minima = {m.id: m for m in db.minima()}
    states = sorted(((energy, a, b) for _, energy, a, b in db.edges() if a != b),
                    key=lambda t: t[0])[:int(max_transition_states)]  # stored order among equal energies
    spans = [system.distance(minima[a].coords, minima[b].coords) for _, a, b in states]
    lowest = sorted(minima.values(), key=lambda m: m.energy)[:int(max_minima)]
    n = len(lowest)
    dist = np.full((n, n), np.inf)
    for i in range(n):
        for j in range(i + 1, n):
            dist[i, j] = dist[j, i] = system.distance(lowest[i].coords, lowest[j].coords)
    soft = []
    for m in lowest:
        vals, _ = system.projected_hessian_eigh(m.coords)
        soft.append(float(np.mean(vals < soft_curvature)))
    nearest = dist.min(axis=1) if n > 1 else np.array([])
    return Spacing(np.array(spans, float), nearest, np.array(soft, float))


def new_minima_per_transition_state(db: Database, n_initial: int, n_windows: int = 2) -> np.ndarray:
    """How many new minima each stored transition state brought, by stretch of the search.

    The transition states are taken in the order they were stored (by id) and split into
    ``n_windows`` consecutive groups of (nearly) equal size. A minimum is new with a
    transition state if it is not one of the ``n_initial`` minima stored before the
    searches (the lowest ids) and no earlier transition state touches it. Two per
    transition state means the searches join nothing already known; where a landscape's
    minima end up joined, later searches mostly run through known minima (below one).

    Parameters
    ----------
    db : :class:`~ljatlib.storage.Database`
    n_initial : int
        Minima in the database before the searches (e.g. the basin-hopping minima).
    n_windows : int
        Groups of transition states.

    Returns
    -------
    ndarray (n_windows,)
        New minima per transition state in each group; nan for an empty group.

    Examples
    --------
    >>> import os, tempfile
    >>> from ljatlib.storage import Database
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     db = Database(os.path.join(tmp, "toy.sqlite"))
    ...     a, b = (db.add_minimum(e, [e])[0].id for e in (0.0, 1.0))  # two minima to start from
    ...     c = db.add_minimum(2.0, [2.0])[0].id  # a search's: new, with a transition state
    ...     _ = db.add_transition_state(3.0, [1.5], b, c)
    ...     _ = db.add_transition_state(3.5, [0.5], a, b)  # known minima only
    ...     rates = new_minima_per_transition_state(db, n_initial=2)
    ...     db.close()
    >>> rates.tolist()
    [1.0, 0.0]
    """
    n_initial = check_integer(n_initial, "n_initial", 0)
    n_windows = check_integer(n_windows, "n_windows", 1)
    known = set(sorted(i for i, _ in db.energies())[:n_initial])
    new = []
    for _, _, a, b in db.edges():  # in the order they were stored
        ends = {a, b}
        new.append(len(ends - known))
        known |= ends
    groups = np.array_split(np.array(new, float), n_windows)
    return np.array([g.mean() if len(g) else np.nan for g in groups])
