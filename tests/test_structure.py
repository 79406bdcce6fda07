import pytest
import numpy as np

from ljatlib.data import reference_minima
from ljatlib.landscape.structure import SameNetwork, network_canonical, same_ljat3
from ljatlib.network import MLP


def symmetric_copy(net, w, rng):
    layers = [(W.copy(), b.copy()) for W, b in net.unpack(w)]
    for l, width in enumerate(net.hidden):
        perm = rng.permutation(width)
        sign = np.where(rng.random(width) < 0.5, -1.0, 1.0)
        W, b = layers[l]
        layers[l] = ((W * sign[:, None])[perm], (b * sign)[perm])
        W_next, b_next = layers[l + 1]
        layers[l + 1] = ((W_next * sign[None, :])[:, perm], b_next)
    return net.pack(layers)


def test_permuted_and_sign_flipped_networks_are_the_same(rng):
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


def test_ljat3_isomers_stay_distinct():
    lin = reference_minima()["linear"][2]
    rot = lin @ np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1.0]]) + 3.0
    assert same_ljat3(lin.ravel(), rot.ravel())
    assert not same_ljat3(lin.ravel(), lin[[1, 0, 2]].ravel())
