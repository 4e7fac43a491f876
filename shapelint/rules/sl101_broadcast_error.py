from shapelint.algebra.ops import ErrorKind
from shapelint.rules._mismatch import MismatchRule, hint_fix, operand_text, origin_hint, star_to_dot
from shapelint.rules.events import MismatchEvent, RuleContext


class BroadcastError(MismatchRule):
    code = "SL101"
    kind = ErrorKind.BROADCAST  # the errors of the algebra it reports
    name = "broadcast-error"
    summary = "Operands of an element-wise operation cannot be broadcast together"
    doc = """\
## What it does
Reports an element-wise operation (`+ - * / ** ==`, `np.add`, `np.maximum`,
`np.where`, an in-place `+=`, an assignment into a slice ...) whose operand
shapes cannot be broadcast together; also `np.broadcast_to`, and `np.pad`
with a `pad_width` that is not one (before, after) pair per axis.

## Why is this bad?
NumPy aligns shapes from the right; each pair of sizes must be equal or one
of them 1.  Otherwise the line raises `ValueError: operands could not be
broadcast together`.  The usual causes are a rank-1 array where a column was
meant, a missing `keepdims=True`, or `*` where a matrix product was meant.

## Example
```python
W = np.random.randn(4, 3)
X = np.random.randn(3, 10)
Z = W * X          # (4, 3) * (3, 10)
```

## Fix
```python
Z = np.dot(W, X)   # or W @ X: (4, 3) . (3, 10) -> (4, 10)
```
"""
    VALID = [
        "import numpy as np\nZ = np.ones((4, 10)) + np.zeros((4, 1))\n",
        "import numpy as np\nX = np.ones((5, 3))\nY = X - X.mean(axis=0)\n",
        "import numpy as np\nX = np.ones((2, 5, 5, 3))\nP = np.pad(X, ((0, 0), (1, 1), (1, 1), (0, 0)))\n"
        "Y = P + np.ones((2, 7, 7, 3))\n",
    ]
    INVALID = [
        "import numpy as np\nW = np.random.randn(4, 3)\nX = np.random.randn(3, 10)\nZ = W * X\n",
        "import numpy as np\ndZ = np.ones((4, 10))\nd = dZ - np.sum(dZ, axis=1)\n",
        "import numpy as np\nX = np.ones((2, 5, 5, 3))\nP = np.pad(X, ((1, 1), (1, 1)))\n",
    ]

    def on_mismatch(self, ev: MismatchEvent, ctx: RuleContext) -> None:
        if ev.error.kind is not self.kind:
            return
        operands, nodes = ev.operands, ev.operand_nodes
        fixes = []
        body, rank1 = origin_hint(ctx, operands)
        if len(operands) == 2 and all(n is not None for n in nodes[:2]):
            detail = (f"operands could not be broadcast together: {operand_text(ctx, nodes[0], operands[0])} "
                      f"and {operand_text(ctx, nodes[1], operands[1])}")
            if ev.op in ("*", "np.multiply"):
                fixes.extend(star_to_dot(ctx, ev.node, nodes, operands, ev.op == "*"))
        else:
            detail = ev.error.message
        fixes.extend(rank1)
        message = f"`{ctx.code_of(ev.node, 50)}`: {detail}"
        if body:
            message += f"; {body}"
        ctx.report(ev.node, self.code, message, self.severity, fixes + hint_fix(ev.error.hint))

