"""Shapes that authors already wrote: docstrings, annotations and shapelint calls.

Which shapes a function declares is decided by ``shapelint.algebra.declared``
(the runtime reads them through it too); ``read_contract`` hands it what the
syntax tree holds.  The function's ``StaticContract`` then maps parameter
names to declared shapes (symbols such as ``n_h`` become declared sizes) and
lists the declared return shapes.  The inference pass binds parameters to
them, checks call sites against them and checks returned values.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Type

import libcst as cst

from shapelint.algebra.declared import (
    ANNOTATION,
    DOCSTRING,
    DecoratorSpecs,
    DeclaredContract,
    Param,
    declared_contract,
)
from shapelint.algebra.dims import (
    DOCUMENTED,
    DOCUMENTED_PREFIX,
    Dim,
    Shape,
    Sym,
    compare_dims,
    dims_equal,
    fmt_dim,
    fmt_shape,
    is_invented,
)
from shapelint.algebra.spec import NOTATION_NAMES, spec_to_shape
from shapelint.analysis.syntax import docstring
from shapelint.analysis.unify import substitute_dim, substitute_shape
from shapelint.analysis.values import UNKNOWN, ArrayVal, IntVal, TupleVal, Val
from shapelint.rules.events import (
    ContractEvent,
    ContractTheCodeContradictsEvent,
    ContractUnreadableEvent,
    ContractViolationEvent,
    TestDataContradictsContractEvent,
)


class StaticContract:
    """A function's declared shapes in the analyzer's symbolic sizes, with the checks the
    inference runs at its calls and returns (the runtime's counterpart is
    ``shapelint.runtime.contracts.RuntimeContract``)."""

    def __init__(self, func_name: str, param_order: Optional[List[str]] = None):
        self.func_name = func_name
        self.code_contradicts = False  # its declared shapes fail in the functions it calls (SL305)
        self.param_order = param_order or []  # checked in this order, like the runtime
        self.specs: Dict[str, Any] = {}  # name -> ShapeSpec, where one was written
        self.params: Dict[str, Tuple[Shape, str, str]] = {}  # name -> (shape, spec text, source)
        self.returns: List[Tuple[Optional[str], Shape, str]] = []  # (name, shape, text)
        self.returns_tuple = False  # the returns are a tuple's elements (also one: `returns=("n",)`)
        self.problems: List[Tuple[str, str]] = []  # (text, reason)
        # "dW -- same shape as W": parameter -> (other name, text); returned values, by position
        self.relations: Dict[str, Tuple[str, str]] = {}
        self.return_relations: List[Tuple[Optional[str], Optional[Tuple[str, str]]]] = []

    def size_names(self) -> set:
        """The names of sizes the declarations use (``n_h``, ``number of examples``)."""
        out = set()
        for shape, _, _ in self.params.values():
            for d in shape or ():
                if isinstance(d, Sym):
                    out.update(d.names)
        for _, shape, _ in self.returns:
            for d in shape or ():
                if isinstance(d, Sym):
                    out.update(d.names)
        return out

    def param_value(self, name: str) -> Optional[Val]:
        entry = self.params.get(name)
        if entry is None:
            return None
        shape, text, _ = entry
        return ArrayVal(shape, declared=text)

    def check_call(self, inf: Any, call: cst.Call, args: Dict[str, Val],
                   arg_nodes: Dict[str, cst.CSTNode]) -> bool:
        """Arguments against declared shapes, with symbols bound across arguments: True when one breaks it."""
        binding: Dict[str, Dim] = {}
        bound_by: Dict[str, str] = {}
        # an int argument named like a declared size is that size (`def f(X, n)`, X: (n, 1))
        for name, v in args.items():
            node = arg_nodes.get(name)
            if isinstance(node, cst.Name) and node.value in ("True", "False"):
                continue  # a bool is not a size (the runtime agrees)
            if isinstance(v, IntVal) and v.dim is not None and name not in self.params:
                binding[name] = v.dim
                bound_by[name] = name
        for name, (other, text) in self.relations.items():
            a, b = args.get(name), args.get(other)
            if isinstance(a, ArrayVal) and isinstance(b, ArrayVal) and a.shape is not None and b.shape is not None:
                problem = _same_shape(a.shape, b.shape, other)
                if problem:
                    inf.emit(_violation_event(inf, [a, b], self)(
                        arg_nodes.get(name, call), what=f"argument `{name}` of `{self.func_name}()`",
                        declared=b.shape, declared_text=text, actual=a.shape, reason=problem))
                    return True
        ordered = [n for n in self.param_order if n in self.params] or list(self.params)
        checked: List[Val] = []  # the arrays compared so far: what the sizes were bound to
        for name in ordered:
            shape, text, _ = self.params[name]
            v = args.get(name)
            spec = self.specs.get(name)
            if not isinstance(v, ArrayVal) or v.shape is None:
                continue
            if v.shape == () and shape and all(isinstance(d, int) and d == 1 for d in shape):
                # a scalar where `(1, 1, 1)` is declared (`b[0, 0, 0, c]` for the course's
                # conv_single_step bias): it broadcasts exactly as the declared array would
                continue
            checked.append(v)
            before = set(binding)
            if spec is not None and (shape is None or _has_expr(spec)):
                # `"b *rest"`, `"n+1"`: matched on the spec itself
                problem = _bind_spec(spec, v.shape, binding, bound_by)
            elif shape is None:
                continue
            else:
                problem = _bind(shape, v.shape, binding, bound_by)
            for new in set(binding) - before:
                bound_by[new] = name
            if problem:
                # like the runtime check: the first argument that breaks the contract
                inf.emit(_violation_event(inf, checked, self)(
                    arg_nodes.get(name, call), what=f"argument `{name}` of `{self.func_name}()`",
                    declared=shape, declared_text=text, actual=v.shape, reason=problem))
                return True
        return False

    def check_return(self, inf: Any, node: cst.Return, value: Val, env: Any = None) -> None:
        if self.return_relations and env is not None:
            self.check_return_relations(inf, node, value, env)
        if not inf.recording:
            return  # at a call site the values are in the caller's sizes
        if len(self.returns) == 1 and not self.returns_tuple:
            targets = [(self.returns[0], value)]
        elif self.returns_tuple and isinstance(value, TupleVal) and len(value.items) == len(self.returns):
            targets = list(zip(self.returns, value.items))
        else:
            return
        argument_names = {n for shape, _, _ in self.params.values() for d in shape or () if isinstance(d, Sym)
                          for n in d.names}
        for (name, shape, text), v in targets:
            if not isinstance(v, ArrayVal) or v.shape is None or shape is None:
                continue
            shape = _free_return_sizes(shape, argument_names, set(self.param_order), env)
            if env is not None:
                shape = _as_the_code_defines(shape, env)
            # the function's own declared names mean themselves here
            problem = _bind(shape, v.shape, None, strict=True)
            if problem:
                label = f"return value `{name}`" if name else "return value"
                inf.emit(ContractViolationEvent(node, what=f"{label} of `{self.func_name}()`", declared=shape,
                                                declared_text=text, actual=v.shape, reason=problem))

    def check_return_relations(self, inf: Any, node: cst.Return, value: Val, env: Any) -> None:
        """``dA_prev -- same shape as A_prev``: compared with ``A_prev`` as the function holds it
        when it returns (a parameter, or a name it unpacked from one)."""
        if len(self.return_relations) == 1:
            pairs = [(self.return_relations[0], value)]
        elif isinstance(value, TupleVal) and len(value.items) == len(self.return_relations):
            pairs = list(zip(self.return_relations, value.items))
        else:
            return
        for (name, relation), v in pairs:
            if relation is None or not isinstance(v, ArrayVal) or v.shape is None:
                continue
            other_name, text = relation
            other = env.vars.get(other_name)  # the function's own names: a global of that name is another array
            if not isinstance(other, ArrayVal) or other.shape is None:
                continue
            problem = _same_shape(v.shape, other.shape, other_name)
            if problem:
                label = f"return value `{name}`" if name else "return value"
                inf.emit(ContractViolationEvent(node, what=f"{label} of `{self.func_name}()`",
                                                declared=other.shape, declared_text=text, actual=v.shape,
                                                reason=problem))


def _violation_event(inf: Any, arrays: List[Val], contract: Any = None) -> Type[ContractEvent]:
    """SL301's event, or SL304's when the arrays that contradict the declaration are all the
    course's own test data (``X_assess`` of ``..._test_case()``: the docstring is what is wrong),
    or SL305's when the function's own code fails in the functions it calls with the declared
    shapes (``L_layer_model``'s transposed ``X``): that declaration is what is wrong."""
    if inf.from_course_tests(arrays):
        return TestDataContradictsContractEvent
    if getattr(contract, "code_contradicts", False):
        return ContractTheCodeContradictsEvent
    return ContractViolationEvent


def _free_return_sizes(shape: Tuple[Dim, ...], argument_names: set, parameters: Any, env: Any) -> Tuple[Dim, ...]:
    """A size outside the course's notation that only the return declaration names (cs231n's
    `scores -- (N, C)` where no argument declares `C`), that is no parameter and that the code does
    not bind either, is whatever the function computes: not checked (nothing says it differs)."""
    out: List[Dim] = []
    for d in shape:
        name = _single_name(d) if isinstance(d, Sym) and not is_invented(d) else None
        if name is not None and name.startswith(DOCUMENTED_PREFIX) and name not in argument_names:
            bare = name[len(DOCUMENTED_PREFIX):]
            if bare not in parameters and (env is None or bare not in env.vars):
                out.append(None)
                continue
        out.append(d)
    return tuple(out)


def _as_the_code_defines(shape: Tuple[Dim, ...], env: Any) -> Tuple[Dim, ...]:
    """A declared size the function assigns itself (``n_C = n_C_prev``) is what it assigned."""
    mapping: Dict[str, Dim] = {}
    for d in shape:
        for n in (d.names if isinstance(d, Sym) and not is_invented(d) else ()):
            local = env.vars.get(n[len(DOCUMENTED_PREFIX):] if n.startswith(DOCUMENTED_PREFIX) else n)
            if isinstance(local, IntVal) and local.dim is not None:
                mapping[n] = local.dim
    return substitute_shape(shape, mapping) if mapping else shape


def _same_shape(actual: Tuple[Dim, ...], other: Tuple[Dim, ...], other_name: str) -> str:
    if len(actual) != len(other):
        return f"rank {len(actual)}, but `{other_name}` has rank {len(other)}"
    for i, (a, b) in enumerate(zip(actual, other)):
        if dims_equal(a, b) is False:
            return f"dim {i} is {_fmt(a)}, but `{other_name}` has {_fmt(b)} there"
    return ""


def _bind(declared: Tuple[Dim, ...], actual: Tuple[Dim, ...], binding: Optional[Dict[str, Dim]],
          bound_by: Optional[Dict[str, str]] = None, strict: bool = False) -> str:
    """Compare an actual shape to a declared one; '' when they can agree.

    ``strict``: the function's own code against its own docstring (a return), where
    two sizes its docstring names differently are not forgiven as another docstring's.

    A declared name is bound to the size that first arrives for it (the
    callee's names are its own, not the caller's), and every later use of the
    name must agree.  Declared ints must match.
    """
    if len(declared) != len(actual):
        return f"rank {len(actual)} where the declaration has rank {len(declared)}"
    for i, (d, a) in enumerate(zip(declared, actual)):
        # an unplaced docstring phrase (spec_to_shape's `?phrase#0`) is one size within one call:
        # it binds like a name, and is compared with nothing else
        phrase = is_invented(d) and _single_name(d) is not None and _single_name(d).endswith("#0")
        if d is None or (is_invented(d) and not (phrase and binding is not None)):
            continue
        if isinstance(d, Sym) and binding is not None:
            name = _single_name(d)
            if name is None:
                continue  # arithmetic on declared names: not checked here
            if name not in binding:
                binding[name] = a
                continue
            d = binding[name]
            if _conflict(d, a):
                shown = fmt_dim(Sym.name(name))
                source = f" by argument `{bound_by[name]}`" if bound_by and name in bound_by else ""
                return f"dim {i} ({shown}) is {_fmt(a)} but {shown} was bound to {_fmt(d)}{source}"
        if (dims_equal(d, a) is False) if strict else _conflict(d, a):
            return f"dim {i} is {_fmt(a)}, declared {_fmt(d)}"
    return ""


def _conflict(bound: Dim, actual: Dim) -> bool:
    """Two sizes that differ, not only because another docstring names one of them
    (that is one docstring against another: SL303 reports it where the code fails)."""
    verdict = compare_dims(bound, actual)
    return verdict.equal is False and verdict.reason != DOCUMENTED


def _has_expr(spec: Any) -> bool:
    return any(d.kind == "expr" for d in spec.dims)


def _bind_spec(spec: Any, actual: Tuple[Dim, ...], binding: Dict[str, Any], bound_by: Dict[str, str]) -> str:
    """Match a spec with a variadic (``b *rest``) or arithmetic (``n+1``) dim, as the runtime does."""
    dims = list(spec.dims)
    var = [i for i, d in enumerate(dims) if d.kind == "variadic"]
    if var:
        v = var[0]
        head, tail = dims[:v], dims[v + 1:]
        if len(actual) < len(head) + len(tail):
            return f"rank {len(actual)} where the declaration needs at least {len(head) + len(tail)}"
        pairs = list(zip(head, actual[:len(head)])) + list(zip(tail, actual[len(actual) - len(tail):]))
        middle = tuple(actual[len(head):len(actual) - len(tail)])
        name = dims[v].name
        if name:
            if name in binding:
                prev = binding[name]
                if not isinstance(prev, tuple) or len(prev) != len(middle) or any(
                        dims_equal(a, b) is False for a, b in zip(prev, middle)):
                    return f"the dims of *{name} are {fmt_shape(middle)} but were bound to {fmt_shape(prev)}"
            else:
                binding[name] = middle
    else:
        if len(dims) != len(actual):
            return f"rank {len(actual)} where the declaration has rank {len(dims)}"
        pairs = list(zip(dims, actual))
    for i, (d, a) in enumerate(pairs):
        if d.kind == "int":
            if dims_equal(d.value, a) is False:
                return f"dim {i} is {_fmt(a)}, declared {d.value}"
        elif d.kind == "name":
            if d.name not in binding:
                binding[d.name] = a
            elif _conflict(binding[d.name], a):
                source = f" by argument `{bound_by[d.name]}`" if d.name in bound_by else ""
                return f"dim {i} ({d.name}) is {_fmt(a)} but {d.name} was bound to {_fmt(binding[d.name])}{source}"
        elif d.kind == "expr":
            want = _eval_poly(d.poly, binding)
            if want is not None and dims_equal(want, a) is False:
                return f"dim {i} ({d.text}) is {_fmt(a)} but {d.text} = {_fmt(want)}"
    return ""


def _eval_poly(poly: Any, binding: Dict[str, Any]) -> Optional[Dim]:
    from shapelint.algebra.dims import add, mul

    total: Dim = 0
    for mono, coef in poly:
        term: Dim = coef
        for n in mono:
            value = binding.get(n)
            if value is None or isinstance(value, tuple):
                return None
            term = mul(term, value)
        total = add(total, term)
    return total


def _single_name(d: Sym) -> Optional[str]:
    if len(d.terms) == 1 and d.terms[0][1] == 1 and len(d.terms[0][0]) == 1:
        return d.terms[0][0][0]
    return None


def _fmt(d: Dim) -> str:
    return fmt_shape((d,))[1:-2]


def read_contract(inf: Any, node: cst.FunctionDef, decorator: Any = None) -> Optional[StaticContract]:
    """Declared shapes of a function (see ``contract_of``); a declaration that cannot be read
    is reported (SL303)."""
    contract = contract_of(inf.module, node, decorator)
    if contract is not None and contract.problems:
        for text, reason in contract.problems:
            inf.emit(ContractUnreadableEvent(node.name, text=text, reason=reason, func=node.name.value))
    return contract


def contract_of(module: cst.Module, node: cst.FunctionDef, decorator: Any = None) -> Optional[StaticContract]:
    """Declared shapes of a function of ``module``: ``@shapelint.shapes(...)`` specs, else its
    annotations and docstring.

    What the syntax tree holds is handed to ``declared_contract``, which the runtime uses too
    (``shapelint.algebra.declared``: the rules); here the declaration becomes symbolic shapes.
    """
    ps = node.params
    plain = list(ps.posonly_params) + list(ps.params) + list(ps.kwonly_params)
    ordered = list(ps.posonly_params) + list(ps.params)
    ordered += [ps.star_arg] if isinstance(ps.star_arg, cst.Param) else []
    ordered += list(ps.kwonly_params) + ([ps.star_kwarg] if ps.star_kwarg is not None else [])
    variadic = {id(ps.star_arg), id(ps.star_kwarg)}
    annotations = {p.name.value: module.code_for_node(p.annotation.annotation)
                   for p in ordered if p.annotation is not None}
    if node.returns is not None:
        annotations["return"] = module.code_for_node(node.returns.annotation)
    declared = declared_contract(
        [Param(p.name.value, id(p) in variadic) for p in ordered],
        docstring(node),
        annotations,
        _decorator_specs(decorator) if isinstance(decorator, cst.Call) and decorator.args else None,
    )
    contract = StaticContract(node.name.value, [p.name.value for p in plain])
    _symbolic(contract, declared, {p.name.value for p in plain})
    if not (contract.params or contract.returns or contract.problems or contract.relations
            or contract.return_relations):
        return None
    return contract


def _decorator_specs(call: cst.Call) -> DecoratorSpecs:
    """``@shapelint.shapes("n m", b="n 1", returns="n m")``: the string arguments; one that is
    not a string literal still takes its parameter's place."""
    positional: List[Optional[str]] = []
    named: List[Tuple[str, str]] = []
    returns: Any = None
    for arg in call.args:
        if arg.star:
            break  # `*specs`: which parameters the rest are for is unknown
        keyword = arg.keyword.value if arg.keyword is not None else None
        if isinstance(arg.value, cst.SimpleString):
            text = arg.value.evaluated_value
            if keyword is None:
                positional.append(text)
            elif keyword == "returns":
                returns = text
            else:
                named.append((keyword, text))
        elif isinstance(arg.value, cst.Tuple) and keyword == "returns":
            texts = [e.value.evaluated_value for e in arg.value.elements if isinstance(e.value, cst.SimpleString)]
            if len(texts) == len(arg.value.elements):
                returns = tuple(texts)
        elif keyword is None:
            positional.append(None)
    return DecoratorSpecs(tuple(positional), tuple(named), returns)


def _symbolic(contract: StaticContract, declared: DeclaredContract, param_names: set) -> None:
    """The declaration in the analyzer's sizes: a docstring's names only documented (``_documented``)."""
    for name, spec in declared.params.items():
        if name in declared.variadic:
            continue  # the analysis does not check `*args` element by element
        source = declared.sources[name]
        shape = spec_to_shape(spec)
        contract.params[name] = (_documented(shape, param_names) if source == DOCSTRING else shape,
                                 str(spec), source)
        if source != ANNOTATION:
            contract.specs[name] = spec  # `"b *rest"`, `"n+1"`: matched on the spec itself
    contract.relations = {name: (rel.name, rel.text) for name, rel in declared.relations.items()}
    contract.problems = list(declared.problems)
    contract.returns_tuple = declared.returns_tuple
    if any(r.spec is not None for r in declared.returns):
        for r in declared.returns:
            shape = spec_to_shape(r.spec) if r.spec is not None else None
            if declared.returns_source == DOCSTRING:
                shape = _documented(shape, param_names)
            contract.returns.append((r.name, shape, str(r.spec) if r.spec is not None else ""))
    if any(r.relation is not None for r in declared.returns):
        contract.return_relations = [(r.name, (r.relation.name, r.relation.text) if r.relation else None)
                                     for r in declared.returns]


def _documented(shape: Shape, param_names: set) -> Shape:
    """A docstring's sizes, marked as only documented, except the course's notation (m, n[l], n_x, ...)
    and the function's own size parameters: those the code itself (or the course) defines."""
    if shape is None:
        return None
    out = []
    for d in shape:
        if isinstance(d, Sym) and not is_invented(d):
            weak = {n: Sym.name(DOCUMENTED_PREFIX + n) for n in d.names
                    if n not in NOTATION_NAMES and n not in param_names and not n.startswith(DOCUMENTED_PREFIX)}
            if weak:
                d = substitute_dim(d, weak)
        out.append(d)
    return tuple(out)


def _annotation_spec(inf: Any, annotation: cst.Annotation) -> Optional[Tuple[Shape, str]]:
    text = inf.module.code_for_node(annotation.annotation)
    if "[" not in text:
        return None
    try:
        from shapelint.algebra.docstrings import annotation_spec
        from shapelint.algebra.spec import spec_to_shape
    except ImportError:
        return None
    spec = annotation_spec(text)
    if spec is None:
        return None
    return spec_to_shape(spec), str(spec)


def annotation_shape(inf: Any, annotation: cst.Annotation) -> Shape:
    parsed = _annotation_spec(inf, annotation)
    return parsed[0] if parsed is not None else None


def runtime_check_call(inf: Any, node: cst.Call, qualname: str, env: Any) -> Val:
    """``shapelint.check(x, "n 1")`` works as an assert for the static side too."""
    if qualname not in ("shapelint.check", "shapelint.runtime.check") or len(node.args) < 2:
        return UNKNOWN
    value = inf.eval(node.args[0].value, env)
    spec_node = node.args[1].value
    if not isinstance(spec_node, cst.SimpleString):
        return value
    try:
        from shapelint.algebra.spec import parse_spec, spec_to_shape
        spec = parse_spec(spec_node.evaluated_value)
    except Exception:
        return value
    declared = spec_to_shape(spec)
    if isinstance(value, ArrayVal) and value.shape is not None and declared is not None:
        problem = _bind(declared, value.shape, {})
        if problem:
            inf.emit(ContractViolationEvent(node, what=f"`{inf.code_of(node.args[0].value)}`", declared=declared,
                                            declared_text=str(spec), actual=value.shape, reason=problem))
            return value
    if isinstance(value, ArrayVal) and declared is not None:
        return ArrayVal(declared if value.shape is None else value.shape, declared=str(spec))
    return value
