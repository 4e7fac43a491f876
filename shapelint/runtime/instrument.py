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

from shapelint.algebra.docstrings import annotation_spec, parse_docstring
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

    Annotations win over the docstring for the same parameter.  Docstring
    entries naming no parameter are ignored.  Several documented return values
    check the elements of a returned tuple of that length; one documented
    return value checks the value itself.  A relation (``dW -- same shape as
    W``) is checked when both names are named parameters, or the value is a
    return value whose position is known and the other a named parameter;
    otherwise (``same shape as A_prev`` where ``A_prev`` comes out of a cache)
    it is not a contract at run time.
    """
    if not callable(func):
        return None
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return None
    doc = func.__doc__ if isinstance(getattr(func, "__doc__", None), str) else None
    contract = parse_docstring(doc, params)
    specs: Dict[str, ShapeSpec] = {n: s for n, s in contract.params.items() if n in params}
    sources = {"docstring"} if specs else set()
    plain = {n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    relations = {n: r for n, r in contract.relations.items() if n in plain and r.name in plain}

    annotations = getattr(func, "__annotations__", None) or {}
    return_spec: Optional[ShapeSpec] = None
    for name, annotation in annotations.items():
        spec = _annotation_to_spec(annotation)
        if spec is None:
            continue
        if name == "return":
            return_spec = spec
        elif name in params:
            specs[name] = spec
        else:
            continue
        sources.add("annotations")

    returns: Any = None
    return_names = None
    return_relations: Any = None
    names = contract.return_names
    related = {n: r for n, r in contract.return_relations if r.name in plain}
    if return_spec is not None:
        returns = return_spec
    elif contract.returns or related:
        sources.add("docstring")
        by_name = dict(contract.returns)
        if len(names) == 1:
            return_names = names
            if contract.returns:
                returns = contract.returns[0][1]
            else:
                return_relations = related.get(names[0])
        elif len(set(names)) == len(names) and None not in names:
            return_names = names
            if contract.returns:
                returns = [by_name.get(n) for n in names]
            if related:
                return_relations = [related.get(n) for n in names]
        # unnamed or repeated names among several: which element is which is unclear
    if relations:
        sources.add("docstring")
    if not specs and returns is None and return_relations is None and not relations:
        return None
    try:
        return compile_contract(
            func, specs, returns,
            source=" and ".join(sorted(sources)),
            return_names=return_names,
            # a docstring listing (A, cache) does not promise a tuple every time
            strict_returns=False,
            relations=relations,
            return_relations=return_relations,
        )
    except (TypeError, SpecError):
        return None


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
