"""What one double-ended search does, step by step: how far its band relaxes, and where
eigenvector-following goes from the band's maxima.

:func:`trace_search` runs the first two stages of a connection search
(:func:`~ljatlib.landscape.connect.band_transition_states`, same settings) between two
minima and records them instead of storing transition states. On the LJAT3 cluster
the band maximum lies within 0.005 of the transition state; on the network losses of
the S3 landscapes chapter (one hidden layer as well as two) the band stops far from
relaxed and eigenvector-following ends several to tens of weight units off it (the
chapter shows both).
"""

from dataclasses import dataclass, field

import numpy as np

from ..transition_states import dneb
from .connect import _align, refine_band_maxima


@dataclass
class MaximumTrace:
    """Eigenvector-following from one band maximum.

    image: index of the band image; band_energy: its energy; converged: a transition
    state was found (RMS gradient ``tol``, one negative eigenvalue) within the trust
    distance; n_iter: EF steps; moved: distance from the image to where EF ended;
    energy: the energy there; off_band: distance from there to the closest band image
    (coordinate units)."""

    image: int
    band_energy: float
    converged: bool
    n_iter: int
    moved: float
    energy: float
    off_band: float


@dataclass
class SearchTrace:
    """distance: between the two ends (after alignment); end_energies (2,);
    band_rms: RMS DNEB force when the band stopped; band_iterations; band_max_energy:
    highest image; maxima: one MaximumTrace per band maximum, highest first."""

    distance: float
    end_energies: tuple
    band_rms: float
    band_iterations: int
    band_max_energy: float
    maxima: list = field(default_factory=list)

    @property
    def n_converged(self):
        return sum(m.converged for m in self.maxima)


def trace_search(system, x1, x2, n_images=20, align=True, neb_kwargs=None, tol=1e-9, **refine_kwargs):
    """The band and eigenvector-following stages of a search from minimum ``x1`` to
    minimum ``x2`` ((n,) each; ``x2`` replaced by its copy closest to ``x1`` if
    ``align``), with :func:`~ljatlib.landscape.connect.search_pair`'s settings;
    ``refine_kwargs`` go to :func:`~ljatlib.landscape.connect.refine_band_maxima`.
    Returns a :class:`SearchTrace`."""
    x1, x2 = np.asarray(x1, float).ravel(), np.asarray(x2, float).ravel()
    if x1.shape != x2.shape or not (np.all(np.isfinite(x1)) and np.all(np.isfinite(x2))):
        raise ValueError(f"x1 and x2 must be finite arrays of one shape, got {x1.shape} and {x2.shape}")
    if align:  # checked first: the alignment of a bad x2 fails less clearly
        x2 = _align(system, x1, x2)
    band = dneb(system, x1, x2, n_images=n_images, **(neb_kwargs or {}))
    trace = SearchTrace(float(np.linalg.norm(x2 - x1)), (float(band.energies[0]), float(band.energies[-1])),
                        float(band.rms), int(band.n_iter), float(np.max(band.energies)))
    for i, ts in refine_band_maxima(system, band, tol=tol, **refine_kwargs):
        off_band = float(np.min(np.linalg.norm(band.images - ts.x, axis=1)))
        trace.maxima.append(MaximumTrace(i, float(band.energies[i]), bool(ts.converged), int(ts.n_iter),
                                         float(np.linalg.norm(ts.x - band.images[i])), float(ts.energy),
                                         off_band))
    return trace
