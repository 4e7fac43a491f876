"""A scalar passed where the docstring declares an all-ones shape (`b -- (1, 1, 1)`): the course's
conv_single_step called with `b[0, 0, 0, c]` instead of `b[:, :, :, c]` computes the same thing
(issue 16's corpus), so SL301 stays quiet; any other shape against the declaration still fires."""

from shapelint.analysis import analyze_source
from shapelint.rules import default_codes

SRC = '''\
import numpy as np


def conv_single_step(a_slice_prev, W, b):
    """
    a_slice_prev -- slice of input data of shape (f, f, n_C_prev)
    W -- weight parameters of shape (f, f, n_C_prev)
    b -- bias parameters of shape (1, 1, 1)
    """
    s = np.multiply(a_slice_prev, W) + b
    return np.sum(s)


np.random.seed(1)
a = np.random.randn(3, 3, 4)
W = np.random.randn(3, 3, 4, 8)
b = np.random.randn(1, 1, 1, 8)
Z = conv_single_step(a, W[:, :, :, 0], BIAS)
'''


def found(bias):
    src = SRC.replace("BIAS", bias)
    return [(d.line, d.code) for d in analyze_source(src, "conv.py", codes=default_codes()).diagnostics]


def test_a_scalar_for_a_ones_declaration_is_quiet():
    assert found("b[0, 0, 0, 0]") == []
    assert found("b[:, :, :, 0]") == []


def test_other_shapes_still_contradict_the_declaration():
    assert found("b[0, 0, 0, :1]") == [(18, "SL301")]
    assert found("np.zeros(4)") == [(18, "SL301")]
