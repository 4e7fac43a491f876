"""Guards that decide a branch for the value we know: isinstance, `is None`, hasattr.

A caller's argument is followed into the callee; where the callee tests the
argument's type and the value we know never takes that branch, nothing in the
branch is reported with that value (the statsmodels case: `isinstance(order,
list) and np.any(np.diff(order) == 0)` called with an int).  Where the branch is
taken, its errors still are.
"""

import textwrap

import pytest

from shapelint.analysis import analyze_source


def codes(source: str):
    result = analyze_source(textwrap.dedent(source), "<test>")
    assert result.error is None, result.error
    return sorted((d.line, d.code) for d in result.diagnostics)


CALLEE = """
    import numpy as np

    def lag(x, order):
        if {test}:
            return np.diff(order)
        return x

    def caller():
        return lag(np.zeros((3, 4)), {arg})
"""


@pytest.mark.parametrize("test, arg", [
    ("isinstance(order, list) and np.any(np.diff(order) == 0)", "2"),
    ("isinstance(order, (list, tuple))", "2"),
    ("isinstance(order, str)", "[1, 2]"),
    ("not isinstance(order, int) and isinstance(order, dict)", "3"),
    ("order is None", "np.zeros(())"),
    ("hasattr(order, 'shape') and order.ndim == 0", "'abc'"),
])
def test_a_branch_the_known_value_never_takes_reports_nothing(test, arg):
    assert codes(CALLEE.format(test=test, arg=arg)) == []


GUARDED_CALL = """
    import numpy as np

    def lag(x, order):
        if {test} and np.any(np.diff(order) == 0):
            raise ValueError("repeated lags")
        return x

    def caller():
        return lag(np.zeros((3, 4)), {arg})
"""


@pytest.mark.parametrize("test, arg, expected", [
    ("isinstance(order, int)", "2", ["SL105"]),  # may hold (a Python int): np.diff of an int raises
    ("order is not None", "np.zeros(())", ["SL105"]),  # holds: a 0-d array cannot be diffed
    ("isinstance(order, float)", "2", []),  # an int, Python's or NumPy's, is never a float
    ("isinstance(order, list)", "2", []),
])
def test_the_right_side_of_and_runs_only_where_the_left_may_hold(test, arg, expected):
    assert [c for _, c in codes(GUARDED_CALL.format(test=test, arg=arg))] == expected


def test_guarded_arrays_in_the_checked_function_itself():
    src = """
        import numpy as np

        def g():
            v = np.zeros((3, 1))
            if v is None:
                return np.dot(v, np.ones((2, 2)))  # never runs
            if v is not None:
                return np.dot(v, np.ones((2, 2)))  # runs: an error
    """
    assert codes(src) == [(9, "SL102")]


def test_hasattr_false_forgets_the_array():
    src = """
        import numpy as np

        def g():
            v = np.zeros((3, 1))
            if not hasattr(v, "shape"):
                return np.dot(v, np.ones((2, 2)))
            return v
    """
    assert codes(src) == []


def test_len_zero_is_a_branch_a_known_non_empty_value_never_takes():
    src = """
        import numpy as np

        def g(n):
            v = np.zeros((n, 1))
            if len(v) == 0:
                return np.dot(v, np.ones((2, 2)))  # never runs: a declared size is at least 1
            return np.dot(v, np.ones((2, 2)))  # runs: an error
    """
    assert codes(src) == [(8, "SL102")]
