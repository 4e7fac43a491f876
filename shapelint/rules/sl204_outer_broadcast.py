from typing import Any

from shapelint.algebra.dims import fmt_shape
from shapelint.algebra.ops import broadcast_grows
from shapelint.rules.base import Rule


class OuterBroadcast(Rule):
    code = "SL204"
    name = "accidental-outer-broadcast"
    severity = "warning"
    summary = "A broadcast whose result is larger than both operands"
    doc = """\
## What it does
Warns on an element-wise operation whose result has more elements than either
operand, such as `(n,)` with `(n, 1)` or `(1, n)` with `(n, 1)`, both giving
`(n, n)`, unless the code asked for it with `x[:, None]`, `np.newaxis`,
`reshape` or `expand_dims`.

## Why is this bad?
It is legal NumPy, and almost always a bug: the classic is `Y - Yhat` where one
of them is rank-1, which silently makes an `(m, m)` matrix, and a cost that is
a number but the wrong one.

## Example
```python
Y = np.zeros((1, m))
Yhat = np.zeros((m, 1))
err = Y - Yhat             # (m, m)
```

## Fix
```python
Yhat = Yhat.reshape(1, m)  # or .T: both (1, m)
err = Y - Yhat
```
"""
    VALID = [
        "import numpy as np\nx = np.ones(5)\ny = np.ones(7)\nP = x[:, np.newaxis] * y[np.newaxis, :]\n",
        "import numpy as np\nZ = np.ones((4, 10)) + np.zeros((4, 1))\n",
    ]
    INVALID = [
        "import numpy as np\nY = np.zeros((1, 20))\nYhat = np.zeros((20, 1))\nerr = Y - Yhat\n",
    ]

    def on_elementwise(self, ev: Any, ctx: Any) -> None:
        if len(ev.operands) != 2 or ev.result is None:
            return
        a, b = ev.operands
        if a.explicit_axes or b.explicit_axes:
            return
        if not broadcast_grows(a.shape, b.shape, ev.result):
            return
        for o, other in ((a, b), (b, a)):
            origin = o.origin
            if origin is not None and o.shape is not None and len(o.shape) == 1:
                if origin.kind == "reduction" and origin.source is other and "SL207" in ctx.enabled:
                    return
                if "SL201" in ctx.enabled:
                    return  # the rank-1 warning names the origin
        x, y = (ctx.code_of(n, 20) if n is not None else "?" for n in ev.operand_nodes)
        ctx.report(
            ev.node, self.code,
            f"`{x}` {fmt_shape(a.shape)} and `{y}` {fmt_shape(b.shape)} broadcast to {fmt_shape(ev.result)}, "
            f"larger than both; if an outer product is meant, say so with `[:, None]`, otherwise make the "
            f"shapes match (`.reshape`, `.T`, `keepdims=True`)",
            self.severity,
        )
