"""What a call may change in the objects and dicts it is given, when the call is not analyzed.

A call the analysis skips (too deep, recursive, over budget) must not leave
stale values behind: ``layer.forward(x)`` sets ``layer.output``, and reading
the ``[]`` that ``__init__`` put there would be a false error.  This module
finds, from the code alone, which attributes of a parameter a function
assigns (directly, or through ``self.method()`` calls of the same class), so
that exactly those are forgotten; when it cannot tell, everything reachable
from the argument is forgotten.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

import libcst as cst

from shapelint.analysis.syntax import walk
from shapelint.analysis.values import (
    UNKNOWN,
    ClassVal,
    DictVal,
    FuncVal,
    InstanceVal,
    SeqVal,
    TupleVal,
    Val,
)

_MUTATING_METHODS = frozenset(("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                               "update", "setdefault", "popitem", "fill", "resize", "put", "itemset"))

Writes = Optional[Set[str]]  # attribute names; None: anything may change
Cache = Dict[Tuple[Any, ...], Any]  # per analysis: node ids are not reused within one


def _root_name(node: cst.BaseExpression) -> Optional[str]:
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _first_attr(node: cst.BaseExpression, param: str) -> Optional[str]:
    """``p.a.b[0]`` -> "a" (the attribute of ``p`` the expression is inside)."""
    chain = []
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        chain.append(node)
        node = node.value
    if not (isinstance(node, cst.Name) and node.value == param) or not chain:
        return None
    first = chain[-1]
    return first.attr.value if isinstance(first, cst.Attribute) else ""


def _assignments_and_calls(func: cst.FunctionDef, cache: Cache) -> Tuple[List[cst.BaseExpression], List[cst.Call]]:
    """The assignment targets and the calls in a function's body: walked once per function,
    whatever the parameters asked about (``type(...) is``: libcst's classes check ``isinstance``
    through ``ABCMeta``, several times slower)."""
    key = ("walked", id(func))
    hit = cache.get(key)
    if hit is None:
        targets: List[cst.BaseExpression] = []
        calls: List[cst.Call] = []
        for node in walk(func.body):
            kind = type(node)
            if kind is cst.Assign:
                targets.extend(t.target for t in node.targets)
            elif kind is cst.AugAssign or kind is cst.AnnAssign:
                targets.append(node.target)
            elif kind is cst.Call:
                calls.append(node)
        hit = cache[key] = (targets, calls)
    return hit


def writes_of(func: FuncVal, param: str, cls: Optional[ClassVal], cache: Cache,
              depth: int = 0) -> Tuple[Writes, bool]:
    """(attributes of ``param`` the function may assign, whether it may write into ``param[...]``)."""
    key = (id(func.node), param, id(cls))
    hit = cache.get(key)
    if hit is not None:
        return hit
    if depth > 8:
        return None, True
    cache[key] = (None, True)  # a recursive call: assume the worst while we look
    attrs: Set[str] = set()
    subscripted = False
    anything = False
    targets, calls = _assignments_and_calls(func.node, cache)
    for t in targets:
        for el in ([e.value for e in t.elements] if isinstance(t, (cst.Tuple, cst.List)) else [t]):
            first = _first_attr(el, param)
            if first == "":
                subscripted = True
            elif first is not None:
                attrs.add(first)
    for node in calls:
        fn = node.func
        if isinstance(fn, cst.Attribute):
            owner = fn.value
            if isinstance(owner, cst.Name) and owner.value == param:
                method = cls.lookup_method(fn.attr.value) if cls is not None else None
                if method is not None:
                    params = method.node.params.params
                    if params:
                        more, sub = writes_of(method, params[0].name.value, cls, cache, depth + 1)
                        if more is None:
                            anything = True
                        else:
                            attrs |= more
                        subscripted |= sub
                elif fn.attr.value in _MUTATING_METHODS:
                    subscripted = True
            elif _root_name(owner) == param:
                first = _first_attr(owner, param)
                if first:
                    attrs.add(first)  # `self.layers[i].forward(x)`: something inside self.layers changes
                else:
                    subscripted = True
        for arg in node.args:
            if _root_name(arg.value) == param:
                anything = True  # handed to another function: it may change anything
    result = (None if anything else attrs, subscripted or anything)
    cache[key] = result
    return result


def havoc_arguments(func: FuncVal, args: Dict[str, Val], cache: Cache) -> None:
    """Forget what a skipped call of ``func`` may have changed in its arguments."""
    for name, value in args.items():
        if isinstance(value, InstanceVal):
            attrs, _ = writes_of(func, name, value.cls, cache)
            if attrs is None:
                havoc_deep(value, set())
            else:
                for attr in attrs:
                    if attr in value.attrs:
                        havoc_deep(value.attrs[attr], set())
                        value.attrs[attr] = UNKNOWN
        elif isinstance(value, DictVal):
            _, written = writes_of(func, name, None, cache)
            if written:
                havoc_deep(value, set())


def havoc_deep(value: Val, seen: Set[int]) -> None:
    """Forget the contents of every object and dict reachable from ``value``."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, InstanceVal):
        for k, v in list(value.attrs.items()):
            havoc_deep(v, seen)
            value.attrs[k] = UNKNOWN
    elif isinstance(value, DictVal):
        for v in value.entries.values():
            havoc_deep(v, seen)
        value.entries = {k: UNKNOWN for k in value.entries}
        value.complete = False
    elif isinstance(value, TupleVal):
        for v in value.items:
            havoc_deep(v, seen)
    elif isinstance(value, SeqVal):
        havoc_deep(value.elem, seen)
