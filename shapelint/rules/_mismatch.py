"""Shared wording for the error rules: NumPy raises, and the message says why."""

from __future__ import annotations

from typing import Any, List, Optional

from shapelint.algebra.dims import dims_equal, fmt_shape
from shapelint.rules.base import Rule


def operand_text(ctx: Any, node: Optional[Any], value: Any) -> str:
    """``W (n_h, n_x)``: the operand as written, with its shape."""
    shape = fmt_shape(getattr(value, "shape", None))
    if node is None:
        return shape
    return f"`{ctx.code_of(node, 30)}` {shape}"


def origin_hint(ctx: Any, operands: List[Any]) -> str:
    """Where a rank-1 operand came from and how to make it 2-D."""
    for o in operands:
        origin = getattr(o, "origin", None)
        if origin is None or o.shape is None or len(o.shape) != 1:
            continue
        where = ctx.where(origin.node)
        if origin.kind == "reduction":
            return f"the rank-1 operand comes from the reduction on {where}: did you mean `keepdims=True`?"
        if origin.kind == "index":
            return f"the rank-1 operand comes from the column index on {where}: did you mean `{origin.fix}`?"
        return f"the rank-1 operand {fmt_shape(o.shape)} was created on {where}: did you mean `{origin.fix}`?"
    return ""


class MismatchRule(Rule):
    """A rule for one kind of NumPy shape error that the algebra detects."""

    severity = "error"

    def on_mismatch(self, ev: Any, ctx: Any) -> None:
        if ev.error.code != self.code:
            return
        hints = [h for h in (ev.error.hint, self.extra_hint(ev, ctx)) if h]
        message = f"`{ctx.code_of(ev.node, 50)}`: {ev.error.message}"
        if hints:
            message += "; " + "; ".join(hints)
        ctx.report(ev.node, self.code, message, self.severity)

    def extra_hint(self, ev: Any, ctx: Any) -> str:
        return ""


def matmul_fits(a: Any, b: Any) -> bool:
    return (a is not None and b is not None and len(a) == 2 and len(b) == 2
            and dims_equal(a[1], b[0]) is True)
