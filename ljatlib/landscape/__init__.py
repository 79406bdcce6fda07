"""Energy-landscape tools for any function with a gradient (LJAT3, network losses, ...)."""

from .basinhopping import BasinHoppingResult, basin_hopping

__all__ = ["basin_hopping", "BasinHoppingResult"]
from .connect import connect, connect_to_global_minimum, joined_to, search_pair  # noqa: E402
from .disconnectivity import disconnectivity_graph, superbasin_tree  # noqa: E402
from .explore import ExploreReport, explore  # noqa: E402
from .graph import (BarrierTable, barriers_to_global_minimum, landscape_graph,  # noqa: E402
                    minimax_path, ts_barriers)
from .interpolation import LineProfile, line_profile  # noqa: E402
from .rounds import connect_in_rounds, find_transition_states  # noqa: E402
from .system import System, binary_lj_system, ljat3_system, network_system  # noqa: E402

__all__ += ["connect", "connect_to_global_minimum", "joined_to", "search_pair", "landscape_graph",
            "minimax_path", "ts_barriers", "barriers_to_global_minimum", "BarrierTable",
            "System", "ljat3_system", "network_system", "binary_lj_system", "disconnectivity_graph",
            "superbasin_tree", "explore", "ExploreReport", "line_profile", "LineProfile",
            "connect_in_rounds", "find_transition_states"]
from .glass import GlassLandscape, GlassSpec  # noqa: E402
from .runs import (Landscape, LandscapeSpec, build_landscape, build_landscapes,  # noqa: E402
                   chapter_specs, landscape_path, landscape_quench_census, landscape_status,
                   open_landscape)

__all__ += ["GlassSpec", "GlassLandscape", "LandscapeSpec", "Landscape", "landscape_path", "build_landscape",
            "build_landscapes", "open_landscape", "chapter_specs", "landscape_status",
            "landscape_quench_census"]
