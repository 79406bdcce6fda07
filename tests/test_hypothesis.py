"""Property-based tests: random shapes, dtypes, NaN/inf and out-of-range values thrown at
the public functions. Each call must give a finite result of the right shape (or a
documented non-finite value, as the energy inf of coincident atoms), or raise
ValueError/TypeError whose message names the offending argument: never a crash, a
hang, or a silent NaN.

The examples are derandomised and there is no example database, so a run repeats the
last one with the same test selection (hypothesis also draws constants from the modules
a session has loaded, so another selection tries other examples: the properties were
checked with 2 x 3000 random examples each, LJATLIB_HYPOTHESIS_EXAMPLES=3000
LJATLIB_HYPOTHESIS_RANDOM=1). Sizes and iteration limits keep it well under a minute.
Gaps the properties found are pinned by the tests at the end, which failed before the fixes.
"""
import os
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ljatlib.metrics import auc
from ljatlib.network import MLP
from ljatlib.optimize import NON_FINITE, LBFGSParams, lbfgs, minimize_ljat3
from ljatlib.potentials import ljat3
from ljatlib.potentials.binary_lj import BinaryLJ
from ljatlib.storage import Database

# LJATLIB_HYPOTHESIS_EXAMPLES=2000 (and LJATLIB_HYPOTHESIS_RANDOM=1) for a longer search
EXAMPLES = int(os.environ.get("LJATLIB_HYPOTHESIS_EXAMPLES", 100))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("LJATLIB_HYPOTHESIS_RANDOM"),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
FEW = settings(SETTINGS, max_examples=max(1, EXAMPLES // 2))
pytestmark = pytest.mark.timeout(300)  # a hang fails (a whole cold run takes ~25 s)

REAL_DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int32, np.uint8, np.bool_]
ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)
SPECIAL = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-310, 1e308, -1e308])


def floats(low, high):
    """Mostly moderate values, sometimes special or extreme ones."""
    return st.one_of(st.floats(low, high), SPECIAL, ANY_FLOAT)


def arrays(shape, low=-3.0, high=3.0):
    """Arrays of ``shape`` (a shape or a strategy): float64 in [low, high] (3 times in
    5), float64 with special and extreme values mixed in, or another real dtype."""
    shapes = shape if isinstance(shape, st.SearchStrategy) else st.just(shape)
    clean = hnp.arrays(np.float64, shapes, elements=st.floats(low, high))
    mixed = hnp.arrays(np.float64, shapes, elements=floats(low, high))
    other = st.sampled_from(REAL_DTYPES[1:]).flatmap(
        lambda dt: hnp.arrays(dt, shapes, elements=hnp.from_dtype(np.dtype(dt), allow_nan=False,
                                                                    allow_infinity=False)))
    return st.one_of(clean, clean, clean, mixed, other)


def any_shape(max_dims=3):
    return hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=4)


def attempt(fn, *args, names, **kwargs):
    """fn(*args, **kwargs), or None if it raised ValueError/TypeError naming one of
    ``names``; any other exception, or an error naming none of them, fails the test."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. numpy's cast warnings on float16 input
            out = fn(*args, **kwargs)
        event("returned")  # --hypothesis-show-statistics: how often each way
        return out
    except (ValueError, TypeError) as err:
        message = str(err)
        event(f"{type(err).__name__}: {message[:50]}")
        assert any(re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", message) for n in names), (
            f"{type(err).__name__}({message!r}) names none of {names}")
        return None


def min_pair_distance(x):
    """Smallest pair distance of each LJAT3 geometry (n,), without overflow."""
    x = np.asarray(x, dtype=float).reshape(-1, 3, 3)
    d = [np.max(np.abs(0.5 * x[:, i] - 0.5 * x[:, j]), axis=1) for i, j in ljat3.PAIRS]
    return 2 * np.min(d, axis=0)  # within sqrt(3) of the distance


def near(base, spread):
    """``base`` plus uniform noise within +-spread (valid inputs, away from hypothesis' zeros)."""
    base = np.asarray(base, dtype=float)
    return hnp.arrays(float, base.shape, elements=st.floats(-spread, spread)).map(lambda d: base + d)


TRIANGLE = np.array([[0, 0, 0], [1.12, 0, 0], [0.56, 0.97, 0]])
COORDS = st.one_of(near(TRIANGLE, 0.3), near([TRIANGLE] * 3, 0.4), arrays((3, 3)),
                   arrays(st.tuples(st.integers(0, 4), st.just(3), st.just(3))),
                   arrays(any_shape()), arrays((3, 3), -1e300, 1e300),
                   st.floats(1e-30, 1e300).map(lambda k: TRIANGLE * k))
# z beyond ~1e300 overflows the triple term to +-inf: a true value beyond the float range
Z = st.one_of(st.floats(-10, 10), st.just(2.0), st.sampled_from([np.nan, np.inf, -np.inf, 0.0]),
              st.floats(-1e6, 1e6))


# -- LJAT3 ------------------------------------------------------------------------------

@SETTINGS
@given(COORDS, Z)
def test_ljat3_energy(x, z):
    e = attempt(ljat3.energy, x, z, names=["x", "z"])
    if e is None:
        return
    x = np.asarray(x, dtype=float)
    e = np.atleast_1d(e)
    assert e.shape == (1 if x.ndim == 2 else len(x),)
    assert not np.any(np.isnan(e)) and not np.any(e == -np.inf)
    assert np.all(np.isfinite(e) | (min_pair_distance(x) < 1e-20))  # inf: atoms (almost) coincide


@SETTINGS
@given(COORDS, Z, st.sampled_from(["gradient", "hessian", "energy_and_gradient"]))
def test_ljat3_derivatives(x, z, which):
    out = attempt(getattr(ljat3, which), x, z, names=["x", "z"])
    if out is None:
        return
    x = np.asarray(x, dtype=float)
    if which == "energy_and_gradient":
        e, g = out
        e, g = np.atleast_1d(e), g.reshape(-1, 3, 3)
        assert g.shape == (len(e), 3, 3) and not np.any(np.isnan(e))
        assert np.all(np.isfinite(g[np.isfinite(e)]))
        assert np.all(np.isnan(g[np.isinf(e)]))  # documented: no gradient where the energy is inf
    else:
        size = 9 if which == "hessian" else 3
        assert out.shape[-2:] == (size, size) and out.shape[:-2] == x.shape[:-2]
        assert np.all(np.isfinite(out))


# -- the network ------------------------------------------------------------------------

HIDDEN = st.one_of(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(1, 4),
                   st.lists(st.integers(-1, 4), min_size=0, max_size=3),
                   st.lists(st.floats(0, 4), min_size=1, max_size=2))
INPUT_VECTOR = st.one_of(st.none(), st.none(), arrays((2,), -5, 5), arrays(any_shape(2), -5, 5))


@SETTINGS
@given(HIDDEN, st.one_of(st.floats(0, 1e-2), floats(0, 1e-2)), INPUT_VECTOR, INPUT_VECTOR)
def test_mlp_construction(hidden, lam, offset, scale):
    net = attempt(MLP, hidden, lam=lam, input_offset=offset, input_scale=scale,
                  names=["hidden", "lam", "input_offset", "input_scale"])
    if net is None:
        return
    assert np.isfinite(net.lam) and net.lam >= 0 and min(net.hidden) >= 1
    for v in (net.input_offset, net.input_scale):
        assert v.shape == (2,) and np.all(np.isfinite(v))
    assert np.all(net.input_scale != 0)


@st.composite
def network_problem(draw):
    net = MLP(draw(st.sampled_from([(1,), (3,), (2, 2)])), lam=draw(st.floats(0, 1e-2)),
              input_offset=draw(st.one_of(st.none(), hnp.arrays(float, 2, elements=st.floats(-2, 2)))),
              input_scale=draw(st.one_of(st.none(), hnp.arrays(float, 2, elements=st.floats(0.1, 3)))))
    n, n_w = draw(st.integers(0, 6)), int(net.n_params)
    valid_w = hnp.arrays(float, n_w, elements=st.floats(-5, 5))
    w = draw(st.one_of(valid_w, valid_w, valid_w, arrays((n_w,), -5, 5), arrays(any_shape(2), -5, 5),
                       st.floats(1e50, 1e150).map(lambda s: np.full(n_w, s))))  # beyond: a gap
    valid_X = hnp.arrays(float, (n, 2), elements=st.floats(-5, 5))
    X = draw(st.one_of(valid_X, valid_X, valid_X, arrays((n, 2), -5, 5), arrays(any_shape(), -5, 5)))
    valid_y = hnp.arrays(np.int64, n, elements=st.integers(0, 3))
    y = draw(st.one_of(valid_y, valid_y, valid_y, hnp.arrays(np.int64, n, elements=st.integers(-1, 4)),
                       arrays(any_shape(2), -1, 4)))
    return net, w, X, y


@SETTINGS
@given(network_problem(), st.sampled_from(["loss", "gradient", "hessian", "predict_proba"]))
def test_mlp_methods(problem, method):
    net, w, X, y = problem
    with np.errstate(all="ignore"):  # weights whose squared norm overflows: the loss is inf, truly
        wf = np.asarray(w, dtype=float)
        assume(not np.all(np.isfinite(wf)) or np.isfinite(np.sum(np.square(wf))))
    args = (w, X) if method == "predict_proba" else (w, X, y)
    out = attempt(getattr(net, method), *args, names=["w", "X", "y", "no data"])
    if out is None:
        return
    n = np.asarray(X).shape[0]
    shape = {"loss": (), "gradient": (net.n_params,), "hessian": (net.n_params, net.n_params),
             "predict_proba": (n, net.n_classes)}[method]
    assert np.shape(out) == shape and np.all(np.isfinite(out))
    if method == "predict_proba":
        assert np.allclose(np.sum(out, axis=1), 1.0)


# -- metrics ----------------------------------------------------------------------------

def auc_data(n):
    valid_p0 = hnp.arrays(float, n, elements=st.floats(0, 1))
    both = hnp.arrays(np.int64, n - 2, elements=st.integers(0, 3)).map(lambda y: np.r_[0, 1, y])
    return st.tuples(st.one_of(valid_p0, valid_p0, arrays((n,), 0, 1), arrays(any_shape(2), 0, 1)),
                     st.one_of(both, both, hnp.arrays(np.int64, n, elements=st.integers(0, 3)),
                               arrays((n,), 0, 3), arrays(any_shape(2), 0, 3)))


@SETTINGS
@given(st.integers(2, 9).flatmap(auc_data), st.one_of(st.just(0), st.just(0), floats(0, 3)))
def test_auc(data, positive):
    p0, y = data
    a = attempt(auc, p0, y, positive=positive, names=["p0", "y", "positive"])
    if a is not None:
        assert np.isfinite(a) and 0.0 <= a <= 1.0


# -- minimisers -------------------------------------------------------------------------

PARAMS = dict(tol=floats(1e-8, 1e-2), memory=st.one_of(st.integers(-2, 8), st.floats(0, 8)),
              max_step=floats(1e-3, 1.0), h0=floats(1e-3, 1.0), max_rise=floats(0, 1.0),
              max_iter=st.one_of(st.integers(-2, 60), st.floats(0, 60)))


@SETTINGS
@given(st.fixed_dictionaries({}, optional=PARAMS))
def test_lbfgs_params(kwargs):
    p = attempt(LBFGSParams, **kwargs, names=list(PARAMS))
    if p is not None:
        assert p.tol > 0 and p.max_step > 0 and p.h0 > 0 and np.isfinite([p.tol, p.max_step, p.h0]).all()
        assert p.max_rise >= 0 and p.memory >= 1 and p.max_iter >= 0
        assert isinstance(p.memory, int) and isinstance(p.max_iter, int)


def bowl(x):
    return float(np.sum((x - 1.0) ** 2)), 2.0 * (x - 1.0)


@FEW
@given(arrays(any_shape(), -1e3, 1e3), st.integers(1, 6), st.integers(0, 60))
def test_lbfgs(x0, memory, max_iter):
    res = attempt(lbfgs, bowl, x0, memory=memory, max_iter=max_iter, names=["x0"])
    if res is None:
        return
    # a 0-d x0 comes back as (1,) (np.ascontiguousarray in as_finite_array): not a crash
    assert res.x.shape == (np.shape(x0) or (1,)) and 0 <= res.n_iter <= max_iter
    if res.status != NON_FINITE:
        assert np.isfinite(res.energy) and np.all(np.isfinite(res.x)) and np.isfinite(res.rms)
    else:
        assert not np.isfinite(res.energy)


@FEW
@given(COORDS, st.floats(-5, 5), st.integers(0, 80))
def test_minimize_ljat3(x0, z, max_iter):
    res = attempt(minimize_ljat3, x0, z=z, max_iter=max_iter, names=["x0_batch"])
    if res is None:
        return
    n = len(res.status)
    assert res.x.shape == (n, 3, 3) and res.energy.shape == res.status.shape == (n,)
    ok = res.status != NON_FINITE  # a documented outcome: non-finite energy on the way
    assert np.all(np.isfinite(res.energy[ok])) and np.all(np.isfinite(res.x[ok]))
    assert not np.any(np.isfinite(res.energy[~ok]))


# -- the binary Lennard-Jones glass-former ---------------------------------------------------

@FEW
@given(st.one_of(st.integers(2, 6), st.integers(-1, 6), st.floats(0, 4)), st.integers(-1, 3),
       st.one_of(st.floats(0.2, 1.5), floats(0.2, 1.5)), st.one_of(st.floats(0.8, 1.3), floats(0.8, 2.5)))
def test_binary_lj_construction(n_a, n_b, density, cutoff):
    system = attempt(BinaryLJ, n_a, n_b, density=density, cutoff=cutoff,
                     names=["n_a", "n_b", "density", "cutoff", "atoms", "box"])
    if system is not None:
        assert system.n_atoms >= 2 and np.isfinite(system.box) and system.cutoff < system.box


def far_from_each_other(system, flat, min_distance=0.1):
    """True if every pair of atoms, and every atom and the images of the others, are at
    least ``min_distance`` apart (coincident atoms have energy inf and no Hessian: tested
    at the end)."""
    x = flat.reshape(-1, 3)
    if np.abs(x).max() > 1e12:  # beyond float resolution atoms coincide (tested at the end)
        return False
    d = x[:, None] - x[None]
    d -= system.box * np.round(d / system.box)
    r = np.sqrt(np.sum(d * d, axis=2)) + np.eye(len(x)) * 1e9
    return r.min() >= min_distance


SYSTEM = BinaryLJ(3, 1, density=0.3, cutoff=1.2)  # box 2.37
LATTICE = np.array([[0, 0, 0], [1.2, 0, 0], [0, 1.2, 0], [0, 0, 1.2]])  # >= 1.17 apart, images too


@FEW
@given(st.one_of(near(LATTICE, 0.3), near(LATTICE.ravel(), 0.3), near(LATTICE, 0.3),
                 arrays((SYSTEM.n_atoms, 3), 0, 2.4), arrays((3 * SYSTEM.n_atoms,), 0, 2.4),
                 arrays(any_shape(2), 0, 2.4)),
       st.sampled_from(["energy", "energy_and_gradient", "hessian"]))
def test_binary_lj_methods(x, method):
    xf = np.asarray(x, dtype=float)
    if xf.size == 3 * SYSTEM.n_atoms and np.all(np.isfinite(xf)):
        assume(far_from_each_other(SYSTEM, xf.ravel()))
    out = attempt(getattr(SYSTEM, method), x, names=["x"])
    if out is None:
        return
    if method == "energy_and_gradient":
        e, g = out
        assert np.isfinite(e) and g.shape == np.shape(x) and np.all(np.isfinite(g))
    elif method == "hessian":
        assert out.shape == (xf.size, xf.size) and np.all(np.isfinite(out))
    else:
        assert np.isfinite(out)


@FEW
@given(st.one_of(near([LATTICE.ravel()] * 2, 0.3), near([LATTICE.ravel()] * 3, 0.3),
                 near([LATTICE.ravel()], 0.3), arrays((2, 3 * SYSTEM.n_atoms), 0, 2.4),
                 arrays(any_shape(), 0, 2.4)))
def test_binary_lj_many(X):
    Xf = np.asarray(X, dtype=float)
    if Xf.ndim == 2 and Xf.shape[1] == 3 * SYSTEM.n_atoms and np.all(np.isfinite(Xf)):
        assume(all(far_from_each_other(SYSTEM, row) for row in Xf))
    out = attempt(SYSTEM.energy_and_gradient_many, X, names=["X"])
    if out is not None:
        e, g = out
        assert e.shape == (len(Xf),) and g.shape == Xf.shape
        assert np.all(np.isfinite(e)) and np.all(np.isfinite(g))


# -- the database -----------------------------------------------------------------------

ENERGY = st.one_of(floats(-10, 10), st.integers(-10, 10), st.text(max_size=3), st.none(),
                   st.lists(st.floats(-1, 1), max_size=2))


@FEW
@given(ENERGY, st.one_of(arrays(any_shape(2)), st.lists(st.text(max_size=2), max_size=2)),
       ENERGY, st.one_of(arrays((2,)), arrays(any_shape(2))))
def test_database_add(e_min, x_min, e_ts, x_ts):
    with Database(":memory:") as db:
        a = db.add_minimum(-1.0, [0.0, 0.0])[0]
        got = attempt(db.add_minimum, e_min, x_min, names=["energy", "coords"])
        if got is not None:
            m, _ = got
            assert np.isfinite(m.energy) and np.all(np.isfinite(m.coords))
            stored = db.get_minimum(m.id)
            assert stored.energy == m.energy and np.array_equal(stored.coords, m.coords)
        got = attempt(db.add_transition_state, e_ts, x_ts, a.id, a.id, names=["energy", "coords"])
        if got is not None:
            ts, _ = got
            (stored,) = [t for t in db.transition_states() if t.id == ts.id]
            assert np.isfinite(stored.energy) and np.all(np.isfinite(stored.coords))


# -- gaps the properties found, each pinned by a test that failed before its fix -----------

def test_binary_lj_coincident_atoms_have_infinite_energy():
    x = SYSTEM.random_configuration(0)
    x[3:6] = x[0:3]
    assert SYSTEM.energy(x) == np.inf
    with pytest.raises(ValueError, match="coincident"):
        SYSTEM.hessian(x)


def test_binary_lj_coordinates_beyond_float_resolution_coincide():
    """LATTICE + 1e300 is, in floats, every atom at 1e300: coincident atoms, so inf (not
    nan); a lattice moved by a moderate multiple of the box keeps its energy."""
    assert SYSTEM.energy(LATTICE + 1e300) == np.inf
    assert SYSTEM.energy(LATTICE + 1e3 * SYSTEM.box) == pytest.approx(SYSTEM.energy(LATTICE), rel=1e-9)


def test_mlp_loss_without_l2_and_huge_weights_is_not_nan():
    net = MLP((1,), lam=0.0)
    with np.errstate(over="ignore"):
        assert np.isfinite(net.loss(np.full(net.n_params, 1e200), np.zeros((1, 2)), np.array([0])))


def test_binary_lj_refuses_a_density_whose_box_overflows():
    with pytest.raises(ValueError, match="density"):
        BinaryLJ(2, 0, density=1e-310)


def test_mlp_inputs_that_overflow_once_normalised_are_refused():
    net = MLP((1,), input_scale=[0.5, 0.5])
    with pytest.raises(ValueError, match="X overflows once normalised"):
        net.loss(np.zeros(net.n_params), np.array([[1e308, 1e308]]), np.array([0]))


@pytest.mark.parametrize("bad, error", [(["a", "b"], ValueError), ([1 + 2j, 3.0], TypeError)])
def test_non_numeric_input_names_the_argument(bad, error):
    with pytest.raises(error, match="x0"):
        lbfgs(bowl, bad)


def test_minimize_ljat3_refuses_nan_z():
    with pytest.raises(ValueError, match="z"):
        minimize_ljat3(np.eye(3), z=np.nan)
