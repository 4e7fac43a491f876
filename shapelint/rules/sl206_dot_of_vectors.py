from typing import Any

from shapelint.rules._mismatch import hint_fix
from shapelint.rules.base import Rule
from shapelint.rules.events import ElementwiseEvent, RuleContext, ScalarDotUsedEvent


class DotOfVectors(Rule):
    code = "SL206"
    name = "dot-of-rank-1-used-as-array"
    severity = "warning"
    summary = "The dot product of two rank-1 arrays is a scalar, used here as an array"
    doc = """\
## What it does
Tracks `np.dot(x, y)` / `x @ y` of two rank-1 arrays, which is a scalar, and
warns where that scalar is then used as an array: indexed, its `.shape` read,
or combined element-wise with a 2-D array.

## Why is this bad?
The author usually expected an outer product (a matrix) or a `(1, 1)` array.
Indexing the scalar raises, and combining it with a matrix silently scales
the matrix.

## Example
```python
x = np.random.randn(5)
y = np.random.randn(5)
M = np.dot(x, y)
M[0]
```

## Fix
```python
M = np.outer(x, y)          # (5, 5)
# or use column vectors: x (5, 1), y (5, 1), np.dot(x.T, y) -> (1, 1)
```
"""
    VALID = ["import numpy as np\nx = np.ones(5)\ny = np.ones(5)\ncost = np.dot(x, y) / 5\n"]
    INVALID = ["import numpy as np\nx = np.ones(5)\ny = np.ones(5)\nM = np.dot(x, y)\nprint(M.shape)\n",
               "import numpy as np\nx = np.ones(5)\ny = np.ones(5)\nM = np.dot(x, y) * np.ones((5, 5))\n"]

    handles = {ScalarDotUsedEvent: "on_scalar_dot_used", ElementwiseEvent: "on_elementwise"}

    def _report(self, node: Any, scalar: Any, ctx: RuleContext, how: str) -> None:
        """``scalar``: the value made by the dot product, used at ``node``."""
        where = ctx.where(scalar.dot_scalar)
        ctx.report(node, self.code,
                   f"the value from {where} is the dot product of two rank-1 arrays, a scalar, but {how}",
                   self.severity, hint_fix("did you mean `np.outer(x, y)`, or column vectors `(n, 1)`?"))

    def on_scalar_dot_used(self, ev: ScalarDotUsedEvent, ctx: RuleContext) -> None:
        self._report(ev.node, ev.value, ctx, ev.how)

    def on_elementwise(self, ev: ElementwiseEvent, ctx: RuleContext) -> None:
        if len(ev.operands) != 2:
            return
        for o, other in ((ev.operands[0], ev.operands[1]), (ev.operands[1], ev.operands[0])):
            # `(x @ x) * u[:, None] * v[None, :]` scales an outer product on purpose
            if (o.dot_scalar is not None and o.shape == () and other.shape is not None and len(other.shape) >= 2
                    and not other.explicit_axes):
                self._report(ev.node, o, ctx, "it is combined element-wise with a matrix")
                return
