from shapelint.algebra.dims import fmt_dim
from shapelint.rules.base import Rule
from shapelint.rules.events import ForcedEqualEvent, RuleContext


class SizesForcedEqual(Rule):
    code = "SL208"
    name = "sizes-forced-equal"
    severity = "warning"
    summary = ("The code runs only if two sizes it keeps apart are equal (two axes of one array, or a layer's size "
               "and the number of examples)")
    doc = """\
## What it does
Follows the arrays nobody declared through the code that uses them: a
parameter used in `np.dot(W, A)`, read as `A.shape[1]`, asserted equal to
another shape.  Each use says something about the sizes (the inner sizes of
a matrix product are one size, an assert makes two shapes one).  When those
uses together require two axes of the same array to have the same size, the
array would have to be square; the code runs only if that coincidence holds.

In the course's column layout there is one more coincidence of that kind.
Where the code multiplies a weight by the data the course's way
(`np.dot(W1, X)`: a weight named `W`, `W1`, `dW2` on the left, data named
`X`, `A_prev`, `A1`, `dZ` on the right), the data's axis 1 is the number of
examples; a weight's sizes are layers' sizes, never that number.  Code that
runs only if `W2.shape[1] == X.shape[1]` (`np.dot(W2, A1.T)`) needs the hidden
layer to have as many units as there are examples.  Code in the row layout
(`np.dot(X, W)`) shows no such evidence and is left alone.

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
        # the column layout, right: forward and backward
        "import numpy as np\ndef f(X, W1, b1, W2, b2):\n    A1 = np.tanh(np.dot(W1, X) + b1)\n"
        "    Z2 = np.dot(W2, A1) + b2\n    dZ2 = Z2\n    dW2 = np.dot(dZ2, A1.T)\n    dA1 = np.dot(W2.T, dZ2)\n"
        "    return dW2, dA1\n",
        # the row layout, with weights (in, out) and (out, in): no evidence of the column layout
        "import numpy as np\ndef f(X, W1, W2):\n    A1 = np.tanh(np.dot(X, W1))\n    return np.dot(A1, W2)\n",
        "import numpy as np\ndef f(X, W1, W2):\n    A1 = np.tanh(X @ W1.T)\n    return A1 @ W2.T\n",
    ]
    INVALID = [
        "import numpy as np\ndef f(A, W, b):\n    Z = np.dot(A, W) + b\n"
        "    assert Z.shape == (W.shape[0], A.shape[1])\n    return Z\n",
        "import numpy as np\ndef g(dZ, A_prev):\n    m = A_prev.shape[1]\n    dW = np.dot(dZ, A_prev)\n"
        "    assert dW.shape == (dZ.shape[0], A_prev.shape[0])\n    return dW\n",
        # needs W2.shape[1] == X.shape[1]: the hidden size equals the number of examples
        "import numpy as np\ndef f(X, W1, b1, W2, b2):\n    a1 = np.tanh(np.dot(W1, X) + b1)\n"
        "    return np.dot(W2, a1.T) + b2\n",
    ]

    handles = {ForcedEqualEvent: "on_forced_equal"}

    def on_forced_equal(self, ev: ForcedEqualEvent, ctx: RuleContext) -> None:
        i, j = ev.axes
        if ev.examples_of:
            sizes = (f"{ev.array}.shape[{i}]", f"{ev.examples_of}.shape[{j}]")
            here = (fmt_dim(ev.first), fmt_dim(ev.second))
            shown = f" (here `{here[0]}` == `{here[1]}`)" if set(here) != set(sizes) else ""
            ctx.report(ev.node, self.code,
                       f"`{ctx.code_of(ev.node, 50)}` runs only if a layer's size equals the number of examples: "
                       f"with the uses before it, it needs `{sizes[0]} == {sizes[1]}`{shown}; in the column layout "
                       f"`{ev.array}` is (size of a layer, size of the layer before) and `{ev.examples_of}` "
                       f"(size of a layer, number of examples): a missing or extra `.T`, or swapped operands?",
                       self.severity)
            return
        ctx.report(ev.node, self.code,
                   f"`{ctx.code_of(ev.node, 50)}` runs only if `{ev.array}` is square: with the uses before it, "
                   f"it needs `{ev.array}.shape[{i}] == {ev.array}.shape[{j}]` (here `{fmt_dim(ev.first)}` == "
                   f"`{fmt_dim(ev.second)}`); swapped operands or a missing `.T`?", self.severity)
