"""Every entry of the NumPy table, called with odd arguments, never crashes the analyzer."""

import itertools

import pytest

from shapelint.algebra.api import API, METHODS, RNG_METHODS
from shapelint.analysis import analyze_source

ARGS = ["x", "v", "s", "3", "(2, 3)", "-1", "None", "'ij,jk'", "[1, 2]", "True", "n", "x > 0", "axis=1",
        "keepdims=True", "axis=(0, 1)", "out=x", "*args"]
PRELUDE = ("import numpy as np\n\ndef f(n, args):\n    x = np.ones((2, 3))\n    v = np.zeros(3)\n"
           "    s = np.float64(1.0)\n    rng = np.random.default_rng(0)\n")


def _calls(callee):
    combos = [()] + [(a,) for a in ARGS] + list(itertools.permutations(ARGS[:8], 2))
    return [f"    r = {callee}({', '.join(c)})\n    r.shape\n    r.T @ x\n" for c in combos]


def _check(body):
    result = analyze_source(PRELUDE + body, "example.py")
    assert not result.internal_error, result.error


@pytest.mark.parametrize("qualname", sorted(API))
def test_numpy_function(qualname):
    _check("".join(_calls("np." + qualname[len("numpy."):])))


@pytest.mark.parametrize("method", sorted(METHODS))
def test_ndarray_method(method):
    _check("".join(_calls(f"x.{method}")))


@pytest.mark.parametrize("method", sorted(RNG_METHODS))
def test_generator_method(method):
    _check("".join(_calls(f"rng.{method}")))
