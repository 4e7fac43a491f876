"""Runtime shape contracts.

``@shapes(...)`` and ``check(x, "n 1")`` check shapes you declare;
``shapelint run script.py``, the import hook (``shapelint.runtime.importhook``)
and the pytest plugin (``pytest --shapelint-runtime``) check the contracts
already written in docstrings and jaxtyping annotations, with no decorator.

Checking is on by default for explicit decorators.  ``SHAPELINT_RUNTIME=0``
turns it off (``@shapes`` then returns the function itself: zero cost), and
``SHAPELINT_RUNTIME=warn`` warns instead of raising.  ``disable()`` /
``enable()`` switch it at run time (wrappers then call straight through).
"""

from shapelint.runtime.contracts import (
    ShapeContractWarning,
    Violation,
    check,
    clear_violations,
    disable,
    enable,
    get_mode,
    is_enabled,
    set_mode,
    shapes,
    violation_count,
    violations,
)

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
