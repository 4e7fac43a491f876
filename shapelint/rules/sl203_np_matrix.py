from shapelint.rules.base import Rule
from shapelint.rules.events import MatmulEvent, RuleContext


class NpMatrix(Rule):
    code = "SL203"
    name = "numpy-matrix"
    severity = "warning"
    summary = "`*` is a matrix product here, because an operand is an `np.matrix`"
    doc = """\
## What it does
Warns on `a * b` where `a` or `b` is an `np.matrix` (made by `np.matrix`,
`np.asmatrix` or `np.mat`, or computed from one): there `*` is a matrix
product, not the element-wise product it is on `np.ndarray`.

## Why is this bad?
The same line means two different things depending on where an array came
from: pass it an `np.ndarray` and it multiplies element-wise (or fails to
broadcast).  Matrices also stay 2-D through reductions and indexing, and NumPy
deprecates the class (`PendingDeprecationWarning`; `np.mat` is gone in NumPy
2.0, which ruff's `NPY201` flags).  A matrix that no `*` meets changes nothing
here, and is not reported.

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
    VALID = [
        "import numpy as np\nW = np.array([[1.0, 2.0]])\nZ = W @ W.T\n",
        "import numpy as np\nW = np.matrix([[1.0, 2.0]])\nZ = W @ W.T\n",
        "import numpy as np\nW = np.matrix([[1.0, 2.0]])\nZ = W * 100\n",
    ]
    INVALID = ["import numpy as np\nW = np.matrix([[1.0, 2.0]])\nZ = W * W.T\n"]

    handles = {MatmulEvent: "on_matmul"}

    def on_matmul(self, ev: MatmulEvent, ctx: RuleContext) -> None:
        if ev.func != "*":
            return  # (a product written as one)
        if any(o.shape is None or len(o.shape) == 0 for o in ev.operands):
            return  # times a number it is element-wise either way (or the shapes are unknown: unsure)
        which = [ctx.code_of(n, 20) for n, o in zip(ev.operand_nodes, ev.operands) if o.matrix and n is not None]
        named = f"`{which[0]}` is an `np.matrix`" if len(which) == 1 else "its operands are `np.matrix`"
        ctx.report(ev.node, self.code,
                   f"`{ctx.code_of(ev.node, 30)}` is a matrix product here because {named} (deprecated); "
                   f"on arrays `*` is element-wise: use `np.array` and `@` (or `np.dot`)", self.severity)
