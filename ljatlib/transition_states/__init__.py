"""Transition states: DNEB between minima, eigenvector-following refinement (full or
hybrid), and the push-off to the connected minima."""

from .eigenvector_following import (TransitionStateResult, connected_minima,
                                    eigenvector_following, hybrid_eigenvector_following)
from .neb import NEBResult, dneb

__all__ = ["dneb", "NEBResult", "hybrid_eigenvector_following", "eigenvector_following", "TransitionStateResult",
           "connected_minima"]
