"""The same contract text gives the same verdict statically and at run time (issue 6).

Each script in ``fixtures/agree/`` defines functions with shape contracts
(``@shapelint.shapes`` specs, course-style and numpydoc docstrings, jaxtyping
annotations) and calls them at module level with concrete arrays.  Both
halves of shapelint judge the same file:

* static: ``analyze_source``; each SL301 finding is a verdict;
* runtime: the script is run the way ``shapelint run --warn`` runs it
  (``shapelint.runtime.run.run_script``), and each recorded ``Violation`` is
  a verdict.

A verdict is ``(line, function, what)`` where ``what`` is the name of the
broken argument or ``"return"``.  Conventions, so the two sides are comparable:

* the static analyzer reports the first broken argument of a call; at run
  time every broken argument is recorded, so only the first one of each call
  counts (parameter order, which is the order the runtime checks in);
* a broken return value is reported statically at the function's ``return``
  line (the body contradicts its own declaration, whoever calls it) and at
  run time at the call: a runtime return violation is mapped to the
  ``return`` line of the function, which must have exactly one.  A return
  violation in a call that already broke an argument is a consequence of the
  bad input, not a verdict on the body, and is not counted (the static side
  does not check returns against a call's arguments at all);
* violations are grouped into calls by (line, function): a fixture calls a
  given function at most once per line.

Lines marked ``# disagree: ID`` in a fixture are known disagreements; each is
a strict xfail in ``KNOWN_DISAGREEMENTS`` with its cause, and is left out of
the whole-file comparison.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Dict, FrozenSet, List, Tuple

import numpy as np
import pytest

import shapelint
from shapelint.analysis import analyze_source
from shapelint.errors import ShapeError
from shapelint.runtime import contracts
from shapelint.runtime.run import run_script

ROOT = Path(__file__).resolve().parents[1]
AGREE = ROOT / "fixtures" / "agree"
FIXTURES = sorted(AGREE.glob("*.py"))

Verdict = Tuple[int, str, str]  # (line, function, broken argument or "return")

DISAGREE = re.compile(r"#\s*disagree:\s*([a-z][a-z0-9-]*)\s*$")

# Known disagreements: marker in the fixture -> cause.  Each is a strict
# xfail: once the two sides agree on that line the test fails, and the marker
# and the entry must go.
KNOWN_DISAGREEMENTS: Dict[str, str] = {
}

# a finding inside a function of the checked file is reported at its own line; one inside an imported
# module is reported at the call, prefixed
_STATIC_WHAT = re.compile(r"^(?:in `[\w.]+\(\)` \(line (?P<inner>\d+) of `[^`]*`\) with the arguments given here: )?"
                          r"(?:argument `(?P<arg>\w+)`|return value(?: `\w+`)?) of `(?P<func>[\w.]+)\(\)`")
_RUNTIME_ARG = re.compile(r"^argument '(\w+)'")


def _markers(source: str) -> Dict[int, str]:
    return {n: m.group(1) for n, line in enumerate(source.splitlines(), 1) for m in DISAGREE.finditer(line)}


def _function_defs(tree: ast.Module) -> Dict[str, ast.FunctionDef]:
    """Module-level functions and methods by qualname."""
    out: Dict[str, ast.FunctionDef] = {}

    def visit(body, prefix):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out[prefix + node.name] = node
            elif isinstance(node, ast.ClassDef):
                visit(node.body, prefix + node.name + ".")

    visit(tree.body, "")
    return out


def _return_lines(func: ast.FunctionDef) -> List[int]:
    lines = []
    stack = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            lines.append(node.lineno)
        stack.extend(ast.iter_child_nodes(node))
    return sorted(lines)


def _module_calls(tree: ast.Module) -> List[Tuple[int, str]]:
    """(line, callee) of every call made by the module's top level (not in defs)."""
    calls = []
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            calls.append((node.lineno, name))
        stack.extend(ast.iter_child_nodes(node))
    return calls


def static_verdicts(path: Path) -> FrozenSet[Verdict]:
    source = path.read_text(encoding="utf-8")
    result = analyze_source(source, str(path))
    assert result.error is None, result.error
    out = set()
    for d in result.diagnostics:
        if d.code != "SL301":
            continue
        m = _STATIC_WHAT.match(d.message)
        assert m, f"{path.name}:{d.line}: an SL301 this test cannot read: {d.message}"
        # a return value is placed at its return statement, as the runtime places it
        line = int(m.group("inner")) if m.group("inner") and not m.group("arg") else d.line
        out.add((line, m.group("func"), m.group("arg") or "return"))
    return frozenset(out)


@functools.lru_cache(maxsize=None)
def runtime_run(path: Path):
    """Run the fixture as ``shapelint run --warn`` does: (status, stderr, violations)."""
    err = io.StringIO()
    saved = (contracts.STATE.enabled, contracts.STATE.mode)
    try:
        with contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.simplefilter("ignore", contracts.ShapeContractWarning)
            status = run_script(str(path), mode=contracts.WARN)
        recorded = contracts.violations()
        assert len(recorded) == contracts.violation_count(), "more violations than the log keeps"
    finally:
        contracts.clear_violations()
        contracts.STATE.enabled, contracts.STATE.mode = saved
    return status, err.getvalue(), tuple(recorded)


def runtime_verdicts(path: Path) -> FrozenSet[Verdict]:
    _, _, recorded = runtime_run(path)
    defs = _function_defs(ast.parse(path.read_text(encoding="utf-8")))
    calls: Dict[Tuple[int, str], List[contracts.Violation]] = {}
    for v in recorded:
        assert v.filename == str(path), f"a violation outside the fixture: {v.message}"
        calls.setdefault((v.lineno, v.function), []).append(v)
    out = set()
    for (line, qualname), found in calls.items():
        name = qualname.rsplit(".", 1)[-1]
        args = [_RUNTIME_ARG.match(v.argument) for v in found]
        args = [m.group(1) for m in args if m]
        if args:
            out.add((line, name, args[0]))
            continue
        assert all(v.argument.startswith("return value") for v in found), found
        returns = _return_lines(defs[qualname])
        assert len(returns) == 1, f"{qualname} needs exactly one return statement to place its verdict"
        out.add((returns[0], name, "return"))
    return frozenset(out)


def _without(verdicts, lines):
    return {v for v in verdicts if v[0] not in lines}


@pytest.fixture(autouse=True)
def _restore_runtime_state():
    saved = (contracts.STATE.enabled, contracts.STATE.mode)
    yield
    contracts.STATE.enabled, contracts.STATE.mode = saved


def test_there_are_agreement_fixtures():
    assert 4 <= len(FIXTURES) <= 8


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_static_and_runtime_agree(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    status, stderr, _ = runtime_run(path)
    # the script ran to its end in warn mode: no exception, only the violation count
    assert "Traceback" not in stderr, stderr
    assert status == 1 and re.search(r"shapelint: \d+ shape contract violations?\n$", stderr), stderr

    names = {q.rsplit(".", 1)[-1] for q in _function_defs(tree)}
    calls = [(line, name) for line, name in _module_calls(tree) if name in names]
    assert len(calls) == len(set(calls)), "a function is called twice on one line: calls cannot be told apart"

    skip = set(_markers(source))
    static = static_verdicts(path)
    runtime = runtime_verdicts(path)
    assert _without(static, skip) == _without(runtime, skip), (
        f"static only: {sorted(_without(static - runtime, skip))}\n"
        f"runtime only: {sorted(_without(runtime - static, skip))}"
    )

    # the comparison can fail: both sides flag something, and some calls are clean on both sides
    _, _, recorded = runtime_run(path)
    flagged_lines = {v.lineno for v in recorded} | {line for line, _, _ in static}
    contract_calls = {line for line, _ in calls}
    assert _without(static, skip) and _without(runtime, skip)
    assert contract_calls - flagged_lines, "no clean call"
    assert contract_calls & {v.lineno for v in recorded if v.lineno not in skip}, "no violating call"


def _disagreement_cases():
    cases = []
    for path in FIXTURES:
        for line, ident in sorted(_markers(path.read_text(encoding="utf-8")).items()):
            reason = KNOWN_DISAGREEMENTS.get(ident, "unknown marker")
            cases.append(pytest.param(path, line, id=f"{path.name}:{ident}",
                                      marks=pytest.mark.xfail(strict=True, reason=reason,
                                                              raises=AssertionError)))
    return cases


def test_known_disagreements_are_listed():
    found = [ident for path in FIXTURES for ident in _markers(path.read_text(encoding="utf-8")).values()]
    assert sorted(found) == sorted(KNOWN_DISAGREEMENTS)


@pytest.mark.parametrize("path, line", _disagreement_cases())
def test_known_disagreement(path, line):
    static = {v for v in static_verdicts(path) if v[0] == line}
    runtime = {v for v in runtime_verdicts(path) if v[0] == line}
    assert static == runtime, f"line {line}: static {sorted(static)}, runtime {sorted(runtime)}"


def test_shapelint_run_stops_at_the_first_violation():
    path = AGREE / "decorator_specs.py"
    _, _, recorded = runtime_run(path)
    first = recorded[0]
    done = subprocess.run([sys.executable, "-m", "shapelint", "run", str(path)], capture_output=True,
                          text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert done.returncode == 1, done.stderr
    assert f"shapelint.errors.ShapeError: {first.function}(): {first.argument} has shape" in done.stderr
    assert first.reason in done.stderr
    assert f'File "{path}", line {first.lineno}, in <module>' in done.stderr
    assert first.lineno in {line for line, _, _ in static_verdicts(path)}
    # only the user's frames, and not the wrapper's internal unpacking error as a context
    assert "During handling" not in done.stderr and "<shapelint" not in done.stderr
    assert "shapelint/runtime" not in done.stderr.replace(os.sep, "/")


# -- the runtime fixes this agreement needed ---------------------------------------


def test_dims_named_like_int_parameters_are_their_values():
    @shapelint.shapes(returns="n_h n_x")
    def init(n_h, n_x=3, *, scale=1):
        return np.zeros((n_x, n_h))

    assert init(3).shape == (3, 3)
    with pytest.raises(ShapeError) as info:
        init(4)  # the default n_x binds too
    assert info.value.violation.reason == "dim 0 (n_h) is 3 but n_h was bound to 4 by argument 'n_h'"
    with pytest.raises(ShapeError):
        init(n_h=np.int64(2), n_x=5)

    @shapelint.shapes(X="n 1")
    def head(X, n):
        return X

    head(np.ones((3, 1)), 3)
    head(np.ones((3, 1)), 3.0)  # not an int: n is bound by X
    head(np.ones((3, 1)), True)  # a bool is not a size
    head(np.ones((3, 1)), None)
    with pytest.raises(ShapeError, match="n was bound to 4 by argument 'n'"):
        head(np.ones((3, 1)), 4)


def test_docstring_sizes_named_like_int_parameters():
    def initialize(n_h, n_x):
        """
        Returns:
        W -- weight matrix of shape (n_h, n_x)
        """
        return np.zeros((n_x, n_h))

    from shapelint.runtime.instrument import instrument_function

    checked = instrument_function(initialize)
    assert checked is not initialize
    checked(2, 2)
    with pytest.raises(ShapeError, match="return value 'W'"):
        checked(4, 3)


def test_a_rank_mismatch_does_not_chain_the_unpacking_error():
    @shapelint.shapes(x="n m", returns="n m")
    def same(x):
        return x

    @shapelint.shapes(x="n m")
    def breaks(x):
        raise KeyError("the function's own error")

    with pytest.raises(ShapeError) as info:
        same(np.ones(3))
    assert info.value.__context__ is None
    with pytest.raises(ShapeError) as info:
        shapelint.shapes(x="n m", returns="n m")(lambda x: x[0])(np.ones((2, 3)))
    assert info.value.__context__ is None
    contracts.set_mode(contracts.WARN)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", contracts.ShapeContractWarning)
            with pytest.raises(KeyError) as info:
                breaks(np.ones(3))
    finally:
        contracts.clear_violations()
    assert info.value.__context__ is None
