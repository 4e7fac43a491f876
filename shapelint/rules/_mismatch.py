"""Shared wording for the error rules: NumPy raises, and the message says why."""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

from shapelint.algebra.dims import dims_equal, fmt_shape
from shapelint.fixes import DISPLAY, SAFE, UNSAFE, Fix
from shapelint.rules.base import Rule
from shapelint.rules.events import MismatchEvent, RuleContext


def operand_text(ctx: RuleContext, node: Optional[Any], value: Any) -> str:
    """``W (n_h, n_x)``: the operand as written, with its shape."""
    shape = fmt_shape(getattr(value, "shape", None))
    if node is None:
        return shape
    return f"`{ctx.code_of(node, 30)}` {shape}"


def candidate(title: str, applicability: str, *edits: Any) -> Optional[Fix]:
    """A fix to propose, or None when an edit could not be made (it would touch another module)."""
    if not edits or any(e is None for e in edits):
        return None
    return Fix(title, applicability, tuple(edits))


def keepdims_fix(ctx: RuleContext, call: Any) -> Optional[Fix]:
    """``np.sum(dZ, axis=1)`` -> ``np.sum(dZ, axis=1, keepdims=True)`` (safe)."""
    text = ctx.text_of(call)
    if not text.rstrip().endswith(")") or "keepdims" in text:
        return None
    inner = text.rstrip()[:-1].rstrip()
    if inner.endswith(","):
        inner = inner[:-1].rstrip()
    if inner.endswith("("):
        return None
    return candidate("did you mean `keepdims=True`?", SAFE, ctx.edit(call, f"{inner}, keepdims=True)"))


def _rank1_fixes(ctx: RuleContext, origin: Any, row_first: bool) -> List[Optional[Fix]]:
    """The rank-1 array made 2-D where it was made: a column, or a row, the code's layout first."""
    if origin.kind == "reduction":
        return [keepdims_fix(ctx, origin.node)]
    fixes = [candidate(f"did you mean `{text}`?", SAFE, ctx.edit(origin.node, text))
             for text in (origin.fix, getattr(origin, "row_fix", "")) if text]
    return fixes[::-1] if row_first else fixes


def rank1_fixes(ctx: RuleContext, rank1: Any, other: Any) -> List[Fix]:
    """Fixes for a rank-1 ``rank1`` that meets the 2-D ``other``.  The layout decides which
    comes first: an (n,) that meets (m, n) or (1, n) belongs in a row (an nnfs-style layer,
    ``np.dot(inputs, weights) + biases``), otherwise in a column (the course's ``(n, 1)``)."""
    k = rank1.shape[0]
    o = getattr(other, "shape", None)
    row_first = (o is not None and len(o) == 2 and dims_equal(o[1], k) is True
                 and dims_equal(o[0], k) is not True)
    return [f for f in _rank1_fixes(ctx, rank1.origin, row_first) if f is not None]


def origin_hint(ctx: RuleContext, operands: List[Any]) -> Tuple[str, List[Fix]]:
    """Where a rank-1 operand came from, and the fixes that make it 2-D there."""
    for i, o in enumerate(operands):
        origin = getattr(o, "origin", None)
        if origin is None or o.shape is None or len(o.shape) != 1:
            continue
        where = ctx.where(origin.node)
        other = operands[1 - i] if len(operands) == 2 else None
        fixes = rank1_fixes(ctx, o, other)
        if origin.kind == "reduction":
            return f"the rank-1 operand comes from the reduction on {where}", fixes
        if origin.kind == "index":
            return f"the rank-1 operand comes from the column index on {where}", fixes
        return f"the rank-1 operand {fmt_shape(o.shape)} was created on {where}", fixes
    return "", []


def hint_fix(hint: str) -> List[Fix]:
    """The algebra's own hint (``.reshape(-1, 1)`` or ``.reshape(1, -1)``?): options, not one
    edit, so display-only."""
    return [Fix(hint, DISPLAY)] if hint else []


def atom(text: str) -> str:
    """``text`` as an operand of ``*``: parenthesized unless it is a name, attribute, call or subscript."""
    if re.fullmatch(r"[\w.]+(\((?:[^()]|\([^()]*\))*\)|\[[^\[\]]*\]|\.\w+)*", text.strip()):
        return text.strip()
    return f"({text.strip()})"


class MismatchRule(Rule):
    """A rule for one kind of NumPy shape error that the algebra detects (``kind``)."""

    severity = "error"
    kind: Any = None  # an ErrorKind

    handles = {MismatchEvent: "on_mismatch"}

    def on_mismatch(self, ev: MismatchEvent, ctx: RuleContext) -> None:
        if ev.error.kind is not self.kind:
            return
        message = f"`{ctx.code_of(ev.node, 50)}`: {ev.error.message}"
        ctx.report(ev.node, self.code, message, self.severity, self.fixes(ev, ctx) + hint_fix(ev.error.hint))

    def fixes(self, ev: MismatchEvent, ctx: RuleContext) -> List[Fix]:
        return []


def matmul_fits(a: Any, b: Any) -> bool:
    return (a is not None and b is not None and len(a) == 2 and len(b) == 2
            and dims_equal(a[1], b[0]) is True)


def made_fix(ctx: RuleContext, operand: Any) -> Optional[Fix]:
    """Transpose a 2-D array where it was made (``np.random.rand(b, a)`` for ``(a, b)``, a
    flatten's missing ``.T``), in the checked file (unsafe: it changes the array)."""
    made = getattr(operand, "made", None)
    if made is None:
        return None
    return candidate(f"did you mean `{made.transposed}` on {ctx.where(made.node)}?", UNSAFE,
                     ctx.edit(made.node, made.transposed))


def star_to_dot(ctx: RuleContext, node: Any, nodes: Any, operands: Any, infix: bool) -> List[Fix]:
    """``a * b`` -> ``np.dot(a, b)`` (unsafe) when the shapes chain like a matrix product, but not for
    ``(n, m) * (m, n)``: an element-wise product of an array and one the wrong way round (a
    dropout mask made with swapped sizes) is not a matrix product that lost its ``@``; the
    fix for that is to make one of them the other way round where it was made.
    ``np.dot(a, b)`` where the file imports NumPy as a name, ``a @ b`` otherwise."""
    a, b = operands[0].shape, operands[1].shape
    if not matmul_fits(a, b):
        return []
    if dims_equal(a[0], b[1]) is True and dims_equal(a[1], b[0]) is True:
        return [f for f in (made_fix(ctx, operands[1]), made_fix(ctx, operands[0])) if f is not None]
    x, y = (ctx.text_of(n).strip() for n in nodes[:2])
    np_name = ctx.numpy_name()
    if np_name is not None:  # the course's spelling
        text = f"{np_name}.dot({x}, {y})"
        edit = ctx.edit(node, text)
    else:  # `@` needs no name for NumPy, and binds like `*`
        if not infix:  # np.multiply(a, b): the call becomes an operator
            x, y = atom(x), atom(y)
        text = f"{x} @ {y}"
        edit = ctx.edit(node, text, standalone=not infix)
    fix = candidate(f"did you mean `{text}`? `*` is element-wise on arrays", UNSAFE, edit)
    return [fix] if fix is not None else []
