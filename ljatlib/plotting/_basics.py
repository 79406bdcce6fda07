"""Figures of the book: basin maps in the S2 plane, clusters, minimisation paths.

Colours (SI S2): triangle gray, linear with atom 1 / 2 / 3 central red / green / blue;
outcomes that are not a class are black, pixels outside the feasible triangle white.
"""

import io
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

CLASS_COLORS = {0: "#8c8c8c", 1: "#d62728", 2: "#2ca02c", 3: "#1f77b4"}
CLASS_NAMES = {0: "triangle", 1: "linear, atom 1 central", 2: "linear, atom 2 central",
               3: "linear, atom 3 central"}
UNLABELLED_COLOR = "#000000"


def class_rgb(labels):
    """RGB colours (m, 3) for class labels (m,); negative labels are black."""
    labels = np.asarray(labels)
    rgb = np.tile(np.array(matplotlib.colors.to_rgb(UNLABELLED_COLOR)), (len(labels), 1))
    for c, color in CLASS_COLORS.items():
        rgb[labels == c] = matplotlib.colors.to_rgb(color)
    return rgb


def basin_image(grid, labels):
    """RGB image (n, n, 3) of per-point classes on a :class:`~ljatlib.data.D3Grid`."""
    return grid.image(class_rgb(labels), fill=1.0)


def plot_grid_image(ax, grid, image, **imshow_kwargs):
    """Show an (n, n[, 3]) image of the D3 plane, cropped to the feasible triangle."""
    ax.imshow(image, origin="lower", extent=grid.extent, interpolation="nearest", **imshow_kwargs)
    x0, x1, y0, y1 = grid.bounds
    pad = 0.04 * (x1 - x0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    return ax


def plot_basin_map(ax, grid, labels, title=None, legend=False):
    """Draw the class map of the D3 plane (x horizontal, y vertical) on ``ax``."""
    plot_grid_image(ax, grid, basin_image(grid, labels))
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    if title:
        ax.set_title(title)
    if legend:
        add_class_legend(ax)
    return ax


def add_class_legend(ax, **kwargs):
    handles = [Patch(color=CLASS_COLORS[c], label=CLASS_NAMES[c]) for c in CLASS_COLORS]
    ax.legend(handles=handles, **{"loc": "upper right", "fontsize": 9, **kwargs})


def plot_cluster(ax, x, title=None):
    """Draw a three-atom geometry (3, 3) in its own plane, atoms numbered 1-3."""
    x = np.asarray(x, dtype=float) - np.mean(x, axis=0)
    _, _, vt = np.linalg.svd(x)
    p = x @ vt[:2].T
    for i, j in ((0, 1), (0, 2), (1, 2)):
        if np.linalg.norm(x[i] - x[j]) < 1.5:
            ax.plot(*p[[i, j]].T, color="0.6", lw=2, zorder=1)
    ax.scatter(*p.T, s=500, c=["#f2c14e", "#7fb7be", "#d3a4c9"], edgecolors="k", zorder=2)
    for k, (u, v) in enumerate(p):
        ax.text(u, v, str(k + 1), ha="center", va="center", fontsize=11, zorder=3)
    ax.set_aspect("equal")
    ax.set_xlim(p[:, 0].min() - 0.6, p[:, 0].max() + 0.6)
    ax.set_ylim(p[:, 1].min() - 0.6, p[:, 1].max() + 0.6)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def save_figure(fig, path, dpi=150):
    """Save ``fig`` as ``path``.png and ``path``.svg (parent folders are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path.with_suffix(".png"), dpi=dpi, bbox_inches="tight")
    fig.savefig(path.with_suffix(".svg"), bbox_inches="tight")
    return path.with_suffix(".png"), path.with_suffix(".svg")


def png_bytes(fig, dpi=80):
    """The figure as PNG bytes (for precomputed widget frames); closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
