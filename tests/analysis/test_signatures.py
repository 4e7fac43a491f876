"""`shapelint shapes --signatures`: a signature a student can read, and that agrees with `shapelint shapes`.

Golden strings for the course-style fixture (`fixtures/signatures/deep_network.py`, no caller),
the no-internal-token property over every fixture, and the agreement of a signature's result
with the shapes `shapelint shapes` shows for the names the function returns.
"""

import re
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from shapelint.analysis import analyze_source
from shapelint.cli import cli, format_shape

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted(p for p in (ROOT / "fixtures").rglob("*.py") if "bad_input" not in p.parts)
# what the analyzer uses inside and a user must never see: `?`-names, `#N` counters, `~` marks
TOKEN = re.compile(r"\?[A-Za-z_(\[]|#|~")


def signatures(source: str, path: str = "<test>.py"):
    result = analyze_source(textwrap.dedent(source), path, collect_shapes=True)
    assert result.error is None, result.error
    return {r.name: r.signature for r in result.shapes if r.signature is not None}


DEEP = {
    "initialize_parameters_deep":
        "initialize_parameters_deep(layer_dims: ?) -> {W[l]: (layer_dims[l], layer_dims[l - 1]), "
        "b[l]: (layer_dims[l], 1)}",
    "linear_forward":
        "linear_forward(A: (n[l-1], m), W: (n[l], n[l-1]), b: (n[l], 1)) -> "
        "((n[l], m), ((n[l-1], m), (n[l], n[l-1]), (n[l], 1)))",
    # the sizes linear_forward's docstring names reach sigmoid through the call in linear_activation_forward
    "sigmoid": "sigmoid(Z: (n[l], m)) -> ((n[l], m), (n[l], m))",
    # `m = A_prev.shape[1]` names a size; no letter reads as the local `b` (`A_prev, W, b = cache`)
    "linear_backward": "linear_backward(dZ: (a, m), cache: ((c, m), (a, d), ?)) -> ((d, m), (a, c), (a, 1))",
    "compute_cost": "compute_cost(AL: ?, Y: (a, m)) -> ()",
    # `L = len(caches)`; a loop's `l`
    "L_model_backward":
        "L_model_backward(AL: ?, Y: ?, caches: ?) -> {dA[L - 1]: array, dW[L]: array, "
        "db[L]: array, dA[l]: array, dW[l + 1]: array, db[l + 1]: array}",
}


def test_course_fixture_signatures_read_as_the_course_writes_them():
    path = ROOT / "fixtures" / "signatures" / "deep_network.py"
    got = signatures(path.read_text(encoding="utf-8"), str(path))
    for name, text in DEEP.items():
        assert got[name] == text


def test_the_cli_prints_them():
    r = CliRunner().invoke(cli, ["shapes", "--signatures", "--no-cache", "--isolated",
                                 str(ROOT / "fixtures" / "signatures" / "deep_network.py")])
    assert r.exit_code == 0, r.output
    assert f"deep_network.py:85:5: {DEEP['linear_backward']}\n" in r.output


def test_a_tuple_result_names_its_unknown_parts_and_int_parameters_say_int():
    got = signatures('''
        import numpy as np
        def sigmoid(Z):
            A = 1 / (1 + np.exp(-Z))
            cache = Z
            return A, cache
        def layer(n_h, n_x, X):
            W = np.random.randn(n_h, n_x)
            return np.dot(W, X), W
        def update(parameters, learning_rate):
            return parameters
    ''')
    assert got["sigmoid"] == "sigmoid(Z: ?) -> (A, cache)"  # was `sigmoid(Z: ?) -> (array, ?)`
    assert got["layer"] == "layer(n_h: int, n_x: int, X: (n_x, a)) -> ((n_h, a), (n_h, n_x))"
    assert got["update"] == "update(parameters: ?, learning_rate: ?) -> parameters"


def test_sizes_the_code_names_keep_their_names_and_letters_avoid_them():
    got = signatures('''
        import numpy as np
        def f(X, a):
            n, m = X.shape
            return np.ones((m, 1)) * a, X.T
    ''')
    # `n` and `m` are how the code names X's sizes (made up, but named); no size is lettered `a`
    assert got["f"] == "f(X: (n, m), a: ?) -> ((m, 1), (m, n))"


def test_a_dict_parameter_shows_the_keys_its_calls_pass():
    got = signatures('''
        import numpy as np
        def forward(X, parameters):
            W1 = parameters["W1"]
            b1 = parameters["b1"]
            return np.dot(W1, X) + b1
        params = {"W1": np.random.randn(4, 2), "b1": np.zeros((4, 1))}
        A = forward(np.random.randn(2, 5), params)
    ''')
    # X's shape is the function's own (its sizes made up), the dict's entries unknown to it come
    # from the call, as `shapelint shapes` has them; `...`: it may hold more keys
    assert got["forward"] == "forward(X: (a, b), parameters: {W1: (4, 2), b1: (4, 1), ...}) -> (4, 5)"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_internal_token_reaches_a_signature(path):
    for name, text in signatures(path.read_text(encoding="utf-8"), str(path)).items():
        head, _, _ = text.partition("(")
        assert not TOKEN.search(text), text
        # braces only around a dict's entries, keyed as the code builds them (`W1`, `W[l]`)
        for body in re.findall(r"\{([^{}]*)\}", text):
            for key in re.findall(r"(?:^|, )([^:,()\[\]]+(?:\[[^\]]*\])?):", body):
                assert re.fullmatch(r"[A-Za-z_][\w]*(\[[\w +*()-]+\])?", key.strip()), (key, text)


def _split(text: str):
    """A parenthesized tuple's top-level parts."""
    inner, depth, parts, cur = text[1:-1], 0, [], ""
    for ch in inner:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def _agrees(signature_part: str, shown: str) -> bool:
    """A signature's shape agrees with `shapelint shapes`'s: same rank, the same size wherever
    `shapes` names one (where it shows `?`, the signature may say which made-up size it is)."""
    if shown == "()":  # a number
        return signature_part in ("()", "int", "float")
    if shown == "unknown":  # not an array (a tuple, a dict...), or nothing known
        return not _is_shape(signature_part)
    if not _is_shape(signature_part):
        return False
    ours, theirs = _split(signature_part), _split(shown)
    return len(ours) == len(theirs) and all(t == "?" or o == t for o, t in zip(ours, theirs))


def _assignment_counts(func: cst.FunctionDef):
    counts = {}

    class Targets(cst.CSTVisitor):
        def visit_AssignTarget(self, node):
            for n in _names(node.target):
                counts[n] = counts.get(n, 0) + 1

        def visit_AugAssign(self, node):
            for n in _names(node.target):
                counts[n] = counts.get(n, 0) + 2  # always more than once

        def visit_For(self, node):
            for n in _names(node.target):
                counts[n] = counts.get(n, 0) + 2

    func.body.visit(Targets())
    return counts


def _names(target):
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _names(e.value)]
    return []


def _is_shape(text: str) -> bool:
    return text.startswith("(") and all(not p.startswith(("(", "[", "{")) for p in _split(text))


def _returned_names(func: cst.FunctionDef):
    returns = [n for n in func.body.body if isinstance(n, cst.SimpleStatementLine)
               for n in n.body if isinstance(n, cst.Return)]
    if len(returns) != 1 or returns[0].value is None:
        return None
    value = returns[0].value
    elements = [e.value for e in value.elements] if isinstance(value, cst.Tuple) else [value]
    if not all(isinstance(e, cst.Name) for e in elements):
        return None
    return [e.value for e in elements]


@pytest.mark.parametrize("path", FIXTURES + [ROOT / "fixtures" / "signatures" / "deep_network.py"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_signatures_agree_with_shapes(path):
    source = path.read_text(encoding="utf-8")
    result = analyze_source(source, str(path), collect_shapes=True)
    module = cst.parse_module(source)
    wrapper = cst.metadata.MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(cst.metadata.PositionProvider)
    sigs = {r.line: r.signature for r in result.shapes if r.signature is not None}
    records = [r for r in result.shapes if r.signature is None]
    compared = 0
    for func in (n for n in wrapper.module.body if isinstance(n, cst.FunctionDef)):
        where = positions[func]
        names = _returned_names(func)
        if names is None or where.start.line not in sigs:
            continue
        result_text = sigs[where.start.line].rsplit(" -> ", 1)[1]
        parts = _split(result_text) if len(names) > 1 and result_text.startswith("(") else [result_text]
        if len(parts) != len(names):
            continue
        assigned = _assignment_counts(func)
        for name, part in zip(names, parts):
            inside = [r for r in records if r.name == name and where.start.line < r.line <= where.end.line]
            if assigned.get(name) != 1 or len(inside) != 1 or part == name:
                continue  # assigned once; a part shown by its name has no shape to compare
                continue
            shown = format_shape(inside[0].shape)
            assert _agrees(part, shown), f"{func.name.value}: {name} is {part} in the signature, {shown} in shapes"
            compared += 1
    if path.name in ("deep_network.py", "forward.py", "backward.py", "shallow_network.py"):
        assert compared >= 3
