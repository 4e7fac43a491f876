"""False errors found on mature NumPy code, pinned until their causes are fixed.

``python bench/quiet_on_mature_code.py`` lints numpy, scipy, scikit-learn,
scikit-image, statsmodels, filterpy and PyWavelets with their test suites
(1.77 M lines with the ``.pyi`` stubs).  Every error it reported there is on
code that runs; each cause below has

* a test in the style of the original code (written for this file, not
  copied) that asserts shapelint is quiet there, marked ``xfail(strict=True)``
  until the cause is fixed, so the fix flips it to a pass that must be kept;
* where one exists, a true positive next to it that must keep firing (not
  xfail), so a fix cannot just silence the rule.

The triage behind each cause (the findings, why shapelint is wrong, where,
the proposed fix) is in the phase-1 triage report, cause numbers C1-C16 and
warning causes W1-W2.
"""

from __future__ import annotations

import textwrap
from typing import Dict, List, Optional, Tuple

import pytest

from shapelint.algebra.docstrings import parse_docstring
from shapelint.analysis import analyze_source
from shapelint.runner import lint_bytes


def _analyze(source: str, collect_shapes: bool = False):
    result = analyze_source(textwrap.dedent(source), "snippet.py", collect_shapes=collect_shapes)
    assert not result.internal_error, result.error
    return result


def errors(source: str) -> List[Tuple[int, str, str]]:
    """(line, code, message) of every error finding."""
    return [(d.line, d.code, d.message) for d in _analyze(source).diagnostics if d.severity == "error"]


def codes(source: str) -> List[Tuple[int, str]]:
    """(line, code) of every finding, errors and warnings."""
    return [(d.line, d.code) for d in _analyze(source).diagnostics]


def shapes(source: str) -> Dict[str, Optional[list]]:
    """name -> inferred shape at its last assignment (None: unknown; symbols as text)."""
    out: Dict[str, Optional[list]] = {}
    for rec in _analyze(source, collect_shapes=True).shapes:
        out[rec.name] = rec.shape
    return out


def xfail(cause: str):
    return pytest.mark.xfail(strict=True, reason=cause)


# -- C1: assignment drops the value's leading 1s ------------------------------------

C1 = "C1 assign_subscript: a value with extra leading 1s, (1, 3, 2) into (3, 2), is rejected; NumPy drops them"


def test_setitem_accepts_leading_ones():
    src = """
    import numpy as np

    def test_prepending_ones():
        a = np.zeros((3, 2))
        a[...] = np.ones((1, 3, 2))
        a[[0, 1, 2], :] = np.ones((1, 3, 2))
        a[:, [0, 1]] = np.ones((1, 3, 2))
        a[[[0], [1], [2]], [0, 1]] = np.ones((1, 3, 2))
        b = np.zeros((2, 3))
        b[...] = np.arange(6).reshape(1, 2, 3)
    """
    assert errors(src) == []


def test_setitem_extra_leading_dim_not_one_still_fires():
    src = """
    import numpy as np

    a = np.zeros((3, 2))
    a[...] = np.ones((2, 3, 2))
    """
    assert [(line, code) for line, code, _ in errors(src)] == [(5, "SL101")]


# -- C2: structured dtypes: tuples are records, not a dimension --------------------------

C2 = "C2 call_array_ctor/_literal_shape: with a structured dtype the tuples of the literal are records, not a dimension"


def test_structured_array_from_tuples_is_one_dimensional():
    src = """
    import numpy as np

    def test_where_structured():
        dt = np.dtype([("lo", int), ("hi", int)])
        rec = np.array([(1, 2), (3, 4), (5, 6)], dtype=dt)
        fill = np.array((10, 20), dtype=dt)
        picked = np.where([0, 1, 1], rec, fill)
    """
    assert errors(src) == []
    got = shapes(src)
    # a dtype held in a name may be left unknown; a shape with the tuples as a dimension is wrong
    assert got["rec"] in ([3], None)
    assert got["fill"] in ([], None)
    assert got["picked"] in ([3], None)


def test_structured_dtype_spelled_as_string_or_list():
    src = """
    import numpy as np

    def test_void_scalars():
        triple = np.array((1, 2, 3), dtype="i,i,i")
        assert triple.shape == ()
        one = np.array([(1, 2, 3)], dtype="i,i,i")
        assert one.shape == (1,)

    def test_assign_records():
        target = np.ones(2, dtype=[("foo", "i8"), ("bar", "i8")])
        row = np.array([(2, 3)], dtype=[("bar", "i8"), ("foo", "i8")])
        target[1:] = row
        return target
    """
    assert errors(src) == []
    got = shapes(src)
    assert got["triple"] == []
    assert got["one"] == [1]
    assert got["row"] == [1]


def test_record_of_structured_array_is_indexable():
    src = """
    import numpy as np

    def test_subarray_fields():
        arr = np.ones(3, dtype=[("f", "i", 3)])
        for rec in arr:
            first = rec[0]
    """
    assert errors(src) == []


def test_tuples_with_a_plain_dtype_are_still_a_dimension():
    src = """
    import numpy as np

    pairs = np.array([(1, 2), (3, 4), (5, 6)], dtype=float)
    bad = np.where([True, False, True], pairs, np.zeros(3))
    """
    assert shapes(src)["pairs"] == [3, 2]
    assert [(line, code) for line, code, _ in errors(src)] == [(5, "SL101")]


# -- C3: the elements of an object array are arbitrary Python objects --------------------

C3 = "C3 element_of/subscript_array: a 0-d element of an object array is indexed as a NumPy scalar"


def test_element_of_object_array_is_indexable():
    src = """
    import numpy as np

    def test_cast_to_object():
        arr = np.ones(3, dtype=[("f", "i", 3)])
        cast = arr.astype(object)
        for fields in cast:
            sub = fields[0]
        boxes = np.empty(4, dtype=object)
        for box in boxes:
            inner = box[0]
    """
    assert errors(src) == []


def test_element_of_float_array_indexed_still_fires():
    # NumPy: IndexError: invalid index to scalar variable
    src = """
    import numpy as np

    for x in np.ones(3):
        y = x[0]
    """
    assert [(line, code) for line, code, _ in errors(src)] == [(5, "SL105")]


# -- C4: a boolean scalar index adds an axis ----------------------------------------------

C4 = "C4 subscript_array: True/False in an index are taken as the ints 1/0; NumPy adds an axis of length 1/0"


def test_boolean_scalar_index_adds_an_axis():
    src = """
    import numpy as np

    def test_boolean_indexing_weirdness():
        a = np.ones((2, 3, 4))
        assert a[False, True, ...].shape == (0, 2, 3, 4)
        assert a[True, [0, 1], True, True, [1], [[2]]].shape == (1, 2)
        b = a[True]
    """
    assert errors(src) == []
    assert shapes(src)["b"] in ([1, 2, 3, 4], None)


def test_too_many_integer_indices_still_fires():
    src = """
    import numpy as np

    a = np.ones((2, 3, 4))
    x = a[0, 0, 0, 0]
    """
    assert [(line, code) for line, code, _ in errors(src)] == [(5, "SL105")]


# -- C5: a parameter passed alone to .reshape may be a whole shape ----------------------

C5 = "C5 apply_fn dims*: a lone parameter passed to .reshape is wrapped as one size, skipping to_shape_tuple's shape-name check"


def test_reshape_to_a_shape_parameter():
    src = """
    import numpy as np

    def check_matmul(a_shape: tuple[int, ...], b_shape: tuple[int, ...]):
        a = np.arange(np.prod(a_shape)).reshape(a_shape).astype(np.float64)
        b = np.arange(np.prod(b_shape)).reshape(b_shape)
        ref = a @ b
        a @= b
        return ref

    def check_vecmat(shape1, shape2):
        v = np.array([1, 2j, 3])
        w = np.array([1, 2, 3])
        return v.reshape(shape1) @ w.reshape(shape2)
    """
    assert errors(src) == []
    assert shapes(src)["a"] is None


def test_parameter_annotated_or_used_as_a_sequence_is_a_shape():
    src = """
    from typing import Tuple

    import numpy as np

    def tile(grid: Tuple[int, int], n):
        cells = np.zeros(grid)
        return cells @ np.zeros(n)

    def regrid(x, target, n):
        assert np.prod(target) == x.size
        y = x.reshape(target)
        return y @ np.ones(n)
    """
    assert errors(src) == []
    got = shapes(src)
    assert got["cells"] is None
    assert got["y"] is None


def test_reshape_with_known_sizes_still_fires_and_size_parameters_still_name_sizes():
    src = """
    import numpy as np

    x = np.ones(6).reshape(4)

    def flatten(n_h):
        col = np.ones((n_h, 1))
        flat = col.reshape(n_h)
        return flat
    """
    assert [(line, code) for line, code, _ in errors(src)] == [(4, "SL103")]
    assert shapes(src)["flat"] == ["n_h"]


# -- C6: np.matmul with axes= ---------------------------------------------------------------

C6 = "C6 api numpy.matmul: `axes=` (and `axis=`) are not in the table, so apply_fn checks the default axes"


def test_matmul_with_axes():
    src = """
    import numpy as np

    def test_matmul_axes():
        a = np.arange(3 * 4 * 5).reshape(3, 4, 5)
        c = np.matmul(a, a, axes=[(-2, -1), (-1, -2), (1, 2)])
        assert c.shape == (3, 4, 4)
        f = np.matmul(a, np.arange(3), axes=[(1, 0), (0), (0)])
        assert f.shape == (4, 5)
    """
    assert errors(src) == []
    assert shapes(src)["c"] in ([3, 4, 4], None)


def test_keyword_the_table_does_not_list_gives_an_unknown_shape():
    # np.diff's prepend= adds an element back; the table does not model it, so it must not guess (4,)
    src = """
    import numpy as np

    a = np.ones(5)
    steps = np.diff(a, prepend=0)
    total = steps + np.ones(5)
    """
    assert errors(src) == []
    assert shapes(src)["steps"] is None


def test_listed_and_shape_neutral_keywords_are_still_checked():
    src = """
    import numpy as np

    a = np.ones(5)
    steps = np.diff(a, axis=0)
    total = steps + np.ones(5)
    buf = np.empty((3, 4))
    c = np.matmul(np.ones((3, 5)), np.ones((4, 4)), out=buf)
    """
    assert [(line, code) for line, code, _ in errors(src)] == [(6, "SL101"), (8, "SL102")]


def test_matmul_without_axes_still_fires():
    src = """
    import numpy as np

    a = np.arange(60).reshape(3, 4, 5)
    c = np.matmul(a, a)
    """
    assert [(line, code) for line, code, _ in errors(src)] == [(5, "SL102")]


# -- C7: np.matrix indexing keeps two dimensions ------------------------------------------

C7 = "C7 subscript_array: indexing an np.matrix keeps 2 dimensions (x[:, 1] is (3, 1)); the matrix flag is ignored"


def test_matrix_column_is_two_dimensional():
    src = """
    import numpy as np

    def test_basic():
        x = np.asmatrix(np.zeros((3, 2), float))
        y = np.zeros((3, 1), float)
        y[:, 0] = [0.8, 0.2, 0.3]
        x[:, 1] = y > 0.5
        col = x[:, 1]
    """
    assert errors(src) == []
    assert shapes(src)["col"] in ([3, 1], None)


def test_array_column_assignment_still_fires():
    src = """
    import numpy as np

    x = np.zeros((3, 2))
    y = np.zeros((3, 1))
    x[:, 1] = y > 0.5
    """
    assert [(line, code) for line, code, _ in errors(src)] == [(6, "SL101")]


# -- C8: .pyi stubs are not code that runs ------------------------------------------------

C8 = "C8 analyze_source/lint_bytes: a .pyi stub (typing test data) is analyzed as code that runs"

_REVEAL_STUB = b"""import numpy as np
from typing import Any, assert_type
import numpy.typing as npt

A: npt.NDArray[np.float64]
assert_type(np.concatenate([1, 1.0]), npt.NDArray[Any])
assert_type(np.concatenate([1, 1.0], out=A), npt.NDArray[np.float64])
assert_type(np.asmatrix(A), np.matrix)
"""


def test_pyi_stub_has_no_shape_findings():
    outcome = lint_bytes(_REVEAL_STUB, "reveal/array_constructors.pyi")
    assert outcome.message_kind != "internal"
    assert [(d.line, d.code) for d in outcome.diagnostics] == []


def test_same_lines_in_a_py_file_still_fire():
    outcome = lint_bytes(_REVEAL_STUB, "constructors.py")
    assert [(d.line, d.code) for d in outcome.diagnostics if d.severity == "error"] == [(6, "SL104"), (7, "SL104")]


def test_pyi_stub_syntax_error_is_still_reported():
    outcome = lint_bytes(b"import numpy as np\ndef f(x: np.ndarray) -> \n", "broken.pyi")
    assert [d.code for d in outcome.diagnostics] == ["SL000"]


# -- C9: a contradiction between documented shapes only -----------------------------------

C9 = ("C9 docstring contracts: an error whose conflicting sizes are all docstring names proves the docstring wrong, "
      "not that the line raises (report it as a warning)")


def test_docstring_contradiction_inside_function_is_not_an_error():
    src = '''
    import numpy as np

    def _importances(baseline_score, permuted_score):
        """Decrease in score when a feature is permuted.

        Parameters
        ----------
        baseline_score : ndarray of shape (n_features,)
            The score without permutation.
        permuted_score : ndarray of shape (n_features, n_repeats)
            The scores with each feature permuted.
        """
        importances = baseline_score - permuted_score
        return importances.mean(axis=1)
    '''
    assert errors(src) == []


def test_docstring_contradiction_through_a_call_is_not_an_error():
    src = '''
    import numpy as np

    def csr_column_scale(X, scale):
        """Scale columns.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Matrix to scale.
        scale : ndarray of shape (n_features,)
            One factor per column.
        """
        assert scale.shape[0] == X.shape[1]
        X *= scale

    def row_scale(X, scale):
        """Scale rows.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Matrix to scale.
        scale : ndarray of shape (n_features,)
            One factor per row.
        """
        csr_column_scale(X.T, scale)
    '''
    assert errors(src) == []


def test_shapes_built_by_code_still_conflict():
    src = '''
    import numpy as np

    def _importances(baseline_score, permuted_score):
        """Decrease in score.

        Parameters
        ----------
        baseline_score : ndarray of shape (n_features,)
            The score without permutation.
        permuted_score : ndarray of shape (n_features, n_repeats)
            The scores with each feature permuted.
        """
        return baseline_score - permuted_score

    _importances(np.zeros(4), np.zeros((4, 10)))
    direct = np.zeros(4) - np.zeros((4, 10))
    '''
    found = errors(src)
    assert (17, "SL101") in [(line, code) for line, code, _ in found]
    assert any(code == "SL101" and line in (14, 16) for line, code, _ in found)


# -- C10: `or` / `and` guard their right operand --------------------------------------------

C10 = "C10 expr_BooleanOperation: the right operand of `or`/`and` is evaluated without what the left one decided"


def test_or_guards_the_index_on_its_right():
    src = """
    import numpy as np

    def show(flat_image):
        image = np.zeros((4, 5))
        if image.ndim < 3 or image.shape[2] not in [3, 4]:
            raise ValueError("an RGB or RGBA image is needed")
        return image[:, :, :3]
    """
    assert errors(src) == []


def test_left_operand_that_decides_leaves_the_right_one_unrun():
    src = """
    import numpy as np

    a = np.ones(3)
    flag = a.ndim == 2 and a[0, 0] > 0
    other = a.ndim == 1 or a[0, 0] > 0
    """
    assert errors(src) == []


def test_left_operand_refines_the_right_one():
    # an `and` runs its right side only where x is 2-D, so x.shape[2] raises there
    src = """
    import numpy as np

    def is_rgb(x):
        return x.ndim == 2 and x.shape[2] == 3
    """
    assert [(line, code) for line, code, _ in errors(src)] == [(5, "SL105")]


def test_walrus_in_the_right_operand_still_binds():
    src = """
    import numpy as np

    def rows(x):
        x = np.ones((4, 5))
        tall = x is not None and (n := x.shape[0]) > 3
        z = np.zeros(n)
        return z
    """
    assert shapes(src)["z"] == [4]


def test_and_that_lets_the_index_run_still_fires():
    src = """
    import numpy as np

    image = np.zeros((4, 5))
    if image.ndim == 2 and image.shape[2] == 3:
        pass
    """
    assert [(line, code) for line, code, _ in errors(src)] == [(5, "SL105")]


# -- C11: numpydoc's optional dimension `(M, N[, 3])` -----------------------------------------

C11 = "C11 docstrings/spec: `(M, N[, 3])` is read as rank 2 with a dim named `N[,3]`; the rank is not fixed"

_OPTIONAL_CHANNEL_DOC = '''
    """Draw an image.

    Parameters
    ----------
    labels : ndarray, shape (M, N)
        The labelled image.
    image : ndarray, shape (M, N[, 3])
        Input image, grey or RGB.
    """
'''


def test_optional_dimension_in_docstring_does_not_fix_the_rank():
    src = "import numpy as np\n\ndef channels(labels, image):" + _OPTIONAL_CHANNEL_DOC + "    return image.shape[2]\n"
    assert errors(src) == []


def test_optional_dimension_is_no_contract():
    parsed = parse_docstring(textwrap.dedent(_OPTIONAL_CHANNEL_DOC).strip().strip('"'))
    spec = parsed.params.get("image")
    assert spec is None or spec.rank is None  # no contract, or one of open rank (`M N ...`)
    assert parsed.params["labels"].rank == 2


def test_show_rag_style_guard_with_documented_optional_channel():
    src = ("import numpy as np\n\ndef show(labels, image, img_cmap=None):" + _OPTIONAL_CHANNEL_DOC
           + "    if img_cmap is None:\n"
           + "        if image.ndim < 3 or image.shape[2] not in [3, 4]:\n"
           + "            raise ValueError('RGB or RGBA image expected')\n"
           + "        out = image[:, :, :3]\n"
           + "    return image\n")
    assert errors(src) == []


def test_documented_fixed_rank_still_fires():
    src = '''
    import numpy as np

    def channels(image):
        """Channels.

        Parameters
        ----------
        image : ndarray, shape (M, N)
            A grey image.
        """
        return image.shape[2]
    '''
    assert [code for _, code, _ in errors(src)] == ["SL105"]
    assert parse_docstring("Parameters\n----------\nimage : ndarray, shape (M, N)\n    A grey image.\n").params[
        "image"].rank == 2


# -- C12: tuple arithmetic in a docstring is not the first tuple ------------------------------

C12 = "C12 docstrings._find_shape: `shaped (k,)*(order + 1) + (nobs,)` is read as `(k,)`; the group continues with * / +"

_TUPLE_ARITHMETIC_DOC = '''
    """Filter.

    Parameters
    ----------
    conditional : ndarray
        Log-likelihoods conditional on the last `order+1` regimes,
        shaped (k_regimes,)*(order + 1) + (nobs,).
    """
'''


def test_tuple_arithmetic_in_docstring_is_no_contract():
    parsed = parse_docstring(textwrap.dedent(_TUPLE_ARITHMETIC_DOC).strip().strip('"'))
    spec = parsed.params.get("conditional")
    assert spec is None or spec.rank is None  # the rank is order + 2: not a fixed number


def test_tuple_arithmetic_in_docstring_gives_no_error():
    src = "import numpy as np\n\ndef hamilton(conditional):" + _TUPLE_ARITHMETIC_DOC + (
        "    nobs = conditional.shape[-1]\n"
        "    order = conditional.ndim - 2\n"
        "    k = conditional.shape[0]\n"
        "    return conditional.shape[1]\n")
    assert errors(src) == []


def test_plain_documented_tuple_is_still_read():
    parsed = parse_docstring("Parameters\n----------\nprobs : ndarray\n    Probabilities, shaped (k_regimes, nobs).\n")
    assert parsed.params["probs"].rank == 2


# -- C13: a loop over an empty range never runs its body ---------------------------------------

C13 = "C13 stmt_For: the body of `for _ in range(a, b)` with a known empty range is analyzed as if it ran once"


def test_loop_over_empty_range_runs_no_iteration():
    src = """
    import numpy as np

    def marginals():
        probs = np.zeros(5)
        for _ in range(1, probs.ndim - 1):
            probs = np.sum(probs, axis=-2)
        return probs
    """
    assert errors(src) == []
    assert shapes(src)["probs"] == [5]


def test_markov_switching_style_marginals():
    src = "import numpy as np\n\ndef hamilton(conditional):" + _TUPLE_ARITHMETIC_DOC + (
        "    k_regimes = conditional.shape[0]\n"
        "    nobs = conditional.shape[-1]\n"
        "    order = conditional.ndim - 2\n"
        "    joint = np.zeros((k_regimes,) * (order + 1) + (nobs + 1,))\n"
        "    marginal = joint[..., 1:]\n"
        "    for _ in range(1, marginal.ndim - 1):\n"
        "        marginal = np.sum(marginal, axis=-2)\n"
        "    return marginal\n")
    assert errors(src) == []


def test_loop_that_runs_still_fires():
    src = """
    import numpy as np

    v = np.zeros(5)
    for _ in range(3):
        w = np.sum(v, axis=-2)
    """
    assert [(line, code) for line, code, _ in errors(src)] == [(6, "SL105")]


# -- C14: isinstance() with a class that is not an ndarray -------------------------------------

C14 = "C14 refine_from_test/stmt_If: `isinstance(x, DataFrame)` is not used; its branch treats x as the known ndarray"


def test_isinstance_of_a_foreign_class_forgets_the_array():
    src = """
    import numpy as np
    from pandas import DataFrame

    def lagmat(x, use_pandas=False):
        orig = x
        x = np.asarray(x)
        nobs = x.shape[0]
        if use_pandas:
            x = orig
            if isinstance(x, DataFrame):
                if len(set(x.columns)) != x.shape[1]:
                    raise ValueError("column names must be distinct")
        return nobs

    def lagmat2ds(data):
        data = np.zeros((10, 3))
        return lagmat(data[:, 0], use_pandas=True)

    def direct():
        series = np.zeros(10)
        if isinstance(series, DataFrame):
            return series.shape[1]
        return 1
    """
    assert errors(src) == []


def test_failed_isinstance_of_ndarray_forgets_the_array():
    src = """
    import numpy as np

    def as_columns(values):
        values = np.zeros(10)
        if not isinstance(values, np.ndarray):
            return values.shape[1]
        if isinstance(values, (list, tuple)) or values.ndim == 1:
            return 1
        return values.shape[1]
    """
    assert errors(src) == []


def test_isinstance_of_ndarray_keeps_the_array():
    src = """
    import numpy as np

    series = np.zeros(10)
    if isinstance(series, np.ndarray):
        width = series.shape[1]
    """
    assert [(line, code) for line, code, _ in errors(src)] == [(6, "SL105")]


# -- C15: a list that the loop appends to ---------------------------------------------------------

C15 = "C15 stmt_For: a list the loop body appends to is read in the body with its pre-loop value `[]`"


def test_list_grown_by_the_loop_is_not_the_empty_literal():
    src = """
    import numpy as np

    def bootstrap(fit, repl, split):
        estimates = []
        guess = None
        for i in range(repl):
            if i == 10:
                mean_est = np.mean(estimates, axis=0)
                guess_a = mean_est[:split]
                guess_b = mean_est[split:]
            est = fit(guess)
            if i < 10:
                estimates.append(est)
        return guess
    """
    assert errors(src) == []


def test_mean_of_a_list_that_stays_empty_still_fires():
    # np.mean([], axis=0) is a 0-d nan; slicing it raises IndexError
    src = """
    import numpy as np

    empty = []
    m = np.mean(empty, axis=0)
    head = m[:2]
    """
    assert [(line, code) for line, code, _ in errors(src)] == [(6, "SL105")]


# -- C16: a string ending in a non-ASCII digit ------------------------------------------------------

C16 = "C16 infer._split_key: str.isdigit() accepts '²', then int('²') raises ValueError (internal error)"


def test_superscript_digit_in_a_string_is_no_internal_error():
    source = 'import numpy as np\n\nlabel = "1.0 + 2.0·x + 3.0·x²"\nunits = {"area": "m²"}\n'
    result = analyze_source(source, "printing.py")
    assert not result.internal_error, result.error
    outcome = lint_bytes(source.encode("utf-8"), "printing.py")
    assert outcome.message_kind != "internal", outcome.message


# -- warnings: noise causes W1, W2 -------------------------------------------------------------------

W1 = "W1 call_method: x.resize(shape) changes x in place, but x keeps its old shape"


def test_resize_in_place_changes_the_shape():
    src = """
    import numpy as np

    def test_blasdot_uninitialized_memory(m, n):
        x = np.array([123456789e199])
        x.resize((m, 0))
        y = np.array([123456789e199])
        y.resize((0, n))
        z = np.dot(x, y)
        assert z.shape == (m, n)
    """
    assert codes(src) == []


def test_shape_attribute_assignment_changes_the_shape():
    src = """
    import numpy as np

    def test_reshape_by_attribute():
        x = np.arange(6)
        x.shape = (-1, 2)
        assert x.shape == (3, 2)
        y = np.ones(4)
        y.shape = 2, 2
        z = y @ y
    """
    assert codes(src) == []
    got = shapes(src)
    assert got["z"] == [2, 2]


def test_dot_of_two_vectors_then_shape_still_warns():
    src = """
    import numpy as np

    x = np.array([1.0, 2.0])
    y = np.array([3.0, 4.0])
    z = np.dot(x, y)
    print(z.shape)
    """
    assert codes(src) == [(7, "SL206")]


W2 = "W2 _b_abs: builtin abs() keeps only the shape; the `[:, None]` (explicit axes) mark is lost"


def test_abs_keeps_the_explicit_outer_broadcast():
    src = """
    import numpy as np

    def discrepancy(sample, dim):
        prod_arr = 1
        for i in range(dim):
            s0 = sample[:, i]
            s0 = np.ones(8)
            prod_arr *= 1 + 0.5 * abs(s0[:, None] - 0.5) + 0.5 * abs(s0 - 0.5)
        return prod_arr
    """
    assert codes(src) == []


def test_abs_of_an_accidental_outer_broadcast_still_warns():
    # abs() is element-wise: it keeps where the rank-1 `a` came from, so the warning is the
    # same as without it (SL201, naming line 4)
    src = """
    import numpy as np

    a = np.ones(3)
    b = np.ones((3, 1))
    c = abs(a - 0.5) + b
    d = (a - 0.5) + b
    """
    assert codes(src) == [(6, "SL201"), (7, "SL201")]


# -- found by the phase-2 bench (new since phase 1) ----------------------------------------------

# list_method: `axes.append(axes.pop(0))` appended to the list as it was before the pop


def test_list_changed_by_the_argument_of_its_own_method():
    src = """
    import numpy as np

    def test_concatenate_axis_rotation():
        a = np.ones((1, 2, 3))
        b = np.ones((2, 2, 3))
        axes = list(range(3))
        for i in range(3):
            np.concatenate((a, b), axis=axes[0])
            a = np.moveaxis(a, -1, 0)
            b = np.moveaxis(b, -1, 0)
            axes.append(axes.pop(0))
    """
    assert errors(src) == []


def test_list_append_is_still_followed():
    src = """
    import numpy as np

    parts = [np.ones((2, 3))]
    parts.append(np.ones((4, 4)))
    joined = np.concatenate(parts, axis=0)
    """
    assert [(line, code) for line, code, _ in errors(src)] == [(6, "SL104")]
