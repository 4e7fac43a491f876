"""The rule base class.  Each code lives in its own module under ``shapelint.rules``.

A rule owns its code, severity, message wording and documentation, and the
VALID / INVALID examples that the test suite runs.  Rules do not walk the
syntax tree themselves: the inference pass (``shapelint.analysis``) emits
*events* (``shapelint.rules.events``: an element-wise operation with the
operand shapes, a shape error, a failing assert, ...) and calls, for each
selected rule that lists the event's class in ``handles``, the method named
there, with the event and a ``RuleContext``.  A rule calls
``ctx.report(node, code, message, severity)``.
"""

from __future__ import annotations

from typing import Any, ClassVar, List, Mapping, Type

from shapelint.rules.events import EVENT_TYPES, Event


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case, like ruff's rule names
    severity: ClassVar[str]  # "error" | "warning"
    summary: ClassVar[str]
    # "What it does / Why is this bad? / Example / Fix", in Markdown.
    doc: ClassVar[str]
    # Code that must produce no finding of this code, and code that must
    # produce at least one (the test suite checks both).
    VALID: ClassVar[List[str]] = []
    INVALID: ClassVar[List[str]] = []
    # Off unless selected explicitly (for opt-in codes).
    default_enabled: ClassVar[bool] = True
    # The events the rule listens to, each with the name of its method that takes
    # ``(event, ctx)``: ``{ElementwiseEvent: "on_elementwise"}``.  Inherited unless redefined.
    handles: ClassVar[Mapping[Type[Event], str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # checked when the rule is defined: a class that is never emitted (not an event, or one of
        # the bases that only share fields) would leave the handler silently dead
        super().__init_subclass__(**kwargs)
        for event, method in cls.handles.items():
            if event not in EVENT_TYPES:
                raise TypeError(f"{cls.__name__}.handles: {event!r} is not an event of shapelint.rules.events")
            if not callable(getattr(cls, method, None)):
                raise TypeError(f"{cls.__name__}.handles: no method {method!r} for {event.__name__}")
