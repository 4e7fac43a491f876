from shapelint.algebra.dims import dims_equal, fmt_shape
from shapelint.rules._mismatch import matmul_fits, star_to_dot
from shapelint.rules.base import Rule
from shapelint.rules.events import ElementwiseEvent, RuleContext


class StarVersusDot(Rule):
    code = "SL202"
    name = "elementwise-where-matmul-fits"
    severity = "warning"
    summary = "`*` between two matrices whose shapes fit a matrix product"
    doc = """\
## What it does
Warns on `a * b` (or `np.multiply(a, b)`) between two 2-D arrays shaped
`(n, k)` and `(k, m)`, where the element-wise product only works if the
sizes happen to coincide.  Where the broadcast is known to fail, the same
hint is part of the `SL101` error instead.

## Why is this bad?
On `np.ndarray`, `*` is element-wise; a matrix product is `np.dot(a, b)` or
`a @ b` (`*` is a matrix product only on the deprecated `np.matrix`).  Shapes
that chain like `(n, k)·(k, m)` show that a matrix product was meant.

## Example
```python
def forward(W, X):
    n, k = W.shape
    k, m = X.shape
    return W * X
```

## Fix
```python
    return W @ X
```
"""
    VALID = [
        "import numpy as np\ndef f(A, n):\n    assert A.shape == (n, n)\n    return A * A\n",
        "import numpy as np\nW = np.ones((3, 4))\nM = np.ones((3, 4))\nP = W * M\n",
    ]
    INVALID = [
        "import numpy as np\ndef f(W, X):\n    n, k = W.shape\n    k, m = X.shape\n    return W * X\n",
    ]

    handles = {ElementwiseEvent: "on_elementwise"}

    def on_elementwise(self, ev: ElementwiseEvent, ctx: RuleContext) -> None:
        if ev.op not in ("*", "np.multiply") or len(ev.operands) != 2:
            return
        a, b = (o.shape for o in ev.operands)
        if not matmul_fits(a, b):
            return
        if dims_equal(a[0], b[0]) is True and dims_equal(a[1], b[1]) is True:
            return  # same shape: element-wise is plainly meant
        if any(o.explicit_axes for o in ev.operands):
            return
        # it must depend on sizes coinciding: some pair is neither known equal nor a 1
        if not any(x != 1 and y != 1 and dims_equal(x, y) is not True for x, y in zip(a, b)):
            return
        x, y = (ctx.code_of(n, 20) if n is not None else "?" for n in ev.operand_nodes)
        fixes = star_to_dot(ctx, ev.node, ev.operand_nodes, ev.operands, ev.op == "*") \
            if all(n is not None for n in ev.operand_nodes) else []
        ctx.report(
            ev.node, self.code,
            f"`{x} * {y}` multiplies {fmt_shape(a)} and {fmt_shape(b)} element-wise, which only works if the "
            f"sizes coincide",
            self.severity, fixes,
        )
