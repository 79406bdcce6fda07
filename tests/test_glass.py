import networkx as nx
import numpy as np
import pytest

from ljatlib.landscape import landscape_graph
from ljatlib.paper import GlassSpec, build_landscape, landscape_path, open_landscape
from ljatlib.systems import binary_lj_system
from ljatlib.systems.mindist import periodic_align
from ljatlib.optimize import lbfgs
from ljatlib.potentials.binary_lj import BinaryLJ
from ljatlib.storage import Database, DatabaseError

# 16 atoms at density 1: box side 2.52 > cutoff 2.5, the smallest Kob-Andersen box
TINY = GlassSpec(13, 3, n_hops=6, seed=1)


def test_periodic_align_undoes_translation_permutation_and_images():
    pot = BinaryLJ(24, 6, density=0.9)
    rng = np.random.default_rng(0)
    a = pot.random_configuration(rng).reshape(-1, 3)
    perm = np.concatenate([rng.permutation(24), 24 + rng.permutation(6)])
    b = a[perm] + rng.normal(size=3) * 0.2 + pot.box * rng.integers(-2, 3, size=a.shape)
    aligned = periodic_align(a.ravel(), b.ravel(), pot.box, pot.types)
    assert np.allclose(aligned, a.ravel(), atol=1e-10)
    assert pot.energy(aligned) == pytest.approx(pot.energy(b), rel=1e-12)
    # swapping an A with a B atom is not a symmetry: alignment cannot undo it
    swapped = a.copy()
    swapped[[0, 24]] = swapped[[24, 0]]
    assert np.linalg.norm(periodic_align(a.ravel(), swapped.ravel(), pot.box, pot.types)
                          - a.ravel()) > 0.1


def test_glass_landscape_is_built_connected_and_reopened():
    path = build_landscape(TINY)
    assert path == landscape_path(TINY) and path.name.startswith("blj13-3_rho1_")
    land = open_landscape(TINY)
    system, db = land.system, land.db
    n_min, n_ts = db.counts()
    assert n_min >= 2 and n_ts >= 1 and land.summary["unconnected"] == []
    graph = landscape_graph(db)
    assert nx.is_connected(graph)
    for ts in db.transition_states():
        vals, _ = system.projected_hessian_eigh(ts.coords)
        assert len(vals) == 3 * 16 - 3  # the three translations removed
        assert np.sum(vals < -1e-8) == 1
        assert np.sqrt(np.mean(system.fun_grad(ts.coords)[1] ** 2)) < 1e-8
        assert ts.energy > max(db.get_minimum(ts.minimum1).energy, db.get_minimum(ts.minimum2).energy)
    energies = [m.energy for m in db.minima()]
    assert len(set(np.round(energies, 6))) == len(energies)  # no minimum stored twice
    land.close()


def test_glass_minima_are_stored_once_whatever_copy_arrives(tmp_path):
    pot = BinaryLJ(13, 3)
    system = binary_lj_system(pot)
    res = lbfgs(system.fun_grad, pot.random_configuration(3), tol=1e-9)
    x = res.x.reshape(-1, 3)
    copy = np.concatenate([x[:13][::-1], x[13:]]) + 0.37 + pot.box * 3
    with Database(tmp_path / "g.sqlite", system=system.description,
                  same_structure=system.same_structure) as db:
        first, _ = db.add_minimum(res.energy, res.x)
        again, is_new = db.add_minimum(system.energy(copy.ravel()), copy.ravel())
        assert again.id == first.id and not is_new
        assert db.counts() == (1, 0)


def test_glass_specs_validate_and_databases_stay_separate(tmp_path):
    with pytest.raises(ValueError, match="below the box side"):
        GlassSpec(4, 1, n_hops=1)
    with pytest.raises(ValueError, match="n_hops"):
        GlassSpec(48, 12, n_hops=-1)
    with pytest.raises(ValueError, match="density"):
        GlassSpec(48, 12, n_hops=1, density=0)
    assert GlassSpec(48, 12, 5).key() != GlassSpec(48, 12, 5, density=1.2).key()
    with pytest.raises(DatabaseError, match="no landscape database"):
        open_landscape(GlassSpec(48, 12, 5), path=tmp_path / "missing.sqlite")
    other = GlassSpec(13, 3, n_hops=0)
    path = build_landscape(other, path=tmp_path / "g.sqlite")
    with pytest.raises(DatabaseError, match="different spec"):
        build_landscape(GlassSpec(13, 3, n_hops=1), path=path)
