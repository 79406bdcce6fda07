"""The structural glass-former's landscapes (SI S4): BLJ60 and BLJ256.

A :class:`GlassSpec` names one database: a periodic Kob-Andersen binary Lennard-Jones
mixture of ``n_a`` A and ``n_b`` B atoms, explored by basin-hopping from a random
configuration and connected to its global minimum
(:func:`~ljatlib.landscape.explore`). :func:`~ljatlib.paper.builds.build_landscape`,
``build_landscapes`` (Dask), ``landscape_status`` and ``open_landscape`` take it as
they take a network's :class:`~ljatlib.paper.builds.LandscapeSpec`; its file is
``<cache>/landscapes/blj48-12_rho1_<key>.sqlite``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from .._validation import check_integer, check_positive
from ..potentials.binary_lj import BinaryLJ
from ..storage import Database
from ..systems import System, binary_lj_system
from ._spec import BuildSpec

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

GLASS_FORMAT = 5  # bump when a change of algorithm or setting changes what a build stores


@dataclass(frozen=True)
class GlassSpec(BuildSpec):
    """One glass-former landscape.

    Parameters
    ----------
    n_a, n_b : int
        A and B atoms (BLJ60: 48 and 12; BLJ256: 204 and 52).
    n_hops : int
        Basin-hopping steps.
    seed : int
        Seeds the random start and the steps.
    density, cutoff : float
        Number density (sigma_AA^-3) and pair cutoff (units of sigma_ab) of
        :class:`~ljatlib.potentials.binary_lj.BinaryLJ`.
    step_size, temperature : float
        Basin-hopping perturbation (uniform in +-step_size per coordinate, sigma_AA)
        and Metropolis temperature (eps_AA).
    connect_attempts : int
        DNEB attempts per minimum when connecting it to the global minimum.
    neb_max_iter : int
        Band iterations at most per DNEB (the networks' bands get 1000; why fewer
        here: ``docs/decisions.md``).
    """

    n_a: int
    n_b: int
    n_hops: int
    seed: int = 0
    density: float = 1.0
    cutoff: float = 2.5
    step_size: float = 0.3
    temperature: float = 1.0
    connect_attempts: int = 10
    neb_max_iter: int = 300

    def __post_init__(self):
        for name, minimum in (("n_a", 0), ("n_b", 0), ("n_hops", 0), ("seed", 0),
                              ("connect_attempts", 0), ("neb_max_iter", 1)):
            object.__setattr__(self, name, check_integer(getattr(self, name), name, minimum))
        for name in ("density", "cutoff", "step_size", "temperature"):
            object.__setattr__(self, name, check_positive(getattr(self, name), name))
        self.potential()  # validates the atom counts against density and cutoff

    def potential(self) -> BinaryLJ:
        return BinaryLJ(self.n_a, self.n_b, density=self.density, cutoff=self.cutoff)

    def as_dict(self) -> dict:
        """The fields and the format version (JSON-serialisable)."""
        return {"format": GLASS_FORMAT, "system": "BLJ", **asdict(self)}

    def file_stem(self) -> str:
        return f"blj{self.n_a}-{self.n_b}_rho{self.density:g}"


def glass_setup(spec: GlassSpec) -> tuple[System, Callable[[np.random.Generator | None], np.ndarray],
                                          Callable[[Database], None], dict]:
    """(system, start(rng) -> x0, finish(db), connect options) for building ``spec``'s
    database."""
    pot = spec.potential()
    return (binary_lj_system(pot), pot.random_configuration, lambda db: None,
            {"neb_max_iter": spec.neb_max_iter})


@dataclass
class GlassLandscape:
    """A finished glass-former landscape: ``db`` (open; close with :meth:`close`), its
    ``system`` and ``potential``; ``summary``: what the build recorded (n_minima,
    n_transition_states, unconnected, n_quenches, seconds)."""

    spec: GlassSpec
    db: Database
    system: System
    potential: BinaryLJ
    summary: dict

    def close(self) -> None:
        self.db.close()


def glass_chapter_specs(blj60_hops: int, blj256_hops: int, density: float = 1.0, cutoff: float = 2.5,
                        bh_step_size: float = 0.3, bh_temperature: float = 1.0,
                        connect_attempts: int = 10) -> dict[str, GlassSpec]:
    """{"BLJ60": spec, "BLJ256": spec} of the S4 chapter, from its parameters
    (book/profiles/*.yml)."""
    options = dict(density=density, cutoff=cutoff, step_size=bh_step_size,
                   temperature=bh_temperature, connect_attempts=connect_attempts)
    return {"BLJ60": GlassSpec(48, 12, blj60_hops, **options),
            "BLJ256": GlassSpec(204, 52, blj256_hops, **options)}
