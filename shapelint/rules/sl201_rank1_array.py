from shapelint.algebra.dims import dims_equal, fmt_shape
from shapelint.rules._mismatch import rank1_fixes
from shapelint.rules.base import Rule
from shapelint.rules.events import ElementwiseEvent, RuleContext


class Rank1Array(Rule):
    code = "SL201"
    name = "rank-1-array"
    severity = "warning"
    summary = "A rank-1 array meets a 2-D array along the wrong axis"
    doc = """\
## What it does
Follows rank-1 arrays (shape `(n,)`) that the code made itself, with
`np.random.randn(n)`, `np.zeros(n)`, a reduction without `keepdims=True`, or a
column index `X[:, 0]`, and warns when one meets a 2-D array whose *first*
dimension is `n` in an element-wise operation.

## Why is this bad?
Broadcasting aligns shapes from the right, so `(n,)` lines up with the *last*
axis of `(n, m)`, not the first.  With `(n, 1)` it silently gives `(n, n)`; with
`(n, m)` it raises, or worse, runs when `m == n`.  In the column layout a bias
or a column vector must be `(n, 1)`.

## Example
```python
b = np.zeros(n_h)
Z = np.dot(W, X) + b          # (n_h, m) + (n_h,)
```

## Fix
```python
b = np.zeros((n_h, 1))
Z = np.dot(W, X) + b          # (n_h, m) + (n_h, 1)
```
"""
    VALID = [
        "import numpy as np\nX = np.ones((100, 5))\nc = X - X.mean(axis=0)\n",
        "import numpy as np\ndef f(X, n_h):\n    b = np.zeros((n_h, 1))\n    return np.ones((n_h, 3)) + b\n",
        "import numpy as np\ndef f(x, y):\n    return x[:, np.newaxis] * y[np.newaxis, :]\n",
    ]
    INVALID = [
        "import numpy as np\ndef f(n_h, m):\n    b = np.zeros(n_h)\n    Z = np.ones((n_h, m))\n    c = np.ones((n_h, 1)) + b\n",
        "import numpy as np\ndef f(X):\n    col = X[:, 0]\n    return np.ones((3, 1)) * col\nf(np.ones((3, 4)))\n",
    ]

    handles = {ElementwiseEvent: "on_elementwise"}

    def on_elementwise(self, ev: ElementwiseEvent, ctx: RuleContext) -> None:
        operands = ev.operands
        if len(operands) != 2:
            return
        for r, M, r_node in ((operands[0], operands[1], ev.operand_nodes[0]),
                             (operands[1], operands[0], ev.operand_nodes[1])):
            origin = r.origin
            if origin is None or r.shape is None or len(r.shape) != 1 or M.shape is None or len(M.shape) != 2:
                continue
            if r.explicit_axes or M.explicit_axes:
                continue
            if origin.kind == "reduction" and origin.source is M and "SL207" in ctx.enabled:
                continue  # SL207 says it better
            k = r.shape[0]
            p, q = M.shape
            if dims_equal(k, p) is not True or dims_equal(k, q) is True:
                continue
            where = ctx.where(origin.node)
            name = f"`{ctx.code_of(r_node, 25)}`" if r_node is not None else "an operand"
            outcome = (f"gives {fmt_shape((p, p))}" if q == 1
                       else "only works when the sizes happen to be equal")
            ctx.report(
                ev.node, self.code,
                f"{name} is rank-1 {fmt_shape(r.shape)} because of {where}, and lines up with the last axis of "
                f"{fmt_shape(M.shape)}, not the first: this {outcome}",
                self.severity, rank1_fixes(ctx, r, M),
            )
            return
