"""The rule base class.  Each code lives in its own module under ``shapelint.rules``.

A rule owns its code, severity, message wording and documentation, and the
VALID / INVALID examples that the test suite runs.  Rules do not walk the
syntax tree themselves: the inference pass (``shapelint.analysis``) emits
*events* (an element-wise operation with the operand shapes, a matrix
product, a reshape, ...) and calls the handler ``on_<event kind>`` of every
selected rule that has one.  A rule calls ``ctx.report(node, message)``.
"""

from __future__ import annotations

from typing import ClassVar, List


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
