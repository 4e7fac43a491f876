"""The no-decorator mode: contracts read from docstrings and annotations.

``contract_from_function`` reads what a function already states (course-style
and numpydoc/Google docstrings, jaxtyping annotations); ``instrument_function``
wraps it when it states something.  ``instrument_module`` /
``instrument_class`` replace the module-level functions and methods defined
in a module after it has run (the import hook uses these);
``shapelint run`` instead adds ``instrument_function`` as the innermost
decorator of every def in the script, so functions are checked from the
moment they are defined (see ``shapelint.runtime.run``).
"""

from __future__ import annotations

import inspect
import types
from typing import Any, Callable, Dict, Optional

from shapelint.algebra.declared import ANNOTATION, DOCSTRING, Param, declared_contract
from shapelint.algebra.docstrings import annotation_spec
from shapelint.algebra.spec import ShapeSpec, SpecError, parse_spec
from shapelint.runtime.contracts import CONTRACT_ATTR, RuntimeContract, compile_contract, make_wrapper

__all__ = [
    "contract_from_function",
    "instrument_function",
    "instrument_member",
    "instrument_class",
    "instrument_module",
    "AUTO_ATTR",
]

AUTO_ATTR = "__shapelint_auto__"
_NOT_PLAIN_CALLS = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def _annotation_to_spec(annotation: Any) -> Optional[ShapeSpec]:
    """A shape spec from an annotation object or its source text, or None."""
    try:
        if isinstance(annotation, str):
            return annotation_spec(annotation)
        # jaxtyping's array classes carry their spec string
        dim_str = getattr(annotation, "dim_str", None)
        if isinstance(dim_str, str):
            return parse_spec(dim_str)
        args = getattr(annotation, "__args__", None)
        if args and type(None) in args:  # Optional[...] / X | None
            rest = [a for a in args if a is not type(None)]
            if len(rest) == 1:
                return _annotation_to_spec(rest[0])
        if getattr(annotation, "__origin__", None) is not None:
            # np.ndarray[tuple[int, int], ...]: read it through its repr
            return annotation_spec(repr(annotation))
    except SpecError:
        return None  # a malformed spec is the static linter's to report
    return None


def contract_from_function(func: Callable) -> Optional[RuntimeContract]:
    """The contract a function's docstring and annotations state, or None.

    What they declare is reconciled by ``declared_contract``, which the static
    analyzer uses too (``shapelint.algebra.declared``: annotations win over
    the docstring, entries naming no parameter are ignored, several
    documented return values check a returned tuple's elements by position).
    What is particular to run time is which annotation objects declare a
    shape, and that a relation (``dW -- same shape as W``) can only be
    checked against an argument: one to another value (``same shape as
    A_prev`` where ``A_prev`` comes out of a cache) is not a contract here.
    """
    if not callable(func):
        return None
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return None
    doc = func.__doc__ if isinstance(getattr(func, "__doc__", None), str) else None
    annotations = getattr(func, "__annotations__", None) or {}
    declared = declared_contract(
        [Param(name, p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)) for name, p in params.items()],
        doc,
        {name: _annotation_to_spec(annotation) for name, annotation in annotations.items()},
    )
    plain = {name for name in params if name not in declared.variadic}
    returns: Any = None
    return_relations: Any = None
    related = [r.relation if r.relation is not None and r.relation.name in plain else None
               for r in declared.returns]
    if any(r.spec is not None for r in declared.returns):
        specs = [r.spec for r in declared.returns]
        returns = specs if declared.returns_tuple else specs[0]
    if any(related):
        return_relations = related if declared.returns_tuple else related[0]
    sources = {declared.sources[name] for name in declared.params}
    if returns is not None or return_relations is not None:
        sources.add(declared.returns_source)
    if declared.relations or declared.overruled:
        sources.add(DOCSTRING)
    if not declared.params and returns is None and return_relations is None and not declared.relations:
        return None
    try:
        return compile_contract(
            func, declared.params, returns,
            source=" and ".join(sorted(_SOURCE_WORDS[s] for s in sources)),
            return_names=[r.name for r in declared.returns] if declared.returns_source == DOCSTRING else None,
            # a docstring listing (A, cache) does not promise a tuple every time
            strict_returns=False,
            relations=declared.relations,
            return_relations=return_relations,
        )
    except (TypeError, SpecError):
        return None


# how a contract's source is named in messages ("from its docstring and annotations")
_SOURCE_WORDS = {DOCSTRING: "docstring", ANNOTATION: "annotations"}


def instrument_function(func: Any) -> Any:
    """``func`` wrapped with its stated contract, or ``func`` itself.

    Used as a decorator by ``shapelint run``.  Anything that is not a plain
    Python function, or is already checked, is returned unchanged.
    """
    if not isinstance(func, types.FunctionType) or hasattr(func, CONTRACT_ATTR):
        return func
    if func.__code__.co_flags & _NOT_PLAIN_CALLS:
        # a wrapper would hide that it is a generator / coroutine function
        # (inspect.isgeneratorfunction, pytest's yield fixtures, asyncio)
        return func
    contract = contract_from_function(func)
    if contract is None:
        return func
    wrapper = make_wrapper(func, contract)
    setattr(wrapper, AUTO_ATTR, True)
    return wrapper


def instrument_member(member: Any) -> Any:
    """``instrument_function``, also through ``staticmethod`` / ``classmethod``."""
    if isinstance(member, (staticmethod, classmethod)):
        inner = instrument_function(member.__func__)
        return member if inner is member.__func__ else type(member)(inner)
    return instrument_function(member)


def instrument_class(cls: type, module_name: Optional[str] = None, _seen=None) -> int:
    """Wrap the methods (and nested classes' methods) ``cls`` defines; returns the count."""
    seen = _seen if _seen is not None else set()
    if id(cls) in seen:
        return 0
    seen.add(id(cls))
    module_name = module_name or cls.__module__
    count = 0
    for name, member in list(vars(cls).items()):
        if isinstance(member, type):
            if member.__module__ == module_name:
                count += instrument_class(member, module_name, seen)
            continue
        new = instrument_member(member)
        if new is not member:
            try:
                setattr(cls, name, new)
            except (TypeError, AttributeError):
                continue  # a builtin or frozen class
            count += 1
    return count


def instrument_module(module: types.ModuleType) -> int:
    """Wrap the functions and methods ``module`` defines; returns how many.

    Functions imported from elsewhere are left alone (their own module is
    instrumented, or not, on its own terms).  References taken before this
    call (``from module import f`` done earlier) keep the unwrapped function.
    """
    name = module.__name__
    namespace = vars(module)
    count = 0
    replaced: Dict[int, Any] = {}
    seen_classes: set = set()
    for attr, value in list(namespace.items()):
        if isinstance(value, types.FunctionType):
            if value.__module__ != name:
                continue
            if id(value) not in replaced:
                replaced[id(value)] = instrument_function(value)
            new = replaced[id(value)]
            if new is not value:
                namespace[attr] = new
                count += 1
        elif isinstance(value, type) and value.__module__ == name:
            count += instrument_class(value, name, seen_classes)
    return count
