"""The paper layer: what is specific to reproducing *Archetypal Landscapes for Deep
Neural Networks* (Verpoort, Lee & Wales, PNAS 2020) on top of the generic library.

- :mod:`.builds`: the paper's landscape databases (:class:`LandscapeSpec`), their keyed
  files, builds (resumable, on Dask workers) and status, and the chapters' specs;
- :mod:`.glass`: the binary Lennard-Jones glass-former databases of S4;
- :mod:`.training`: a trained network = the global minimum of its loss;
- :mod:`.report`: the paper's numbers and the chapters' comparison records.

The data sets D1-D3 live in :mod:`ljatlib.data`. Nothing below this layer imports it.
"""

from .builds import (Landscape, LandscapeSpec, build_landscape, build_landscapes, chapter_specs,
                     landscape_path, landscape_quench_census, landscape_status, open_landscape)
from .glass import GlassLandscape, GlassSpec, glass_chapter_specs
from ._spec import BuildSpec

__all__ = ["BuildSpec", "Landscape", "LandscapeSpec", "build_landscape", "build_landscapes", "chapter_specs",
           "landscape_path", "landscape_quench_census", "landscape_status", "open_landscape",
           "GlassLandscape", "GlassSpec", "glass_chapter_specs"]
