from typing import Any

from shapelint.algebra.dims import dims_equal, fmt_shape
from shapelint.algebra.ops import broadcast_grows
from shapelint.rules.base import Rule
from shapelint.rules.events import ElementwiseEvent, RuleContext


class OuterBroadcast(Rule):
    code = "SL204"
    name = "accidental-outer-broadcast"
    severity = "warning"
    summary = "A broadcast whose result is larger than both operands"
    doc = """\
## What it does
Warns on an element-wise operation whose result is larger than both operands
and lays the same size along two axes, one from each operand, such as `(n,)`
with `(n, 1)` or `(1, n)` with `(n, 1)`, both giving `(n, n)`; unless the code
asked for it with `x[:, None]`, `np.newaxis`, `reshape` or `expand_dims`, or
wrote `v * v.T`.  A grid of two different sizes (`(n,)` with `(k, 1)`) is
usually on purpose and is not reported.

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

    handles = {ElementwiseEvent: "on_elementwise"}

    def on_elementwise(self, ev: ElementwiseEvent, ctx: RuleContext) -> None:  # noqa: C901
        if len(ev.operands) != 2 or ev.result is None:
            return
        a, b = ev.operands
        if a.explicit_axes or b.explicit_axes:
            return
        if not broadcast_grows(a.shape, b.shape, ev.result):
            return
        if not _squares_a_size(a.shape, b.shape, ev.result):
            return  # (n,) with (k, 1): a grid of two different sizes is usually on purpose
        x_text, y_text = (ctx.code_of(n, 40) if n is not None else "?" for n in ev.operand_nodes)
        if x_text + ".T" == y_text or y_text + ".T" == x_text:
            return  # v * v.T: an outer product written out
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


def _squares_a_size(a: Any, b: Any, result: Any) -> bool:
    """Does the broadcast lay the same size along two axes, one from each operand ((n,) + (n, 1))?"""
    n = len(result)
    pa = (1,) * (n - len(a)) + tuple(a)
    pb = (1,) * (n - len(b)) + tuple(b)
    from_a = [pa[i] for i in range(n) if pa[i] != 1 and pb[i] == 1]
    from_b = [pb[i] for i in range(n) if pb[i] != 1 and pa[i] == 1]
    return any(dims_equal(x, y) is True for x in from_a for y in from_b)
