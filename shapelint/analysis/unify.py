"""Shape variables: what the code's own uses say about arrays nobody declared.

A parameter (or a value from a library we do not analyze) has no shape until
the code uses it: ``n, m = X.shape`` gives it rank 2 and two sizes;
``A_prev.shape[1]``, ``W.T`` or ``np.dot(W, A_prev)`` give it a *tentative*
rank (2 unless an index says more) — the rank its use suggests, not one the
code proves.  Its sizes are *variables* (invented sizes, see ``dims``),
named after where they come from (``A_prev.shape[1]``).

Operations that need two sizes to be equal (the inner sizes of a matrix
product, an assert between shapes) *unify* them: a variable is replaced by
the other size everywhere in the scope, and the solver (``solver``, which
owns the constraints) records the binding.  Broadcasting does not unify: a size
there may also be 1, and the choice is left open.

When unification makes two sizes equal that the code keeps apart — two axes
of one array, which would then have to be square — the code is consistent
only if that coincidence holds, which is almost always a bug (swapped
operands, a missing ``.T``): the ``forced_equal`` event (SL208).

The course's column layout keeps one more pair apart.  Where a function's own
code multiplies a weight by the data the course's way (``np.dot(W1, X)``, a
weight named ``W``, ``W1``, ``dW2`` on the left, a data array named ``X``,
``A_prev``, ``A1``, ``dZ`` on the right), the data's axis 1 is the number of
examples, and no size of a weight (a layer's size) is ever that number: code
that can only run if ``W2.shape[1] == X.shape[1]`` (``np.dot(W2, A1.T)``) is
that coincidence again.  Code in the row layout (``np.dot(X, W)``) never
shows that evidence, so nothing is kept apart there.  Invented
sizes never make an error on their own; an error that needs a tentative rank
is reported as a likely error (SL209), not as certain.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Optional, Set, Tuple

import libcst as cst

from shapelint.algebra.dims import Dim, Sym, add, fresh, mul
from shapelint.analysis.env import Env
from shapelint.analysis.solver import Apart, variable_name
from shapelint.analysis.values import (
    UNKNOWN,
    ArrayVal,
    DictVal,
    InstanceVal,
    IntVal,
    ParamVal,
    SeqVal,
    ShapeOfVal,
    TupleVal,
    Val,
)
from shapelint.rules.events import ForcedEqualEvent

MAX_TENTATIVE_RANK = 6
# the course's names: a weight (its sizes are layers' sizes) and a data array of the column layout
# (its axis 1 is the number of examples)
_WEIGHT_NAME = re.compile(r"d?W\d*$")
_DATA_NAME = re.compile(r"X|A|A_prev|A\d+|AL|dZ\d*|dA\d*|dA_prev$")


def _operand_name(node: Optional[cst.CSTNode]) -> Optional[Tuple[str, bool]]:
    """``W1`` -> ("W1", False); ``W1.T`` -> ("W1", True); anything else None."""
    if isinstance(node, cst.Name):
        return node.value, False
    if isinstance(node, cst.Attribute) and node.attr.value == "T" and isinstance(node.value, cst.Name):
        return node.value.value, True
    return None


def substitute_dim(d: Dim, mapping: Dict[str, Dim]) -> Dim:
    if not isinstance(d, Sym) or not any(n in mapping for n in d.names):
        return d
    total: Dim = 0
    for mono, coef in d.terms:
        term: Dim = coef
        for name in mono:
            term = mul(term, mapping.get(name, Sym.name(name)))
        total = add(total, term)
    return total


def substitute_shape(shape: Optional[Tuple[Dim, ...]], mapping: Dict[str, Dim]) -> Optional[Tuple[Dim, ...]]:
    if shape is None:
        return None
    return tuple(substitute_dim(d, mapping) for d in shape)


def substitute_value(v: Val, mapping: Dict[str, Dim], seen: Set[int]) -> Val:
    """The value with the sizes of ``mapping`` replaced; objects and dicts are updated in place."""
    if isinstance(v, ArrayVal):
        if v.shape is None:
            return v
        new = substitute_shape(v.shape, mapping)
        return v if new == v.shape else v.with_shape(new)
    if isinstance(v, IntVal):
        new_dim = substitute_dim(v.dim, mapping)
        return v if new_dim == v.dim else IntVal(new_dim)
    if isinstance(v, TupleVal):
        items = tuple(substitute_value(x, mapping, seen) for x in v.items)
        return v if all(a is b for a, b in zip(items, v.items)) else TupleVal(items, v.is_list)
    if isinstance(v, SeqVal):
        elem = substitute_value(v.elem, mapping, seen)
        return v if elem is v.elem else SeqVal(elem, substitute_dim(v.length, mapping), v.is_list)
    if id(v) in seen:
        return v
    if isinstance(v, DictVal):
        seen.add(id(v))
        for k, x in list(v.entries.items()):
            v.entries[k] = substitute_value(x, mapping, seen)
    elif isinstance(v, InstanceVal):
        seen.add(id(v))
        for k, x in list(v.attrs.items()):
            v.attrs[k] = substitute_value(x, mapping, seen)
    return v


def _rank_unknown(v: Val) -> bool:
    return v is UNKNOWN or isinstance(v, (ParamVal, ShapeOfVal)) or (isinstance(v, ArrayVal) and v.shape is None
                                                                       and v.dtype != "object")


class UnifyMixin:
    # -- shape variables -------------------------------------------------------------

    def materialize(self, node: Optional[cst.BaseExpression], value: Val, env: Env, rank: int,
                    tentative: bool, exact: bool = False, names: Optional[list] = None) -> Optional[ArrayVal]:
        """Give an array of unknown rank the rank its use shows, with a variable per size, and
        remember it under its name (``X``, ``self.inputs``) so that later uses agree.

        An array whose rank was only suggested grows (``X.shape[3]`` after ``X.shape[1]``),
        or is given its exact rank (``n, h, w, c = X.shape``), keeping the sizes it had.
        """
        if not 0 < rank <= MAX_TENTATIVE_RANK:
            return None
        kept: Tuple[Dim, ...] = ()
        if isinstance(value, ArrayVal) and value.tentative and value.shape is not None:
            if len(value.shape) == rank or (len(value.shape) > rank and not exact):
                if exact and value.tentative:
                    arr = value.with_shape(value.shape, tentative=False)
                    self.store(node, arr, env)
                    return arr
                return value
            kept = tuple(value.shape[:rank])
        elif not _rank_unknown(value):
            return None
        label = self.label_of(node)
        if label is None:
            return None
        # a size the code already read as `X.shape[0]` (before X's rank was known) is that dim
        dims = kept + tuple(env.text_dims.get(f"{label}.shape[{i}]") or env.text_dims.get(f"{label}.shape[{i - rank}]")
                            or fresh(names[i] if names and names[i] else f"{label}.shape[{i}]")
                            for i in range(len(kept), rank))
        variables = [variable_name(d) for d in dims]
        ignored = {i for i, n in enumerate(names or ()) if n and n.strip("_") == ""}  # `n_a, _ = Waa.shape`
        for i in range(rank):
            for j in range(i + 1, rank):
                if i in ignored or j in ignored:
                    continue  # the code does not care what that size is: it keeps nothing apart
                if variables[i] is not None and variables[j] is not None and variables[i] != variables[j]:
                    self.solver.keep_apart(frozenset((variables[i], variables[j])), Apart(label, (i, j)))
        dtype = value.dtype if isinstance(value, ArrayVal) else None
        arr = ArrayVal(dims, dtype=dtype, tentative=tentative and not exact)
        self.store(node, arr, env)
        return arr

    def label_of(self, node: Optional[cst.BaseExpression]) -> Optional[str]:
        if isinstance(node, cst.Name):
            return node.value
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            return f"{node.value.value}.{node.attr.value}"
        return None

    def as_matrix_operand(self, node: Optional[cst.BaseExpression], value: Val, env: Env) -> Optional[ArrayVal]:
        """A parameter of unknown rank in a matrix product: 2-D, as its use suggests.

        Only parameters (what a caller passes): a value returned by code we do
        not follow is as often a vector (``np.dot(W, avg)``).
        """
        if isinstance(value, ArrayVal) and value.shape is not None:
            return value
        if not isinstance(value, ParamVal):
            return None
        return self.materialize(node, value, env, 2, tentative=True)

    # -- unification -----------------------------------------------------------------

    def unify_dims(self, a: Dim, b: Dim, env: Env, node: cst.CSTNode, stated: bool = False) -> None:
        """The code needs ``a == b`` to run: a variable among them becomes the other.

        ``stated``: the code says so itself (a test such as ``A.shape[0] == A.shape[1]``,
        an assert ``Q.shape == (m, m)``, a product of an array with itself): sizes made
        equal that way were never kept apart.
        """
        if a is None or b is None or a == b:
            return
        va, vb = variable_name(a), variable_name(b)
        if va is not None:
            self.bind_variable(va, b, env, node, stated)
        elif vb is not None:
            self.bind_variable(vb, a, env, node, stated)

    def bind_variable(self, name: str, value: Dim, env: Env, node: cst.CSTNode, stated: bool = False) -> None:
        why = self.solver.bind(name, value, stated)
        if why is not None:
            # one per function: the first contradiction is the bug; what follows from it is noise
            func = self.running_definition()
            if func not in self.forced_reported:
                self.forced_reported.add(func)
                self.emit(ForcedEqualEvent(node, array=why.array, axes=why.axes, first=Sym.name(name), second=value,
                                           examples_of=why.data))
        mapping = {name: value}
        seen: Set[int] = set()
        scope: Optional[Env] = env
        while scope is not None:
            # every scope up to the module's (a size may live in any of them), but only the
            # values that can hold one (Vars.sized)
            for k in scope.sized_keys():
                v = scope.vars[k]
                new = substitute_value(v, mapping, seen)
                if new is not v:
                    scope.vars[k] = new
            scope = scope.parent

    def unify_product(self, a: Optional[Tuple[Dim, ...]], b: Optional[Tuple[Dim, ...]],
                      result: Optional[Tuple[Dim, ...]], env: Env, node: cst.CSTNode,
                      a_node: Optional[cst.CSTNode] = None,
                      b_node: Optional[cst.CSTNode] = None) -> Optional[Tuple[Dim, ...]]:
        """The inner sizes of a matrix product are one size; the result in the unified sizes."""
        if a is None or b is None or not a or not b:
            return result
        inner_b = b[0] if len(b) == 1 else b[-2]
        self.column_layout(a, b, a_node, b_node)
        mark = self.solver.mark()
        # `A.dot(A)`, `X.T @ X`: one array on both sides is square on purpose
        same_array = bool({variable_name(d) for d in a} & {variable_name(d) for d in b} - {None})
        self.unify_dims(a[-1], inner_b, env, node, stated=same_array)
        mapping = self.solver.bound_since(mark)
        if not mapping or result is None:
            return result
        return substitute_shape(result, mapping)

    def column_layout(self, a: Tuple[Dim, ...], b: Tuple[Dim, ...], a_node: Optional[cst.CSTNode],
                      b_node: Optional[cst.CSTNode]) -> None:
        """A product with a weight of the course's names on the left (``np.dot(W1, X)``) and maybe
        a data array on the right: the solver keeps layer sizes apart from numbers of examples
        (see the module's docstring)."""
        weight = _operand_name(a_node)
        if weight is None or not _WEIGHT_NAME.match(weight[0]):
            return
        data = _operand_name(b_node)
        if data is not None and not _DATA_NAME.match(data[0]):
            data = None
        self.solver.note_product(weight, data, a, b)

    def unify_shapes(self, have: Tuple[Dim, ...], want: Tuple[Dim, ...], env: Env, node: cst.CSTNode,
                     stated: bool = False, repeated: frozenset = frozenset()) -> None:
        """``repeated``: positions where the code wrote one size twice (``assert Q.shape == (m, m)``):
        the code itself says those axes are one size."""
        for i, (h, w) in enumerate(zip(have, want)):
            self.unify_dims(h, w, env, node, stated=stated or i in repeated)

    # -- tentative ranks -------------------------------------------------------------

    @staticmethod
    def any_tentative(values: Iterable[Any]) -> bool:
        return any(isinstance(v, ArrayVal) and v.tentative for v in values)


