"""Fuzz: analyze_source never raises and never reports an internal error on parseable source."""

import ast
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
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
