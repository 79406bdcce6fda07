"""Energy functions as the landscape tools see them (pele's ``systems`` and ``mindist``).

:class:`System` is what :mod:`ljatlib.landscape` and :mod:`ljatlib.transition_states`
work on; the constructors wrap this library's potentials and the network loss (and a tilted
double well for examples), and
:mod:`~ljatlib.systems.mindist` aligns structures under each system's symmetries.
"""

from ._system import DEFAULT_QUENCH, System
from .binary_lj import binary_lj_system, translation_modes
from .double_well import tilted_double_well
from .ljat3 import ljat3_system, rigid_body_modes
from .network import network_system

__all__ = ["System", "DEFAULT_QUENCH", "ljat3_system", "network_system", "binary_lj_system", "tilted_double_well",
           "rigid_body_modes", "translation_modes"]
