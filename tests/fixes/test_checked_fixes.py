"""Fixes: each kind is proposed where it works and held back where it would not (the runner
re-analyzes the edited module), the four wrong hints of issue 16, and the fix model itself."""

from typing import List

import pytest

import shapelint.fix_check as fix_check
from shapelint.diagnostics import Diagnostic
from shapelint.fixes import DISPLAY, SAFE, UNSAFE, Edit, Fix, apply_edits, compatible, keeps_lines
from shapelint.runner import lint_bytes


def check(source: str, path: str = "t.py") -> List[Diagnostic]:
    return lint_bytes(source.encode(), path).diagnostics


def only(source: str, code: str) -> Diagnostic:
    found = [d for d in check(source) if d.code == code]
    assert len(found) == 1, found
    return found[0]


def fixed(source: str, d: Diagnostic) -> str:
    assert d.fix is not None and d.fix.edits
    out = apply_edits(source, d.fix.edits)
    assert out is not None
    return out


def assert_no_hint(d: Diagnostic) -> None:
    assert d.fix is None
    assert "did you mean" not in d.message


# --- the model -----------------------------------------------------------------------

def test_edits_apply_by_line_and_column_and_refuse_overlaps():
    text = "a = f(x)\r\nb = g(y)\n"
    assert apply_edits(text, [Edit(1, 7, 1, 8, "x2"), Edit(2, 5, 2, 6, "h")]) == "a = f(x2)\r\nb = h(y)\n"
    assert apply_edits(text, [Edit(1, 5, 1, 9, "u"), Edit(1, 7, 1, 8, "v")]) is None  # overlapping
    assert apply_edits(text, [Edit(3, 1, 3, 2, "z")]) is None  # beyond the text
    assert apply_edits(text, [Edit(1, 20, 1, 21, "z")]) is None  # beyond the line
    assert keeps_lines(text, [Edit(1, 1, 1, 2, "q")])
    assert not keeps_lines(text, [Edit(1, 1, 1, 2, "q\n")])


def test_compatible_fixes_skip_overlaps_and_repeats():
    a = Fix("a", SAFE, (Edit(1, 1, 1, 5, "x"),))
    b = Fix("b", SAFE, (Edit(1, 3, 1, 8, "y"),))
    c = Fix("c", SAFE, (Edit(2, 1, 2, 5, "z"),))
    assert compatible([a, b, a, c]) == [a, c]


def test_applicability():
    e = (Edit(1, 1, 1, 2, "x"),)
    assert Fix("s", SAFE, e).applies(unsafe=False)
    assert not Fix("u", UNSAFE, e).applies(unsafe=False) and Fix("u", UNSAFE, e).applies(unsafe=True)
    assert not Fix("d", DISPLAY, e).applies(unsafe=True)
    assert Fix.from_json(Fix("u", UNSAFE, e).to_json()) == Fix("u", UNSAFE, e)


# --- safe: keepdims=True ------------------------------------------------------------------

def test_keepdims_fires():
    src = "import numpy as np\nX = np.ones((4, 4))\nc = X - X.mean(axis=1)\n"
    d = only(src, "SL207")
    assert d.fix.applicability == SAFE and d.message.endswith("; did you mean `keepdims=True`?")
    assert "X.mean(axis=1, keepdims=True)" in fixed(src, d)
    assert not check(fixed(src, d))


GRADIENT = ("import numpy as np\ndef back(dZ, b):\n    assert dZ.shape == (4, 10)\n    assert b.shape == ({}, 1)\n"
            "    m = dZ.shape[1]\n    db = 1 / m * np.sum(dZ, axis=1)\n    return db\n")


def test_keepdims_on_a_gradient_fires_and_stays_quiet_when_it_would_not_fix_it():
    src = GRADIENT.format(4)
    d = only(src, "SL302")
    assert d.fix.applicability == SAFE and "np.sum(dZ, axis=1, keepdims=True)" in fixed(src, d)
    # (4,) against (5, 1): keepdims gives (4, 1), still not (5, 1)
    assert_no_hint(only(GRADIENT.format(5), "SL302"))


# --- safe: a rank-1 array made 2-D in the code's layout --------------------------------------

COLUMN = ("import numpy as np\ndef f(n_h, m):\n    b = np.zeros(n_h)\n    Z = np.ones((n_h, m))\n"
          "    c = np.ones((n_h, 1)) + b\n    return c\n")


def test_rank1_column_fires():
    d = only(COLUMN, "SL201")
    assert d.fix.applicability == SAFE and d.message.endswith("did you mean `np.zeros((n_h, 1))`?")
    assert "b = np.zeros((n_h, 1))" in fixed(COLUMN, d)


def test_rank1_fix_stays_quiet_when_neither_layout_works():
    # a column fixes line 4 and breaks line 5; a row fixes nothing
    src = ("import numpy as np\nb = np.zeros(4)\nC = np.ones((3, 4)) + b\nA = np.ones((4, 5)) + b\n")
    d = only(src, "SL101")
    assert "was created on line 2" in d.message
    assert_no_hint(d)


NNFS = '''import numpy as np


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros(n_neurons)

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


X = np.random.randn(100, 2)
dense1 = Layer_Dense(2, 3)
dense1.forward(X)
dense1.backward(np.ones((100, 3)))
dense1.biases += -0.1 * dense1.dbiases
'''


def test_wrong_hint_rank1_bias_in_a_row_layout_gets_the_row():
    d = only(NNFS, "SL101")
    assert "np.zeros((n_neurons, 1))" not in d.message
    assert d.fix.applicability == SAFE and d.message.endswith("did you mean `np.zeros((1, n_neurons))`?")
    assert "self.biases = np.zeros((1, n_neurons))" in fixed(NNFS, d)
    assert not check(fixed(NNFS, d))


def test_the_column_fix_of_the_row_layout_fails_the_check(monkeypatch):
    # the layout puts the row first; were the column first, the check would still refuse it
    import shapelint.rules._mismatch as mismatch

    real = mismatch._rank1_fixes
    monkeypatch.setattr(mismatch, "_rank1_fixes", lambda ctx, origin, row_first: real(ctx, origin, False)[:1])
    assert_no_hint(only(NNFS, "SL101"))


# --- unsafe: swapped operands, an added .T, `*` and np.dot -----------------------------------

def test_swapped_operands_fire_and_stay_quiet_when_they_break_a_later_line():
    src = "import numpy as np\nW = np.ones((4, 3))\nA = np.ones((3, 10))\nZ = np.dot(A, W)\n"
    d = only(src, "SL102")
    assert d.fix.applicability == UNSAFE and "the operands look swapped" in d.message
    assert "Z = np.dot(W, A)" in fixed(src, d)
    assert_no_hint(only(src + "Y = Z + np.ones((10, 4))\n", "SL102"))


def test_added_transpose_fires_and_stays_quiet_when_it_breaks_a_later_line():
    src = "import numpy as np\nW = np.ones((4, 3))\nX = np.ones((10, 3))\nZ = np.dot(W, X)\n"
    d = only(src, "SL102")
    assert d.fix.applicability == UNSAFE and "Z = np.dot(W, X.T)" in fixed(src, d)
    assert_no_hint(only(src + "Y = Z + np.ones((4, 3))\n", "SL102"))


def test_star_to_matrix_product_fires_and_stays_quiet_when_it_breaks_a_later_line():
    src = "import numpy as np\nW = np.random.randn(4, 3)\nX = np.random.randn(3, 10)\nZ = W * X\n"
    d = only(src, "SL101")
    assert d.fix.applicability == UNSAFE and "Z = np.dot(W, X)\n" in fixed(src, d)
    assert_no_hint(only(src + "Y = Z + np.ones((4, 3))\n", "SL101"))


def test_star_to_matrix_product_spells_numpy_as_the_file_does():
    src = "import numpy\nW = numpy.ones((4, 3))\nX = numpy.ones((3, 10))\nZ = W * X\n"
    assert "Z = numpy.dot(W, X)\n" in fixed(src, only(src, "SL101"))
    src = "from numpy import ones\nW = ones((4, 3))\nX = ones((3, 10))\nZ = (W * X) ** 2\n"
    assert "Z = (W @ X) ** 2\n" in fixed(src, only(src, "SL101"))  # no name for NumPy: `@`


SIGMOID = '''import numpy as np


def sigmoid_backward(dA, Z):
    """dA: (n, m), Z: (n, m)"""
    s = 1 / (1 + np.exp(-Z))
    dZ = np.dot(dA, s * (1 - s))
    return dZ


sigmoid_backward(np.ones((4, 10)), np.ones((4, 10)))
'''


def test_wrong_hint_dot_where_star_was_meant():
    d = only(SIGMOID, "SL102")
    assert "dA.T" not in d.message
    assert d.fix.applicability == UNSAFE and "did you mean `dA * (s * (1 - s))`?" in d.message
    assert "    dZ = dA * (s * (1 - s))\n" in fixed(SIGMOID, d)
    assert not check(fixed(SIGMOID, d))


def test_dot_to_star_stays_quiet_when_no_product_fits_what_follows():
    src = SIGMOID.replace("    return dZ\n", "    return dZ + np.ones((4, 11))\n")
    assert_no_hint(only(src, "SL102"))


def test_the_hint_is_the_edited_expression():
    src = "import numpy as np\nW1 = np.random.randn(5, 3)\nZ = W1.dot(W1)\n"
    d = only(src, "SL102")
    assert d.message.endswith("did you mean `W1.T.dot(W1)`?")  # one array twice: a Gram matrix, not `*`
    assert "Z = W1.T.dot(W1)\n" in fixed(src, d)


def test_parentheses_stay_balanced_and_keep_the_meaning():
    src = "import numpy as np\nW = np.random.randn(4, 3)\nX = np.random.randn(3, 10)\nZ = (W * X) ** 2\n"
    assert "Z = (np.dot(W, X)) ** 2\n" in fixed(src, only(src, "SL101"))
    src = "import numpy as np\nX = np.ones((4, 4))\nc = X - (X.mean(axis=1))\n"
    assert "c = X - (X.mean(axis=1, keepdims=True))\n" in fixed(src, only(src, "SL207"))
    src = "import numpy as np\nW = np.ones((4, 3))\nA = np.ones((3, 10))\nZ = A @ (W + 1)\n"
    assert "Z = (W + 1) @ (A)\n" in fixed(src, only(src, "SL102"))  # (the source's own parentheses stay)


def test_an_edit_in_an_expression_is_parenthesized():
    src = SIGMOID.replace("dZ = np.dot(dA, s * (1 - s))", "dZ = 2 / np.dot(dA, s * (1 - s))")
    d = only(src, "SL102")
    assert "dZ = 2 / (dA * (s * (1 - s)))" in fixed(src, d)


DROPOUT = '''import numpy as np


def forward_dropout(X, W1, b1, keep_prob):
    """X: (n_x, m), W1: (n_h, n_x), b1: (n_h, 1)"""
    Z1 = np.dot(W1, X) + b1
    A1 = np.maximum(0, Z1)
    D1 = np.random.rand(A1.shape[1], A1.shape[0]) < keep_prob
    A1 = A1 * D1
    A1 = A1 / keep_prob
    return A1


forward_dropout(np.random.randn(3, 5), np.random.randn(4, 3), np.zeros((4, 1)), 0.8)
'''


def test_wrong_hint_dropout_mask_with_swapped_sizes_gets_the_mask_sizes():
    found = check(DROPOUT)
    # reported where the mask is made, the line to change; the SL202 warning where the product
    # fails is the same failure: one bug, one finding
    assert [(d.code, d.line) for d in found] == [("SL101", 8)]
    for d in found:
        assert "np.dot" not in d.message and "@" not in d.message
        assert d.fix.applicability == UNSAFE
        assert d.message.startswith("the array made here fails in `forward_dropout()` (line 9)")
        assert d.message.endswith("did you mean `np.random.rand(A1.shape[0], A1.shape[1])`?")
        after = fixed(DROPOUT, d)
        assert "    D1 = np.random.rand(A1.shape[0], A1.shape[1]) < keep_prob\n" in after
        assert not check(after)


PREDICT = '''import numpy as np


def predict(X, y):
    m = X.shape[0]
    p = np.zeros((1, m))
    return np.sum(p == y) / m


predict(np.random.randn(5, 20), np.zeros((1, 20)))
'''


def test_a_size_read_from_the_wrong_axis_is_reported_at_the_read_with_the_other_axis():
    found = check(PREDICT)
    assert [(d.code, d.line, d.severity) for d in found] == [("SL101", 5, "warning")]
    d = found[0]
    assert d.message.startswith("the size read here fails in `predict()` (line 7): `p == y`")
    assert d.message.endswith("did you mean `X.shape[1]`?") and d.fix.applicability == UNSAFE
    after = fixed(PREDICT, d)
    assert "    m = X.shape[1]\n" in after and not check(after)


def test_a_size_read_stays_unblamed_where_the_failure_is_elsewhere():
    right = PREDICT.replace("X.shape[0]", "X.shape[1]")
    assert not check(right)
    # `n_x = X.shape[0]` read in another function, and a product that a `.T` broke: the read is
    # right, and the product is where it fails
    layers = (
        "import numpy as np\n\n\ndef sizes(X):\n    return X.shape[0], 4\n\n\n"
        "def model(X):\n    n_x, n_h = sizes(X)\n    m = X.shape[1]\n    W1 = np.random.randn(n_h, n_x)\n"
        "    Z1 = np.dot(W1, X.T)\n    return Z1 / m\n\n\nmodel(np.random.randn(2, 400))\n")
    assert [(d.code, d.line) for d in check(layers)] == [("SL102", 12)]
    # a read in the same function, where the product would run with the other read: not blamed
    # either (a `.T` at the product runs too)
    local = layers.replace("n_x, n_h = sizes(X)", "n_x, n_h = X.shape[0], 4")
    assert [(d.code, d.line) for d in check(local)] == [("SL102", 12)]


def test_sizes_where_made_stay_quiet_when_both_arrays_are_used_as_they_are_later():
    src = ("import numpy as np\nA1 = np.ones((4, 5))\nD1 = np.random.rand(5, 4) < 0.5\nB = A1 * D1\n"
           "E = D1 + np.ones((5, 4))\nF = A1 + np.ones((4, 5))\n")
    assert_no_hint(only(src, "SL101"))
    d = only(src.replace("E = D1 + np.ones((5, 4))\n", ""), "SL101")  # the mask is free to change
    assert "D1 = np.random.rand(4, 5) < 0.5" in fixed(src, d)


HELPER = '''import numpy as np


def initialize_parameters_deep(layer_dims):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters['W' + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        parameters['b' + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def L_layer_model(X, Y, layers_dims):
    parameters = initialize_parameters_deep(layers_dims)
    Z1 = np.dot(parameters['W1'], X) + parameters['b1']
    return parameters
'''

FLATTEN = '''import numpy as np
from dnn_app_utils import L_layer_model

train_x_orig = np.random.randn(209, 64, 64, 3)
train_y = np.random.randint(0, 2, (1, 209))
train_x_flatten = train_x_orig.reshape(train_x_orig.shape[0], -1)
train_x = train_x_flatten / 255.
parameters = L_layer_model(train_x, train_y, [12288, 20, 7, 5, 1])
'''


def test_wrong_hint_flatten_adds_the_transpose_on_the_flatten_not_in_the_helper_module(tmp_path):
    (tmp_path / "dnn_app_utils.py").write_text(HELPER)
    main = tmp_path / "app.py"
    main.write_text(FLATTEN)
    found = lint_bytes(main.read_bytes(), str(main)).diagnostics
    (d,) = [d for d in found if d.code == "SL102"]
    assert "dnn_app_utils.py" in d.message  # where the product is
    assert "X.T" not in d.message  # no edit of the helper module's product
    assert d.fix.applicability == UNSAFE
    assert [(e.line, e.end_line) for e in d.fix.edits] == [(6, 6)]  # the flatten, in the checked file
    # reported on the flatten itself, the line its checked fix edits
    assert (d.line, d.severity) == (6, "warning")
    assert d.message.startswith("the array flattened here fails in `L_layer_model()` (line 14 of `dnn_app_utils.py`)")
    assert d.message.endswith("did you mean `train_x_orig.reshape(train_x_orig.shape[0], -1).T`?")
    after = fixed(FLATTEN, d)
    assert "train_x_flatten = train_x_orig.reshape(train_x_orig.shape[0], -1).T\n" in after
    assert not lint_bytes(after.encode(), str(main)).diagnostics


def test_a_transpose_in_a_helper_module_gets_no_hint_when_the_checked_file_did_not_make_the_array(tmp_path):
    (tmp_path / "dnn_app_utils.py").write_text(HELPER)
    main = tmp_path / "app.py"
    made = "np.ones((209, 12288)) + np.zeros((209, 12288))"  # two arrays: no single place to transpose
    main.write_text(FLATTEN.replace("train_x_orig.reshape(train_x_orig.shape[0], -1)", made))
    (d,) = [d for d in lint_bytes(main.read_bytes(), str(main)).diagnostics if d.code == "SL102"]
    assert_no_hint(d)


# --- display-only, and the cap ------------------------------------------------------------

def test_display_only_hint_has_no_edits_and_is_never_applied():
    d = only("import numpy as np\nx = np.ones(3)\ny = x.reshape(3, 3)\n", "SL103")
    assert d.fix is not None and d.fix.applicability == DISPLAY and d.fix.edits == ()
    assert d.message.endswith("did you mean `.reshape(-1, 1)` (a column) or `.reshape(1, -1)` (a row)?")
    assert not d.fix.applies(unsafe=True)


def test_past_the_cap_a_finding_keeps_its_message_without_a_hint(monkeypatch):
    monkeypatch.setattr(fix_check, "MAX_CHECKS", 0)
    d = only(COLUMN, "SL201")
    assert_no_hint(d)
    assert d.message.endswith("this gives (n_h, n_h)")


def test_the_check_compares_findings_by_code_and_line():
    from collections import Counter

    before = Counter({("SL101", 4): 1, ("SL201", 6): 1})
    assert fix_check.passes(before, Counter({("SL201", 6): 1}), ("SL101", 4))
    assert not fix_check.passes(before, Counter({("SL201", 6): 1, ("SL102", 9): 1}), ("SL101", 4))
    assert not fix_check.passes(before, before, ("SL101", 4))


def test_checks_fit_in_the_time_budget_at_the_pace_of_the_analysis():
    calls = []

    def analyze(text):
        calls.append(text)
        return []

    d = Diagnostic("t.py", 1, 1, 1, 2, "SL101", "error", "m",
                   candidates=(Fix("did you mean `b`?", SAFE, (Edit(1, 1, 1, 2, "b"),)),))
    (slow,) = fix_check.check_candidates("a\n", [d], analyze, analysis_seconds=fix_check.CHECK_SECONDS + 1)
    assert not calls and slow.fix is None and slow.message == "m" and not slow.candidates
    (fast,) = fix_check.check_candidates("a\n", [d], analyze, analysis_seconds=0.01)
    assert calls == ["b\n"] and fast.fix is not None and fast.message == "m; did you mean `b`?"


@pytest.mark.parametrize("name", ["rules/sl101_broadcast.py", "rules/sl2xx_rank1.py",
                                  "notebooks/call_in_later_cell.ipynb"])
def test_unchecked_fixes_are_the_same_findings_without_the_hints_that_need_a_check(name):
    # shapelint server publishes these first, then the checked ones
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "fixtures" / name
    data = path.read_bytes()
    unchecked, checked = lint_bytes(data, name, check_fixes=False), lint_bytes(data, name)
    assert [(d.code, d.cell, d.line, d.column) for d in unchecked.diagnostics] == \
        [(d.code, d.cell, d.line, d.column) for d in checked.diagnostics]
    hinted = [(a, b) for a, b in zip(unchecked.diagnostics, checked.diagnostics) if a.message != b.message]
    assert hinted and len(hinted) <= unchecked.unchecked_fixes and checked.unchecked_fixes == 0
    assert all(b.message.startswith(a.message + "; ") and a.fix is None and b.fix is not None for a, b in hinted)
    assert not any(d.candidates for d in unchecked.diagnostics)


def test_a_stopped_check_raises_before_analyzing_again():
    d = Diagnostic("t.py", 1, 1, 1, 2, "SL101", "error", "m",
                   candidates=(Fix("did you mean `b`?", SAFE, (Edit(1, 1, 1, 2, "b"),)),))
    with pytest.raises(fix_check.Stopped):
        fix_check.check_candidates("a\n", [d], lambda text: [], stop=lambda: True)
