"""cs231n's `loss()`: `scores -- Array of shape (N, C)` returned from `affine_forward(X, W, b)`
with `b` a `(1, num_classes)` row (issue 16's corpus).  The product of an unknown input is not
`(1, num_classes)` because the bias has a 1 there, and `C`, named by no argument's declaration,
is whatever the function computes.  A return that breaks a size an argument declares still is
SL301."""

from shapelint.analysis import analyze_source
from shapelint.rules import default_codes

NET = '''\
import numpy as np


def affine_forward(x, w, b):
    N = x.shape[0]
    out = x.reshape(N, -1).dot(w) + b
    return out


class Net(object):
    def __init__(self, input_dim=3 * 32 * 32, num_classes=10):
        self.params = {}
        self.params['W1'] = np.random.randn(input_dim, num_classes)
        self.params['b1'] = np.zeros((1, num_classes))

    def loss(self, X, y=None):
        """
        Inputs:
        - X: Array of input data of shape (N, d_1, ..., d_k)

        Returns:
        - scores: Array of shape (N, C) giving classification scores
        """
        W1, b1 = self.params['W1'], self.params['b1']
        scores = affine_forward(X, W1, b1)
        return scores
'''


def analyze(source):
    return analyze_source(source, "net.py", codes=default_codes())


def test_the_cs231n_scores_pass():
    assert [(d.line, d.code) for d in analyze(NET).diagnostics] == []


def test_an_unknown_product_plus_a_row_keeps_the_rows_unknown():
    src = """\
import numpy as np


def forward(x):
    b = np.zeros((1, 10))
    out = x.dot(np.ones((3, 10))) + b
    assert out.shape == (5, 10)
    return out
"""
    assert [(d.line, d.code) for d in analyze(src).diagnostics] == []
    # the known operand's other sizes still hold (tentatively: the result could be bigger)
    wrong = src.replace("(5, 10)", "(5, 11)")
    assert [d.code for d in analyze(wrong).diagnostics] == ["SL209"]


def test_a_return_breaking_a_size_an_argument_declares_is_still_sl301():
    src = '''\
import numpy as np


def scores(X, W):
    """
    X -- data of shape (N, D)
    W -- weights of shape (D, C)

    Returns:
    s -- scores of shape (N, C)
    """
    return np.dot(X, W).T
'''
    assert [(d.line, d.code) for d in analyze(src).diagnostics] == [(12, "SL301")]


def test_a_return_size_no_argument_declares_but_the_code_defines_is_checked():
    src = '''\
import numpy as np


def init(n_h):
    """
    Returns:
    b -- bias of shape (n_h, 1)
    """
    return np.zeros((1, n_h))
'''
    assert [(d.line, d.code) for d in analyze(src).diagnostics] == [(9, "SL301")]
