from shapelint.algebra.dims import fmt_shape
from shapelint.rules._mismatch import hint_fix
from shapelint.rules.base import Rule
from shapelint.rules.events import LikelyAssertFailsEvent, LikelyMismatchEvent, RuleContext


class LikelyShapeError(Rule):
    code = "SL209"
    name = "likely-shape-error"
    severity = "warning"
    summary = "A shape error, if the arrays have the ranks their use suggests, or if a loop body runs"
    doc = """\
## What it does
Reports the errors of SL101-SL106 when they depend on the rank of an array
that nothing declares, and that shapelint took from how the code uses it:
an unknown `X` used as `np.dot(W, X)` or `X.shape[1]` is taken to be 2-D.
Also the errors in the body of a loop that may run zero times (`for x in
items:` over something of unknown length, `while` on a test shapelint
cannot decide): the line raises whenever the body runs.

## Why is this bad?
With the ranks the code itself suggests, or once the loop runs, the line
raises.  shapelint cannot prove the ranks (`X` could be 3-D) or that the
loop runs, so it warns instead of reporting an error.

## Example
```python
def forward(X, W):           # X is used as a matrix below
    Z = np.dot(W, X)
    return Z + np.ones((5, 2, 3))[0] + X.shape[1] * np.ones(4)
```

## Fix
As for the error it stands for; or declare the shape (`assert X.shape == (n, m)`,
a docstring, `shapelint.check`) so that shapelint can be certain.
"""
    VALID = [
        "import numpy as np\ndef f(X):\n    W = np.ones((4, 3))\n    return np.dot(W, X) + np.ones((4, 1))\n",
        "import numpy as np\ndef f(items):\n    W = np.ones((4, 3))\n    for x in items:\n"
        "        W = W + np.dot(np.ones((4, 1)), np.ones((1, 3)))\n    return W\n",
    ]
    INVALID = [
        "import numpy as np\ndef f(X):\n    W = np.ones((4, 3))\n    Z = np.dot(W, X)\n"
        "    return Z + np.ones((5, 1))\n",
        "import numpy as np\ndef f(items):\n    W = np.ones((4, 3))\n    for x in items:\n"
        "        W = W + np.dot(np.ones((1, 4)), np.ones((1, 3)))\n    return W\n",
    ]

    handles = {LikelyMismatchEvent: "on_likely_mismatch", LikelyAssertFailsEvent: "on_likely_assert_fails"}

    def on_likely_mismatch(self, ev: LikelyMismatchEvent, ctx: RuleContext) -> None:
        message = f"`{ctx.code_of(ev.node, 50)}`: {ev.error.message}"
        ctx.report(ev.node, self.code, message + " (if the arrays have the ranks their use suggests)",
                   self.severity, hint_fix(ev.error.hint))

    def on_likely_assert_fails(self, ev: LikelyAssertFailsEvent, ctx: RuleContext) -> None:
        if ev.want is not None:
            detail = f"`{ev.name}` has shape {fmt_shape(ev.have)}, the assert expects {fmt_shape(ev.want)}"
        else:
            detail = f"`{ev.name}` has shape {fmt_shape(ev.have)}, the assert expects dim {ev.index} to be different"
        ctx.report(ev.node, self.code,
                   f"this assert fails if the arrays have the ranks their use suggests: {detail}", self.severity)
