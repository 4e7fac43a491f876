"""Runtime shape contracts: compiled once per function, checked on every call.

A ``RuntimeContract`` says which arguments (and which returned values) carry which
shape spec.  ``make_wrapper`` turns it into the function that replaces the
original:

* when every spec is *simple* (ints, names and ``_``, fixed rank) and every
  checked parameter is a plain one, the wrapper is generated Python source
  specialised to this contract: it fetches each argument by position or
  keyword, reads ``.shape`` and compares tuple items against local
  variables, one per dim name.  No dicts, no loops, no messages;
* anything else (variadics, arithmetic, ``*args`` specs) goes through the
  generic checker built on ``spec.match_shape``.

A contract may also relate shapes (``dW -- same shape as W``): an argument
or a returned value must have the shape of another argument, compared as
concrete tuples.

On any mismatch the fast wrapper hands over to the generic checker, which is
the single source of truth for what matches and for the message.  Values
without a ``.shape`` (lists, None, Python scalars) are not checked.
"""

from __future__ import annotations

import functools
import inspect
import numbers
import os
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from shapelint.algebra.spec import ANY, INT, NAME, ShapeSpec, display_name, match_shape, parse_spec
from shapelint.errors import ShapeError

__all__ = [
    "RuntimeContract",
    "Contract",
    "ArgCheck",
    "ReturnCheck",
    "RelationCheck",
    "Violation",
    "ShapeContractWarning",
    "compile_contract",
    "make_wrapper",
    "check",
    "enable",
    "disable",
    "is_enabled",
    "set_mode",
    "get_mode",
    "violations",
    "clear_violations",
    "CONTRACT_ATTR",
]

RAISE = "raise"
WARN = "warn"
CONTRACT_ATTR = "__shapelint_contract__"

# Parameter kinds, as far as fetching the value is concerned
POSITIONAL_ONLY = "positional-only"
POSITIONAL_OR_KEYWORD = "positional-or-keyword"
KEYWORD_ONLY = "keyword-only"
VAR_POSITIONAL = "var-positional"
VAR_KEYWORD = "var-keyword"

_KIND_OF = {
    inspect.Parameter.POSITIONAL_ONLY: POSITIONAL_ONLY,
    inspect.Parameter.POSITIONAL_OR_KEYWORD: POSITIONAL_OR_KEYWORD,
    inspect.Parameter.KEYWORD_ONLY: KEYWORD_ONLY,
    inspect.Parameter.VAR_POSITIONAL: VAR_POSITIONAL,
    inspect.Parameter.VAR_KEYWORD: VAR_KEYWORD,
}


class ShapeContractWarning(UserWarning):
    """A shape contract was violated while checking in warn mode."""


# -- global switch ---------------------------------------------------------------


class _State:
    __slots__ = ("enabled", "mode")

    def __init__(self) -> None:
        setting = os.environ.get("SHAPELINT_RUNTIME", "").strip().lower()
        self.enabled = setting not in ("0", "off", "false", "no")
        self.mode = WARN if setting == WARN else RAISE


STATE = _State()


def enable(mode: Optional[str] = None) -> None:
    """Turn checking on (optionally switching to ``"raise"`` / ``"warn"``)."""
    if mode is not None:
        set_mode(mode)
    STATE.enabled = True


def disable() -> None:
    """Turn checking off.  Existing wrappers then just call through;
    ``@shapes`` applied while disabled returns the function unchanged."""
    STATE.enabled = False


def is_enabled() -> bool:
    return STATE.enabled


def set_mode(mode: str) -> None:
    if mode not in (RAISE, WARN):
        raise ValueError(f"mode must be 'raise' or 'warn', not {mode!r}")
    STATE.mode = mode


def get_mode() -> str:
    return STATE.mode


# -- contracts -------------------------------------------------------------------


@dataclass(frozen=True)
class ArgCheck:
    name: str
    spec: ShapeSpec
    kind: str
    index: int  # position in *args (start of the var-positional tail); -1 keyword-only
    label: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", f"argument {self.name!r}")  # built once, not per call


@dataclass(frozen=True)
class ReturnCheck:
    index: Optional[int]  # element of the returned tuple; None: the value itself
    label: str
    spec: ShapeSpec


@dataclass(frozen=True)
class SizeParam:
    """A parameter whose name is also a dim name of the contract.

    ``def init(n_h, n_x)`` returning ``(n_h, n_x)``: the dim ``n_h`` is the
    integer passed as ``n_h`` (as the static analyzer reads it), so an int
    argument binds the dim before any shape is checked.
    """

    name: str
    kind: str
    index: int  # position in *args; -1 keyword-only
    default: Any = inspect.Parameter.empty


@dataclass(frozen=True)
class RelationCheck:
    """A value that must have the same shape as the argument ``other``.

    The value is the argument ``subject`` or, when ``subject`` is None, the
    returned value (``index`` None) or element ``index`` of a returned tuple.
    """

    subject: Optional[str]
    index: Optional[int]
    label: str  # "argument 'dW'", "return value 'dW'"
    other: str
    text: str  # as written: "same shape as W"


@dataclass(frozen=True)
class RuntimeContract:
    """One function's compiled checks: what its wrapper compares on every call.

    Built by ``compile_contract`` from the specs given to ``@shapes``, or from
    what a docstring and annotations declare (``instrument.contract_from_function``,
    through ``shapelint.algebra.declared``, as the static analyzer reads them).
    The static analyzer's counterpart is
    ``shapelint.analysis.contracts.StaticContract``.
    """

    qualname: str
    filename: str
    lineno: int
    source: str  # where the specs come from: "decorator", "docstring", "annotations", ...
    args: Tuple[ArgCheck, ...]
    returns: Tuple[ReturnCheck, ...]
    return_arity: Optional[int] = None  # returned tuple length when returns are per element
    strict_returns: bool = False  # a non-tuple where a tuple is declared is a violation
    named_params: frozenset = field(default_factory=frozenset)
    size_params: Tuple[SizeParam, ...] = ()
    relations: Tuple[RelationCheck, ...] = ()  # arguments' first, then returned values'
    param_refs: Tuple[Tuple[str, str, int], ...] = ()  # (name, kind, index) of plain parameters

    @property
    def is_empty(self) -> bool:
        return not self.args and not self.returns and not self.relations


# the name this class had before the static and runtime contracts were told apart
Contract = RuntimeContract

SpecLike = Union[str, ShapeSpec]


def _as_spec(spec: SpecLike) -> ShapeSpec:
    return spec if isinstance(spec, ShapeSpec) else parse_spec(spec)


def _code_location(func: Callable) -> Tuple[str, int]:
    code = getattr(inspect.unwrap(func), "__code__", None)
    if code is None:
        return "<unknown>", 0
    return code.co_filename, code.co_firstlineno


RelationLike = Any  # a parameter name, or an object with .name and .text (docstrings.SameShapeAs)


def _relation(other: RelationLike) -> Tuple[str, str]:
    if isinstance(other, str):
        return other, f"same shape as {other}"
    return other.name, other.text


def compile_contract(
    func: Callable,
    arg_specs: Mapping[str, SpecLike],
    returns: Union[None, SpecLike, Sequence[Optional[SpecLike]]] = None,
    *,
    source: str = "decorator",
    return_names: Optional[Sequence[Optional[str]]] = None,
    strict_returns: bool = True,
    relations: Optional[Mapping[str, RelationLike]] = None,
    return_relations: Union[None, RelationLike, Sequence[Optional[RelationLike]]] = None,
) -> RuntimeContract:
    """Parse every spec and resolve every argument's position, once.

    ``returns`` is one spec (the returned value) or a sequence with one entry
    per element of a returned tuple (None where unchecked).  ``relations``
    maps a parameter to the parameter whose shape it must have;
    ``return_relations`` names that parameter for the returned value, or is a
    sequence with one entry per element of a returned tuple (None where
    unrelated; its length must then be the tuple's, like ``returns``).
    Raises ``TypeError`` for a spec or relation naming no parameter (or a
    ``*args`` / ``**kwargs`` one in a relation), ``SpecError`` for a bad spec.
    """
    sig = inspect.signature(func)
    params = list(sig.parameters.values())
    index_of = {p.name: i for i, p in enumerate(params)}
    checks = []
    for name, spec in arg_specs.items():
        if name not in index_of:
            raise TypeError(f"shape contract of {func.__qualname__}: {name!r} is not a parameter")
        p = params[index_of[name]]
        kind = _KIND_OF[p.kind]
        index = index_of[name] if kind != KEYWORD_ONLY else -1
        checks.append(ArgCheck(name, _as_spec(spec), kind, index))
    checks.sort(key=lambda c: index_of[c.name])

    ret_checks: List[ReturnCheck] = []
    arity = None
    if isinstance(returns, (str, ShapeSpec)):
        label = "return value"
        if return_names and return_names[0]:
            label = f"return value {return_names[0]!r}"
        ret_checks.append(ReturnCheck(None, label, _as_spec(returns)))
    elif returns is not None:
        arity = len(returns)
        for i, spec in enumerate(returns):
            if spec is None:
                continue
            name = return_names[i] if return_names and i < len(return_names) else None
            label = f"return value {name!r}" if name else f"return value [{i}]"
            ret_checks.append(ReturnCheck(i, label, _as_spec(spec)))
    named = frozenset(p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

    def plain(name: str) -> str:
        if name not in named:
            raise TypeError(f"shape contract of {func.__qualname__}: {name!r} is not a named parameter")
        return name

    rel_checks: List[RelationCheck] = []
    for name, other in (relations or {}).items():
        other_name, text = _relation(other)
        rel_checks.append(RelationCheck(plain(name), None, f"argument {name!r}", plain(other_name), text))
    rel_checks.sort(key=lambda r: index_of[r.subject])
    if isinstance(return_relations, (list, tuple)):
        if arity is None:
            arity = len(return_relations)
        elif arity != len(return_relations):
            raise TypeError(f"shape contract of {func.__qualname__}: {len(return_relations)} related "
                            f"return values for a tuple of {arity}")
        for i, other in enumerate(return_relations):
            if other is None:
                continue
            other_name, text = _relation(other)
            name = return_names[i] if return_names and i < len(return_names) else None
            label = f"return value {name!r}" if name else f"return value [{i}]"
            rel_checks.append(RelationCheck(None, i, label, plain(other_name), text))
    elif return_relations is not None:
        if arity is not None:
            raise TypeError(f"shape contract of {func.__qualname__}: a related return value for a "
                            f"tuple of {arity}")
        other_name, text = _relation(return_relations)
        label = f"return value {return_names[0]!r}" if return_names and return_names[0] else "return value"
        rel_checks.append(RelationCheck(None, None, label, plain(other_name), text))
    refs = tuple((p.name, _KIND_OF[p.kind], i if p.kind != p.KEYWORD_ONLY else -1)
                 for i, p in enumerate(params) if p.name in named)

    filename, lineno = _code_location(func)
    dim_names = {n for c in checks for d in c.spec.dims if not d.is_variadic for n in d.names}
    dim_names |= {n for r in ret_checks for d in r.spec.dims if not d.is_variadic for n in d.names}
    size_params = tuple(
        SizeParam(p.name, _KIND_OF[p.kind], i if p.kind != p.KEYWORD_ONLY else -1, p.default)
        for i, p in enumerate(params) if p.name in dim_names and p.name in named
    )
    return RuntimeContract(
        qualname=getattr(func, "__qualname__", getattr(func, "__name__", repr(func))),
        filename=filename,
        lineno=lineno,
        source=source,
        args=tuple(checks),
        returns=tuple(ret_checks),
        return_arity=arity,
        strict_returns=strict_returns and arity is not None,
        named_params=named,
        size_params=size_params,
        relations=tuple(rel_checks),
        param_refs=refs if rel_checks else (),
    )


# -- the generic checker ---------------------------------------------------------


def _shape_of(value: Any) -> Optional[Tuple[int, ...]]:
    shape = getattr(value, "shape", None)
    if shape is None or type(shape) is tuple:
        return shape
    try:  # torch.Size, a list, a TensorShape...
        return tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        return None


def _arg_values(check_: ArgCheck, contract: RuntimeContract, args: tuple, kwargs: dict):
    """(label, value) pairs the check applies to; nothing for an omitted argument."""
    kind, name, i, label = check_.kind, check_.name, check_.index, check_.label
    if kind == POSITIONAL_ONLY:
        return [(label, args[i])] if i < len(args) else []
    if kind == POSITIONAL_OR_KEYWORD:
        if i < len(args):
            return [(label, args[i])]
        return [(label, kwargs[name])] if name in kwargs else []
    if kind == KEYWORD_ONLY:
        return [(label, kwargs[name])] if name in kwargs else []
    if kind == VAR_POSITIONAL:
        return [(f"argument {name}[{k}]", v) for k, v in enumerate(args[i:])]
    return [(f"argument {name}[{k!r}]", v) for k, v in kwargs.items()
            if k not in contract.named_params]


@dataclass(frozen=True)
class Violation:
    """One broken contract, as recorded in warn mode and attached to the error."""

    function: str
    argument: str
    spec: str
    shape: Tuple[int, ...]
    reason: str
    bindings: Dict[str, Any]
    filename: str
    lineno: int
    contract_source: str
    message: str


_LOG_LIMIT = 1000
_log: List[Violation] = []
_log_count = [0]


def violations() -> List[Violation]:
    """Violations recorded in warn mode (the first 1000)."""
    return list(_log)


def violation_count() -> int:
    return _log_count[0]


def clear_violations() -> None:
    _log.clear()
    _log_count[0] = 0


def _call_site() -> Tuple[str, int, dict]:
    """File, line and globals of the nearest frame outside shapelint.runtime."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("shapelint.runtime"):
        frame = frame.f_back
    if frame is None:
        return "<unknown>", 0, {}
    return frame.f_code.co_filename, frame.f_lineno, frame.f_globals


def _fmt_shape(shape: Tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _fmt_spec(spec: ShapeSpec) -> str:
    text = spec.text
    return text if text.startswith(("(", "[")) else repr(text)


def _fmt_value(v: Any) -> str:
    return _fmt_shape(v) if isinstance(v, tuple) else str(v)


def _emit(violation: Violation, frame_globals: dict) -> None:
    """Raise the violation, or in warn mode record it and go on."""
    __tracebackhide__ = True
    if STATE.mode == WARN:
        _log_count[0] += 1
        if len(_log) < _LOG_LIMIT:
            _log.append(violation)
        # the caller's registry: a warning repeated at one call site is shown once
        registry = frame_globals.setdefault("__warningregistry__", {}) if frame_globals else None
        warnings.warn_explicit(violation.message, ShapeContractWarning, violation.filename,
                               violation.lineno, module=frame_globals.get("__name__"),
                               registry=registry)
        return
    error = ShapeError(violation.message)
    error.violation = violation  # type: ignore[attr-defined]
    raise error


def _where(contract: RuntimeContract, filename: str, lineno: int) -> str:
    line = f"  call at {filename}:{lineno}"
    if contract.lineno:
        line += (f"; contract from the {contract.source} of {contract.qualname} "
                 f"({os.path.basename(contract.filename)}:{contract.lineno})")
    return line


def _report(contract: RuntimeContract, label: str, spec: ShapeSpec, shape: Tuple[int, ...],
            reason: str, bindings: Mapping[str, Any]) -> None:
    __tracebackhide__ = True
    filename, lineno, frame_globals = _call_site()
    lines = [f"{contract.qualname}(): {label} has shape {_fmt_shape(shape)}, "
             f"but the contract says {_fmt_spec(spec)}: {reason}"]
    if bindings:
        lines.append("  bound dims: " + ", ".join(f"{display_name(k)}={_fmt_value(v)}"
                                                for k, v in bindings.items()))
    lines.append(_where(contract, filename, lineno))
    message = "\n".join(lines)
    _emit(Violation(contract.qualname, label, spec.text, tuple(shape), reason, dict(bindings),
                    filename, lineno, contract.source, message), frame_globals)


def _report_relation(contract: RuntimeContract, relation: RelationCheck, shape: Tuple[int, ...],
                     other_shape: Tuple[int, ...]) -> None:
    __tracebackhide__ = True
    filename, lineno, frame_globals = _call_site()
    reason = f"argument {relation.other!r} has shape {_fmt_shape(other_shape)}"
    message = (f"{contract.qualname}(): {relation.label} has shape {_fmt_shape(shape)}, but the "
               f"contract says {relation.text}: {reason}\n" + _where(contract, filename, lineno))
    _emit(Violation(contract.qualname, relation.label, relation.text, tuple(shape), reason, {},
                    filename, lineno, contract.source, message), frame_globals)


def _param_value(contract: RuntimeContract, name: str, args: tuple, kwargs: dict) -> Any:
    """The value passed for a named parameter (its default is never an array: None)."""
    for ref_name, kind, i in contract.param_refs:
        if ref_name == name:
            if kind != KEYWORD_ONLY and 0 <= i < len(args):
                return args[i]
            if kind != POSITIONAL_ONLY:
                return kwargs.get(name)
            return None
    return None


def _check_relation(contract: RuntimeContract, relation: RelationCheck, value: Any, args: tuple,
                    kwargs: dict) -> None:
    __tracebackhide__ = True
    shape = _shape_of(value)
    if shape is None:
        return
    other = _shape_of(_param_value(contract, relation.other, args, kwargs))
    if other is not None and other != shape:
        _report_relation(contract, relation, shape, other)


def _report_arity(contract: RuntimeContract, result: Any) -> None:
    __tracebackhide__ = True
    filename, lineno, frame_globals = _call_site()
    got = f"a tuple of {len(result)}" if type(result) is tuple else f"a {type(result).__name__}"
    reason = f"returned {got}, expected a tuple of {contract.return_arity}"
    message = f"{contract.qualname}(): {reason}\n" + _where(contract, filename, lineno)
    _emit(Violation(contract.qualname, "return value", "", (), reason, {}, filename, lineno,
                    contract.source, message), frame_globals)


def _match(spec, shape, bindings, label, origins) -> Optional[str]:
    return match_shape(spec, shape, bindings, origin=label, origins=origins)


def _size_value(param: SizeParam, args: tuple, kwargs: dict) -> Optional[int]:
    """The int passed for (or defaulted in) a parameter named like a dim, else None."""
    if param.kind != KEYWORD_ONLY and param.index < len(args):
        value = args[param.index]
    elif param.kind != POSITIONAL_ONLY and param.name in kwargs:
        value = kwargs[param.name]
    else:
        value = param.default
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return None


def check_arguments(contract: RuntimeContract, args: tuple, kwargs: dict, report: bool = True):
    """Bindings and their origins after checking every argument."""
    __tracebackhide__ = True
    bindings: Dict[str, Any] = {}
    origins: Dict[str, str] = {}
    for param in contract.size_params:
        value = _size_value(param, args, kwargs)
        if value is not None:
            bindings[param.name] = value
            origins[param.name] = f"argument {param.name!r}"
    for arg in contract.args:
        for label, value in _arg_values(arg, contract, args, kwargs):
            shape = _shape_of(value)
            if shape is None:
                continue
            reason = _match(arg.spec, shape, bindings, label, origins)
            if reason is not None and report:
                _report(contract, label, arg.spec, shape, reason, bindings)
    if report:
        for relation in contract.relations:
            if relation.subject is not None:
                value = _param_value(contract, relation.subject, args, kwargs)
                _check_relation(contract, relation, value, args, kwargs)
    return bindings, origins


def check_result(contract: RuntimeContract, result: Any, bindings: Dict[str, Any],
                 origins: Dict[str, str], args: tuple = (), kwargs: Optional[dict] = None) -> None:
    __tracebackhide__ = True
    if contract.return_arity is not None:
        if type(result) is not tuple or len(result) != contract.return_arity:
            if contract.strict_returns:
                _report_arity(contract, result)
            return
    for ret in contract.returns:
        value = result if ret.index is None else result[ret.index]
        shape = _shape_of(value)
        if shape is None:
            continue
        reason = _match(ret.spec, shape, bindings, ret.label, origins)
        if reason is not None:
            _report(contract, ret.label, ret.spec, shape, reason, bindings)
    for relation in contract.relations:
        if relation.subject is None:
            value = result if relation.index is None else result[relation.index]
            _check_relation(contract, relation, value, args, kwargs or {})


def _slow_call(contract: RuntimeContract, func: Callable, args: tuple, kwargs: dict):
    __tracebackhide__ = True
    bindings, origins = check_arguments(contract, args, kwargs)
    result = func(*args, **kwargs)
    check_result(contract, result, bindings, origins, args, kwargs)
    return result


def _slow_return(contract: RuntimeContract, args: tuple, kwargs: dict, result: Any):
    __tracebackhide__ = True
    bindings, origins = check_arguments(contract, args, kwargs, report=False)
    check_result(contract, result, bindings, origins, args, kwargs)
    return result


# -- wrappers ------------------------------------------------------------------------


def _is_fast(contract: RuntimeContract) -> bool:
    plain = (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD, KEYWORD_ONLY)
    return (not contract.size_params  # dims bound by int arguments: the generic checker
            and all(a.kind in plain and a.spec.is_simple for a in contract.args)
            and all(r.spec.is_simple for r in contract.returns))


_PREFIX = "_sl_"  # every name the generated code uses for itself


def _own_signature(func: Callable) -> Optional[inspect.Signature]:
    """The parameters ``func`` itself accepts, if a wrapper can copy them.

    None when ``func`` is itself a wrapper whose accepted parameters differ
    from the signature it advertises through ``__wrapped__``, or when a
    parameter name could clash with the generated code's own names.
    """
    try:
        own = inspect.signature(func, follow_wrapped=False)
        advertised = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    if list(own.parameters) != list(advertised.parameters):
        return None
    if any(name.startswith(_PREFIX) or name == "__tracebackhide__" for name in own.parameters):
        return None
    return own


def _fast_source(contract: RuntimeContract, sig: inspect.Signature) -> str:
    """Source of a factory for a wrapper with ``sig``'s parameters that checks ``contract``.

    The wrapper takes the same parameters as the function (defaults come from
    the factory's ``_sl_defaults``), so each argument is a local variable:
    no ``*args`` packing, no lookups by index or keyword.  Each dim name is a
    local ``_sl_dN``; a rank mismatch fails the tuple unpacking.
    """
    params = list(sig.parameters.values())
    P = inspect.Parameter
    decl, call, positional, keywords = [], [], [], []
    defaults_used = 0
    star_done = False
    for p in params:
        text = p.name
        if p.kind == P.VAR_POSITIONAL:
            text, star_done = "*" + p.name, True
            call.append("*" + p.name)
            positional.append("*" + p.name)
        elif p.kind == P.VAR_KEYWORD:
            text = "**" + p.name
            call.append("**" + p.name)
            keywords.append("**" + p.name)
        elif p.kind == P.KEYWORD_ONLY:
            if not star_done:
                decl.append("*")
                star_done = True
            call.append(f"{p.name}={p.name}")
            keywords.append(f"{p.name!r}: {p.name}")
        else:
            call.append(p.name)
            positional.append(p.name)
        if p.default is not P.empty:
            text += f"={_PREFIX}defaults[{defaults_used}]"
            defaults_used += 1
        decl.append(text)
        if p.kind == P.POSITIONAL_ONLY and (
                p is params[-1] or params[params.index(p) + 1].kind != P.POSITIONAL_ONLY):
            decl.append("/")
    call_text = ", ".join(call)
    args_text = "(" + "".join(a + ", " for a in positional) + ")"
    kwargs_text = "{" + ", ".join(keywords) + "}"

    var_of: Dict[str, str] = {}
    for spec in [a.spec for a in contract.args] + [r.spec for r in contract.returns]:
        for d in spec.dims:
            if d.kind == NAME and d.name not in var_of:
                var_of[d.name] = f"{_PREFIX}d{len(var_of)}"
    maybe_bound: set = set()

    def shape_checks(value: str, spec: ShapeSpec, on_fail: str, indent: str) -> List[str]:
        out = [f"{indent}{_PREFIX}s = getattr({value}, 'shape', None)",
               f"{indent}if {_PREFIX}s is not None:"]
        inner = indent + "    "
        targets, checks = [], []
        bound_here: set = set()
        for i, d in enumerate(spec.dims):
            temp = f"{_PREFIX}t{i}"
            if d.kind == ANY:
                targets.append(f"{_PREFIX}_")
            elif d.kind == INT:
                targets.append(temp)
                checks += [f"{inner}if {temp} != {d.value}:", f"{inner}    {on_fail}"]
            else:
                v = var_of[d.name]
                if d.name in bound_here:
                    targets.append(temp)
                    checks += [f"{inner}if {temp} != {v}:", f"{inner}    {on_fail}"]
                elif d.name in maybe_bound:
                    targets.append(temp)
                    checks += [f"{inner}if {v} is None:", f"{inner}    {v} = {temp}",
                               f"{inner}elif {temp} != {v}:", f"{inner}    {on_fail}"]
                else:
                    targets.append(v)  # first sight of this name: bind it by unpacking
                bound_here.add(d.name)
        # unpacking checks the rank; TypeError: a .shape that is not a sequence.
        # The slow path runs after the except block, not in it: an exception
        # it raises (the ShapeError, or the function's own) must not carry
        # the unpacking error as its __context__.
        target = "(" + "".join(t + ", " for t in targets) + ")"
        out += [f"{inner}try:", f"{inner}    {target} = {_PREFIX}s",
                f"{inner}except (TypeError, ValueError):", f"{inner}    {_PREFIX}s = None",
                f"{inner}if {_PREFIX}s is None:", f"{inner}    {on_fail}"]
        out += checks
        maybe_bound.update(bound_here)
        return out

    body = [
        f"def factory({_PREFIX}func, {_PREFIX}contract, {_PREFIX}state, {_PREFIX}slow_call, "
        f"{_PREFIX}slow_return, {_PREFIX}defaults):",
        f"    def wrapper({', '.join(decl)}):",
        f"        if not {_PREFIX}state.enabled:",
        f"            return {_PREFIX}func({call_text})",
        "        __tracebackhide__ = True  # pytest: show the caller, not this frame",
    ]
    if var_of:
        body.append("        " + " = ".join(var_of.values()) + " = None")
    def relation_checks(value: str, other: str, on_fail: str, indent: str) -> List[str]:
        # an `other` without a shape compares equal (getattr's default): nothing to check
        return [f"{indent}{_PREFIX}r = getattr({value}, 'shape', None)",
                f"{indent}if {_PREFIX}r is not None and {_PREFIX}r != getattr({other}, 'shape', {_PREFIX}r):",
                f"{indent}    {on_fail}"]

    fail = f"return {_PREFIX}slow_call({_PREFIX}contract, {_PREFIX}func, {args_text}, {kwargs_text})"
    for arg in contract.args:
        body += shape_checks(arg.name, arg.spec, fail, " " * 8)
    for rel in contract.relations:
        if rel.subject is not None:
            body += relation_checks(rel.subject, rel.other, fail, " " * 8)
    result = f"{_PREFIX}result"
    body.append(f"        {result} = {_PREFIX}func({call_text})")
    fail = f"return {_PREFIX}slow_return({_PREFIX}contract, {args_text}, {kwargs_text}, {result})"
    returned = [rel for rel in contract.relations if rel.subject is None]
    if contract.return_arity is None:
        for ret in contract.returns:
            body += shape_checks(result, ret.spec, fail, " " * 8)
        for rel in returned:
            body += relation_checks(result, rel.other, fail, " " * 8)
    elif contract.returns or returned:
        body.append(f"        if {result}.__class__ is tuple and len({result}) == {contract.return_arity}:")
        for ret in contract.returns:
            body += shape_checks(f"{result}[{ret.index}]", ret.spec, fail, " " * 12)
        for rel in returned:
            body += relation_checks(f"{result}[{rel.index}]", rel.other, fail, " " * 12)
        if contract.strict_returns:
            body += ["        else:", f"            {fail}"]
    body += [f"        return {result}", "    return wrapper"]
    return "\n".join(body) + "\n"


@functools.lru_cache(maxsize=512)
def _compile_factory(source: str):
    code = compile(source, "<shapelint contract wrapper>", "exec")
    # __name__ marks these frames as ours when looking for the call site
    namespace = {"__name__": "shapelint.runtime._generated"}
    exec(code, namespace)
    return namespace["factory"]


def _generic_factory(func, contract, state, slow_call, slow_return, defaults):
    def wrapper(*args, **kwargs):
        if not state.enabled:
            return func(*args, **kwargs)
        __tracebackhide__ = True
        return slow_call(contract, func, args, kwargs)
    return wrapper


def make_wrapper(func: Callable, contract: RuntimeContract) -> Callable:
    """The checking replacement for ``func`` (metadata copied, ``__wrapped__`` set)."""
    sig = _own_signature(func) if _is_fast(contract) else None
    if sig is not None:
        factory = _compile_factory(_fast_source(contract, sig))
        defaults = tuple(p.default for p in sig.parameters.values() if p.default is not p.empty)
    else:
        factory, defaults = _generic_factory, ()
    wrapper = factory(func, contract, STATE, _slow_call, _slow_return, defaults)
    functools.update_wrapper(wrapper, func)
    setattr(wrapper, CONTRACT_ATTR, contract)
    return wrapper


# -- public entry points (the decorator, which also reads docstrings, is shapelint.runtime.decorator) --


_check_contract = RuntimeContract("check", "<inline>", 0, "check() call", (), ())


def check(x: Any, spec: SpecLike, bindings: Optional[Dict[str, Any]] = None,
          name: Optional[str] = None) -> Any:
    """Assert that ``x`` has shape ``spec``; return ``x``.

    ``bindings`` (a dict) carries named dims between calls: names already in
    it must match, new names are added to it.  ``name`` labels ``x`` in the
    message.  Values without ``.shape`` are measured with ``numpy.shape``.
    """
    __tracebackhide__ = True
    if not STATE.enabled:
        return x
    parsed = spec if type(spec) is ShapeSpec else parse_spec(spec)
    shape = getattr(x, "shape", None)
    if type(shape) is not tuple:
        shape = _shape_of(x)
        if shape is None:
            import numpy

            shape = numpy.shape(x)
    bound = bindings if bindings is not None else {}
    reason = match_shape(parsed, shape, bound)
    if reason is not None:
        label = f"value {name!r}" if name else "value"
        _report(_check_contract, label, parsed, shape, reason, bound)
    return x
