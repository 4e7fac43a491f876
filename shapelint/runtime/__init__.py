"""Runtime shape contracts.

``@shapes(...)`` and ``check(x, "n 1")`` check shapes you declare;
``shapelint run script.py``, the import hook (``shapelint.runtime.importhook``)
and the pytest plugin (``pytest --shapelint-runtime``) check the contracts
already written in docstrings and jaxtyping annotations, with no decorator.

Checking is on by default for explicit decorators.  ``SHAPELINT_RUNTIME=0``
turns it off (``@shapes`` then returns the function itself: zero cost), and
``SHAPELINT_RUNTIME=warn`` warns instead of raising.  ``disable()`` /
``enable()`` switch it at run time (wrappers then call straight through).

The names below are loaded on first use, so importing this package (as the
pytest plugin and ``import shapelint`` do) costs next to nothing.
"""

from typing import TYPE_CHECKING

__all__ = [
    "shapes",
    "check",
    "enable",
    "disable",
    "is_enabled",
    "set_mode",
    "get_mode",
    "violations",
    "violation_count",
    "clear_violations",
    "Violation",
    "ShapeContractWarning",
]
_EXPORTS = frozenset(__all__)

if TYPE_CHECKING:  # pragma: no cover
    from shapelint.runtime.contracts import (  # noqa: F401
        ShapeContractWarning,
        Violation,
        check,
        clear_violations,
        disable,
        enable,
        get_mode,
        is_enabled,
        set_mode,
        violation_count,
        violations,
    )
    from shapelint.runtime.decorator import shapes  # noqa: F401


def __getattr__(name):
    if name == "shapes":
        from shapelint.runtime.decorator import shapes as value

        globals()[name] = value
        return value
    if name in _EXPORTS:
        from shapelint.runtime import contracts

        value = getattr(contracts, name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'shapelint.runtime' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
