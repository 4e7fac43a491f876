"""Inputs too deep or too long for libcst: a finding in well under a second, never a crash.

libcst's native parser overflows the C stack (a segmentation fault) on about
1,300 nested parentheses or a 20,000-term sum, and its time grows with the square
of the nesting; ``shapelint.source.precheck`` measures every file first.
"""

import json
import sys
import time

import pytest
from click.testing import CliRunner

from shapelint.analysis import analyze_source, syntax_problem
from shapelint.source.precheck import MAX_DEPTH, measure
from shapelint.cli import cli
from shapelint.runner import lint_bytes

NP = "import numpy as np\nx = np.ones(3)\n"


def chain(n, op="+"):
    return f" {op} ".join(["x"] * n)


def codes(src, path="f.py"):
    out = lint_bytes(src.encode(), path)
    assert not out.internal_error, out.message
    return [(d.code, d.line) for d in out.diagnostics]


@pytest.mark.parametrize("src,depth", [
    ("y = " + chain(150), 150),
    ("y = " + "(" * 150 + "x" + ")" * 150, 151),
    ("y = " + "f(" * 80 + "x" + ")" * 80, 161),  # a call is its callee's level and its bracket's
    ("y = x" + "[0]" * 120, 122),
    ("y = " + "-" * 120 + "x", 121),
    ("y = x" + ".T" * 120, 121),
    ("y = " + "lambda a, b=1: " * 120 + "x", 121),
    ("y = " + "1 if x else " * 120 + "1", 121),
    ("y = " + " ".join(["'a'"] * 150), 150),
    ("y = " + "{1: " * 120 + "1" + "}" * 120, 121),
    ("y = [" + "[" * 120 + "]" * 120 + " for _ in x]", 122),
    ("if x:\n    pass\n" + "".join(f"elif x == {i}:\n    pass\n" for i in range(150)), 152),
])
def test_depth_estimate_covers_each_kind_of_nesting(src, depth):
    m = measure(NP + src + "\n")
    assert m.max_depth >= depth - 2, m  # an upper bound of libcst's depth, give or take the statement itself
    assert m.excess is not None and m.excess.kind == "depth"


@pytest.mark.parametrize("src", [
    "y = [" + ", ".join(["1"] * 20000) + "]",  # long and flat: fine
    "y = {" + ", ".join(f"'k{i}': {i}" for i in range(5000)) + "}",
    "y = '" + "a" * 1_000_000 + "'",
    "y = (" + chain(90) + ")",
    "def f():\n" + "".join(f"    y{i} = np.dot(x, x) + {i}\n" for i in range(3000)),
    "".join(" " * (4 * i) + "if x:\n" for i in range(40)) + " " * 160 + "pass",
    "y = f'{x!r:>10} {x + x} {(x, [x])}'",
])
def test_ordinary_code_passes(src):
    m = measure(NP + src + "\n")
    assert m.excess is None, m


def test_the_20000_term_file_is_refused_in_well_under_a_second():
    src = NP + "y = " + chain(20_000) + "\n"
    start = time.perf_counter()
    out = lint_bytes(src.encode(), "long_sum.py")
    took = time.perf_counter() - start
    (d,) = out.diagnostics
    # CPython cannot compile it either (it runs out of recursion): it cannot run
    assert d.code == "SL000" and d.line == 3 and "20,000 levels" in d.message, d
    assert took < 3, took  # about 0.2 s; generous for a loaded machine


def test_a_long_sum_that_python_runs_is_sl002_with_the_measure_and_the_limit():
    src = NP + "y = " + chain(600) + "\n"
    compile(src, "f.py", "exec")  # CPython runs it
    (d,) = lint_bytes(src.encode(), "f.py").diagnostics
    assert (d.code, d.severity, d.line) == ("SL002", "warning", 3)
    assert d.message == f"too deeply nested to analyze: nested 600 levels deep (limit {MAX_DEPTH}); not checked"


def test_too_long_a_file_is_sl002_at_the_line_where_it_went_over():
    src = NP + "".join(f"y{i} = x + {i}\n" for i in range(40_000))
    (d,) = lint_bytes(src.encode(), "f.py").diagnostics
    assert d.code == "SL002" and "over the limit of 120,000 tokens by line" in d.message
    assert 15_000 < d.line < 40_000


def test_500_deep_brackets_are_what_cpython_refuses():
    src = NP + "y = " + "(" * 500 + "x" + ")" * 500 + "\n"
    (d,) = lint_bytes(src.encode(), "f.py").diagnostics
    assert d.code == "SL000" and d.message == "syntax error: too many nested parentheses"


def test_sl002_ignored_still_says_the_file_was_not_checked():
    src = NP + "y = " + chain(200) + "\n"
    out = lint_bytes(src.encode(), "f.py", codes={"SL101"})
    assert out.diagnostics == [] and out.message_kind == "warning"
    assert "too deeply nested to analyze" in out.message and "SL002 is ignored" in out.message


def test_recursion_in_the_evaluator_is_sl002(monkeypatch):
    import shapelint.analysis.infer as infer

    def bottomless(*args, **kwargs):
        return bottomless(*args, **kwargs)

    monkeypatch.setattr(infer, "run_inference", bottomless)
    result = analyze_source(NP + "y = x + x\n", "f.py")
    (d,) = result.diagnostics
    assert d.code == "SL002" and "recursion limit" in d.message and result.error is None


def test_recursion_limit_is_not_raised():
    analyze_source(NP + "y = " + chain(99) + "\n", "f.py")
    assert sys.getrecursionlimit() <= 10_000


def test_every_supported_depth_analyzes_without_running_out_of_recursion():
    # The worst kinds of nesting just under the limit: analyzed, not refused.
    for src in ("y = " + chain(MAX_DEPTH - 3), "y = x" + "[0]" * (MAX_DEPTH - 3),
                "y = " + "np.abs(" * ((MAX_DEPTH - 3) // 3) + "x" + ")" * ((MAX_DEPTH - 3) // 3),
                "y = np.array(" + "[" * (MAX_DEPTH - 4) + "1" + "]" * (MAX_DEPTH - 4) + ")"):
        result = analyze_source(NP + src + "\n", "f.py", codes={"SL002", "SL101", "SL105"})
        assert [d.code for d in result.diagnostics if d.code == "SL002"] == [], src[:60]


def test_a_deep_notebook_cell_is_reported_alone(tmp_path):
    cells = [NP, "y = " + chain(300) + "\n", "z = np.ones((2, 3)) + np.ones((4, 5))\n"]
    nb = {"cells": [{"cell_type": "code", "source": c, "execution_count": None, "metadata": {}, "outputs": []}
                    for c in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    out = lint_bytes(json.dumps(nb).encode(), "nb.ipynb")
    assert [(d.code, d.cell, d.line) for d in out.diagnostics] == [("SL002", 2, 1), ("SL101", 3, 1)]


def test_many_cells_in_a_notebook(tmp_path):
    cells = [NP] + [f"y{i} = x + {i}\n" for i in range(3000)] + ["z = np.ones((2, 3)) + np.ones((4, 5))\n"]
    nb = {"cells": [{"cell_type": "code", "source": c} for c in cells]}
    start = time.perf_counter()
    out = lint_bytes(json.dumps(nb).encode(), "nb.ipynb")
    assert time.perf_counter() - start < 20
    assert [(d.code, d.cell) for d in out.diagnostics] == [("SL101", 3002)]


# -- a syntax error is what the parser rejects ------------------------------------------------

# Valid Python 3.12 (PEP 701 lets an f-string reuse its quotes), which libcst
# parses, but a syntax error to CPython 3.11 and older.
PEP701 = 'cache = {"Z1": 1}\nprint(f"Z1: {cache.get("Z1")}")\n'


def cpython_accepts(src):
    try:
        compile(src, "f.py", "exec")
        return True
    except SyntaxError:
        return False


@pytest.mark.parametrize("prefix", ["", "import numpy as np\n"])
def test_newer_syntax_than_the_running_python_is_not_a_syntax_error(prefix):
    src = prefix + PEP701
    assert codes(src) == []
    assert syntax_problem(src) is None


def test_the_regression_really_runs_where_cpython_rejects_it():
    if cpython_accepts(PEP701):
        pytest.skip("this Python (3.12+) accepts PEP 701 f-strings: the fast path alone decides")
    assert syntax_problem(PEP701) is None  # libcst overrules CPython


@pytest.mark.parametrize("prefix", ["", "import numpy as np\n"])
def test_a_true_syntax_error_keeps_cpythons_message_and_position(prefix):
    src = prefix + "def f(x:\n    return x\n"
    out = lint_bytes(src.encode(), "f.py")
    (d,) = out.diagnostics
    line = 2 if prefix else 1
    assert (d.code, d.line, d.column) == ("SL000", line, 6)
    assert d.message.startswith("syntax error: ") and "libcst" not in d.message


def test_notebook_cells_use_the_same_authority():
    cells = ["import numpy as np\n", PEP701, "%matplotlib inline\nprint(f\"{cache.get(\"Z1\")}\")\n", "def f(:\n"]
    nb = {"cells": [{"cell_type": "code", "source": c} for c in cells]}
    out = lint_bytes(json.dumps(nb).encode(), "nb.ipynb")
    assert [(d.code, d.cell, d.line) for d in out.diagnostics] == [("SL000", 4, 1)]


def test_cli_reports_a_deep_file_and_the_good_one_beside_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deep.py").write_text(NP + "y = " + chain(300) + "\n")
    (tmp_path / "good.py").write_text("import numpy as np\nz = np.ones((2, 3)) + np.ones((4, 5))\n")
    r = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", "."], catch_exceptions=False)
    assert r.exit_code == 1
    assert sorted((d["path"], d["code"]) for d in json.loads(r.stdout)) == [("deep.py", "SL002"), ("good.py", "SL101")]


def test_shapes_command_says_a_deep_file_was_not_analyzed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deep.py").write_text(NP + "y = " + chain(300) + "\n")
    r = CliRunner().invoke(cli, ["shapes", "--no-cache", "deep.py"], catch_exceptions=False)
    assert r.exit_code == 1 and "deep.py:3:" in r.stderr and "SL002 too deeply nested to analyze" in r.stderr
