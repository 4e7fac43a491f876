"""The containers real code keeps arrays in: tuples, lists, dicts, and the loops over them.

A tuple or list whose items are known one by one is a ``TupleVal``; a list
built by ``append`` in a loop of unknown length is a ``SeqVal`` (items alike,
length maybe known).  Lists are values here, not objects: a mutating method
(``caches.append(cache)``) rebinds the name or attribute it was called on to
the new list.  Dicts are shared objects (``DictVal``), so that a parameters
dict filled by one function is read by the next.
"""

from __future__ import annotations

from typing import List, Optional

import libcst as cst

from shapelint.algebra.dims import Dim, add, dims_equal, fresh
from shapelint.analysis.env import Env
from shapelint.analysis.values import (
    NONE,
    UNKNOWN,
    ArrayVal,
    ContainerMethodVal,
    DictVal,
    EnumerateVal,
    InstanceVal,
    IntVal,
    RangeVal,
    ReversedVal,
    SeqVal,
    StrVal,
    TupleVal,
    Val,
    ZipVal,
    join,
    join_all,
    same_key,
)

MAX_EXACT_ITEMS = 16  # a comprehension over more known items is summarized, not expanded

_LIST_METHODS = frozenset(("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "copy",
                           "index", "count"))
_DICT_METHODS = frozenset(("get", "keys", "values", "items", "update", "setdefault", "pop", "popitem", "clear",
                           "copy"))


def sequence_length(v: Val) -> Dim:
    if isinstance(v, TupleVal):
        return len(v.items)
    if isinstance(v, SeqVal):
        return v.length
    return None


def items_of(v: Val, limit: int = 1 << 16) -> Optional[List[Val]]:
    """The items of an iterable known one by one (for unrolling loops and comprehensions), else None.

    ``limit``: more items than this is as good as not knowing them (a long loop is not unrolled);
    an empty iterable is always known."""
    if isinstance(v, TupleVal):
        return list(v.items) if len(v.items) <= limit else None
    if isinstance(v, RangeVal):
        if v.values is None or len(v.values) > limit:
            return None
        return [IntVal(i) for i in v.values]
    if isinstance(v, ZipVal):
        parts = [items_of(p, limit) for p in v.parts]
        if not parts or any(p is None for p in parts):
            return None
        return [TupleVal(tuple(group)) for group in zip(*parts)]
    if isinstance(v, EnumerateVal):
        inner = items_of(v.inner, limit)
        if inner is None:
            return None
        return [TupleVal((IntVal(i + v.start), x)) for i, x in enumerate(inner)]
    if isinstance(v, ReversedVal):
        inner = items_of(v.inner, limit)
        return list(reversed(inner)) if inner is not None else None
    if isinstance(v, DictVal) and v.complete and len(v.entries) <= limit:
        return [StrVal(k) for k in v.entries]
    return None


def runs_at_least_once(iterable: Val) -> bool:
    """Does a loop over ``iterable`` run at least once?  Sizes are positive integers, and
    declared sizes generic (``range(L - 1)`` runs when L is declared, not when L is ``len(x)``)."""
    if isinstance(iterable, RangeVal):
        return is_positive(iterable.length)
    if isinstance(iterable, SeqVal):
        return is_positive(iterable.length)
    if isinstance(iterable, ArrayVal) and iterable.shape:
        return is_positive(iterable.shape[0])
    if isinstance(iterable, (ZipVal,)):
        return all(runs_at_least_once(p) for p in iterable.parts)
    if isinstance(iterable, (EnumerateVal, ReversedVal)):
        return runs_at_least_once(iterable.inner)
    return False


def is_positive(d: Dim) -> bool:
    if d is None:
        return False
    if isinstance(d, int):
        return d > 0
    terms = d.terms
    if all(c > 0 for _, c in terms):
        return True  # every name is at least 1
    return not d.invented and any(c > 0 for m, c in terms if m)  # generic: the leading sizes win


class ContainersMixin:
    def element_of(self, iterable: Val, target: cst.CSTNode) -> Val:
        """One item of an iterable, as a loop or a comprehension sees it on any iteration."""
        if isinstance(iterable, RangeVal):
            label = target.value if isinstance(target, cst.Name) else "i"
            return IntVal(fresh(label))
        if isinstance(iterable, ArrayVal):
            if iterable.dtype == "object" and iterable.shape is not None and len(iterable.shape) == 1:
                return UNKNOWN  # an element of an object or record array: any Python object, a record
            if iterable.shape is not None and len(iterable.shape) >= 1:
                return ArrayVal(tuple(iterable.shape[1:]), dtype=iterable.dtype)
            return ArrayVal(None) if iterable.shape is None else UNKNOWN
        if isinstance(iterable, TupleVal):
            return join_all(list(iterable.items)) if iterable.items else UNKNOWN
        if isinstance(iterable, SeqVal):
            return iterable.elem
        if isinstance(iterable, ZipVal):
            return TupleVal(tuple(self.element_of(x, target) for x in iterable.parts))
        if isinstance(iterable, EnumerateVal):
            return TupleVal((IntVal(fresh("i")), self.element_of(iterable.inner, target)))
        if isinstance(iterable, ReversedVal):
            return self.element_of(iterable.inner, target)
        if isinstance(iterable, DictVal):
            return UNKNOWN
        return UNKNOWN

    # -- subscripts ----------------------------------------------------------------------

    def subscript_sequence(self, base: Val, idx: Val) -> Val:
        """``caches[l]``, ``activations[-2]``, ``zs[-l]``: an item of a tuple or list."""
        if isinstance(base, SeqVal):
            return base.elem if isinstance(idx, IntVal) else UNKNOWN
        assert isinstance(base, TupleVal)
        n = len(base.items)
        if isinstance(idx, IntVal) and isinstance(idx.dim, int):
            if -n <= idx.dim < n:
                return base.items[idx.dim]
            return UNKNOWN
        if isinstance(idx, IntVal) and idx.dim is not None:
            # `caches[L - 1]` with L = len(caches): the index is an expression of the length
            for k in range(-n, n):
                if dims_equal(idx.dim, k) is True:
                    return base.items[k]
            if base.items and all(isinstance(x, type(base.items[0])) for x in base.items):
                return join_all(list(base.items))
            return UNKNOWN
        if isinstance(idx, IntVal) and base.items:
            return join_all(list(base.items))
        return UNKNOWN

    def slice_sequence(self, base: Val, lo: object, hi: object, step: object) -> Val:
        if isinstance(base, SeqVal):
            return SeqVal(base.elem, None, base.is_list)
        assert isinstance(base, TupleVal)
        return TupleVal(base.items[slice(lo, hi, step)], base.is_list)

    # -- methods -------------------------------------------------------------------------

    def container_method(self, owner: Val, name: str, owner_node: cst.BaseExpression) -> Optional[Val]:
        """``caches.append``, ``parameters.get``: a method of a container we follow, else None."""
        if isinstance(owner, (TupleVal, SeqVal)) and owner.is_list and name in _LIST_METHODS:
            return ContainerMethodVal(owner, name, owner_node)
        if isinstance(owner, DictVal) and name in _DICT_METHODS:
            return ContainerMethodVal(owner, name, owner_node)
        return None

    def call_container_method(self, node: cst.Call, owner_node: cst.BaseExpression, owner: Val, name: str,
                              env: Env) -> Val:
        args = [self.eval(a.value, env) for a in node.args]
        if isinstance(owner, (TupleVal, SeqVal)) and isinstance(owner_node, cst.Name):
            current = env.get(owner_node.value)  # `axes.append(axes.pop(0))`: the argument changed the list first
            if current is not owner and self.container_method(current, name, owner_node) is not None:
                owner = current
        if isinstance(owner, DictVal):
            return self.dict_method(owner, name, args)
        return self.list_method(owner_node, owner, name, args, env)

    def list_method(self, owner_node: cst.BaseExpression, lst: Val, name: str, args: List[Val], env: Env) -> Val:
        new: Optional[Val] = None
        result: Val = NONE
        if name == "append" and len(args) == 1:
            new = self.list_plus(lst, [args[0]])
        elif name == "extend" and len(args) == 1:
            more = items_of(args[0])
            new = self.list_plus(lst, more) if more is not None else self.list_widened(lst, self.element_of(
                args[0], owner_node))
        elif name == "insert" and len(args) == 2:
            new = self.list_widened(lst, args[1], grow=1)
        elif name == "pop":
            if isinstance(lst, TupleVal) and lst.items and not args:
                result, new = lst.items[-1], TupleVal(lst.items[:-1], True)
            else:
                result = self.element_of(lst, owner_node)
                new = self.list_widened(lst, None, grow=None)
        elif name == "clear":
            new = TupleVal((), True)
        elif name in ("remove", "sort", "reverse"):
            new = self.list_widened(lst, None, grow=-1 if name == "remove" else 0)
        elif name == "copy":
            return lst
        else:
            return UNKNOWN  # index, count: ints we do not follow
        if new is not None:
            self.store(owner_node, new, env)
        return result

    def list_plus(self, lst: Val, more: List[Val]) -> Val:
        if isinstance(lst, TupleVal) and len(lst.items) + len(more) <= 4 * MAX_EXACT_ITEMS:
            return TupleVal(lst.items + tuple(more), True)
        elem = lst.elem if isinstance(lst, SeqVal) else join_all(list(lst.items)) if lst.items else None
        for m in more:
            elem = m if elem is None else join(elem, m)
        length = sequence_length(lst)
        return SeqVal(elem if elem is not None else UNKNOWN, add(length, len(more)) if length is not None else None)

    def list_widened(self, lst: Val, item: Optional[Val], grow: Optional[int] = 0) -> Val:
        """The list after an edit we follow only in summary: items alike, length changed by ``grow``."""
        items = list(lst.items) if isinstance(lst, TupleVal) else [lst.elem]
        if item is not None:
            items.append(item)
        length = sequence_length(lst)
        new_length = add(length, grow) if (length is not None and grow is not None) else None
        return SeqVal(join_all(items) if items else UNKNOWN, new_length, True)

    def dict_method(self, d: DictVal, name: str, args: List[Val]) -> Val:
        if name == "get":
            if args and isinstance(args[0], StrVal):
                found = self.dict_lookup(d, args[0])
                if found is not None:
                    return found
            return join(args[1], UNKNOWN) if len(args) > 1 else UNKNOWN
        if name == "keys":
            return TupleVal(tuple(StrVal(k) for k in d.entries), True) if d.complete else UNKNOWN
        if name == "values":
            return TupleVal(tuple(d.entries.values()), True) if d.complete else UNKNOWN
        if name == "items":
            if not d.complete:
                return UNKNOWN
            return TupleVal(tuple(TupleVal((StrVal(k), v)) for k, v in d.entries.items()), True)
        if name == "update" and args:
            other = args[0]
            if isinstance(other, DictVal):
                d.entries.update(other.entries)
                d.complete = d.complete and other.complete
            else:
                d.complete = False
            return NONE
        if name == "setdefault" and args and isinstance(args[0], StrVal):
            found = self.dict_lookup(d, args[0])
            if found is None:
                found = args[1] if len(args) > 1 else NONE
                d.entries[args[0].parts] = found
            return found
        if name == "pop" and args and isinstance(args[0], StrVal):
            for k in list(d.entries):
                if same_key(k, args[0].parts) is True:
                    return d.entries.pop(k)
            return args[1] if len(args) > 1 else UNKNOWN
        if name == "copy":
            return DictVal(d.entries, d.complete)
        if name == "clear":
            d.entries.clear()
            d.complete = True
            return NONE
        d.complete = False
        return UNKNOWN

    def dict_lookup(self, d: DictVal, key: StrVal) -> Optional[Val]:
        for k, v in d.entries.items():
            if same_key(k, key.parts) is True:
                return v
        return None

    def store(self, target: cst.BaseExpression, value: Val, env: Env) -> None:
        """Write a new value back to where a mutated container lives (a name or an object's attribute)."""
        if isinstance(target, cst.Name):
            env.vars[target.value] = value
        elif isinstance(target, cst.Attribute):
            owner = self.quiet_eval(target.value, env)
            if isinstance(owner, InstanceVal):
                owner.attrs[target.attr.value] = value

    # -- comprehensions ------------------------------------------------------------------

    def expr_ListComp(self, node: cst.ListComp, env: Env) -> Val:
        return self.comprehension(node, env, is_list=True)

    def expr_GeneratorExp(self, node: cst.GeneratorExp, env: Env) -> Val:
        return self.comprehension(node, env, is_list=False)

    def comprehension(self, node: cst.BaseComp, env: Env, is_list: bool) -> Val:
        """``[np.random.randn(y, 1) for y in sizes[1:]]``: item by item when the iterable is known."""
        clauses = []
        comp = node.for_in
        while comp is not None:
            clauses.append(comp)
            comp = comp.inner_for_in
        scope = Env(env)
        scope.text_dims = env.text_dims
        first = clauses[0]
        iterable = self.eval(first.iter, env)
        exact = items_of(iterable, MAX_EXACT_ITEMS)
        if (exact is not None and len(clauses) == 1 and not first.ifs and len(exact) <= MAX_EXACT_ITEMS
                and not first.asynchronous):
            items = []
            for item in exact:
                self.assign(first.target, item, scope, None)
                items.append(self.quiet_eval(node.elt, scope) if items else self.eval(node.elt, scope))
            return TupleVal(tuple(items), True) if is_list else SeqVal(join_all(items) if items else UNKNOWN,
                                                                        len(items), False)
        length = None
        if len(clauses) == 1 and not first.ifs:
            # one item per item of the iterable: a list's, a range's, an array's first axis
            length = sequence_length(iterable)
            if length is None and isinstance(iterable, RangeVal):
                length = iterable.length
            if length is None and isinstance(iterable, ArrayVal) and iterable.shape:
                length = iterable.shape[0]
        for i, clause in enumerate(clauses):
            source = iterable if i == 0 else self.eval(clause.iter, scope)
            self.assign(clause.target, self.element_of(source, clause.target), scope, None)
            for cond in clause.ifs:
                self.eval(cond.test, scope)
        elem = self.eval(node.elt, scope)
        return SeqVal(elem, length, is_list)
