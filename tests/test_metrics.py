import numpy as np
import pytest

from ljatlib.metrics import auc, roc_curve


def auc_by_integration(p0, y):
    """Direct evaluation of SI Eq. 3: integrate T_pr dF_pr over thresholds P
    (trapezoids between consecutive distinct thresholds, i.e. ties joined linearly)."""
    thresholds = np.r_[np.inf, np.unique(p0)[::-1]]
    pos = y == 0
    tpr = np.array([np.mean(p0[pos] >= t) for t in thresholds])
    fpr = np.array([np.mean(p0[~pos] >= t) for t in thresholds])
    return np.trapezoid(tpr, fpr)


def auc_by_pairs(p0, y):
    pos, neg = p0[y == 0], p0[y != 0]
    diff = pos[:, None] - neg[None, :]
    return np.mean(diff > 0) + 0.5 * np.mean(diff == 0)


def test_hand_made_cases():
    assert auc([0.9, 0.8, 0.1, 0.2], [0, 0, 1, 2]) == 1.0
    assert auc([0.1, 0.2, 0.9, 0.8], [0, 0, 1, 3]) == 0.0
    assert auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]) == 0.5
    # one positive tied with one of two negatives, above the other: (0.5 + 1) / 2
    assert auc([0.7, 0.7, 0.2], [0, 1, 2]) == 0.75


@pytest.mark.parametrize("seed", range(5))
def test_auc_equals_integral_and_pair_count(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, 400)
    p0 = np.round(rng.random(400) * 0.5 + 0.3 * (y == 0), 2)  # rounding makes many ties
    a = auc(p0, y)
    assert a == pytest.approx(auc_by_integration(p0, y), abs=1e-12)
    assert a == pytest.approx(auc_by_pairs(p0, y), abs=1e-12)
    fpr, tpr, _ = roc_curve(p0, y)
    assert np.trapezoid(tpr, fpr) == pytest.approx(a, abs=1e-12)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)


@pytest.mark.parametrize("p0, y", [([0.1, 0.2], [0, 0]), ([0.1, 0.2], [1, 2]),
                                   ([0.1, np.nan], [0, 1]), ([0.1, 0.2, 0.3], [0, 1])])
def test_bad_input_raises(p0, y):
    with pytest.raises(ValueError):
        auc(p0, y)


@pytest.mark.parametrize("p0, y, kwargs, error, match", [
    ([0.1, 0.5, 0.9], [0, np.nan, 1], {}, ValueError, "y contains non-finite labels"),  # was: a negative
    ([0.1, 0.5, 0.9], [0, np.inf, 1], {}, ValueError, "y contains non-finite labels"),
    ([0.1, np.nan, 0.9], [0, 1, 1], {}, ValueError, "p0 contains non-finite values"),
    (["a", "b"], [0, 1], {}, TypeError, "p0 must hold real numbers"),
    ([0.1, 0.2], ["a", "b"], {}, TypeError, "y must hold real numbers"),
    ([0.1, 0.2], [0, 1], {"positive": np.nan}, ValueError, "positive must be one finite class label"),
    ([0.1, 0.2], [1, 1], {}, ValueError, "at least one datum of class positive=0 in y"),
])
def test_non_finite_or_non_numeric_labels_and_scores_are_refused(p0, y, kwargs, error, match):
    with pytest.raises(error, match=match):
        auc(p0, y, **kwargs)
    with pytest.raises(error, match=match):
        roc_curve(p0, y, **kwargs)
