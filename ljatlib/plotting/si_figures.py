"""The SI's figures: the computation behind each (``fig_s1b``, ``fig_s2``, ...) and its plot.

Chapters call these; every function takes its sizes as arguments so that the book's
profiles can scale them.
"""

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

from ..data import plane_samples
from ..metrics import auc
from ..network import MLP
from ._basics import CLASS_COLORS, plot_basin_map
from ..paper.training import TrainedNetwork, train


def labelled_auc(model, X, y):
    """AUC of the model's p0 over the labelled points (y >= 0) of (X, y)."""
    keep = y >= 0
    return auc(model.p0(X[keep]), y[keep])


def prediction_labels(model, X):
    """The most probable class of each input (n,)."""
    return np.argmax(model.predict_proba(X), axis=1)


@dataclass
class PredictionResult:
    """A trained network, its training data and its AUC on a test set."""

    model: TrainedNetwork
    X_train: np.ndarray
    y_train: np.ndarray
    auc: float
    test_set: str
    xy_train: np.ndarray | None = None  # plane coordinates, for data lying in the S2 plane


def fig_s1b(grid, grid_labels, hidden=3, n_train=100, n_hops=10, seed=0):
    """Fig. S1b: ``hidden`` nodes trained on ``n_train`` in-plane data R'; AUC on D3.

    **Interpretation:** R' = points uniform over the feasible triangle of the plane
    (continuous, not grid points), labelled by minimisation; the test set "from the
    same plane" is the D3 grid.
    """
    X, y, xy = plane_samples(n_train, seed=seed)
    keep = y >= 0
    model = train(MLP((hidden,)), X[keep], y[keep], n_hops=n_hops, seed=seed)
    return PredictionResult(model, X[keep], y[keep],
                            labelled_auc(model, grid.inputs, grid_labels), "D3", xy[keep])


def fig_s1c(d2, hidden=10, n_train=None, n_hops=10, seed=0):
    """Fig. S1c: ``hidden`` nodes trained on D2's training half (its first ``n_train``
    labelled starts if given); AUC on D2's test half."""
    X, y = d2.split("train")
    X, y = X[:n_train], y[:n_train]
    model = train(MLP((hidden,)), X, y, n_hops=n_hops, seed=seed)
    return PredictionResult(model, X, y, labelled_auc(model, *d2.split("test")), "D2 test half")


@dataclass
class FigS2Result:
    """AUCs (len(widths), len(steps)) of the global minimum at each width and step."""

    widths: list
    steps: list
    auc_d1: np.ndarray
    auc_d3: np.ndarray
    loss: np.ndarray


def fig_s2(d1, grid, grid_labels, widths=(3, 4, 5, 6, 10, 15), steps=(0, 1, 2, 5, 10, 20, 1000),
           n_hops=5, seed=0, progress=False):
    """Fig. S2: one hidden layer of each width, trained on D1's training sequences ``k``
    steps from convergence; AUC on D1's test sequences at the same k (a) and on D3 (b)."""
    shape = (len(widths), len(steps))
    auc_d1, auc_d3, loss = np.empty(shape), np.empty(shape), np.empty(shape)
    jobs = [(i, j) for i in range(len(widths)) for j in range(len(steps))]
    for i, j in tqdm(jobs, desc="Fig. S2 trainings", disable=not progress):
        X, y = d1.sequence_inputs(steps[j], "train")
        model = train(MLP((widths[i],)), X, y, n_hops=n_hops, seed=seed)
        auc_d1[i, j] = labelled_auc(model, *d1.sequence_inputs(steps[j], "test"))
        auc_d3[i, j] = labelled_auc(model, grid.inputs, grid_labels)
        loss[i, j] = model.loss
    return FigS2Result(list(widths), list(steps), auc_d1, auc_d3, loss)


def plot_fig_s2(result, max_step_label="starts"):
    """The two panels of Fig. S2: AUC against steps from convergence, one line per width."""
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 3.4), sharey=False)
    x = np.arange(len(result.steps))
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(result.widths)))
    for ax, values, title in ((axes[0], result.auc_d1, "(a) D1 test, same k"),
                              (axes[1], result.auc_d3, "(b) D3")):
        for width, row, color in zip(result.widths, values, colors):
            ax.plot(x, row, "o-", color=color, label=f"{width} nodes")
        ax.set_xticks(x, [str(k) for k in result.steps[:-1]] + [max_step_label], rotation=45)
        ax.set_xlabel("steps from convergence k")
        ax.set_ylabel("AUC")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=min(len(result.widths), 6),
               fontsize=9, frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def plot_prediction(ax, model, grid, title=None, train_xy=None):
    """Prediction map of a trained network on the D3 plane; optional training points."""
    plot_basin_map(ax, grid, prediction_labels(model, grid.inputs), title=title)
    if train_xy is not None:
        ax.scatter(*train_xy.T, s=6, c="k", marker=".", linewidths=0)
    return ax


def plot_roc(ax, fpr, tpr, label):
    ax.plot(fpr, tpr, color=CLASS_COLORS[0], label=label)
    ax.plot([0, 1], [0, 1], ":", color="0.6")
    ax.set_xlabel("false positive rate $F_{pr}$")
    ax.set_ylabel("true positive rate $T_{pr}$")
    ax.set_aspect("equal")
    ax.legend(loc="lower right", fontsize=9)
    return ax
