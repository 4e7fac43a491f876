from shapelint.algebra.dims import dims_equal, fmt_shape
from shapelint.rules._mismatch import keepdims_fix
from shapelint.rules.base import Rule
from shapelint.rules.events import ElementwiseEvent, RuleContext


class ReductionMisaligned(Rule):
    code = "SL207"
    name = "reduction-without-keepdims"
    severity = "warning"
    summary = "A reduction is combined with its source, but lines up with the wrong axis"
    doc = """\
## What it does
Warns when the result of a reduction without `keepdims=True` over a trailing
axis (`X.mean(axis=1)` of an `(n, m)` array) is combined element-wise with
the array it came from.

## Why is this bad?
The reduction has shape `(n,)`, which broadcasting lines up with the *last*
axis of `X`, `m`, not with `n`.  It raises when `n != m`, and silently
computes the wrong thing when they happen to be equal, or when `m` is a size
the code does not know yet.  Reducing over axis 0 (`X - X.mean(axis=0)`) is
fine and not reported.

## Example
```python
X_centered = X - X.mean(axis=1)
```

## Fix
```python
X_centered = X - X.mean(axis=1, keepdims=True)
```
"""
    VALID = [
        "import numpy as np\nX = np.ones((100, 5))\nc = X - X.mean(axis=0)\n",
        "import numpy as np\nX = np.ones((4, 4))\nc = X - X.mean(axis=1, keepdims=True)\n",
    ]
    INVALID = [
        "import numpy as np\nX = np.ones((4, 4))\nc = X - X.mean(axis=1)\n",
        "import numpy as np\ndef f(X):\n    n, m = X.shape\n    return X / np.sum(X, axis=1)\n",
    ]

    handles = {ElementwiseEvent: "on_elementwise"}

    def on_elementwise(self, ev: ElementwiseEvent, ctx: RuleContext) -> None:
        if len(ev.operands) != 2:
            return
        for r, M in ((ev.operands[0], ev.operands[1]), (ev.operands[1], ev.operands[0])):
            origin = r.origin
            if origin is None or origin.kind != "reduction" or origin.source is not M:
                continue
            if M.shape is None or len(M.shape) != 2 or origin.axes != (1,):
                continue
            n, m = M.shape
            if dims_equal(n, m) is False:
                return  # it raises: SL101 reports that, with the same hint
            ctx.report(
                ev.node, self.code,
                f"the reduction on {ctx.where(origin.node)} has shape {fmt_shape(r.shape)} and lines up "
                f"with the last axis of its source {fmt_shape(M.shape)}, not the first",
                self.severity, [f for f in (keepdims_fix(ctx, origin.node),) if f is not None],
            )
            return
