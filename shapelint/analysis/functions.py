"""Functions and classes of the analyzed code: definitions, contracts, calls analyzed at their call sites."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

import libcst as cst

from shapelint.algebra.dims import (
    Shape,
    Sym,
    fresh,
)
from shapelint.analysis import testdata
from shapelint.analysis.builtins import BUILTINS
from shapelint.analysis.containers import items_of
from shapelint.analysis.contracts import annotation_shape, contract_of, read_contract
from shapelint.analysis.effects import havoc_arguments
from shapelint.analysis.env import Env, Flow
from shapelint.analysis.expressions import concat_key, key_parts, split_key
from shapelint.analysis.summaries import FunctionFacts, knows_a_size
from shapelint.analysis.unify import substitute_value
from shapelint.analysis.values import (
    NONE,
    NUM,
    UNKNOWN,
    ArrayVal,
    BoundMethodVal,
    ClassVal,
    ContainerMethodVal,
    DictVal,
    FuncVal,
    InstanceVal,
    IntVal,
    MethodVal,
    ParamVal,
    QualVal,
    SeqVal,
    StrVal,
    TupleVal,
    Val,
    join_all,
)

_FORMAT_FIELD = re.compile(r"\{(\d*)\}")


def val_key(v: Val, depth: int = 0) -> Any:
    """A structural key for an argument: calls with equal keys analyze alike.

    Never an ``id()``: a temporary's id is reused once it is freed, and a
    stale cache hit would give a wrong shape.
    """
    if depth > 6:
        return ("deep",)
    if isinstance(v, ArrayVal):
        return ("a", v.shape, v.dtype, v.matrix, v.explicit_axes, v.origin is not None)
    if isinstance(v, IntVal):
        return ("i", v.dim)
    if isinstance(v, TupleVal):
        return ("t", v.is_list, tuple(val_key(x, depth + 1) for x in v.items))
    if isinstance(v, DictVal):
        return ("d", tuple(sorted(((repr(k), val_key(x, depth + 1)) for k, x in v.entries.items()))))
    if isinstance(v, StrVal):
        return ("s", repr(v.parts))
    if isinstance(v, (QualVal,)):
        return ("q", v.qualname)
    if isinstance(v, ParamVal):
        return ("p", v.name, v.declared)
    if isinstance(v, FuncVal):
        return ("f", id(v.node))  # tree nodes live as long as the analysis
    if isinstance(v, SeqVal):
        return ("l", v.is_list, v.length, val_key(v.elem, depth + 1))
    if isinstance(v, InstanceVal):
        # the object itself (its methods change it) in its current state
        return ("obj", v.uid, tuple(sorted((k, val_key(x, depth + 1)) for k, x in v.attrs.items())))
    return ("o", type(v).__name__)


def _concrete(v: Val) -> bool:
    """Sizes all known as numbers (arrays the code made), or nothing shaped at all."""
    if isinstance(v, ArrayVal):
        return v.shape is not None and all(isinstance(d, int) for d in v.shape)
    if isinstance(v, TupleVal):
        return all(_concrete(x) for x in v.items)
    return True


def fresh_sizes(v: Val, mapping: Dict[str, Any]) -> Val:
    """The value with every size named in it replaced by a new unknown (one per name)."""
    names = set()
    _collect_names(v, names, 0)
    for n in names:
        if not n.startswith("?") and n not in mapping:
            mapping[n] = fresh(n.lstrip("~"))
    if not mapping:
        return v
    return substitute_value(v, mapping, set())


def _collect_names(v: Val, out: set, depth: int) -> None:
    if depth > 5:
        return
    if isinstance(v, ArrayVal) and v.shape is not None:
        for d in v.shape:
            out.update(getattr(d, "names", ()))
    elif isinstance(v, IntVal):
        out.update(getattr(v.dim, "names", ()))
    elif isinstance(v, TupleVal):
        for x in v.items:
            _collect_names(x, out, depth + 1)
    elif isinstance(v, SeqVal):
        _collect_names(v.elem, out, depth + 1)
    elif isinstance(v, DictVal):
        for x in v.entries.values():
            _collect_names(x, out, depth + 1)


def snapshot_state(v: Val) -> Any:
    """What a call left in an object or dict it was given (to replay on a cached call)."""
    if isinstance(v, InstanceVal):
        return dict(v.attrs)
    return (dict(v.entries), v.complete)


def restore_state(v: Val, state: Any) -> None:
    if isinstance(v, InstanceVal):
        v.attrs = dict(state)
    elif isinstance(v, DictVal):
        v.entries, v.complete = dict(state[0]), state[1]


def is_informative(v: Val, depth: int = 0) -> bool:
    """Is an argument worth re-analyzing the callee for (an array, a size, or a dict/tuple of them)?"""
    if isinstance(v, (ArrayVal, IntVal, InstanceVal, FuncVal)):
        return True
    if depth > 4:
        return False
    if isinstance(v, TupleVal):
        return any(is_informative(x, depth + 1) for x in v.items)
    if isinstance(v, SeqVal):
        return is_informative(v.elem, depth + 1)
    if isinstance(v, DictVal):
        return any(is_informative(x, depth + 1) for x in v.entries.values())
    return False

MAX_CALL_DEPTH = 8
MAX_INSTANTIATIONS = 300  # per file: call-site re-analysis of local functions


class CallSite:
    """A call being analyzed.  The outermost one (``call_site``) is where the arguments come
    from: a finding inside a function of the checked file that depends on them is reported at
    its own line and names this call; one inside an imported module is reported at the last
    call of ``call_chain`` that is in the checked file."""

    __slots__ = ("node", "stmt", "mod", "func_name")

    def __init__(self, node: cst.Call, stmt: Optional[cst.CSTNode], mod: Any, func_name: str):
        self.node, self.stmt, self.mod, self.func_name = node, stmt, mod, func_name


class CallFrame:
    """A function whose body is being analyzed (on its own, or for a call): the function, the
    values its ``return`` statements gave so far, and what to give back to the code that was
    running when it began (restored when it ends)."""

    __slots__ = ("func", "returns", "caller")

    def __init__(self, func: FuncVal, caller: Tuple[Any, ...]):
        self.func = func
        self.returns: List[Val] = []
        self.caller = caller  # (recording, call_site, mod, current_stmt, own_analysis)

    @property
    def node(self) -> cst.FunctionDef:
        return self.func.node


class FunctionsMixin:
    def stmt_FunctionDef(self, node: cst.FunctionDef, env: Env) -> Flow:
        if self.mod.is_main or self.mod.is_focus or self.frames:
            func = FuncVal(node, env, self.function_contract(node, env), node.name.value, self.mod)
        else:
            # An imported module's top level: most of its functions are never called from the
            # checked file, so their docstrings are read when first needed (scikit-learn's
            # _ridge.py imports 1,570 functions; reading them all was a fifth of its check).
            # Nothing is lost: what cannot be read there is not reported (see ReportingMixin.report).
            decorator = self.shapes_decorator(node, env)
            tree = self.module
            func = FuncVal(node, env, None, node.name.value, self.mod,
                           read_contract=lambda: contract_of(tree, node, decorator))
        env.vars[node.name.value] = func
        if self.recording and not self.frames and self.class_depth == 0:
            func.generic_return = self.analyze_function(func, None, None)
        return Flow(False)

    def function_contract(self, node: cst.FunctionDef, env: Env) -> Any:
        return read_contract(self, node, self.shapes_decorator(node, env))

    def shapes_decorator(self, node: cst.FunctionDef, env: Env) -> Any:
        """The function's ``@shapelint.shapes(...)`` call (``()`` for a bare ``@shapelint.shapes``),
        None without one; read where the function is defined, with the names bound there."""
        decorator_specs = None
        for dec in node.decorators:
            d = dec.decorator
            target = d.func if isinstance(d, cst.Call) else d
            value = self.quiet_eval(target, env)
            if isinstance(value, QualVal) and value.qualname in ("shapelint.shapes", "shapelint.runtime.shapes",
                                                                  "shapelint.runtime.decorator.shapes"):
                decorator_specs = d if isinstance(d, cst.Call) else ()
        return decorator_specs

    def analyze_function(self, func: FuncVal, args: Optional[Dict[str, Val]], call_node: Optional[cst.Call],
                         bound_self: Optional[Val] = None) -> Val:
        node = func.node
        if len(self.frames) >= MAX_CALL_DEPTH or any(f.node is node for f in self.frames):
            if args is not None:
                havoc_arguments(func, args, self._writes_cache)
            return UNKNOWN
        env = Env(func.env)
        env.text_dims = dict(func.env.text_dims)
        frame = CallFrame(func, (self.recording, self.call_site, self.mod, self.current_stmt, self.own_analysis))
        if args is None and not self.frames:
            self.own_analysis = func  # analyzed on its own, on its declared shapes
        self.frames.append(frame)
        if args is not None:
            self.recording = False
        self.mod = func.mod or self.mod
        try:
            self.bind_params(func, args, env, bound_self)
            flow = self.exec_suite(node.body, env)
        finally:
            self.frames.pop()
            self.recording, self.call_site, self.mod, self.current_stmt, self.own_analysis = frame.caller
        returns = frame.returns
        if not flow.terminated:
            returns.append(NONE)
        result = join_all(returns) if returns else UNKNOWN
        home = func.mod or self.mod
        if home.is_main if self.focus is None else home.is_focus:
            self.note_function(func, args, env, result, bound_self is not None)
        return result

    def note_function(self, func: FuncVal, args: Optional[Dict[str, Val]], env: Env, result: Val,
                      method: bool) -> None:
        """What an analysis of a function of the checked file found, for its summary (``shapes
        --signatures``, ``coverage``) and for the count of functions that could not be checked:
        its own analysis (``args`` None), or one at a call."""
        facts = self.function_facts.get(id(func.node))
        if facts is None:
            facts = self.function_facts[id(func.node)] = FunctionFacts(func.node)
        if args is None:
            if self.recording and self.focus is None:  # (a driver's run of the file adds only its calls)
                facts.own(func, env.vars, result, method)
            return
        if not facts.sized_call and any(knows_a_size(v) for v in args.values()):
            facts.sized_call = True
        if self.collect_shapes:
            facts.calls.append(({p: env.vars.get(p) for p in facts.param_names}, result, self.focus is not None))

    def bind_params(self, func: FuncVal, args: Optional[Dict[str, Val]], env: Env,
                    bound_self: Optional[Val] = None) -> None:
        params = func.node.params
        for i, p in enumerate(list(params.posonly_params) + list(params.params) + list(params.kwonly_params)):
            name = p.name.value
            if i == 0 and bound_self is not None and args is None:
                env.vars[name] = bound_self  # a method analyzed on its own, on its class's object
            elif args is not None and name in args:
                # what the caller passes; if even the caller does not know, a parameter like any
                # (not its declared shape: those names would not be bound to the other arguments')
                env.vars[name] = args[name] if args[name] is not UNKNOWN else ParamVal(name)
            elif args is not None and p.default is not None:
                env.vars[name] = self.quiet_eval(p.default, func.env)  # not passed: the default
            else:
                env.vars[name] = self.param_value(func, p)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                env.vars[star.name.value] = UNKNOWN
        if args is None and func.contract is not None:
            # "dW -- same shape as W": on its own, dW is what W is
            for name, (other, text) in func.contract.relations.items():
                mine, theirs = env.vars.get(name), env.vars.get(other)
                if isinstance(theirs, ArrayVal) and theirs.shape is not None and not (
                        isinstance(mine, ArrayVal) and mine.shape is not None):
                    env.vars[name] = ArrayVal(theirs.shape, declared=text)

    def param_value(self, func: FuncVal, p: cst.Param) -> Val:
        name = p.name.value
        contract = func.contract
        if contract is not None:
            declared = contract.param_value(name)
            if declared is not None:
                return declared
        if p.annotation is not None:
            ann = p.annotation.annotation
            if isinstance(ann, cst.Name) and ann.value == "int":
                return IntVal(Sym.name(name))
            if isinstance(ann, cst.Name) and ann.value in ("float", "bool", "str"):
                return NUM if ann.value != "str" else UNKNOWN
            shape = self.annotation_shape(p.annotation)
            if shape is not None:
                return ArrayVal(shape)
        if p.default is not None and isinstance(p.default, (cst.SimpleString, cst.Float)):
            return UNKNOWN
        from shapelint.algebra.spec import NOTATION_NAMES

        if (contract is not None and contract.params and name not in contract.size_names()
                and name not in NOTATION_NAMES):
            # the docstring names its sizes, not this one: it may be one of them (`dim` for a
            # docstring's `n`), unless its name is the course's own (`n_h` is never `m` or `n_x`)
            return ParamVal(name, declared=False)
        return ParamVal(name)

    def annotation_shape(self, annotation: cst.Annotation) -> Shape:
        return annotation_shape(self, annotation)

    def running_function(self) -> Optional[FuncVal]:
        """The function whose body is being analyzed (innermost), or None at a module's top level."""
        return self.frames[-1].func if self.frames else None

    def running_definition(self) -> Optional[cst.FunctionDef]:
        """The definition of that function, or None at a module's top level."""
        return self.frames[-1].node if self.frames else None

    def on_return(self, node: cst.Return, value: Val, env: Env) -> None:
        if not self.frames:
            return
        frame = self.frames[-1]
        func = frame.func
        frame.returns.append(value)
        if func.contract is not None and node.value is not None:
            func.contract.check_return(self, node, value, env)

    def call_function(self, func: FuncVal, call: cst.Call, env: Env, bound_self: Optional[Val] = None) -> Val:
        node = func.node
        params = node.params
        positional = list(params.posonly_params) + list(params.params)
        accepted = {p.name.value for p in list(params.params) + list(params.kwonly_params)}
        args: Dict[str, Val] = {}
        arg_nodes: Dict[str, cst.CSTNode] = {}
        pos_i = 0
        if bound_self is not None:
            if not positional:
                return UNKNOWN
            args[positional[0].name.value] = bound_self
            pos_i = 1
        for arg in call.args:
            v = self.eval(arg.value, env)
            if arg.star == "*":
                # `target(*test_case["input"])`: the items, when we know them one by one
                items = items_of(v)
                if items is None:
                    return self.skip_call(func, args)
                for item in items:
                    if pos_i < len(positional):
                        args[positional[pos_i].name.value] = item
                        pos_i += 1
                continue
            if arg.star:
                if not isinstance(v, DictVal):
                    return self.skip_call(func, args)
                for key, item in v.entries.items():
                    if len(key) == 1 and isinstance(key[0], str):
                        args[key[0]] = item
                continue
            if arg.keyword is not None:
                if arg.keyword.value not in accepted and params.star_kwarg is None:
                    return self.skip_call(func, args)  # a TypeError: nothing inside runs
                args[arg.keyword.value] = v
                arg_nodes[arg.keyword.value] = arg.value
            elif pos_i < len(positional):
                args[positional[pos_i].name.value] = v
                arg_nodes[positional[pos_i].name.value] = arg.value
                pos_i += 1
            elif not isinstance(params.star_arg, cst.Param):
                return self.skip_call(func, args)  # too many arguments: a TypeError, nothing inside runs
        # Declarations lose to the code: a call that breaks the callee's declared shapes is
        # reported there (SL301); the callee is analyzed with what the call passes.  When the
        # arguments are themselves only declared (symbols, not sizes the code made), what fails
        # inside is the same contradiction between declarations: not reported again.
        contradicted = (func.contract is not None and func.contract.check_call(self, call, args, arg_nodes)
                        and not all(_concrete(v) for v in args.values()))
        # A function of the checked file was analyzed once on its own; it is analyzed
        # again here when the arguments say more.  Imported functions have no analysis
        # of their own, and a function without parameters is the same at every call.
        worth_it = (any(is_informative(v) for v in args.values()) or not positional
                    or (func.mod is not None and not func.mod.is_main))
        if not worth_it or self.instantiations >= MAX_INSTANTIATIONS:
            return self.skip_call(func, args)
        key = (node, tuple(sorted((k, val_key(v)) for k, v in args.items())))
        outermost = self.call_site is None
        saved_site = self.call_site
        here = CallSite(call, self.current_stmt, self.mod, func.qualname)
        if outermost:
            self.call_site = here
        self.call_chain.append(here)
        try:
            cached = self._instance_cache.get(key)
            if cached is not None:
                # the same arguments again: the same result, the same changes to the
                # objects and dicts passed in, and the same findings, reported here
                result, effects, findings = cached
                for name, state in effects:
                    restore_state(args[name], state)
                if not contradicted:
                    self.replay(findings)
                return result
            self.instantiations += 1
            self._finding_frames.append((len(self.call_chain), []))
            self.quiet += contradicted
            try:
                result = self.analyze_function(func, args, call)
            finally:
                self.quiet -= contradicted
                _, findings = self._finding_frames.pop()
            if any(finding[5] == "error" for finding in findings):
                result = UNKNOWN  # the call raises: what it would return says nothing
            effects = [(name, snapshot_state(v)) for name, v in args.items() if isinstance(v, (InstanceVal, DictVal))]
            self._instance_cache[key] = (result, effects, findings)
            return result
        finally:
            self.call_site = saved_site
            self.call_chain.pop()

    def makes_test_data(self, func: FuncVal) -> bool:
        """A test-case function of the course (``*_test_case()``), or any function of a test-data module."""
        return testdata.is_test_case_function(func.qualname.rsplit(".", 1)[-1]) or (
            func.mod is not None and testdata.is_test_module(func.mod.path))

    def from_course_tests(self, values: List[Val]) -> bool:
        """Do these arguments come from the course's own test data (see testdata)?"""
        return testdata.is_test_module(self.mod.path) or testdata.all_test_data(values)

    def skip_call(self, func: FuncVal, args: Dict[str, Val]) -> Val:
        """A call not analyzed here: what it may change in its arguments is forgotten, and its
        result is the function's own, with the sizes it names made unknowns: they are the
        callee's names for whatever this call passes (`n_y` of `layer_sizes()` is not a size here)."""
        havoc_arguments(func, args, self._writes_cache)
        return fresh_sizes(func.generic_return, {})

    def replay(self, findings: list) -> None:
        """Report again what a call with the same arguments found, as if its calls ran again."""
        saved = (self.recording, self.mod, self.current_stmt, len(self.call_chain), self._event_origins)
        self.recording = False
        try:
            for mod, stmt, node_, code, message, severity, inner_calls, fixes, origins in findings:
                self.mod, self.current_stmt, self._event_origins = mod, stmt, list(origins)
                self.call_chain.extend(inner_calls)
                try:
                    self.report(node_, code, message, severity, fixes)
                finally:
                    del self.call_chain[saved[3]:]
        finally:
            self.recording, self.mod, self.current_stmt, _, self._event_origins = saved

    def str_format(self, node: cst.Call, env: Env) -> Val:
        """``"W{}".format(l)`` is the key ``"W" + str(l)``: only bare ``{}`` / ``{0}`` fields are followed."""
        template = self.eval(node.func.value, env)
        args = [self.eval(arg.value, env) for arg in node.args]
        text = template.text() if isinstance(template, StrVal) else None
        if text is None or any(arg.keyword is not None or arg.star for arg in node.args):
            return UNKNOWN
        pieces = _FORMAT_FIELD.split(text)  # text, field, text, field, ..., text
        if any("{" in p or "}" in p for p in pieces[::2]):
            return UNKNOWN  # {name}, {:3d}, {{ }}: not followed
        parts: Tuple[Any, ...] = ()
        automatic = 0
        for i, piece in enumerate(pieces):
            if i % 2 == 0:
                parts = concat_key(parts, split_key(piece)) if piece else parts
                continue
            index = int(piece) if piece else automatic
            automatic += 1
            added = key_parts(args[index]) if index < len(args) else None
            if added is None:
                return UNKNOWN
            parts = concat_key(parts, added)
        return StrVal(parts) if parts else UNKNOWN

    def expr_Call(self, node: cst.Call, env: Env) -> Val:
        if (isinstance(node.func, cst.Attribute) and node.func.attr.value == "format"
                and isinstance(node.func.value, cst.SimpleString)):
            return self.str_format(node, env)
        func = self.eval(node.func, env)
        if isinstance(func, ContainerMethodVal):
            return self.call_container_method(node, func.owner_node, func.owner, func.name, env)
        if isinstance(func, QualVal):
            result = self.call_qualified(node, func.qualname, env)
            if not self.frames:  # the top level of a file: a notebook cell, a script
                if func.qualname == testdata.SEED:
                    self.seeded.add(self.mod.path)
                elif self.mod.path in self.seeded and testdata.is_seeded_literal_draw(func.qualname, node):
                    return testdata.mark(result)
            return result
        if isinstance(func, MethodVal):
            return self.call_method(node, func, env)
        if isinstance(func, FuncVal):
            result = self.call_function(func, node, env)
            return testdata.mark(result) if self.makes_test_data(func) else result
        if isinstance(func, BoundMethodVal):
            return self.call_function(func.func, node, env, bound_self=func.instance)
        if isinstance(func, ClassVal):
            return self.instantiate(func, node, env)
        if isinstance(func, InstanceVal):
            call = func.cls.lookup_method("__call__")
            if call is not None:
                return self.call_function(call, node, env, bound_self=func)
        if isinstance(node.func, cst.Name):
            builtin = node.func.value
            if env.get(builtin) is None:
                if builtin == "super" and not node.args:
                    return self.call_super(env)
                handler = BUILTINS.get(builtin)
                if handler is not None:
                    return handler(self, node, env)
        for arg in node.args:
            self.eval(arg.value, env)
        return UNKNOWN
