"""Energy-landscape tools for any :class:`~ljatlib.systems.System` (LJAT3, network
losses, the glass-former, ...): basin-hopping, connections, graphs, pathways and
disconnectivity graphs. The paper's databases (:mod:`.runs`, :mod:`.glass`) are built
on them."""

from .basinhopping import BasinHoppingResult, basin_hopping
from .connect import connect, connect_to_global_minimum, joined_to, search_pair
from .disconnectivity import disconnectivity_graph, superbasin_tree
from .explore import ExploreReport, explore
from .glass import GlassLandscape, GlassSpec
from .graph import BarrierTable, barriers_to_global_minimum, landscape_graph, minimax_path, ts_barriers
from .interpolation import LineProfile, line_profile
from ._settings import SearchSettings
from .rounds import connect_in_rounds, find_transition_states
from .runs import (Landscape, LandscapeSpec, build_landscape, build_landscapes, chapter_specs,
                   landscape_path, landscape_quench_census, landscape_status, open_landscape)

__all__ = ["basin_hopping", "BasinHoppingResult", "connect", "connect_to_global_minimum", "joined_to",
           "search_pair", "landscape_graph", "minimax_path", "ts_barriers",
           "barriers_to_global_minimum", "BarrierTable", "disconnectivity_graph", "superbasin_tree",
           "explore", "ExploreReport", "line_profile", "LineProfile", "connect_in_rounds",
           "find_transition_states", "SearchSettings", "GlassSpec", "GlassLandscape", "LandscapeSpec", "Landscape",
           "landscape_path", "build_landscape", "build_landscapes", "open_landscape", "chapter_specs",
           "landscape_status", "landscape_quench_census"]
