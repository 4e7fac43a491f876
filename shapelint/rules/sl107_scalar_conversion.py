from shapelint.algebra.dims import fmt_shape
from shapelint.rules.base import Rule
from shapelint.rules.events import RuleContext, ScalarConversionEvent


class ScalarConversion(Rule):
    code = "SL107"
    name = "array-to-scalar-conversion"
    severity = "error"
    summary = "`float()` or `int()` of an array with more than one element"
    doc = """\
## What it does
Reports `float(x)`, `int(x)` and `bool(x)` where `x` is an array whose size is
known and is not 1.

## Why is this bad?
Only an array with exactly one element converts to a Python number: NumPy
raises `TypeError: only 0-dimensional arrays can be converted to Python
scalars` (and `ValueError: the truth value of an array ... is ambiguous` for
`bool`).  In training code it is usually a cost or an accuracy that came out
`(m, m)` instead of `(1, 1)` because of a broadcast or a swapped product.

## Example
```python
accuracy = np.dot(predictions.T, Y) / m     # (m, m)
print(float(accuracy))
```

## Fix
```python
accuracy = np.dot(Y, predictions.T) / m     # (1, 1)
print(float(np.squeeze(accuracy)))
```
"""
    VALID = ["import numpy as np\ncost = np.ones((1, 1))\nc = float(np.squeeze(cost))\n"]
    INVALID = ["import numpy as np\ncost = np.ones((5, 5))\nc = float(cost)\n"]

    handles = {ScalarConversionEvent: "on_scalar_conversion"}

    def on_scalar_conversion(self, ev: ScalarConversionEvent, ctx: RuleContext) -> None:
        ctx.report(ev.node, self.code,
                   f"`{ctx.code_of(ev.node, 40)}`: {ev.func}() of an array of shape {fmt_shape(ev.value.shape)} "
                   f"({ev.size} elements); only an array with one element converts to a Python scalar",
                   self.severity)
