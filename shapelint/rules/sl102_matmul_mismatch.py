from typing import Any

from shapelint.algebra.dims import dims_equal
from shapelint.rules._mismatch import MismatchRule


class MatmulMismatch(MismatchRule):
    code = "SL102"
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

    def on_mismatch(self, ev: Any, ctx: Any) -> None:
        if ev.error.code != self.code:
            return
        message = f"`{ctx.code_of(ev.node, 50)}`: {ev.error.message}"
        hint = self.fitting_product(ev, ctx)
        if hint:
            message += f"; {hint}"
        ctx.report(ev.node, self.code, message, self.severity)

    @staticmethod
    def fitting_product(ev: Any, ctx: Any) -> str:
        """Name the product that would fit: swapped operands, or one transposed."""
        operands = getattr(ev, "operands", [])
        nodes = getattr(ev, "operand_nodes", [])
        if len(operands) != 2 or len(nodes) != 2 or any(n is None for n in nodes):
            return ""
        a, b = operands[0].shape, operands[1].shape
        if a is None or b is None or len(a) != 2 or len(b) != 2:
            return ""
        x, y = ctx.code_of(nodes[0], 20), ctx.code_of(nodes[1], 20)
        at, bt = _transposed(x), _transposed(y)
        infix = getattr(ev, "func", "") == "@"
        def show(p: str, q: str) -> str:
            return f"`{p} @ {q}`" if infix else f"`np.dot({p}, {q})`"
        if dims_equal(b[1], a[0]) is True:
            return f"did you mean {show(y, x)}? the operands look swapped"
        if dims_equal(a[0], b[0]) is True:
            return f"did you mean {show(at, y)}?"
        if dims_equal(a[1], b[1]) is True:
            return f"did you mean {show(x, bt)}?"
        return ""


def _transposed(text: str) -> str:
    """`W` -> `W.T`, `W.T` -> `W` (undo a transpose rather than stack another)."""
    if text.endswith(".T"):
        return text[:-2]
    if "(" not in text and " " not in text:
        return f"{text}.T"
    return f"({text}).T"
