from shapelint.algebra.dims import fmt_dim
from shapelint.rules.base import Rule
from shapelint.rules.events import ForcedEqualEvent, RuleContext


class SizesForcedEqual(Rule):
    code = "SL208"
    name = "sizes-forced-equal"
    severity = "warning"
    summary = "The code runs only if two sizes it keeps apart are equal (two axes of one array)"
    doc = """\
## What it does
Follows the arrays nobody declared through the code that uses them: a
parameter used in `np.dot(W, A)`, read as `A.shape[1]`, asserted equal to
another shape.  Each use says something about the sizes (the inner sizes of
a matrix product are one size, an assert makes two shapes one).  When those
uses together require two axes of the same array to have the same size, the
array would have to be square; the code runs only if that coincidence holds.

## Why is this bad?
Neural-network arrays are almost never square by design: `A` is
`(size of previous layer, number of examples)`, `W` is `(size of current
layer, size of previous layer)`.  Code that needs `A.shape[0] == A.shape[1]`
has swapped the operands of a product or dropped a `.T`, and it crashes on
the first real input (or, worse, runs on the square test input).

## Example
```python
def linear_forward(A, W, b):
    Z = np.dot(A, W) + b                       # operands swapped
    assert Z.shape == (W.shape[0], A.shape[1])
    return Z
```
`np.dot(A, W)` needs `A.shape[1] == W.shape[0]`; with the assert, `A` and
`W` must both be square.

## Fix
```python
    Z = np.dot(W, A) + b
```
"""
    VALID = [
        "import numpy as np\ndef f(A, W, b):\n    Z = np.dot(W, A) + b\n"
        "    assert Z.shape == (W.shape[0], A.shape[1])\n    return Z\n",
        "import numpy as np\ndef g(X):\n    return np.dot(X.T, X)\n",
    ]
    INVALID = [
        "import numpy as np\ndef f(A, W, b):\n    Z = np.dot(A, W) + b\n"
        "    assert Z.shape == (W.shape[0], A.shape[1])\n    return Z\n",
        "import numpy as np\ndef g(dZ, A_prev):\n    m = A_prev.shape[1]\n    dW = np.dot(dZ, A_prev)\n"
        "    assert dW.shape == (dZ.shape[0], A_prev.shape[0])\n    return dW\n",
    ]

    handles = {ForcedEqualEvent: "on_forced_equal"}

    def on_forced_equal(self, ev: ForcedEqualEvent, ctx: RuleContext) -> None:
        i, j = ev.axes
        ctx.report(ev.node, self.code,
                   f"`{ctx.code_of(ev.node, 50)}` runs only if `{ev.array}` is square: with the uses before it, "
                   f"it needs `{ev.array}.shape[{i}] == {ev.array}.shape[{j}]` (here `{fmt_dim(ev.first)}` == "
                   f"`{fmt_dim(ev.second)}`); swapped operands or a missing `.T`?", self.severity)
