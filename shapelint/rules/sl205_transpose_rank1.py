from shapelint.algebra.dims import fmt_shape
from shapelint.rules.base import Rule
from shapelint.rules.events import RuleContext, TransposeEvent


class TransposeRank1(Rule):
    code = "SL205"
    name = "transpose-of-rank-1"
    severity = "warning"
    summary = "`.T` or `np.transpose` on a rank-1 array does nothing"
    doc = """\
## What it does
Warns on `.T`, `.transpose()` and `np.transpose(x)` where `x` is a rank-1 array
that the code made rank-1 itself (`np.random.randn(n)`, `np.zeros(n)`, a
reduction without `keepdims=True`, a column index `X[:, 0]`).

## Why is this bad?
A rank-1 array has one axis; reversing the axes leaves it as it was.  Code
that transposes it expects a row to become a column, and it does not.

## Example
```python
v = np.random.randn(5)
col = v.T               # still (5,)
```

## Fix
```python
v = np.random.randn(5, 1)   # a column; v.T is (1, 5)
col = v.reshape(-1, 1)      # or make the column explicitly
```
"""
    VALID = ["import numpy as np\nv = np.random.randn(5, 1)\nr = v.T\n",
             "import numpy as np\ny = np.array([1, 2, 3]).T\n"]
    INVALID = ["import numpy as np\nv = np.random.randn(5)\nr = v.T\n",
               "import numpy as np\nv = np.zeros(5)\nr = np.transpose(v)\n"]

    handles = {TransposeEvent: "on_transpose"}

    def on_transpose(self, ev: TransposeEvent, ctx: RuleContext) -> None:
        shape = ev.value.shape
        if shape is None or len(shape) != 1:
            return
        if ev.value.origin is None:
            # a literal, np.arange, np.linspace: 1-D on purpose, and `.T` on it is
            # a harmless habit in mature code; warn where the code made it rank-1
            # by accident (randn(n), zeros(n), a reduction, a column index)
            return
        if ev.operand_is_transpose:
            return  # `np.transpose(v.T)`: the inner transpose is the one to report
        ctx.report(ev.node, self.code,
                   f"`{ctx.code_of(ev.operand_node, 25)}` is rank-1 {fmt_shape(shape)}: transposing it does "
                   f"nothing; use `.reshape(-1, 1)` for a column or `.reshape(1, -1)` for a row",
                   self.severity)

