"""AUC and ROC for predicting the triangle (class 0) from p0 = P(class 0), SI S3.

SI Eqs. 2-3: T_pr(P) = fraction of class-0 data with p0 >= P, F_pr(P) = fraction of the
other data with p0 >= P, AUC = integral of T_pr dF_pr. Computed exactly as the rank
statistic P(p0 of a class-0 datum > p0 of another) + 1/2 P(equal), which equals that
integral with the ROC curve's steps joined linearly across ties.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.stats import rankdata

from ._validation import as_finite_array

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


def _real_array(a, name):
    try:
        arr = np.asarray(a)
    except ValueError as err:  # ragged
        raise ValueError(f"{name} must be a 1-d array: {err}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr


def _check(p0, y, positive):
    """Scores (n,) finite, labels (n,) finite (NaN labels counted as negatives before), and
    the mask of the ``positive`` class, which must hold some but not all of them."""
    p0 = as_finite_array(_real_array(p0, "p0"), "p0", ndim=1)
    y = _real_array(y, "y")
    if y.shape != p0.shape:
        raise ValueError(f"p0 and y must have the same shape, got {p0.shape} and {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"y contains non-finite labels ({np.count_nonzero(~np.isfinite(y))} "
                         f"of {y.size}: nan or inf)")
    label = _real_array(positive, "positive")
    if label.ndim != 0 or not np.isfinite(label):
        raise ValueError(f"positive must be one finite class label, got {positive!r}")
    pos = y == label
    if pos.all() or not pos.any():
        raise ValueError(f"AUC needs at least one datum of class positive={positive} in y and one "
                         f"of the others, got {np.count_nonzero(pos)} of {y.size}")
    return p0, pos


def auc(p0: ArrayLike, y: ArrayLike, positive: int = 0) -> float:
    """Area under the ROC curve of scores ``p0`` (n,) for the class ``positive`` in ``y`` (n,).

    Examples
    --------
    >>> from ljatlib.metrics import auc
    >>> auc([0.9, 0.8, 0.3, 0.1], [0, 1, 0, 1])  # 3 of the 4 (positive, negative) pairs ordered
    0.75"""
    p0, pos = _check(p0, y, positive)
    n_pos, n_neg = pos.sum(), (~pos).sum()
    ranks = rankdata(p0)  # average ranks: ties count half
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def roc_curve(p0: ArrayLike, y: ArrayLike, positive: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """ROC curve: (fpr, tpr, thresholds), thresholds decreasing from +inf.

    Point i is (F_pr(P_i), T_pr(P_i)) with the SI's convention p0 >= P; the first point
    is (0, 0) at P = +inf and the last (1, 1).
    """
    p0, pos = _check(p0, y, positive)
    order = np.argsort(-p0, kind="stable")
    scores, hits = p0[order], pos[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    tpr = np.r_[0.0, np.cumsum(hits)[last_of_tie] / hits.sum()]
    fpr = np.r_[0.0, np.cumsum(~hits)[last_of_tie] / (~hits).sum()]
    return fpr, tpr, np.r_[np.inf, scores[last_of_tie]]
