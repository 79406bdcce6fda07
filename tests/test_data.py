import warnings

import numpy as np
import pytest

from ljatlib.data import (DISSOCIATED, OTHER, TRIANGLE, classify, d3_grid, d3_labels,
                          make_dataset, reference_minima)
from ljatlib.data.cache import cache_dir
from ljatlib.ljat3_geometry import R_E, pair_distances, plane_xy
from ljatlib.optimize import minimize_ljat3


def test_d3_grid_has_79524_points():
    assert len(d3_grid(700)) == 79_524


def test_d3_grid_geometry():
    grid = d3_grid(120)
    assert np.allclose(grid.r.sum(axis=1), 3 * R_E)
    assert np.allclose(pair_distances(grid.coords), grid.r, atol=1e-9)
    assert np.allclose(plane_xy(grid.r), grid.xy)
    assert grid.image(np.arange(len(grid))).shape == (120, 120)
    with pytest.raises(ValueError):
        grid.image(np.zeros(3))


def test_classify_minima_and_relabelling(rng):
    ref = reference_minima()
    lin, tri = ref["linear"][2], ref["triangle"][2]
    assert classify(tri) == TRIANGLE
    # the chain is atom 1 - atom 2 - atom 3: atom 2 central
    assert classify(lin) == 2
    for perm in ([1, 0, 2], [0, 2, 1], [2, 1, 0]):
        central = perm.index(1) + 1  # the new index of the old central atom
        assert classify(lin[perm]) == central
    far = lin.copy()
    far[2, 0] = 10.0
    assert classify(far) == DISSOCIATED
    assert classify(np.array([[0, 0, 0], [1.3, 0, 0], [0, 1.3, 0.0]])) == OTHER


def test_minimisation_outcome_relabels_with_atoms():
    """Permuting the atoms of a start permutes the central atom of its minimum."""
    ds = make_dataset("D2", n=400)
    perm = [2, 0, 1]
    permuted = minimize_ljat3(ds.starts[:, perm])
    new_labels = classify(permuted.x)
    expected = np.where(ds.labels > 0, [perm.index(c - 1) + 1 if c > 0 else c for c in ds.labels],
                        ds.labels)
    assert np.mean(new_labels == expected) > 0.99


def test_dataset_is_cached_and_reproducible():
    a = make_dataset("D2", n=2000)
    files = list(cache_dir().glob("dataset-D2-*.npz"))
    assert len(files) == 1
    b = make_dataset("D2", n=2000)
    assert np.array_equal(a.labels, b.labels) and np.array_equal(a.inputs, b.inputs)
    c = make_dataset("D2", n=2000, seed=99)
    assert not np.array_equal(a.inputs, c.inputs)
    assert len(list(cache_dir().glob("dataset-D2-*.npz"))) == 2


def test_corrupt_cache_is_detected_and_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("LJATLIB_CACHE", str(tmp_path))
    a = make_dataset("D2", n=1000, seed=3)
    (path,) = tmp_path.glob("dataset-D2-*.npz")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.warns(UserWarning, match="unreadable"):
        b = make_dataset("D2", n=1000, seed=3)
    assert np.array_equal(a.labels, b.labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_dataset("D2", n=1000, seed=3)  # the rebuilt file reads cleanly


def test_dataset_split_and_counts():
    ds = make_dataset("D1", n=600)
    X, y = ds.split("train")
    assert X.shape[1] == 2 and len(X) == len(y) <= 300
    assert np.all(y >= 0) and np.all(y <= 3)
    assert sum(ds.counts().values()) == 600
    assert np.allclose(X, ds.inputs[:300][ds.labels[:300] >= 0])
    for part, offset in (("train", 0), ("test", 300)):
        X, y = ds.split(part, first=120)  # the labelled ones among the first 120 starts
        keep = ds.labels[offset:offset + 120] >= 0
        assert np.array_equal(X, ds.inputs[offset:offset + 120][keep])
        assert np.array_equal(y, ds.labels[offset:offset + 120][keep])
    assert len(ds.split("train", first=10_000)[1]) == len(ds.split("train")[1])
    with pytest.raises(ValueError):
        ds.split("validation")


def test_sequence_inputs():
    ds = make_dataset("D1", n=200)
    keep = ds.labels[:100] >= 0
    x0, _ = ds.sequence_inputs(0)
    assert np.allclose(x0, pair_distances(ds.final[:100][keep])[:, :2], atol=1e-9)
    x_far, _ = ds.sequence_inputs(10**6)
    assert np.allclose(x_far, ds.inputs[:100][keep])
    with pytest.raises(ValueError):
        make_dataset("D2", n=10).sequence_inputs(1)


def test_unknown_dataset_raises():
    with pytest.raises(ValueError, match="unknown data set"):
        make_dataset("D4")


def test_d3_labels_cached_and_mostly_classes():
    grid = d3_grid(60)
    labels = d3_labels(grid)
    assert len(labels) == len(grid)
    assert np.mean(labels >= 0) > 0.99
    assert np.array_equal(d3_labels(grid), labels)


def _rewrite_cache(path, **changes):
    """Rewrite the .npz ``path`` under its own key, with members replaced (None: dropped)."""
    with np.load(path) as f:
        arrays = {name: f[name] for name in f.files}
    for name, value in changes.items():
        if value is None:
            del arrays[name]
        else:
            arrays[name] = value
    with open(path, "wb") as out:
        np.savez(out, **arrays)


@pytest.mark.parametrize("change", ["short labels", "missing energy", "float labels", "extra member",
                                    "flat final"])
def test_cache_with_the_right_key_but_wrong_members_is_rebuilt(tmp_path, monkeypatch, change):
    monkeypatch.setenv("LJATLIB_CACHE", str(tmp_path))
    a = make_dataset("D2", n=300, seed=4)
    (path,) = tmp_path.glob("dataset-D2-*.npz")
    _rewrite_cache(path, **{"short labels": {"labels": a.labels[:10]},
                            "missing energy": {"energy": None},
                            "float labels": {"labels": a.labels.astype(float)},
                            "extra member": {"other": np.zeros(3)},
                            "flat final": {"final": a.final.reshape(300, 9)}}[change])
    with pytest.warns(UserWarning, match="inconsistent"):  # was: 10 labels for 300 starts, or KeyError
        b = make_dataset("D2", n=300, seed=4)
    assert len(b.labels) == len(b.starts) == 300
    assert np.array_equal(a.labels, b.labels) and np.array_equal(a.final, b.final)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_dataset("D2", n=300, seed=4)  # the rebuilt file reads cleanly


def test_cache_with_broken_sequences_or_a_bare_array_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("LJATLIB_CACHE", str(tmp_path))
    a = make_dataset("D1", n=100, seed=4)
    (path,) = tmp_path.glob("dataset-D1-*.npz")
    _rewrite_cache(path, seq_r12_r13=a.sequences.r12_r13[:-5])
    with pytest.warns(UserWarning, match="seq_offsets .* do not index"):
        b = make_dataset("D1", n=100, seed=4)
    assert np.array_equal(a.sequences.offsets, b.sequences.offsets)
    assert np.array_equal(a.sequences.r12_r13, b.sequences.r12_r13)
    with open(path, "wb") as out:
        np.save(out, np.zeros(3))  # a .npy under the .npz name: was a raw TypeError
    with pytest.warns(UserWarning, match="unreadable"):
        make_dataset("D1", n=100, seed=4)


def test_d3_label_cache_is_validated(tmp_path, monkeypatch):
    monkeypatch.setenv("LJATLIB_CACHE", str(tmp_path))
    grid = d3_grid(40)
    labels = d3_labels(grid)
    (path,) = tmp_path.glob("d3-labels-*.npz")
    _rewrite_cache(path, n_iter=None)
    with pytest.warns(UserWarning, match="inconsistent"):
        assert np.array_equal(d3_labels(grid), labels)


def test_three_far_apart_atoms_are_not_a_dimer():
    """Atoms 100 apart feel no force (r^-7 ~ 1e-14), so the minimiser is converged at
    once; they are three free atoms, not 'dimer + free atom'."""
    from ljatlib.data import DISSOCIATED, FREE_ATOMS, LABEL_NAMES, label_outcomes
    far = np.array([[0, 0, 0], [100, 0, 0], [0, 100, 0.0]])
    res = minimize_ljat3(far[None])
    assert res.converged[0] and res.n_iter[0] == 0
    assert label_outcomes(res)[0] == FREE_ATOMS
    assert "dimer" not in LABEL_NAMES[FREE_ATOMS] and "dimer" in LABEL_NAMES[DISSOCIATED]
    dimer_and_atom = np.array([[0, 0, 0], [1.12, 0, 0], [0, 100, 0.0]])
    res = minimize_ljat3(dimer_and_atom[None])
    assert res.converged[0] and label_outcomes(res)[0] == DISSOCIATED
    assert classify(np.array([[0, 0, 0], [1.12, 0, 0], [0, 4.0, 0]])) == DISSOCIATED
    assert classify(np.array([[0, 0, 0], [3.5, 0, 0], [0, 3.5, 0]])) == FREE_ATOMS
