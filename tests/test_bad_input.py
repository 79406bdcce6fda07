"""Wrong-length input to the compiled entry points is a ValueError, never a crash.

The compiled kernels write into buffers sized by the caller; before they checked
lengths, weights of another network corrupted the heap ("free(): corrupted unsorted
chunks") or crashed the process at exit. Each case runs in one child process, so a
crash shows as a missing line (and a signal) instead of killing the test run.
"""

import subprocess
import sys

import pytest

CASES = {
    "MLP.fun_grad, empty w": "net1.fun_grad(X, y)(np.zeros(0))",
    "MLP.fun_grad, another network's w": "net1.fun_grad(X, y)(net2.random_weights(0))",
    "lbfgs with another network's w": "lbfgs(net2.fun_grad(X, y), net1.random_weights(0))",
    "MLP.fun_grad_many, short rows": "net1.fun_grad_many(X, y)(np.zeros((2, 5)))",
    "MLP.hessian, short w": "net1.hessian(np.zeros(4), X, y)",
    "MLP.predict_proba, long w": "net1.predict_proba(np.zeros(100), X)",
    "loss kernel, short w": "network._loss_grad_serial(np.zeros(3), X, y, net1.sizes, net1.w_off, "
                            "net1.b_off, True)",
    "loss kernel, class out of range": "network._loss_grad_serial(net1.random_weights(0), X, y + 9, "
                                       "net1.sizes, net1.w_off, net1.b_off, True)",
    "Hessian kernel, short w": "network._hessian_serial(np.zeros(3), X, y, net1.sizes, net1.w_off, "
                               "net1.b_off)",
    "ljat3.energy_and_gradient_flat, short grad": "ljat3.energy_and_gradient_flat(np.ones(9), np.zeros(3), 2.0)",
    "ljat3._hessian_one, small out": "ljat3._hessian_one(np.eye(3), 2.0, np.zeros((3, 3)))",
    "ljat3_system.fun_grad, short x": "ljat3_system().fun_grad(np.zeros(3))",
    "binary_lj.energy_and_gradient_flat, short x": "binary_lj.energy_and_gradient_flat(np.zeros(6), "
                                               "np.zeros(6), *blj._params)",
    "binary_lj.energy_and_gradient_flat, short grad": "binary_lj.energy_and_gradient_flat(xb, np.zeros(3), "
                                                  "*blj._params)",
    "binary_lj.hessian_flat, small out": "binary_lj.hessian_flat(xb, np.zeros((3, 3)), *blj._params)",
    "binary_lj.energy_and_gradient_many, short rows": "binary_lj.energy_and_gradient_many(np.zeros((2, 6)), "
                                                  "*blj._params)",
    "binary_lj_system.fun_grad, short x": "binary_lj_system(blj).fun_grad(np.zeros(5))",
}

SETUP = """
import numpy as np
from ljatlib import network
from ljatlib.network import MLP
from ljatlib.optimize import lbfgs
from ljatlib.potentials import binary_lj, ljat3
from ljatlib.systems import binary_lj_system, ljat3_system
rng = np.random.default_rng(0)
X, y = rng.uniform(0.9, 1.5, (50, 2)), rng.integers(0, 4, 50)
net1, net2 = MLP((3,)), MLP((3, 3))
blj = binary_lj.BinaryLJ(48, 12)
xb = blj.random_configuration(0)
"""


def _run_cases():
    lines = [SETUP]
    for name, code in CASES.items():
        lines.append(f"try:\n    {code}\n    print({name!r}, 'no error', sep='\\t', flush=True)\n"
                     f"except ValueError as err:\n    print({name!r}, 'ValueError', sep='\\t', flush=True)\n"
                     f"except Exception as err:\n    print({name!r}, type(err).__name__, sep='\\t', flush=True)")
    return subprocess.run([sys.executable, "-c", "\n".join(lines)], capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def outcome():
    return _run_cases()


def test_no_signal(outcome):
    assert outcome.returncode == 0, f"child ended with {outcome.returncode}: {outcome.stderr[-2000:]}"


@pytest.mark.parametrize("name", list(CASES))
def test_value_error(outcome, name):
    said = dict(line.split("\t", 1) for line in outcome.stdout.splitlines())
    assert name in said, f"the child crashed before or at {name!r}: {outcome.stderr[-2000:]}"
    assert said[name] == "ValueError", f"{name}: {said[name]}"
