"""Energy-landscape tools for any :class:`~ljatlib.systems.System` (LJAT3, network
losses, the glass-former, ...): basin-hopping, connections, graphs, pathways and
disconnectivity graphs. They know nothing of networks or of the paper; the paper's
databases (:mod:`ljatlib.paper`) are built on them."""

from .basinhopping import BasinHoppingResult, basin_hopping
from ._connect import connect, joined_to, search_pair
from .disconnectivity import disconnectivity_graph, superbasin_tree
from ._explore import ExploreResult, explore, store_basin_hopping_minima
from .graph import BarrierTable, barriers_to_global_minimum, landscape_graph, minimax_path, ts_barriers
from .interpolation import LineProfile, line_profile
from ._settings import SearchSettings
from .rounds import connect_in_rounds, find_transition_states

__all__ = ["basin_hopping", "BasinHoppingResult", "connect", "joined_to",
           "search_pair", "landscape_graph", "minimax_path", "ts_barriers",
           "barriers_to_global_minimum", "BarrierTable", "disconnectivity_graph", "superbasin_tree",
           "explore", "ExploreResult", "line_profile", "LineProfile", "connect_in_rounds",
           "find_transition_states", "SearchSettings", "store_basin_hopping_minima"]
