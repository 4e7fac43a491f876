from typing import Any, List, Optional

from shapelint.algebra.ops import ErrorKind
from shapelint.algebra.dims import dims_equal
from shapelint.fixes import UNSAFE, Fix
from shapelint.rules._mismatch import MismatchRule, atom, candidate, made_fix
from shapelint.rules.events import MismatchEvent, RuleContext


class MatmulMismatch(MismatchRule):
    code = "SL102"
    kind = ErrorKind.PRODUCT  # the errors of the algebra it reports
    name = "matmul-dimension-mismatch"
    summary = "The inner dimensions of a matrix product differ"
    doc = """\
## What it does
Reports `np.dot`, `np.matmul`, `@`, `ndarray.dot`, `np.inner` and `np.vdot`
calls whose contracted dimensions differ, following each function's own rules
for 1-D and N-D operands.

## Why is this bad?
`np.dot(a, b)` of an `(m, n)` and a `(k, p)` array needs `n == k`; otherwise it
raises `ValueError: shapes not aligned`.  In the column layout
(`W: (n[l], n[l-1])`, `A: (n[l-1], m)`) the usual cause is swapped operands.

## Example
```python
W = np.random.randn(4, 3)
A = np.random.randn(3, 10)
Z = np.dot(A, W)      # (3, 10) . (4, 3)
```

## Fix
```python
Z = np.dot(W, A)      # (4, 3) . (3, 10) -> (4, 10)
```
"""
    VALID = [
        "import numpy as np\nW = np.ones((4, 3))\nA = np.ones((3, 10))\nZ = np.dot(W, A)\n",
        "import numpy as np\nx = np.ones(3)\ns = np.dot(x, x)\n",
    ]
    INVALID = [
        "import numpy as np\nW = np.ones((4, 3))\nA = np.ones((3, 10))\nZ = np.dot(A, W)\n",
        "import numpy as np\nZ = np.ones((2, 3)) @ np.ones((2, 3))\n",
        "import numpy as np\nZ = np.einsum('ij,jk->ik', np.ones((2, 3)), np.ones((4, 5)))\n",
    ]

    def on_mismatch(self, ev: MismatchEvent, ctx: RuleContext) -> None:
        if ev.error.kind is not self.kind:
            return
        message = f"`{ctx.code_of(ev.node, 50)}`: {ev.error.message}"
        ctx.report(ev.node, self.code, message, self.severity, self.fitting_products(ev, ctx))

    @staticmethod
    def fitting_products(ev: MismatchEvent, ctx: RuleContext) -> List[Fix]:
        """The products that would fit (all unsafe: each computes something else): an element-wise
        product when both operands have one shape (``np.dot(dA, s * (1 - s))``), swapped operands,
        or one operand transposed."""
        operands, nodes = ev.operands, ev.operand_nodes
        if len(operands) != 2 or len(nodes) != 2 or any(n is None for n in nodes):
            return []
        a, b = operands[0].shape, operands[1].shape
        if a is None or b is None or len(a) != 2 or len(b) != 2:
            return []
        x, y = (ctx.text_of(n).strip() for n in nodes)
        if ev.func == "@":  # `A @ (b + c)` swapped is `(b + c) @ A`
            x, y = atom(x), atom(y)
        call = ev.node

        def product(title: str, *edits: Any) -> Optional[Fix]:
            """The call with these edits of its operands, the edited call as the hint."""
            text = ctx.text_with(call, edits)
            return candidate(f"did you mean `{text}`?{title}", UNSAFE, *edits) if text else None

        fixes: List[Optional[Fix]] = []
        if dims_equal(b[1], a[0]) is True:
            fixes.append(product(" the operands look swapped", ctx.edit(nodes[0], y), ctx.edit(nodes[1], x)))
        if dims_equal(a[0], b[0]) is True:
            fixes.extend(_transposing(ctx, operands[0], product("", ctx.edit(nodes[0], _transposed(x)))))
        if dims_equal(a[1], b[1]) is True:
            fixes.extend(_transposing(ctx, operands[1], product("", ctx.edit(nodes[1], _transposed(y)))))
        if dims_equal(a[0], b[0]) is True and dims_equal(a[1], b[1]) is True:
            text = f"{atom(x)} * {atom(y)}"
            star = candidate(f"did you mean `{text}`? the operands have one shape: `*` multiplies them "
                             f"element-wise", UNSAFE, ctx.edit(call, text, standalone=True))
            # first, unless it is one array twice (`W.dot(W)`: a Gram matrix `W.T @ W` is likelier)
            fixes.insert(0 if x != y else len(fixes), star)
        return [f for f in fixes if f is not None]


def _transposing(ctx: RuleContext, operand: Any, here: Optional[Fix]) -> List[Optional[Fix]]:
    """Transpose an operand: where it is used (``here``), or where the checked file made it (the only
    way when the product is in a helper module).  Data flattened without its `.T` is fixed at the
    flatten first: that is where the course's `.T` belongs, and what the rest of the code expects."""
    made = made_fix(ctx, operand)
    flatten = getattr(getattr(operand, "made", None), "kind", "") == "flatten"
    return [made, here] if flatten else [here, made]


def _transposed(text: str) -> str:
    """`W` -> `W.T`, `W.T` -> `W` (undo a transpose rather than stack another)."""
    if text.endswith(".T"):
        return text[:-2]
    return f"{atom(text)}.T"
