"""``@shapes``: the decorator that puts a runtime contract on a function.

With specs it compiles them (``shapelint.runtime.contracts``); with none it
reads the docstring and annotations (``shapelint.runtime.instrument``).  It
lives apart from both so that neither imports the other's caller: contracts
-> instrument -> decorator, one way.
"""

from __future__ import annotations

import inspect

from shapelint.algebra.declared import DecoratorSpecs, Param, declared_contract
from shapelint.algebra.spec import ShapeSpec
from shapelint.runtime.contracts import STATE, SpecLike, compile_contract, make_wrapper
from shapelint.runtime.instrument import contract_from_function

__all__ = ["shapes"]


def shapes(*positional: SpecLike, returns=None, **named: SpecLike):
    """Decorator: check argument and return shapes on every call.

    ``@shapes(W="n_l n_prev", A_prev="n_prev m", returns="n_l m")``; specs
    given positionally apply to the parameters in order.  ``returns`` is one
    spec, or a tuple of specs for a function returning a tuple.  Named dims are
    bound across all arguments and the return value of one call.  With no
    specs at all (``@shapes`` or ``@shapes()``) the contract is read from the
    docstring and annotations.  Works on methods, ``staticmethod`` and
    ``classmethod`` objects, and functions with ``*args`` / ``**kwargs`` (a
    spec for ``*args`` applies to every extra positional argument).
    """
    if len(positional) == 1 and callable(positional[0]) and not named and returns is None \
            and not isinstance(positional[0], (str, ShapeSpec)):
        return shapes()(positional[0])

    def decorate(func):
        if isinstance(func, (staticmethod, classmethod)):
            return type(func)(decorate(func.__func__))
        # a wrapper made by the automatic mode: replace it, do not stack on it
        if getattr(func, "__shapelint_auto__", False):
            func = func.__wrapped__
        if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
            raise TypeError(f"shapes(): {func.__qualname__} is async; only plain functions "
                            "are supported (check inside it with shapelint.check)")
        if positional or named or returns is not None:
            params = inspect.signature(func).parameters
            if len(positional) > len(params):
                raise TypeError(f"shapes(): {func.__qualname__} has only {len(params)} parameters")
            for name in named:
                if name in list(params)[:len(positional)]:
                    raise TypeError(f"shapes(): two specs for parameter {name!r}")
            ret = tuple(returns) if isinstance(returns, (list, tuple)) else returns
            # the same reading of the specs as the static analyzer's (SpecError for a bad one)
            declared = declared_contract(
                [Param(name, p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)) for name, p in params.items()],
                decorator=DecoratorSpecs(positional, tuple(named.items()), ret), strict=True)
            specs = [r.spec for r in declared.returns]
            contract = compile_contract(func, declared.params,
                                        tuple(specs) if declared.returns_tuple else (specs or [None])[0],
                                        source="decorator")
        else:
            contract = contract_from_function(func)
            if contract is None:
                raise TypeError(f"shapes(): no specs given and {func.__qualname__} states no "
                                "shapes in its docstring or annotations")
        if not STATE.enabled:
            return func  # zero cost: decided once, at definition time
        return make_wrapper(func, contract)

    return decorate
