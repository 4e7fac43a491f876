from shapelint.algebra.dims import dims_equal, fmt_shape
from shapelint.rules._mismatch import keepdims_fix
from shapelint.rules.base import Rule
from shapelint.rules.events import GradientEvent, RuleContext


class GradientShape(Rule):
    code = "SL302"
    name = "gradient-shape-mismatch"
    severity = "warning"
    summary = "A gradient's shape differs from the shape of its variable"
    doc = """\
## What it does
Pairs gradients with the variables they are gradients of, by the naming
convention of backpropagation code (`dW1` and `W1`, `db` and `b`, `dA_prev` and
`A_prev`, `grads["dW" + str(l)]` and `parameters["W" + str(l)]`), and warns
when their shapes certainly differ.

## Why is this bad?
A gradient always has the shape of its variable.  A mismatch, such as `db`
of shape `(n,)` for `b` of shape `(n, 1)` after a `np.sum` without
`keepdims=True`, makes the update `b = b - learning_rate * db` broadcast
`b` into an `(n, n)` matrix, silently.

## Example
```python
db = 1 / m * np.sum(dZ, axis=1)
```

## Fix
```python
db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
```
"""
    VALID = [
        'import numpy as np\ndef back(dZ, b):\n    assert dZ.shape == (4, 10)\n    assert b.shape == (4, 1)\n    m = dZ.shape[1]\n    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)\n    return db\n',
    ]
    INVALID = [
        'import numpy as np\ndef back(dZ, b):\n    assert dZ.shape == (4, 10)\n    assert b.shape == (4, 1)\n    m = dZ.shape[1]\n    db = 1 / m * np.sum(dZ, axis=1)\n    return db\n',
    ]

    handles = {GradientEvent: "on_gradient"}

    def on_gradient(self, ev: GradientEvent, ctx: RuleContext) -> None:
        g, v = ev.grad.shape, ev.var.shape
        if len(g) == len(v) and not any(dims_equal(a, b) is False for a, b in zip(g, v)):
            return
        hint, fixes = "", []
        origin = getattr(ev.grad, "origin", None)
        if len(g) == len(v) - 1 and len(v) == 2 and v[1] == 1 and origin is not None and origin.kind == "reduction":
            hint = f"; it comes from the reduction on {ctx.where(origin.node)}"
            fixes = [f for f in (keepdims_fix(ctx, origin.node),) if f is not None]
        elif len(g) == len(v) == 2 and dims_equal(g[0], v[1]) is True and dims_equal(g[1], v[0]) is True:
            hint = "; it looks transposed"
        ctx.report(ev.node, self.code,
                   f"gradient `{ev.grad_name}` has shape {fmt_shape(g)} but `{ev.var_name}` has shape "
                   f"{fmt_shape(v)}{hint}", self.severity, fixes)
