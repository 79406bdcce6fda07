"""ljatlib: LJAT3 clusters, neural-network loss landscapes and energy-landscape tools.

Companion library of *Archetypal Landscapes for Deep Neural Networks*
(Verpoort, Lee & Wales, PNAS 2020). Reduced units throughout (epsilon = sigma = 1).
"""

__version__ = "0.1.0"
