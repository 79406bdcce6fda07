"""The tilted double well used by the landscape tools' examples."""

import numpy as np
import pytest

from ljatlib.systems import tilted_double_well


def test_derivatives_against_finite_differences():
    well = tilted_double_well(0.3)
    x, h = np.array([0.4, -0.7]), 1e-6
    f, g = well.fun_grad(x)
    fd_g = [(well.energy(x + h * e) - well.energy(x - h * e)) / (2 * h) for e in np.eye(2)]
    fd_h = [(well.fun_grad(x + h * e)[1] - well.fun_grad(x - h * e)[1]) / (2 * h) for e in np.eye(2)]
    assert np.allclose(g, fd_g, atol=1e-8)
    assert np.allclose(well.hessian(x), fd_h, atol=1e-6)
    assert f == pytest.approx((0.4 ** 2 - 1) ** 2 + 0.3 * 0.4 + 0.49)


def test_a_non_finite_tilt_is_refused():
    with pytest.raises(ValueError, match="tilt"):
        tilted_double_well(float("nan"))
