"""``shapelint coverage``: per function, how many of its array values have a known shape.

It reads what the ``shapes`` command's analysis recorded (``ReportingMixin.record_shape``):
every name a function assigns, the shape ``shapelint shapes`` shows for it, and the
statement that assigned it.

* A function's **values** are the names it assigns that are, or may be, arrays (a name
  only ever bound to a tuple, dict, number or string is not one). One is **known** when
  ``shapelint shapes`` shows its shape in full (no ``?``), **partly** known when it shows
  the rank but not every size.
* **Which parameters to declare**: a name's statement mentions names; following those
  mentions back (``A = np.dot(W, A_prev)`` mentions ``W`` and ``A_prev``, and what they
  mention, within the function) reaches parameters.  Each parameter whose own shape is not
  known in full is credited with every not-fully-known value that reaches it; the most
  credited come first.  Parameters that are no arrays are left out: those used as sizes
  (``np.zeros((n, 1))``), those the calls pass numbers, strings or objects, and those whose
  default is one (``learning_rate=0.0075``).  Declaring one (a docstring line, an annotation, an assert) names its
  sizes, and what is computed from it gets them.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

import libcst as cst

from shapelint.analysis.summaries import FunctionFacts, shown_name
from shapelint.analysis.values import ArrayVal, ClassVal, InstanceVal, IntVal, NoneVal, NumVal, ParamVal, StrVal
from shapelint.diagnostics import FunctionCoverage

MAX_HELPFUL = 3


def _mentioned(stmt: Optional[cst.CSTNode]) -> Set[str]:
    """The names a statement reads (for a compound statement, its header's)."""
    if stmt is None:
        return set()
    if isinstance(stmt, (cst.For,)):
        part: Any = stmt.iter
    elif isinstance(stmt, (cst.If, cst.While)):
        part = stmt.test
    elif isinstance(stmt, cst.With):
        part = stmt.items
    elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef, cst.Try)):
        return set()
    else:
        part = stmt
    names: Set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            names.add(node.value)

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)  # `X.shape`: X, not `shape`
            return False

    for p in (part if isinstance(part, (list, tuple)) else [part]):
        p.visit(Names())
    return names


def _fully_known(shape: Optional[List[Any]]) -> bool:
    return shape is not None and all(d is not None for d in shape)


def function_coverage(path: str, facts: FunctionFacts, line: int, column: int,
                      records: List[Tuple[list, Optional[List[Any]]]]) -> FunctionCoverage:
    """``records``: (record_shape entry, the shape `shapes` shows for it as JSON) of this function's names."""
    deps: Dict[str, Set[str]] = {}
    kinds: Dict[str, Set[str]] = {}
    shown: Dict[str, List[Optional[List[Any]]]] = {}
    for entry, shape in records:
        name = entry[2]
        deps.setdefault(name, set()).update(_mentioned(entry[7]) - {name})
        kinds.setdefault(name, set()).update(entry[8])
        shown.setdefault(name, []).append(shape)
    values = []
    for name, shapes in shown.items():
        arrays = [s for s in shapes if s is not None and len(s) > 0]
        if not arrays and ("other" in kinds[name] or any(s == [] for s in shapes)):
            continue  # never an array: a tuple, a dict, a number...
        if not arrays and "array" not in kinds[name] and "unknown" not in kinds[name]:
            continue
        # a name assigned more than once counts once: known when every assignment's shape is
        values.append((name, all(_fully_known(s) for s in shapes), bool(arrays)))
    env, _ = facts.filled()
    scalars = _scalar_defaults(facts.node)
    params = [p for p in facts.shown_params if p not in scalars and not _param_known(env.get(p), p, env)]
    credit: Dict[str, int] = {p: 0 for p in params}
    unknown_names = []
    for name, known, _ in values:
        if known:
            continue
        unknown_names.append(name)
        for p in _reaches(name, deps, set(params)):
            credit[p] += 1
    helpful = sorted(([p, n] for p, n in credit.items() if n > 0), key=lambda t: -t[1])[:MAX_HELPFUL]
    return FunctionCoverage(path, line, column, facts.name, len(values), sum(1 for v in values if v[1]),
                            sum(1 for v in values if not v[1] and v[2]), unknown_names, helpful, facts.unchecked())


def _scalar_defaults(func: cst.FunctionDef) -> Set[str]:
    """Parameters whose default is a number, a bool, a string or None (`learning_rate=0.0075`,
    `print_cost=False`): not arrays, nothing to declare."""
    out = set()
    params = func.params
    for p in list(params.params) + list(params.kwonly_params) + list(params.posonly_params):
        d = p.default
        if isinstance(d, cst.UnaryOperation):
            d = d.expression
        if isinstance(d, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)) or (
                isinstance(d, cst.Name) and d.value in ("True", "False", "None")):
            out.add(p.name.value)
    return out


def _reaches(name: str, deps: Dict[str, Set[str]], params: Set[str]) -> Set[str]:
    seen, todo, found = {name}, [name], set()
    while todo:
        for m in deps.get(todo.pop(), ()):
            if m in params:
                found.add(m)
            if m not in seen and m in deps:
                seen.add(m)
                todo.append(m)
    return found


def _param_known(v: Any, name: str, env: Dict[str, Any]) -> bool:
    """Would declaring this parameter add nothing?  Its shape is known in full, or it is no array."""
    if isinstance(v, ArrayVal):
        return v.shape is not None and all(d is not None and not getattr(d, "invented", False) for d in v.shape)
    if isinstance(v, ParamVal) and not v.parts:
        # a parameter used as a size (`np.zeros((n, 1))`) is an int: nothing to declare
        for other in env.values():
            if isinstance(other, ArrayVal) and other.shape is not None and any(
                    name in (shown_name(n) for n in getattr(d, "names", ())) for d in other.shape):
                return True
        return False
    return isinstance(v, (IntVal, NumVal, StrVal, NoneVal, InstanceVal, ClassVal))
