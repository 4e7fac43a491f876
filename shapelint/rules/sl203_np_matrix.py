from shapelint.algebra.api import display_name
from shapelint.rules.base import Rule
from shapelint.rules.events import NpMatrixEvent, RuleContext


class NpMatrix(Rule):
    code = "SL203"
    name = "numpy-matrix"
    severity = "warning"
    summary = "`np.matrix` changes what `*` means, and is deprecated"
    doc = """\
## What it does
Warns on `np.matrix`, `np.asmatrix` and `np.mat`.

## Why is this bad?
On `np.matrix`, `*` is a matrix product, while on `np.ndarray` it is
element-wise: the same line means two different things depending on where an
array came from.  Matrices also stay 2-D through reductions and indexing.
NumPy deprecates the class (`PendingDeprecationWarning`).

## Example
```python
W = np.matrix(np.random.randn(4, 3))
Z = W * X
```

## Fix
```python
W = np.random.randn(4, 3)
Z = W @ X
```
"""
    VALID = ["import numpy as np\nW = np.array([[1.0, 2.0]])\nZ = W @ W.T\n"]
    INVALID = ["import numpy as np\nW = np.matrix([[1.0, 2.0]])\n"]

    handles = {NpMatrixEvent: "on_np_matrix"}

    def on_np_matrix(self, ev: NpMatrixEvent, ctx: RuleContext) -> None:
        ctx.report(ev.node, self.code,
                   f"`{display_name(ev.qualname)}` makes `*` a matrix product and is deprecated; "
                   f"use `np.array` and `@` (or `np.dot`)", self.severity)
