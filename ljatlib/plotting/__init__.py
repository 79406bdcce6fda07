"""The presentation layer: every figure of the book is drawn here (matplotlib), from
what the library and the paper layer compute.

- this package's top level: class colours and names, basin maps, clusters, saving, and
  ``markdown_table`` (every table the chapters show);
- :mod:`.si_figures`: the SI's figures of the data sets and trained networks (S1, S2);
- :mod:`.landscapes`: disconnectivity-graph panels, the landscape tables, Movie S1 frames.
"""

from .._tables import markdown_table
from ._basics import (CLASS_COLORS, CLASS_NAMES, UNLABELLED_COLOR, add_class_legend, basin_image,
                      class_rgb, plot_basin_map, plot_cluster, plot_grid_image, png_bytes,
                      save_figure)

__all__ = ["CLASS_COLORS", "CLASS_NAMES", "UNLABELLED_COLOR", "add_class_legend", "basin_image",
           "class_rgb", "markdown_table", "plot_basin_map", "plot_cluster", "plot_grid_image", "png_bytes",
           "save_figure"]
