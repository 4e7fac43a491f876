"""One bug, one finding: a line that raises shows its error, not the warnings about the same
operation (a rank-1 operand, a product that `*` should have been) beside it."""

import textwrap

from shapelint.runner import lint_bytes
from shapelint.rules import default_codes


def findings(source: str):
    out = lint_bytes(textwrap.dedent(source).encode(), "f.py", default_codes(), {})
    return sorted((d.line, d.code) for d in out.diagnostics)


def test_the_warnings_on_a_failing_line_give_way_to_its_error():
    src = """
        import numpy as np
        W = np.random.randn(4, 3)
        X = np.random.randn(3, 10)
        b = np.zeros(4)
        Z = np.dot(W, X) + b
    """
    # the rank-1 b fails the sum (SL101); SL201 would say the same of the same operation
    assert findings(src) == [(6, "SL101")]


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
