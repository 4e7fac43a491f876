"""Fuzz: analyze_source never raises and never reports an internal error on parseable source;
deep and long inputs always get a result in time, never a crash (see the second half)."""

import ast
import warnings

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from shapelint.analysis import analyze_source
from shapelint.runner import lint_bytes

FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])


def parses(src: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(src)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def assert_sound(src: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        result = analyze_source(src, "fuzz.py", collect_shapes=True)
    assert not result.internal_error, f"{result.error}\n--- source ---\n{src}"
    if parses(src):
        assert all(d.code != "SL000" for d in result.diagnostics), src


# NumPy-flavoured programs built from the operations the analyzer models.
DIM = st.one_of(st.integers(0, 6), st.sampled_from(["n", "m", "-1", "k + 1", "x.shape[0]", "len(x)"]))
SHAPE = st.lists(DIM, min_size=0, max_size=4).map(lambda ds: "(" + ", ".join(map(str, ds)) + ("," if len(ds) == 1 else "") + ")")
NAME = st.sampled_from(["x", "y", "z", "W", "b"])
ATOM = st.one_of(
    NAME,
    SHAPE.map(lambda s: f"np.ones({s})"),
    SHAPE.map(lambda s: f"np.zeros({s})"),
    SHAPE.map(lambda s: f"np.random.randn(*{s})"),
    st.integers(-3, 3).map(str),
    st.just("np.arange(12)"),
    st.just("np.eye(3)"),
    st.just("None"),
)


def expr(children):
    binop = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "@", "**", "==", "<"]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})")
    call = st.tuples(st.sampled_from(["np.dot", "np.matmul", "np.maximum", "np.concatenate", "np.stack",
                                      "np.vstack", "np.hstack", "np.where", "np.outer"]),
                     st.lists(children, min_size=1, max_size=3)).map(
        lambda t: f"{t[0]}({', '.join(t[1])})" if "cat" not in t[0] and "stack" not in t[0]
        else f"{t[0]}([{', '.join(t[1])}])")
    method = st.tuples(children, st.sampled_from([
        ".T", ".reshape(-1, 1)", ".reshape(2, 3)", ".sum(axis=0)", ".mean(axis=1, keepdims=True)",
        ".sum()", "[0]", "[:, 0]", "[..., None]", "[1:]", ".shape", ".shape[0]", ".dot(x)", ".flatten()",
        ".transpose()", "[::2, None]", ".astype(float)"])).map(lambda t: f"({t[0]}){t[1]}")
    red = st.tuples(st.sampled_from(["np.sum", "np.mean", "np.max", "np.argmax", "np.squeeze", "np.expand_dims"]),
                    children, st.sampled_from(["", ", axis=0", ", axis=1", ", axis=-1", ", axis=5", ", 0"])).map(
        lambda t: f"{t[0]}({t[1]}{t[2]})")
    return st.one_of(binop, call, method, red)


EXPR = st.recursive(ATOM, expr, max_leaves=8)
STMT = st.one_of(
    st.tuples(NAME, EXPR).map(lambda t: f"{t[0]} = {t[1]}"),
    st.tuples(NAME, st.sampled_from(["+=", "-=", "*=", "@="]), EXPR).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
    st.tuples(NAME, SHAPE).map(lambda t: f"assert {t[0]}.shape == {t[1]}"),
    st.tuples(NAME, EXPR).map(lambda t: f"if {t[0]}.ndim:\n    {t[0]} = {t[1]}\nelse:\n    {t[0]} = None"),
    st.tuples(NAME, EXPR).map(lambda t: f"for _ in range(2):\n    {t[0]} = {t[1]}"),
    st.tuples(NAME, EXPR, EXPR).map(lambda t: f"def f({t[0]}, n=3):\n    k = {t[1]}\n    return {t[2]}\n{t[0]} = f({t[0]})"),
    st.tuples(NAME, EXPR).map(lambda t: f"{t[0]}, rest = {t[1]}, 1"),
    st.tuples(NAME, EXPR).map(lambda t: f"{t[0]} = [{t[1]} for _ in range(3)]"),
    st.tuples(NAME, EXPR).map(lambda t: f"with open('f') as {t[0]}:\n    y = {t[1]}"),
    st.tuples(NAME, EXPR).map(lambda t: f"class C:\n    attr = {t[1]}\n    def m(self):\n        return self.attr @ {t[0]}"),
)
PROGRAM = st.lists(STMT, min_size=1, max_size=8).map(
    lambda ss: "import numpy as np\nn, m, k = 3, 4, 5\nx = np.ones((n, m))\n" + "\n".join(ss) + "\n")


@FUZZ
@given(PROGRAM)
def test_numpy_programs(src):
    assert parses(src)
    assert_sound(src)


def test_hypothesmith_grammar_programs():
    hypothesmith = pytest.importorskip("hypothesmith", reason="hypothesmith is not installed (pip install hypothesmith)")

    # from_grammar: fast to generate (from_node is ~100x slower).
    @settings(max_examples=50, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(hypothesmith.from_grammar())
    def run(src):
        # Prefixed so that the analyzer (not only the syntax check) runs on it.
        prefixed = "import numpy as np\n" + src
        assert_sound(src)
        if parses(prefixed):
            assert_sound(prefixed)

    run()


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash_the_runner(data):
    for name in ("f.py", "f.ipynb"):
        out = lint_bytes(data, name)
        assert not out.internal_error, out.message
        assert all(d.code in ("SL000", "SL001") or d.code.startswith("SL") for d in out.diagnostics)


# -- deep and long inputs: a result within a time bound, never a crash ------------------------
#
# libcst's native parser overflows the C stack on deep enough nesting (a crash
# of the whole process, which no `except` catches), and its time grows with the
# square of the nesting: every file is measured first (source.precheck).
# These examples cross the limits in every direction.  A hole in the pre-check
# kills this test process: loud, never a silent pass.

import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from shapelint.source.precheck import MAX_DEPTH  # noqa: E402

DEEP = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
# Generous for a shared, loaded machine: these take well under a second each.
TIME_BOUND = 10.0

# (prefix, suffix) pairs applied n times around an expression.
WRAPPERS = {
    "parens": ("(", ")"),
    "list": ("[", "]"),
    "set": ("{", "}"),
    "dict": ("{1: ", "}"),
    "tuple": ("(1, ", ")"),
    "call": ("f(", ")"),
    "np-call": ("np.abs(", ")"),
    "kwarg-call": ("g(a=", ")"),
    "subscript": ("x[", "]"),
    "slice": ("x[1:", "]"),
    "lambda": ("lambda a: ", ""),
    "ternary": ("x if x else ", ""),
    "unary": ("-", ""),
    "not": ("not ", ""),
    "await": ("await ", ""),
    "star": ("f(*", ")"),
    "listcomp": ("[", " for a in x]"),
    "genexp": ("sum(", " for a in x)"),
    "dictcomp": ("{a: ", " for a in x}"),
    "fstring": ("f'{", "}'"),  # quotes cannot nest before 3.12: only one level is valid
    "walrus": ("(a := ", ")"),
}
# Operators for long flat chains (left-nested in the syntax tree).
CHAIN_OPS = ["+", "-", "*", "@", "/", "**", "and", "or", "<", "==", "|", "&", "is", "in", "."]
BLOCKS = ["if x:", "for a in x:", "while x:", "with x as a:", "def f(a):", "class C:", "async def g():",
          "try:", "else:", "elif x:"]

DEPTH = st.one_of(st.integers(1, 30), st.integers(MAX_DEPTH - 10, MAX_DEPTH + 10), st.integers(300, 3000))


@st.composite
def deep_expression(draw):
    expr = draw(st.sampled_from(["x", "np.ones((2, 3))", "1", "'s'"]))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(sorted(WRAPPERS) + ["chain", "attr-chain", "subscript-chain", "strings"]))
        n = draw(DEPTH)
        if kind == "chain":
            op = draw(st.sampled_from(CHAIN_OPS))
            op = op if op == "." else f" {op} "
            expr = op.join([f"({expr})"] + ["x"] * n) if op != "." else f"({expr})" + ".T" * n
        elif kind == "attr-chain":
            expr = f"({expr})" + ".reshape(-1)" * n
        elif kind == "subscript-chain":
            expr = f"({expr})" + "[0]" * n
        elif kind == "strings":
            expr = f"({expr}, " + " ".join(["'a'"] * n) + ")"
        else:
            prefix, suffix = WRAPPERS[kind]
            expr = prefix * n + expr + suffix * n
    return expr


@st.composite
def deep_program(draw):
    """Nested blocks around a deep expression, an elif chain, or a long flat literal."""
    shape = draw(st.sampled_from(["expression", "blocks", "elifs", "flat", "statements", "string"]))
    head = "import numpy as np\nx = np.ones((3, 3))\n"
    if shape == "expression":
        return head + f"y = {draw(deep_expression())}\n"
    if shape == "blocks":
        n = draw(st.one_of(st.integers(1, 20), st.integers(95, 105)))
        lines = []
        for level in range(n):
            header = draw(st.sampled_from(BLOCKS))
            if header in ("else:", "elif x:"):
                lines.append(" " * level + "if x:")
                lines.append(" " * (level + 1) + "pass")
            lines.append(" " * level + header)
        lines.append(" " * n + f"y = {draw(deep_expression())}")
        return head + "\n".join(lines) + "\n"  # a `try:` without `except` is a syntax error: a result too
    if shape == "elifs":
        n = draw(st.one_of(st.integers(1, 50), st.integers(MAX_DEPTH - 5, MAX_DEPTH + 5), st.integers(500, 5000)))
        return head + "if x[0, 0]:\n    y = x\n" + "".join(f"elif x[0, 0] == {i}:\n    y = x @ x\n" for i in range(n))
    if shape == "flat":
        n = draw(st.integers(0, 5000))
        kind = draw(st.sampled_from(["[{}]", "({},)", "{{{}}}", "np.array([{}])"]))
        items = ", ".join(f"{i}: {i}" if kind == "{{{}}}" and i % 2 else str(i) for i in range(n))
        return head + "y = " + kind.format(items) + "\n"
    if shape == "statements":
        n = draw(st.integers(1, 3000))
        return head + "".join(f"y{i} = x + {i}\n" for i in range(n))
    n = draw(st.integers(0, 2_000_000))
    return head + "y = '" + "a" * n + "'\nz = x + np.ones(4)\n"


def assert_result_in_time(data: bytes, name: str) -> None:
    """lint_bytes answers in time with findings or a warning, never an internal error."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        out = lint_bytes(data, name)
    took = time.perf_counter() - start
    assert took < TIME_BOUND, f"{took:.1f} s for {name}: {data[:200]!r}"
    assert not out.internal_error, f"{out.message}\n{out.trace}"
    assert out.trace is None
    assert out.message_kind in (None, "warning")
    assert all(d.code.startswith("SL") and d.line >= 1 for d in out.diagnostics)
    event(",".join(sorted({d.code for d in out.diagnostics if d.code < "SL100"})) or "analyzed")


@DEEP
@given(deep_program())
def test_deep_and_long_programs_give_a_result_in_time(src):
    assert_result_in_time(src.encode(), "deep.py")


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(deep_program(), st.just("%matplotlib inline\n"), st.just("def f(:\n")),
                min_size=1, max_size=40),
       st.integers(0, 300))
def test_notebooks_with_many_and_deep_cells(cells, copies):
    cells = cells + ["y = 1\n"] * copies
    nb = {"cells": [{"cell_type": "code", "source": c} for c in cells], "metadata": {}, "nbformat": 4}
    assert_result_in_time(json.dumps(nb).encode(), "deep.ipynb")


GOOD = "import numpy as np\na = np.ones((2, 3))\nb = np.ones((4, 5))\nc = a + b\n"


def run_cli(folder, *args):
    # A child process: if a file kills a worker, the run must go on without it.
    env = {k: v for k, v in os.environ.items() if k != "_SHAPELINT_TEST_CRASH"}
    return subprocess.run([sys.executable, "-m", "shapelint", "check", "--no-cache", "--format", "json", *args, "."],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def test_the_20000_term_file_and_500_deep_nesting_beside_a_good_file(tmp_path):
    (tmp_path / "long_sum.py").write_text("import numpy as np\nx = np.ones(3)\ny = " + " + ".join(["x"] * 20_000) + "\n")
    (tmp_path / "deep.py").write_text("import numpy as np\ny = " + "np.abs(" * 500 + "1" + ")" * 500 + "\n")
    (tmp_path / "deep_lists.py").write_text("import numpy as np\ny = " + "[" * 500 + "]" * 500 + "\n")
    (tmp_path / "good.py").write_text(GOOD)
    start = time.perf_counter()
    r = run_cli(tmp_path, "-j", "1")
    assert time.perf_counter() - start < 60
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    got = {(d["path"], d["code"]) for d in json.loads(r.stdout)}
    assert got == {("long_sum.py", "SL000"), ("deep.py", "SL000"), ("deep_lists.py", "SL000"), ("good.py", "SL101")}


@settings(max_examples=2, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(deep_program(), min_size=2, max_size=5))
def test_cli_on_generated_files_beside_a_good_file(tmp_path_factory, sources):
    folder = tmp_path_factory.mktemp("deep")
    for i, src in enumerate(sources):
        (folder / f"gen{i}.py").write_text(src)
    (folder / "good.py").write_text(GOOD)
    r = run_cli(folder, "-j", "2")
    assert r.returncode in (0, 1), r.stderr  # never 2 (internal error), never a signal
    assert "Traceback" not in r.stderr
    assert ("good.py", "SL101") in {(d["path"], d["code"]) for d in json.loads(r.stdout)}
