"""The course's own test data: arrays that a test-case module or function of the project made.

The deep-learning course hands students a notebook, a function to fill in with a
docstring (``X -- input data of shape (2, number of examples)``) and a test cell
that calls it with data from the course's own test module::

    X_assess, parameters = forward_propagation_with_dropout_test_case()   # X_assess is (3, 5)
    A3, cache = forward_propagation_with_dropout(X_assess, parameters, keep_prob=0.7)

The docstring contradicts the data, and the code runs.  That is a documentation
finding about code the student did not write (SL304, opt-in), not SL301 on the
student's call.  A value is *test data* when it was

* returned by a function of the project whose name says it makes a test case
  (``*_test_case()``, ``*_test_cases()``, ``*_testcase()``, with a suffix:
  ``*_test_case_2hidden()``), or by any function of a test-data module; a module is one
  when its file name says so (``testCases.py``, ``testCases_v4a.py``,
  ``testCase1.py``, ``test_cases.py``, ``public_tests.py``, ``test_utils.py``);
  the arrays it returns are marked, in tuples, lists and dicts, one level of
  each deep, and the marks survive being unpacked, stored and passed on, but
  not any computation (``X_assess.T`` is the caller's own array); or
* passed by a call made inside a test-data module (``public_tests.py`` calls
  ``target(X, parameters)`` with data it made itself); or
* a test cell's own random array: made at the top level of the file (a notebook
  cell, a script's ``if __name__ == "__main__":`` block; not inside a function)
  by ``np.random.randn(2, 3)``, ``rand``, ``random``, ``random_sample`` or
  ``standard_normal`` with sizes written as literals, in a file that called
  ``np.random.seed(...)`` at its top level before: the course's reproducible
  test input (``np.random.seed(1); x = np.random.randn(2, 3);
  mask = create_mask_from_window(x)``).  Data of the student's own made so
  (seeded literal random arrays at the top level) counts as the course's too.

A contradiction is the course's when every array argument checked against the
declaration up to the one that breaks it is test data: one array of the
student's own in the call keeps it SL301.
"""

from __future__ import annotations

import os
import re
from typing import Any, Iterable, Optional

import libcst as cst

from shapelint.analysis.values import ArrayVal, DictVal, SeqVal, TupleVal, Val

_TEST_MODULE_RE = re.compile(r"(test_?cases?|public_tests?|test_utils?)(_?v?\d+\w*)?", re.IGNORECASE)
_TEST_FUNCTION_RE = re.compile(r".*_test_?cases?(\d+|_\w+)?", re.IGNORECASE)


def is_test_module(path: Optional[str]) -> bool:
    """Is this file one of the course's test-data modules (``testCases_v2.py``, ``public_tests.py``)?"""
    if not path or path.startswith("<"):
        return False
    stem, ext = os.path.splitext(os.path.basename(path))
    return ext == ".py" and _TEST_MODULE_RE.fullmatch(stem) is not None


def is_test_case_function(name: str) -> bool:
    """``forward_propagation_with_dropout_test_case``, ``gradient_check_n_test_case``."""
    return _TEST_FUNCTION_RE.fullmatch(name) is not None


def mark(v: Val) -> Val:
    """``v`` with its arrays marked as test data (copies: the callee's own values stay unmarked)."""
    return _mark(v, depth=2)


def _mark(v: Val, depth: int) -> Val:
    if isinstance(v, ArrayVal):
        copy = v.with_shape(v.shape)
        copy.test_data = True
        return copy
    if depth <= 0:
        return v
    if isinstance(v, TupleVal):
        return TupleVal(tuple(_mark(x, depth - 1) for x in v.items), v.is_list)
    if isinstance(v, SeqVal):
        return SeqVal(_mark(v.elem, depth - 1), v.length, v.is_list)
    if isinstance(v, DictVal):
        return DictVal({k: _mark(x, depth - 1) for k, x in v.entries.items()}, v.complete)
    return v


SEED = "numpy.random.seed"
# what a test cell draws its input with
_RANDOM_MAKERS = frozenset(("numpy.random.randn", "numpy.random.rand", "numpy.random.random",
                            "numpy.random.random_sample", "numpy.random.standard_normal"))


def is_seeded_literal_draw(qualname: str, node: Any) -> bool:
    """``np.random.randn(2, 3)``, ``np.random.random((2, 3))``: a random array whose sizes are literals."""
    if qualname not in _RANDOM_MAKERS or not node.args:
        return False
    for arg in node.args:
        if (arg.keyword is not None and arg.keyword.value != "size") or arg.star:
            return False
        value = arg.value
        items = [e.value for e in value.elements] if isinstance(value, cst.Tuple) else [value]
        if not items or not all(isinstance(v, cst.Integer) for v in items):
            return False
    return True


def all_test_data(values: Iterable[Val]) -> bool:
    """Are all these arrays test data (and there is at least one)?"""
    seen = False
    for v in values:
        if not isinstance(v, ArrayVal) or not v.test_data:
            return False
        seen = True
    return seen
