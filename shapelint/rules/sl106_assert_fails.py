from shapelint.algebra.dims import fmt_shape
from shapelint.algebra.ops import equal_shapes_condition
from shapelint.rules.base import Rule
from shapelint.rules.events import AssertFailsEvent, RuleContext


class AssertShapeFails(Rule):
    code = "SL106"
    name = "shape-assert-fails"
    severity = "error"
    summary = "An assert on a shape that is known to fail"
    doc = """\
## What it does
Reports `assert X.shape == (n, m)` and `assert X.shape[i] == n` where the
inferred shape of `X` certainly differs.

## Why is this bad?
The assert raises `AssertionError` every time the line runs: either the
code before it computes the wrong shape, or the assert states the wrong one.
Where it would pass if a size were 1 (`b = np.zeros((1, 1))` then
`assert b.shape == (n_y, 1)`: it passes when `n_y == 1`, the course's size of
a binary classifier's output layer), the finding is a warning that names that
condition: an error means the line raises.

## Example
```python
Z = np.dot(np.ones((4, 3)), np.ones((3, 10)))
assert Z.shape == (3, 10)
```

## Fix
```python
assert Z.shape == (4, 10)
```
"""
    VALID = [
        "import numpy as np\nZ = np.ones((4, 10))\nassert Z.shape == (4, 10)\n",
        "def f(X, n):\n    assert X.shape == (n, 1)\n    return X\nimport numpy as np\n",
    ]
    INVALID = [
        "import numpy as np\nZ = np.ones((4, 10))\nassert Z.shape == (3, 10)\n",
        "import numpy as np\nb = np.zeros(4)\nassert b.shape == (4, 1)\n",
        "import numpy as np\ndef init(n_h, n_y):\n    b2 = np.zeros((1, 1))\n    assert b2.shape == (n_y, 1)\n    return b2\n",
    ]

    handles = {AssertFailsEvent: "on_assert_fails"}

    def on_assert_fails(self, ev: AssertFailsEvent, ctx: RuleContext) -> None:
        if ev.want is not None:
            detail = f"`{ev.name}` has shape {fmt_shape(ev.have)}, the assert expects {fmt_shape(ev.want)}"
            condition = equal_shapes_condition(ev.have, ev.want)
        else:
            detail = (f"`{ev.name}.shape[{ev.index}]` is {fmt_shape((ev.have[ev.index],))[1:-2]} "
                      f"(shape {fmt_shape(ev.have)}), the assert expects {fmt_shape((ev.want_dim,))[1:-2]}")
            condition = equal_shapes_condition((ev.have[ev.index],), (ev.want_dim,))
        if condition.asks_only_ones():  # a size of 1 is common, not a coincidence
            ctx.report(ev.node, self.code, f"this assert fails unless {condition}: {detail}", "warning")
            return
        verdict = "this assert always fails"
        if condition:  # decided by the generic-size convention: name where it would pass
            verdict, detail = "this assert fails", f"{detail} (it would pass only if {condition})"
        ctx.report(ev.node, self.code, f"{verdict}: {detail}", self.severity)
