import numpy as np
import pytest

from ljatlib.systems import System
from ljatlib.landscape.spacing import landscape_spacing
from ljatlib.storage import Database

CURVATURES = np.array([1e-5, 1e-5, 1.0, 2.0])


def quadratic_system():
    """No symmetry (distance = Euclidean); Hessian diag(CURVATURES) everywhere."""
    return System(fun_grad=lambda x: (0.5 * x @ (CURVATURES * x), CURVATURES * x),
                  hessian=lambda x: np.diag(CURVATURES), n=4)


def test_spacing_of_a_hand_made_database():
    system = quadratic_system()
    db = Database(":memory:")
    m = [db.add_minimum(e, x)[0] for e, x in ((0.0, [0, 0, 0, 0]), (1.0, [3, 0, 0, 0]),
                                              (2.0, [0, 4, 0, 0]))]
    db.add_transition_state(5.0, [1.5, 0, 0, 0], m[0].id, m[1].id)
    db.add_transition_state(6.0, [0, 0, 1, 0], m[2].id, m[2].id)  # degenerate: left out
    s = landscape_spacing(system, db, soft_curvature=1e-4)
    assert s.ts_span == pytest.approx([3.0])
    assert s.nearest == pytest.approx([3.0, 3.0, 4.0])  # lowest first
    assert s.soft_fraction == pytest.approx([0.5, 0.5, 0.5])
    assert landscape_spacing(system, db, 1e-4, max_minima=2).nearest == pytest.approx([3.0, 3.0])
    assert landscape_spacing(system, db, 1.5).soft_fraction == pytest.approx([0.75] * 3)


@pytest.mark.parametrize("kwargs", [{"soft_curvature": 0.0}, {"soft_curvature": 1e-4, "max_minima": 1},
                                    {"soft_curvature": 1e-4, "max_minima": 2.5}])
def test_spacing_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        landscape_spacing(quadratic_system(), Database(":memory:"), **kwargs)
