"""One bug, one finding: a line that raises shows its error, not the warnings about the same
operation (a rank-1 operand, a product that `*` should have been) beside it."""

import textwrap

from shapelint.runner import lint_bytes
from shapelint.rules import default_codes


def findings(source: str):
    out = lint_bytes(textwrap.dedent(source).encode(), "f.py", default_codes(), {})
    return sorted((d.line, d.code) for d in out.diagnostics)


def _located(source: str):
    out = lint_bytes(textwrap.dedent(source).encode(), "f.py", default_codes(), {})
    return sorted((d.line, d.code, d.column, d.end_column) for d in out.diagnostics)


def test_the_warnings_on_a_failing_line_give_way_to_its_error():
    src = """
        import numpy as np

        def layer(X, W):
            \"\"\"X: (n_x, m), W: (n_h, n_x)\"\"\"
            b = np.zeros(W.shape[0])
            return np.dot(W, X) + b

        layer(np.random.randn(3, 5), np.random.randn(4, 3))
    """
    # (4, 5) + (4,) raises (SL101); SL201 (the rank-1 `b` against (n_h, m)) speaks of the same
    # operation
    assert findings(src) == [(7, "SL101")]


def test_the_warnings_where_a_failure_reported_at_its_cause_happens_give_way_too():
    src = """
        import numpy as np

        def forward_dropout(X, W1, b1, keep_prob):
            \"\"\"X: (n_x, m), W1: (n_h, n_x), b1: (n_h, 1)\"\"\"
            A1 = np.maximum(0, np.dot(W1, X) + b1)
            D1 = np.random.rand(A1.shape[1], A1.shape[0]) < keep_prob
            return A1 * D1

        forward_dropout(np.random.randn(3, 5), np.random.randn(4, 3), np.zeros((4, 1)), 0.8)
    """
    # (4, 5) * (5, 4) raises; the line to change makes the mask, and the failure is reported
    # there.  SL202 at the product ("the shapes fit a matrix product", for the symbolic
    # (n_h, m) * (m, n_h)) speaks of the same failure
    assert findings(src) == [(7, "SL101")]


def test_warnings_on_lines_that_do_not_fail_stay():
    src = """
        import numpy as np
        W = np.random.randn(4, 3)
        X = np.random.randn(3, 10)
        C = np.ones((1, 4)) + np.ones((4, 1))
        Y = np.dot(W, X.T)
    """
    # the outer broadcast is legal: its warning is all there is on its line
    assert findings(src) == [(5, "SL204"), (6, "SL102")]


def test_nothing_computed_from_a_failed_operation_is_reported_again():
    src = """
        import numpy as np

        def layer(X, W1, b1):
            Z1 = np.dot(W1.T, X) + b1
            A1 = np.tanh(Z1)
            dW1 = np.dot(A1, X.T)
            return A1, dW1

        layer(np.random.randn(2, 211), np.random.randn(20, 2), np.zeros((20, 1)))
    """
    # W1.T is (2, 20): the product raises on line 5, and its value is no array anyone can size:
    # not b1's (20, 1), which would make line 7 fail a second time, on a shape nobody wrote
    assert findings(src) == [(5, "SL102")]


def test_the_failed_value_does_not_hide_a_second_bug_on_other_values():
    src = """
        import numpy as np
        X = np.random.randn(2, 10)
        W = np.random.randn(3, 4)
        Z = np.dot(W, X)
        v = np.ones((3, 1)) + np.ones((4, 1))
    """
    assert findings(src) == [(5, "SL102"), (6, "SL101")]


def test_a_transpose_of_a_transposed_rank1_array_is_one_finding():
    src = """
        import numpy as np
        a = np.random.rand(5)
        a_T = np.transpose(a.T)
        b_T = a.T.T
        c_T = (a.transpose()).T
        d_T = numpy_transpose = np.transpose((np.transpose(a)))
    """
    assert findings(src) == [(4, "SL205"), (5, "SL205"), (6, "SL205"), (7, "SL205")]
    # each is reported once, at the inner transpose
    assert [f[2:] for f in _located(src)] == [(20, 23), (7, 10), (8, 21), (39, 54)]
