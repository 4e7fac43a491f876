"""Mutation engine for the course-style fixtures in ``fixtures/course/``.

Each mutant is one change at one site of one fixture file, made by one of the
operators below (libcst transforms, so a mutant differs from its original in
exactly one expression and keeps every line number).  Sites inside ``assert``
statements are not mutated: the asserts are the course's own shape checks,
the code around them is what gets broken.

A mutant is classified by RUNNING it with NumPy, never by asking shapelint:

* ``crash``: the program raises ValueError / IndexError / AssertionError
  (NumPy's shape errors and the course asserts), or the TypeError NumPy
  raises for ``float(a)`` on an array of more than one element;
  ``crash-other`` is any other exception (none expected: the tests check);
* ``silent``: it runs, but some array (a local of a fixture function when it
  returns, a return value, or a module-level array of the demo block) has a
  different shape from the one the correct program gives it;
* ``equivalent``: it runs and every array keeps its shape (its values may
  differ: ``value_changed`` says so).  Equivalent mutants are left out of the
  catch rates, since a shape checker has nothing to find.

"The program" for a mutant of file F is F's own ``if __name__ == "__main__":``
demo block plus :func:`training_step`, a tiny training run through every
fixture with all sizes different (5 inputs, hidden layers of 4 and 3 units,
1 output, 7 examples), so that swapping two dimensions is observable.

A mutant is *caught* when shapelint reports a finding on the mutated file
that the correct file does not have: any SL1xx or SL3xx finding for a crash
mutant, any finding for a silent one.  ``Mutant.caught_near()`` says whether
one of those findings lies in, or points into, the mutated function (or, for
a module-level site, the mutated top-level statement).

This module only defines things; the tests are in ``test_course.py`` and the
report in ``bench/mutation_report.py``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import re
import sys
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import libcst as cst
import numpy as np
from libcst.metadata import MetadataWrapper, PositionProvider

ROOT = Path(__file__).resolve().parents[2]
try:
    import shapelint  # noqa: F401
except ImportError:  # pragma: no cover - running from a checkout
    sys.path.insert(0, str(ROOT))
FIXTURE_DIR = ROOT / "fixtures" / "course"

# dependency order: two_layer_model imports the first five
MODULES: Tuple[str, ...] = ("initialize", "forward", "cost", "backward", "update", "shallow_network", "two_layer_model")

OPERATORS: Dict[str, str] = {
    "dot_swap": "np.dot(W, A) -> np.dot(A, W)",
    "dot_to_star": "np.dot(a, b) -> a * b",
    "drop_keepdims": "keepdims=True dropped",
    "zeros_rank1": "np.zeros((n, 1)) -> np.zeros(n)",
    "transpose_add": "np.dot operand x -> x.T",
    "transpose_remove": "x.T -> x",
    "shape_index": "X.shape[1] <-> X.shape[0]",
}

CRASH_ERRORS = (ValueError, IndexError, AssertionError)
# NumPy's TypeError for float(a) / int(a) on an array of more than one element
SCALAR_CONVERSION = "arrays can be converted to Python scalars"


def is_shape_crash(exc: BaseException) -> bool:
    return isinstance(exc, CRASH_ERRORS) or (isinstance(exc, TypeError) and SCALAR_CONVERSION in str(exc))


def fixture_path(module: str) -> Path:
    return FIXTURE_DIR / f"{module}.py"


def correct_sources() -> Dict[str, str]:
    return {m: fixture_path(m).read_text(encoding="utf-8") for m in MODULES}


# -- sites -----------------------------------------------------------------------------


def _is_np_call(node: cst.CSTNode, name: str) -> bool:
    return (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            and isinstance(node.func.value, cst.Name) and node.func.value.value == "np"
            and node.func.attr.value == name)


def _dot_operands(node: cst.CSTNode) -> Optional[Sequence[cst.Arg]]:
    if not _is_np_call(node, "dot"):
        return None
    args = node.args
    if len(args) != 2 or any(a.keyword is not None or a.star for a in args):
        return None
    return args


def _is_transpose(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Attribute) and node.attr.value == "T"


@dataclass
class Site:
    operator: str
    node: cst.CSTNode
    arg_index: int  # which np.dot operand (transpose_add); 0 otherwise
    line: int
    function: str  # enclosing function, or "<module>"
    span: Tuple[int, int]  # lines of the enclosing function / top-level statement


class _SiteFinder(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        self.sites: List[Site] = []
        self.functions: List[Tuple[str, Tuple[int, int]]] = []
        self.top_span: Tuple[int, int] = (0, 0)
        self.depth = 0
        self.in_assert = 0

    def _span(self, node: cst.CSTNode) -> Tuple[int, int]:
        pos = self.get_metadata(PositionProvider, node)
        return pos.start.line, pos.end.line

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.depth == 1 and isinstance(node, (cst.BaseCompoundStatement, cst.SimpleStatementLine)):
            self.top_span = self._span(node)
        self.depth += 1
        if isinstance(node, cst.FunctionDef):
            self.functions.append((node.name.value, self._span(node)))
        if isinstance(node, cst.Assert):
            self.in_assert += 1
        if not self.in_assert:
            self._collect(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.depth -= 1
        if isinstance(original_node, cst.FunctionDef):
            self.functions.pop()
        if isinstance(original_node, cst.Assert):
            self.in_assert -= 1

    def _add(self, operator: str, node: cst.CSTNode, arg_index: int = 0) -> None:
        line = self._span(node)[0]
        if self.functions:
            name, span = self.functions[-1]
        else:
            name, span = "<module>", self.top_span
        self.sites.append(Site(operator, node, arg_index, line, name, span))

    def _collect(self, node: cst.CSTNode) -> None:
        operands = _dot_operands(node)
        if operands is not None:
            self._add("dot_swap", node)
            self._add("dot_to_star", node)
            for i, arg in enumerate(operands):
                if not _is_transpose(arg.value):
                    self._add("transpose_add", node, i)
        if isinstance(node, cst.Call) and any(
                a.keyword is not None and a.keyword.value == "keepdims"
                and isinstance(a.value, cst.Name) and a.value.value == "True" for a in node.args):
            self._add("drop_keepdims", node)
        if _is_np_call(node, "zeros") and node.args and node.args[0].keyword is None:
            shape = node.args[0].value
            if (isinstance(shape, cst.Tuple) and len(shape.elements) == 2
                    and isinstance(shape.elements[1].value, cst.Integer) and shape.elements[1].value.value == "1"):
                self._add("zeros_rank1", node)
        if _is_transpose(node):
            self._add("transpose_remove", node)
        if (isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute)
                and node.value.attr.value == "shape" and len(node.slice) == 1
                and isinstance(node.slice[0].slice, cst.Index)
                and isinstance(node.slice[0].slice.value, cst.Integer)
                and node.slice[0].slice.value.value in ("0", "1")):
            self._add("shape_index", node)


# -- transforms ------------------------------------------------------------------------

_LOOSE = (cst.BinaryOperation, cst.BooleanOperation, cst.Comparison, cst.IfExp, cst.Lambda, cst.UnaryOperation)


def _paren(expr: cst.BaseExpression) -> cst.BaseExpression:
    """expr, parenthesized when it would bind looser than `*` or `.T`."""
    if isinstance(expr, _LOOSE) and not expr.lpar:
        return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return expr


def _mutate(site: Site, node: cst.CSTNode) -> cst.CSTNode:
    op = site.operator
    if op == "dot_swap":
        a, b = node.args
        return node.with_changes(args=[a.with_changes(value=b.value), b.with_changes(value=a.value)])
    if op == "dot_to_star":
        a, b = node.args
        product = cst.BinaryOperation(left=_paren(a.value), operator=cst.Multiply(), right=_paren(b.value))
        return product.with_changes(lpar=[cst.LeftParen()] + list(node.lpar), rpar=list(node.rpar) + [cst.RightParen()])
    if op == "transpose_add":
        args = list(node.args)
        arg = args[site.arg_index]
        args[site.arg_index] = arg.with_changes(value=cst.Attribute(value=_paren(arg.value), attr=cst.Name("T")))
        return node.with_changes(args=args)
    if op == "drop_keepdims":
        args = [a for a in node.args if not (a.keyword is not None and a.keyword.value == "keepdims")]
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return node.with_changes(args=args)
    if op == "zeros_rank1":
        first = node.args[0]
        return node.with_changes(args=[first.with_changes(value=first.value.elements[0].value)] + list(node.args[1:]))
    if op == "transpose_remove":
        value = node.value
        if node.lpar:
            value = value.with_changes(lpar=list(node.lpar) + list(value.lpar), rpar=list(value.rpar) + list(node.rpar))
        return value
    if op == "shape_index":
        index = node.slice[0].slice
        flipped = index.with_changes(value=index.value.with_changes(value="1" if index.value.value == "0" else "0"))
        return node.with_changes(slice=[node.slice[0].with_changes(slice=flipped)])
    raise ValueError(f"unknown operator {op}")


class _Apply(cst.CSTTransformer):
    def __init__(self, site: Site) -> None:
        self.site = site
        self.done = False

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        if original_node is self.site.node:
            self.done = True
            return _mutate(self.site, updated_node)
        return updated_node


# -- mutants ---------------------------------------------------------------------------


# "in `f()` (line 55 of `m.py`) with the arguments given here", "(from line 59)", "created on line 57",
# "(with the shapes passed at line 61)"
_LINE_REF = re.compile(r"\bline (\d+)")


@dataclass
class Mutant:
    module: str
    operator: str
    line: int
    function: str
    span: Tuple[int, int]
    before: str  # the changed line, as in the correct file
    after: str  # the changed line, as in the mutant
    source: str
    # filled in by classify()
    kind: str = ""  # "crash" / "silent" / "equivalent"
    detail: str = ""
    value_changed: bool = False
    # filled in by check()
    findings: List[Tuple[int, str, str, str]] = field(default_factory=list)  # new (line, code, severity, message)

    @property
    def ident(self) -> str:
        return f"{self.module}.py:{self.line} {self.operator} in {self.function}"

    def caught(self) -> bool:
        if self.kind == "crash":
            return any(code.startswith(("SL1", "SL3")) for _, code, _, _ in self.findings)
        if self.kind == "silent":
            return bool(self.findings)
        return False

    def caught_near(self) -> bool:
        """Caught by a finding inside the mutated function (or top-level statement).

        A finding reported elsewhere counts when its message points into the
        function: "the rank-1 operand was created on line N", or a call that
        passes the shapes it fails with is there ("with the shapes passed at
        line N", its related location).
        """
        if not self.caught():
            return False
        lo, hi = self.span
        for line, code, _, message in self.findings:
            if self.kind == "crash" and not code.startswith(("SL1", "SL3")):
                continue
            lines = [line] + [int(n) for n in _LINE_REF.findall(message)]
            if any(lo <= n <= hi for n in lines):
                return True
        return False


def generate(module: str, source: str) -> List[Mutant]:
    """Every mutant of one fixture source: one operator applied at one site (fresh objects each call)."""
    key = (module, source)
    if key not in _GENERATED:
        _GENERATED[key] = _generate(module, source)
    return [dataclasses.replace(m, findings=[]) for m in _GENERATED[key]]


_GENERATED: Dict[Tuple[str, str], List[Mutant]] = {}


def _generate(module: str, source: str) -> List[Mutant]:
    wrapper = MetadataWrapper(cst.parse_module(source))
    finder = _SiteFinder()
    wrapper.visit(finder)
    before_lines = source.splitlines()
    out = []
    for site in finder.sites:
        applier = _Apply(site)
        mutated = wrapper.module.visit(applier).code
        after_lines = mutated.splitlines()
        changed = [i for i, (x, y) in enumerate(zip(before_lines, after_lines)) if x != y]
        if not applier.done or len(after_lines) != len(before_lines) or len(changed) != 1:
            raise RuntimeError(f"{module}:{site.line} {site.operator}: the mutant is not a one-line change")
        i = changed[0]
        out.append(Mutant(module, site.operator, i + 1, site.function, site.span,
                          before_lines[i].strip(), after_lines[i].strip(), mutated))
    return out


def all_mutants(sources: Optional[Dict[str, str]] = None) -> List[Mutant]:
    sources = sources or correct_sources()
    return [m for mod in MODULES for m in generate(mod, sources[mod])]


# -- running ---------------------------------------------------------------------------

Trace = Dict[Tuple[Any, ...], Tuple[Tuple[int, ...], str]]  # key -> (shape, value summary)


def _digest(a: np.ndarray) -> str:
    """A cheap summary of the values, only to tell "values changed" from "values equal"."""
    if a.dtype == object or a.size == 0:
        return repr(a.tolist())
    with np.errstate(all="ignore"):
        flat = a.reshape(-1).astype(float)
        return repr((str(a.dtype), float(flat.sum()), float(np.abs(flat).sum()), float(flat[0]), float(flat[-1])))


def _record(trace: Trace, key: Tuple[Any, ...], value: Any, depth: int = 0) -> None:
    if isinstance(value, np.ndarray):
        trace[key] = (value.shape, _digest(value))
    elif isinstance(value, np.generic):
        trace[key] = ((), _digest(np.asarray(value)))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        trace[key] = ((), repr(value))  # m = Y.shape[1], a cost: no shape, but a value to compare
    elif depth < 3 and isinstance(value, dict) and len(value) <= 50:
        for k, v in value.items():
            if isinstance(k, (str, int)):
                _record(trace, key + (k,), v, depth + 1)
    elif depth < 3 and isinstance(value, (tuple, list)) and len(value) <= 50:
        for i, v in enumerate(value):
            _record(trace, key + (i,), v, depth + 1)


class _Tracer:
    """Records the arrays of fixture frames when they return (sys.settrace).

    Only fixture frames get a local trace function, and their line events are
    switched off, so the cost is one call per Python-level function call.
    Only the first MAX_CALLS returns of each function are recorded: a shape
    that goes wrong in a training loop is wrong by the second iteration.
    """

    MAX_CALLS = 4

    def __init__(self, files: Dict[str, str]) -> None:
        self.files = files  # code filename -> module name
        self.calls: Dict[Tuple[str, str], int] = {}
        self.trace: Trace = {}

    def __call__(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code.co_filename in self.files:
            frame.f_trace_lines = False
            return self._local
        return None

    def _local(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if event != "return":
            return self._local
        module = self.files[frame.f_code.co_filename]
        name = frame.f_code.co_name
        n = self.calls.get((module, name), 0)
        self.calls[(module, name)] = n + 1
        if n < self.MAX_CALLS:
            for var, value in list(frame.f_locals.items()):
                _record(self.trace, (module, name, n, var), value)
            _record(self.trace, (module, name, n, "<return>"), arg)
        return self._local


_CODE: Dict[Tuple[str, str], types.CodeType] = {}


def _compiled(source: str, filename: str) -> types.CodeType:
    key = (source, filename)
    if key not in _CODE:
        if len(_CODE) > 64:
            _CODE.clear()
        _CODE[key] = compile(source, filename, "exec")
    return _CODE[key]


@contextlib.contextmanager
def load_fixtures(sources: Dict[str, str]) -> Iterator[Dict[str, types.ModuleType]]:
    """The fixtures as fresh modules, importable by their plain names meanwhile."""
    saved = {name: sys.modules.get(name) for name in MODULES}
    mods: Dict[str, types.ModuleType] = {}
    try:
        for name in MODULES:
            mod = types.ModuleType(name)
            mod.__file__ = str(fixture_path(name))
            sys.modules[name] = mod
            exec(_compiled(sources[name], mod.__file__), mod.__dict__)
            mods[name] = mod
        yield mods
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old


def training_step(mods: Dict[str, types.ModuleType]) -> None:
    """A tiny training run through every fixture; all sizes differ from each other."""
    init, fwd, cost, bwd, upd = (mods[n] for n in ("initialize", "forward", "cost", "backward", "update"))
    shallow, app = mods["shallow_network"], mods["two_layer_model"]
    n_x, n_h, n_y, m = 5, 4, 1, 7
    rng = np.random.RandomState(0)
    X = rng.randn(n_x, m)
    Y = np.array([[1, 0, 0, 1, 1, 0, 1]])

    # two layers, step by step
    parameters = init.initialize_parameters(n_x, n_h, n_y)
    A1, cache1 = fwd.linear_activation_forward(X, parameters["W1"], parameters["b1"], "relu")
    A2, cache2 = fwd.linear_activation_forward(A1, parameters["W2"], parameters["b2"], "sigmoid")
    cost.compute_cost(A2, Y)
    dA2 = -(np.divide(Y, A2) - np.divide(1 - Y, 1 - A2))
    dA1, dW2, db2 = bwd.linear_activation_backward(dA2, cache2, "sigmoid")
    dA0, dW1, db1 = bwd.linear_activation_backward(dA1, cache1, "relu")
    upd.update_parameters(parameters, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}, 0.1)

    # L layers: 5 -> 4 -> 3 -> 1
    layer_dims = [n_x, n_h, 3, n_y]
    parameters = init.initialize_parameters_deep(layer_dims)
    for _ in range(2):
        AL, caches = fwd.L_model_forward(X, parameters)
        cost.compute_cost(AL, Y)
        grads = bwd.L_model_backward(AL, Y, caches)
        parameters = upd.update_parameters(parameters, grads, 0.1)

    # L layers again, He-initialized: 5 -> 3 -> 4 -> 1
    parameters = init.initialize_parameters_he([n_x, 3, n_h, n_y])
    for _ in range(2):
        AL, caches = fwd.L_model_forward(X, parameters)
        cost.compute_cost(AL, Y)
        grads = bwd.L_model_backward(AL, Y, caches)
        parameters = upd.update_parameters(parameters, grads, 0.1)

    # the hand-written two-layer network
    trained = shallow.nn_model(X, Y, n_h, num_iterations=2)
    shallow.predict(trained, X)

    # the application models
    parameters, _ = app.two_layer_model(X, Y, (n_x, n_h, n_y), num_iterations=2)
    app.predict(X, Y, parameters)
    parameters, _ = app.L_layer_model(X, Y, layer_dims, num_iterations=2)
    app.predict(X, Y, parameters)


@dataclass
class Run:
    trace: Trace
    error: Optional[BaseException]


def run_program(sources: Dict[str, str], main_module: str,
                step: Callable[[Dict[str, types.ModuleType]], None] = training_step) -> Run:
    """Run `main_module`'s demo block and the training step; trace every fixture frame."""
    files = {str(fixture_path(m)): m for m in MODULES}
    tracer = _Tracer(files)
    error: Optional[BaseException] = None
    old_trace = sys.gettrace()
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        sys.settrace(tracer)
        try:
            with load_fixtures(sources) as mods:
                main_globals = {"__name__": "__main__", "__file__": str(fixture_path(main_module))}
                exec(_compiled(sources[main_module], main_globals["__file__"]), main_globals)
                step(mods)
        except Exception as exc:  # noqa: BLE001 - a mutant may fail in any way; classified below
            error = exc
        finally:
            sys.settrace(old_trace)
    return Run(tracer.trace, error)


_REFERENCE: Dict[str, Run] = {}


def reference_run(module: str) -> Run:
    if module not in _REFERENCE:
        run = run_program(correct_sources(), module)
        if run.error is not None:
            raise RuntimeError(f"the correct program fails with {module}'s demo: {run.error!r}") from run.error
        _REFERENCE[module] = run
    return _REFERENCE[module]


def classify(mutant: Mutant) -> Mutant:
    """Run the mutant and set kind / detail / value_changed."""
    ref = reference_run(mutant.module)
    sources = correct_sources()
    sources[mutant.module] = mutant.source
    run = run_program(sources, mutant.module)
    if run.error is not None:
        mutant.kind = "crash" if is_shape_crash(run.error) else "crash-other"
        mutant.detail = f"{type(run.error).__name__}: {str(run.error).splitlines()[0] if str(run.error) else ''}"
        return mutant
    diffs = []
    for key in sorted(set(ref.trace) & set(run.trace), key=repr):
        if ref.trace[key][0] != run.trace[key][0]:
            diffs.append(f"{key[0]}.{key[1]}[{key[2]}] {'.'.join(map(str, key[3:]))}: "
                         f"{ref.trace[key][0]} -> {run.trace[key][0]}")
    # an array that only one of the two programs has (a dict entry, a tuple item) is a change too
    only_one = [k for k in set(ref.trace) ^ set(run.trace) if (ref.trace.get(k) or run.trace[k])[0] != ()]
    if diffs:
        mutant.kind = "silent"
        mutant.detail = f"{len(diffs)} shape(s) differ, first {diffs[0]}"
    elif only_one:
        mutant.kind = "silent"
        mutant.detail = f"{len(only_one)} array(s) appear or disappear, e.g. {sorted(only_one, key=repr)[0]}"
    else:
        mutant.kind = "equivalent"
        mutant.detail = "every array keeps its shape"
    mutant.value_changed = any(ref.trace[k][1] != run.trace[k][1] for k in set(ref.trace) & set(run.trace))
    return mutant


# -- checking --------------------------------------------------------------------------


def findings(source: str, module: str) -> List[Tuple[int, str, str, str]]:
    from shapelint.analysis import analyze_source

    result = analyze_source(source, str(fixture_path(module)))
    if result.error is not None:
        raise RuntimeError(f"shapelint could not analyze {module}: {result.error}")
    # the calls that pass the shapes a function fails with are named as the text formats name them
    return [(d.line, d.code, d.severity, d.message + "".join(f" (with the shapes passed at line {r.line})"
                                                              for r in d.related))
            for d in result.diagnostics]


_CORRECT_FINDINGS: Dict[str, List[Tuple[int, str, str, str]]] = {}


def correct_findings(module: str) -> List[Tuple[int, str, str, str]]:
    if module not in _CORRECT_FINDINGS:
        _CORRECT_FINDINGS[module] = findings(correct_sources()[module], module)
    return _CORRECT_FINDINGS[module]


def check(mutant: Mutant) -> Mutant:
    """Lint the mutant; keep the findings the correct file does not have (lines are unchanged)."""
    old = {(line, code) for line, code, _, _ in correct_findings(mutant.module)}
    mutant.findings = [f for f in findings(mutant.source, mutant.module) if (f[0], f[1]) not in old]
    return mutant


def evaluate() -> List[Mutant]:
    """Every mutant, run and linted."""
    return [check(classify(m)) for m in all_mutants()]


def rates(mutants: Sequence[Mutant]) -> Dict[str, Tuple[int, int]]:
    """kind -> (caught, total) for the crash and silent mutants."""
    out = {}
    for kind in ("crash", "silent"):
        group = [m for m in mutants if m.kind == kind]
        out[kind] = (sum(m.caught() for m in group), len(group))
    return out
