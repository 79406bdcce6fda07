import pytest
import numpy as np

from ljatlib.data import reference_minima
from ljatlib.systems import ljat3_system, network_system
from ljatlib.systems.mindist import (SameNetwork, WithinDistance, kabsch_align, network_align,
                                        network_canonical, same_ljat3)
from ljatlib.network import MLP


def test_permuted_and_sign_flipped_networks_are_the_same(rng, symmetric_copy):
    for hidden in [(3,), (10,), (3, 3), (2, 4, 3)]:
        net = MLP(hidden)
        same = SameNetwork(net)
        w = net.random_weights(rng)
        copy = symmetric_copy(net, w, rng)
        assert not np.allclose(copy, w)
        assert np.allclose(network_canonical(net, copy), network_canonical(net, w))
        assert same(w, copy)
        assert not same(w, w + 0.1)
        X, y = np.ones((3, 2)), np.array([0, 1, 2])
        # a permutation reorders the sums over hidden nodes: equal to rounding
        assert net.loss(network_canonical(net, w), X, y) == pytest.approx(net.loss(w, X, y), rel=1e-14)


def test_the_distance_rule_aligns_before_it_measures(rng, symmetric_copy):
    """OPTIM's GEOMDIFFTOL rule: a symmetric copy is at distance 0 once aligned, however
    far it is as stored; a shifted copy is as far as its shift."""
    net = MLP((3, 3))
    system = network_system(net, np.ones((3, 2)), np.array([0, 1, 2]), distance_tol=1.0)
    same = system.same_structure
    assert isinstance(same, WithinDistance)
    w = net.random_weights(rng, 3.0)
    copy = symmetric_copy(net, w, rng)
    assert np.linalg.norm(copy - w) > 1.0 and same(w, copy)
    shift = np.zeros_like(w)
    shift[0] = 0.9
    assert same(w, w + shift) and not same(w, w + 1.2 * shift / 0.9)
    for bad in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(ValueError):
            network_system(net, np.ones((3, 2)), np.array([0, 1, 2]), distance_tol=bad)
    with pytest.raises(TypeError):
        WithinDistance("not a function", 1.0)


def test_ljat3_isomers_stay_distinct():
    lin = reference_minima()["linear"][2]
    rot = lin @ np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1.0]]) + 3.0
    assert same_ljat3(lin.ravel(), rot.ravel())
    assert not same_ljat3(lin.ravel(), lin[[1, 0, 2]].ravel())


@pytest.mark.parametrize("hidden", [(3,), (10,), (3, 3), (5, 5), (2, 4, 3), (3, 3, 3)])
def test_symmetric_copy_aligns_back(rng, hidden, symmetric_copy):
    net = MLP(hidden)
    for _ in range(5):
        w = net.random_weights(rng)
        copy = symmetric_copy(net, w, rng)
        assert np.linalg.norm(copy - w) > 0.1
        assert np.linalg.norm(network_align(net, w, copy) - w) < 1e-12
        # near-copies (a minimum found twice) too
        noisy = symmetric_copy(net, w + rng.normal(0, 1e-3, w.shape), rng)
        assert np.linalg.norm(network_align(net, w, noisy) - w) < 1e-2


@pytest.mark.parametrize("hidden", [(3,), (3, 3), (5, 5), (2, 4, 3)])
def test_alignment_is_a_symmetric_copy_and_never_farther(rng, hidden):
    net = MLP(hidden)
    X, y = rng.uniform(0.8, 2.0, (20, 2)), rng.integers(0, 4, 20)
    system = network_system(net, X, y)
    for _ in range(10):
        a, b = net.random_weights(rng, 3.0), net.random_weights(rng, 3.0)
        aligned = system.align(a, b)
        assert np.linalg.norm(aligned - a) <= np.linalg.norm(b - a) + 1e-12
        assert system.distance(a, b) == pytest.approx(np.linalg.norm(aligned - a))
        assert np.allclose(network_canonical(net, aligned), network_canonical(net, b))
        assert net.loss(aligned, X, y) == pytest.approx(net.loss(b, X, y), rel=1e-12)


def test_one_hidden_layer_alignment_is_optimal(rng):
    import itertools
    net = MLP((4,))
    a, b = net.random_weights(rng), net.random_weights(rng)
    best = np.inf
    for perm in itertools.permutations(range(4)):
        for signs in itertools.product((1.0, -1.0), repeat=4):
            (W, c), (V, d) = net.unpack(b)
            s = np.array(signs)
            copy = net.pack([(W[list(perm)] * s[:, None], c[list(perm)] * s), (V[:, list(perm)] * s, d)])
            best = min(best, np.linalg.norm(copy - a))
    assert np.linalg.norm(network_align(net, a, b) - a) == pytest.approx(best, rel=1e-12)


def test_two_hidden_layer_alignment_is_optimal(rng):
    """Every copy of a (2, 3) network (2! 2^2 x 3! 2^3 = 384) against the aligner's."""
    import itertools

    def copies(net, w):
        (W1, c1), (W2, c2), (W3, c3) = net.unpack(w)
        for p1 in itertools.permutations(range(2)):
            for s1 in itertools.product((1.0, -1.0), repeat=2):
                for p2 in itertools.permutations(range(3)):
                    for s2 in itertools.product((1.0, -1.0), repeat=3):
                        p1_, s1_, p2_, s2_ = list(p1), np.array(s1), list(p2), np.array(s2)
                        V1, d1 = W1[p1_] * s1_[:, None], c1[p1_] * s1_
                        V2 = (W2[:, p1_] * s1_)[p2_] * s2_[:, None]
                        yield net.pack([(V1, d1), (V2, c2[p2_] * s2_), (W3[:, p2_] * s2_, c3)])

    net = MLP((2, 3))
    for _ in range(5):
        a, b = net.random_weights(rng, 3.0), net.random_weights(rng, 3.0)
        best = min(np.linalg.norm(c - a) for c in copies(net, b))
        assert np.linalg.norm(network_align(net, a, b) - a) == pytest.approx(best, rel=1e-12)


@pytest.mark.parametrize("bad", [np.full(37, np.nan), np.zeros(36), np.zeros((1, 37))])
def test_alignment_rejects_bad_weights(bad):
    net = MLP((3, 3))  # 37 weights
    assert net.n_params == 37
    with pytest.raises(ValueError):
        network_align(net, np.zeros(37), bad)


def test_ljat3_alignment_is_rigid_and_keeps_labels(rng):
    system = ljat3_system()
    lin = reference_minima()["linear"][2]
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.linalg.det(q))  # a proper rotation
    moved = (lin @ q.T + rng.normal(size=3)).ravel()
    assert np.linalg.norm(moved - lin.ravel()) > 0.5
    assert np.allclose(kabsch_align(lin.ravel(), moved), lin.ravel(), atol=1e-10)
    assert system.distance(lin.ravel(), moved) < 1e-10
    assert system.energy(system.align(lin.ravel(), moved)) == pytest.approx(system.energy(moved))
    other = lin[[1, 0, 2]].ravel()  # another linear isomer: atoms are labelled, stays apart
    assert system.distance(lin.ravel(), other) > 0.5
    assert system.distance(lin.ravel(), other) <= np.linalg.norm(other - lin.ravel()) + 1e-12
