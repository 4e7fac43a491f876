"""String literals and docstrings read without libcst's ``evaluated_value`` where the text is plain."""

from pathlib import Path

import libcst as cst
import pytest

from shapelint.analysis.syntax import docstring, plain_string

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

CASES = [
    'def f(x):\n    """Shapes: x (n, 1)."""\n',
    "def f(x):\n    '''\n    x : array of shape (n_x, m)\n\n        indented\n    '''\n    return x\n",
    'def f(x):\n    "one line"\n',
    'def f(x):\n    """a \\"quoted\\" word\\n next"""\n',  # escapes: libcst's value
    'def f(x):\n    r"""raw \\d"""\n',
    'def f(x):\n    b"""bytes"""\n',
    'def f(x):\n    """con""" "catenated"\n',
    'def f(x):\n    x = 1\n    """not a docstring"""\n',
    'def f(x): "suite on one line"\n',
    'def f(x):\n    pass\n',
    'def f(x):\n    """"""\n',
    'def f(x):\n\t"""\ttabs\n\t\tand more\n\t"""\n',
    'def f(x):\n    f"""{x} formatted"""\n',
]


def _function(code: str) -> cst.FunctionDef:
    node = cst.parse_module(code).body[0]
    assert isinstance(node, cst.FunctionDef)
    return node


@pytest.mark.parametrize("code", CASES)
def test_a_docstring_reads_as_libcst_reads_it(code):
    node = _function(code)
    assert docstring(node) == node.get_docstring(clean=True)


def test_every_docstring_of_the_fixtures_reads_as_libcst_reads_it():
    functions = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            nodes = _functions(cst.parse_module(path.read_text(encoding="utf-8")))
        except (cst.ParserSyntaxError, UnicodeDecodeError, RecursionError):
            continue  # (the fixtures of bad input)
        for node in nodes:
            functions += 1
            assert docstring(node) == node.get_docstring(clean=True), f"{path}: {node.name.value}"
    assert functions > 100


def _functions(module: cst.Module):
    found = []

    class Collect(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            found.append(node)

    module.visit(Collect())
    return found


def test_a_plain_docstring_is_not_compiled(monkeypatch):
    node = _function('def f(x):\n    """x: (n, 1)"""\n')

    def compiled(self):
        raise AssertionError("evaluated_value compiles the literal")

    monkeypatch.setattr(cst.SimpleString, "evaluated_value", property(compiled))
    assert docstring(node) == "x: (n, 1)"
    assert plain_string(cst.parse_expression("'W1'")) == "W1"
    assert plain_string(cst.parse_expression("'a\\tb'")) is None  # an escape: libcst's value
    assert plain_string(cst.parse_expression("u'W1'")) is None  # a prefix


DECLARED = '''\
import numpy as np


def forward(W, X):
    """
    W -- weights, numpy array of shape (4, 3)
    X -- data, numpy array of shape (5, 10)
    """
    return np.dot(W, X)
'''


def test_the_analysis_reads_a_plain_docstring_without_compiling_it(monkeypatch):
    from shapelint.analysis import analyze_source

    def compiled(self):
        raise AssertionError("evaluated_value compiles the literal")

    monkeypatch.setattr(cst.SimpleString, "evaluated_value", property(compiled))
    result = analyze_source(DECLARED, "declared.py")
    assert not result.internal_error, result.error
    assert [d.line for d in result.diagnostics] == [9]


@pytest.mark.parametrize("literal", ["'shape'", '"a\\tb"', "r'\\d'", "u'x'", "b'x'", "'''x'''", "'é'"])
def test_a_string_value_is_libcsts_value_or_none_for_bytes(literal):
    from shapelint.analysis.syntax import string_value

    node = cst.parse_expression(literal)
    expected = node.evaluated_value
    assert string_value(node) == (expected if isinstance(expected, str) else None)


@pytest.mark.parametrize("literal", ["0", "00", "0_0", "1", "10", "0x0", "0x10", "0o0", "0b1", "1_000"])
def test_zero_is_read_as_libcst_reads_it(literal):
    from shapelint.analysis.syntax import is_zero

    node = cst.parse_expression(literal)
    assert is_zero(node) == (node.evaluated_value == 0)
